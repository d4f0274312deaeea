//! Users of the client never compile the generator: neither the codegen
//! crate nor its YAML and pretty-printing dependencies are in the client's
//! normal or build dependency tree, and the client does not depend on
//! syn/quote/proc-macro2 itself (they arrive only behind derive macros such
//! as serde's, which every serde user compiles anyway). The emulator does
//! not depend on the client either: the two sides check each other. The
//! command-line tool's crates (arguments, CSV, terminals, configuration
//! files) stay out of the client's tree.

use std::process::Command;

fn tree(package: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            package,
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--offline",
        ])
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn names(tree: &str) -> Vec<&str> {
    tree.lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

#[test]
fn the_generator_and_its_crates_are_not_in_the_client_tree() {
    let all = tree("falcon-exposure", &[]);
    for banned in ["falcon-exposure-codegen", "serde_yaml", "prettyplease"] {
        assert!(
            !names(&all).contains(&banned),
            "{banned} is in the client's dependency tree:\n{all}"
        );
    }
}

#[test]
fn the_client_does_not_depend_on_syn_or_quote_directly() {
    let direct = tree("falcon-exposure", &["--depth", "1"]);
    for banned in ["syn", "quote", "proc-macro2"] {
        assert!(
            !names(&direct).contains(&banned),
            "{banned} is a direct dependency of the client:\n{direct}"
        );
    }
}

#[test]
fn the_emulator_does_not_depend_on_the_client() {
    let all = tree("falcon-emulator", &[]);
    assert!(names(&all).contains(&"axum"), "the tree was read:\n{all}");
    assert!(
        !names(&all).contains(&"falcon-exposure"),
        "the emulator depends on the client:\n{all}"
    );
}

#[test]
fn the_command_line_tools_crates_are_not_in_the_client_tree() {
    let all = tree("falcon-exposure", &[]);
    let tool = tree("falcon-exposure-cli", &[]);
    // Crates the tool brings for arguments, files and terminals.
    for heavy in [
        "clap",
        "clap_complete",
        "csv",
        "indicatif",
        "directories",
        "toml",
    ] {
        assert!(
            names(&tool).contains(&heavy),
            "{heavy} is not in the tool's tree: update this list\n{tool}"
        );
        assert!(
            !names(&all).contains(&heavy),
            "{heavy} is in the client's dependency tree:\n{all}"
        );
    }
}
