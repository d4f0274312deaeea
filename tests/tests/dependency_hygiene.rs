//! Users of the client never compile the generator: neither the codegen
//! crate nor its YAML and pretty-printing dependencies are in the client's
//! normal or build dependency tree, and the client does not depend on
//! syn/quote/proc-macro2 itself (they arrive only behind derive macros such
//! as serde's, which every serde user compiles anyway). The emulator does
//! not depend on the client either: the two sides check each other. The
//! command-line tool's crates (arguments, CSV, terminals, configuration
//! files) stay out of the client's tree, and its columnar ones (arrow,
//! parquet) out of the quickstart's too. ARCHITECTURE.md's crate table says
//! what each crate of the workspace depends on: it is checked against the
//! manifests.

use std::process::Command;

/// What `cargo ARGS` prints, run offline at the workspace's root.
fn cargo(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .arg("--offline")
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

fn tree(package: &str, args: &[&str]) -> String {
    let mut all = vec![
        "tree",
        "-p",
        package,
        "-e",
        "normal,build",
        "--prefix",
        "none",
    ];
    all.extend(args);
    cargo(&all)
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

#[test]
fn the_tools_columnar_crates_are_not_in_the_client_or_the_quickstart_tree() {
    let tool = tree("falcon-exposure-cli", &[]);
    let columnar = |name: &&str| *name == "parquet" || name.starts_with("arrow");
    assert!(
        names(&tool).contains(&"parquet") && names(&tool).contains(&"arrow-array"),
        "parquet and arrow are not in the tool's tree: update this test\n{tool}"
    );
    // The client, and the quickstart (examples) that every new user builds.
    for package in ["falcon-exposure", "falcon-exposure-examples"] {
        let all = tree(package, &[]);
        let found: Vec<&str> = names(&all).into_iter().filter(columnar).collect();
        assert!(
            found.is_empty(),
            "{found:?} in {package}'s dependency tree:\n{all}"
        );
    }
}

/// One row of ARCHITECTURE.md's crate table, or of the manifests.
#[derive(Debug, PartialEq)]
struct Crate {
    name: String,
    path: String,
    depends_on: Vec<String>,
    dev_depends_on: Vec<String>,
    published: bool,
}

/// The rows of ARCHITECTURE.md's crate table.
fn crate_table() -> Vec<Crate> {
    let doc = include_str!("../../ARCHITECTURE.md");
    let header = "| crate | path | depends on | dev-depends on | published |";
    let start = doc
        .find(header)
        .expect("ARCHITECTURE.md has the crate table");
    let list = |cell: &str| -> Vec<String> {
        let mut v: Vec<String> = match cell {
            "none" => Vec::new(),
            _ => cell.split(',').map(|c| c.trim().to_owned()).collect(),
        };
        v.sort();
        v
    };
    doc[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            Crate {
                name: cells[0].trim_matches('`').to_owned(),
                path: cells[1].trim_matches('`').trim_end_matches('/').to_owned(),
                depends_on: list(cells[2]),
                dev_depends_on: list(cells[3]),
                published: cells[4] == "yes",
            }
        })
        .collect()
}

/// The workspace's crates as their manifests say, dependencies named by
/// their folder.
fn manifests() -> Vec<Crate> {
    let out = cargo(&["metadata", "--format-version", "1", "--no-deps"]);
    let meta: serde_json::Value = serde_json::from_str(&out).expect("metadata");
    let root = std::path::Path::new(meta["workspace_root"].as_str().unwrap());
    let folder = |manifest: &str| {
        let dir = std::path::Path::new(manifest).parent().unwrap();
        dir.strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let packages = meta["packages"].as_array().unwrap();
    let paths: std::collections::BTreeMap<&str, String> = packages
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                folder(p["manifest_path"].as_str().unwrap()),
            )
        })
        .collect();
    packages
        .iter()
        .map(|p| {
            let (mut deps, mut dev) = (Vec::new(), Vec::new());
            for d in p["dependencies"].as_array().unwrap() {
                let Some(path) = paths.get(d["name"].as_str().unwrap()) else {
                    continue;
                };
                let into = if d["kind"] == "dev" {
                    &mut dev
                } else {
                    &mut deps
                };
                into.push(path.clone());
            }
            for v in [&mut deps, &mut dev] {
                v.sort();
                v.dedup();
            }
            Crate {
                name: p["name"].as_str().unwrap().to_owned(),
                path: folder(p["manifest_path"].as_str().unwrap()),
                depends_on: deps,
                dev_depends_on: dev,
                // `publish = false` is an empty list; absent, any registry.
                published: p["publish"].is_null(),
            }
        })
        .collect()
}

#[test]
fn the_crate_table_of_architecture_md_matches_the_manifests() {
    let mut table = crate_table();
    let mut actual = manifests();
    table.sort_by(|a, b| a.name.cmp(&b.name));
    actual.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        table, actual,
        "ARCHITECTURE.md's crate table (left) against the manifests"
    );
}
