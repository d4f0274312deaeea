//! `falcon-exposure`, the command-line tool: exports, diffs and checks of a
//! Falcon Exposure Management tenant's external assets, for people who do
//! not write Rust. Built on the `falcon-exposure` library's public API.

mod blobs;
mod call;
mod cli;
mod config;
mod diff;
mod doctor;
mod emulator;
mod exit;
mod export;
mod filter_check;
mod global;
mod logging;
mod output;
mod parquet;
mod report;
mod triage;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::exit::{Code, Failure};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 2.
            let _ = e.print();
            let code = if e.use_stderr() {
                Code::Usage
            } else {
                Code::Success
            };
            return code.into();
        }
    };
    logging::init(&cli.global);
    match run(cli).await {
        Ok(code) => code.into(),
        Err(failure) => {
            eprintln!(
                "falcon-exposure: {}",
                output::terminal(&failure.to_string())
            );
            failure.code().into()
        }
    }
}

async fn run(cli: Cli) -> Result<Code, Failure> {
    match cli.command {
        Command::Export(args) => export::run(&cli.global, args).await,
        Command::Diff(args) => diff::run(&cli.global, args),
        Command::Doctor(args) => doctor::run(&cli.global, args).await,
        Command::Triage(args) => triage::run(&cli.global, args).await,
        Command::Report(args) => report::run(&cli.global, args).await,
        Command::Call(args) => call::run(&cli.global, args).await,
        Command::Emulator(args) => emulator::run(args).await,
        Command::Blobs(args) => blobs::run(&cli.global, args).await,
        Command::Completions(args) => cli::completions(args),
    }
}
