//! The command line: global flags, the commands, and `completions`.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::exit::{Code, Failure, TABLE};

/// Export, diff and check the external attack surface of a CrowdStrike
/// Falcon Exposure Management tenant.
#[derive(Parser, Debug)]
#[command(name = "falcon-exposure", version, about, after_help = TABLE)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// Configuration profile to use, from the profiles file (config.toml in
    /// the platform's configuration directory, or the file
    /// FALCON_EXPOSURE_CONFIG names); its credentials and member CID are
    /// used alone, never mixed with the environment's.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Cloud name (us-1, us-2, eu-1, us-gov-1, ...) or base URL; overrides
    /// the profile's or FALCON_CLOUD.
    #[arg(long, global = true, value_name = "CLOUD")]
    pub cloud: Option<String>,
    /// Extra PEM root certificates to trust (a TLS-inspecting proxy's),
    /// besides the bundled and the operating system's; SSL_CERT_FILE is
    /// loaded too when set.
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_file: Option<PathBuf>,
    /// More logs on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Errors only on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Export every asset matching a filter to JSON Lines or CSV.
    Export(crate::export::ExportArgs),
    /// Compare two exports: assets added and removed, services opened and
    /// closed, exposure, criticality and triage changes.
    Diff(crate::diff::DiffArgs),
    /// Check credentials, cloud, scopes, clock, TLS and the API's page
    /// limits, read-only, and print a report to paste into an issue.
    Doctor(crate::doctor::DoctorArgs),
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
