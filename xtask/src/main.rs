//! Maintainer tasks. `cargo xtask regen [--check]` regenerates the client
//! code and the operations page from the manifest; `cargo xtask public-api
//! [--check]` writes (or checks) the listing of the client's public API;
//! `cargo xtask dist` builds the command-line tool's release archive.

mod dist;
mod public_api;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // xtask lives one level below the repository root.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["regen"] => regen(&root, false),
        ["regen", "--check"] => regen(&root, true),
        ["public-api"] => public_api::run(&root, false),
        ["public-api", "--check"] => public_api::run(&root, true),
        ["dist"] => dist::run(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask regen [--check]\n       {}\n       {}",
                public_api::usage(),
                dist::usage()
            );
            ExitCode::from(2)
        }
    }
}

fn regen(root: &std::path::Path, check: bool) -> ExitCode {
    let started = Instant::now();
    match falcon_exposure_codegen::regen(root, check) {
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
        Ok(report) => {
            let stale: Vec<_> = report.stale.iter().chain(&report.extra).collect();
            if check {
                if stale.is_empty() {
                    println!("generated code is up to date");
                    return ExitCode::SUCCESS;
                }
                for path in stale {
                    eprintln!("stale: {}", path.display());
                }
                eprintln!("run `cargo xtask regen` and commit the result");
                return ExitCode::FAILURE;
            }
            for path in &report.stale {
                println!("wrote {}", path.display());
            }
            for path in &report.extra {
                println!("removed {}", path.display());
            }
            println!(
                "{} lines of Rust generated in {:.0?}; {} file(s) changed",
                report.rust_lines,
                started.elapsed(),
                stale.len()
            );
            ExitCode::SUCCESS
        }
    }
}
