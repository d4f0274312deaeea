//! `falcon-exposure doctor`: checks the credentials, the cloud, each
//! operation's scope, the clock, TLS and proxies, and the API's page
//! limits, and prints a report to paste into an issue. It only reads.

mod checks;
mod report;

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::exit::{Code, Failure};
use crate::global::GlobalArgs;

/// `doctor` flags.
///
/// Read-only: it asks for a token, sends one minimal read per read
/// operation and runs the probe (page limits, the v2 cursor, aggregates,
/// headers, the clock). Write scopes are reported as not checked: doctor
/// never sends a write. The report holds no secret, no host name and no
/// path; the client ID shows its first 4 characters only. Exit 0 when
/// every check passed, 4 when the API or the network failed, 2 for a
/// configuration error.
#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The report's format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text to read or paste into an issue.
    Text,
    /// One JSON object.
    Json,
}

/// Runs `doctor`.
pub async fn run(global: &GlobalArgs, args: DoctorArgs) -> Result<Code, Failure> {
    let settings = crate::config::resolve(global)?;
    let client = settings.client()?;
    let report = checks::run(&settings, &client).await;
    let text = match args.format {
        Format::Text => report.to_string(),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::usage(format!("cannot write the report as JSON: {e}")))?;
            json.push('\n');
            json
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::io("writing the report to stdout"))?;
    if report.passed {
        Ok(Code::Success)
    } else {
        eprintln!(
            "falcon-exposure: doctor: {}",
            crate::output::terminal(&report.summary())
        );
        Ok(Code::Failed)
    }
}
