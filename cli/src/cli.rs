//! The command line: the commands and `completions` (the global flags are in [`crate::global`]).

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::exit::{Code, Failure, TABLE};

/// Export, diff and check the external attack surface of a CrowdStrike
/// Falcon Exposure Management tenant.
#[derive(Parser, Debug)]
#[command(name = "falcon-exposure", version, about, after_help = TABLE)]
pub struct Cli {
    #[command(flatten)]
    pub global: crate::global::GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Export every asset matching a filter to JSON Lines, CSV or Parquet.
    Export(crate::export::ExportArgs),
    /// Compare two exports: assets added and removed, services opened and
    /// closed, exposure, criticality and triage changes.
    Diff(crate::diff::DiffArgs),
    /// Check credentials, cloud, scopes, clock, TLS and the API's page
    /// limits, read-only, and print a report to paste into an issue.
    Doctor(crate::doctor::DoctorArgs),
    /// Set criticality and triage fields of many assets from a CSV file:
    /// a dry run unless --apply, which writes an undo and an audit file.
    Triage(crate::triage::TriageArgs),
    /// An inventory report from aggregates: counts by type, criticality,
    /// perimeter and internet exposure, top services and applications,
    /// subsidiaries, assets new this week.
    Report(crate::report::ReportArgs),
    /// Call any operation by its ID with raw parameters and JSON body, and
    /// print the reply as JSON.
    Call(crate::call::CallArgs),
    /// Run the built-in emulator of the API on loopback, to try every
    /// command without a tenant.
    Emulator(crate::emulator::EmulatorArgs),
    /// Download the evidence blobs (service banners and attributes) of
    /// selected assets into a folder; a second run skips those done.
    Blobs(crate::blobs::BlobsArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

/// `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Writes the completion script of `args.shell` to stdout.
pub fn completions(args: CompletionsArgs) -> Result<Code, Failure> {
    let mut command = Cli::command();
    clap_complete::generate(
        args.shell,
        &mut command,
        "falcon-exposure",
        &mut std::io::stdout(),
    );
    Ok(Code::Success)
}
