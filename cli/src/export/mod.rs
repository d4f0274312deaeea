//! `falcon-exposure export`: every asset matching a filter, as JSON Lines
//! or CSV, for the credentials' account or several member CIDs, written
//! whole or not at all, or resumably with `--state`.
//!
//! Accounts (`--cid`) are exported one after the other into the one
//! output: each export already runs many detail requests at once, within
//! its account's rate budget, and one account at a time keeps the output
//! a sequence of whole accounts, so that a resume can cut it back to a
//! byte length that the saved points cover.

mod atomic;
mod columns;
mod encode;
mod help;
pub mod interrupt;
mod job;
pub mod meta;
mod plan;
mod progress;
mod sink;
mod state;
mod summary;

use std::path::PathBuf;

use clap::Args;

use crate::exit::{Code, Failure};
use crate::export::job::{End, Job, Opened, Target, one_line};
use crate::export::meta::{Format, Rows};
use crate::export::plan::Plan;
use crate::export::progress::Bar;
use crate::global::GlobalArgs;
use crate::output::terminal;

/// `export` flags.
#[derive(Args, Debug)]
#[command(after_long_help = help::long_help())]
pub struct ExportArgs {
    /// FQL filter on external assets (all assets when absent), checked
    /// against the filter fields before anything is sent, e.g.
    /// "asset_type:'ip'+internet_exposure:'Yes'".
    #[arg(long, value_name = "FQL")]
    pub filter: Option<String>,
    /// Refuse filter values outside a field's known values (by default a
    /// warning).
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// One row per asset, or one per service of an asset (an asset without
    /// services is one row with empty service columns).
    #[arg(long, value_enum, default_value_t = Rows::Assets)]
    pub rows: Rows,
    /// Columns, comma-separated, named as the filter fields (listed below
    /// with --help), e.g. id,asset_type,ip.services.port. Default: see
    /// below.
    #[arg(long, value_name = "FIELD,...", value_delimiter = ',')]
    pub fields: Option<Vec<String>>,
    /// The file to write (stdout when absent). Written to a temporary file
    /// beside it and renamed over it at the end: a failed export leaves
    /// no file (and an earlier one unchanged).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Export this member CID of an MSSP parent (repeatable); every row
    /// gets a `cid` column.
    #[arg(long = "cid", value_name = "CID")]
    pub cids: Vec<String>,
    /// Resumable export: where it stands is saved in this file, the
    /// output is written in place, and the same command run again goes on
    /// from there. Requires --out.
    #[arg(long, value_name = "PATH", requires = "out")]
    pub state: Option<PathBuf>,
    /// After the export, compare this earlier export with it (as
    /// `falcon-exposure diff SNAPSHOT OUT`). Requires --out, JSON Lines of
    /// whole assets.
    #[arg(long, value_name = "SNAPSHOT", requires = "out")]
    pub since: Option<PathBuf>,
}
/// Runs `export`.
pub async fn run(global: &GlobalArgs, args: ExportArgs) -> Result<Code, Failure> {
    let plan = Plan::new(&args)?;
    let client = crate::config::client(global)?;
    let mut job = match (&args.out, &args.state) {
        (None, _) => Job::stdout(plan)?,
        (Some(out), None) => Job::replacing(out, plan)?,
        (Some(out), Some(path)) => match Job::in_place(out, path, plan)? {
            Opened::Job(job) => *job,
            Opened::Finished(state) => {
                if !global.quiet {
                    let text = format!(
                        "The export to {} had finished ({} assets; state {}): nothing to do. \
                         Delete the state file to export again.",
                        out.display(),
                        state.accounts.iter().map(|a| a.assets).sum::<u64>(),
                        path.display()
                    );
                    eprintln!("{}", terminal(&text));
                }
                return Ok(Code::Success);
            }
        },
    };
    let mut bar = Bar::new(global.quiet);
    let mut interrupt = interrupt::signal();
    let mut last_error = None;
    for index in 0..job.accounts.len() {
        if job.accounts[index].finished {
            continue;
        }
        let end = job.account(&client, index, &mut bar, &mut interrupt).await;
        bar.clear();
        match end? {
            End::Done => {}
            End::Failed(e) => {
                job.accounts[index].error = Some(one_line(&e));
                job.checkpoint(index, None)?;
                last_error = Some(e);
            }
            End::Interrupted => {
                let resumable = matches!(job.target, Target::InPlace { .. });
                // Dropping the job removes a temporary output.
                drop(job);
                eprintln!(
                    "falcon-exposure: interrupted{}",
                    if resumable {
                        "; run the same command to go on from where it stopped"
                    } else {
                        ""
                    }
                );
                std::process::exit(Code::Interrupted as i32);
            }
            End::Closed => return Ok(Code::Success),
        }
    }
    let report = job.finish()?;
    report.print(global.quiet);
    let code = match (report.failed, last_error) {
        (f, Some(e)) if f == report.accounts.len() && report.members == 0 => {
            if report.resumable {
                eprintln!(
                    "falcon-exposure: the output and --state are kept; \
                     run the same command to go on from where it stopped"
                );
            }
            return Err(Failure::Api(e));
        }
        (f, _) if f == report.accounts.len() => Code::Failed,
        (f, _) if f > 0 => Code::Partial,
        _ if report.incomplete.is_some() => Code::Partial,
        _ => Code::Success,
    };
    match (&args.since, &args.out) {
        (Some(since), Some(out)) if code == Code::Success => {
            let diff = crate::diff::run(
                global,
                crate::diff::DiffArgs::between(since.clone(), out.clone()),
            )?;
            Ok(diff)
        }
        (Some(_), Some(_)) => {
            if !global.quiet {
                eprintln!(
                    "warning: --since skipped: this export is not complete; compare anyway with \
                     `falcon-exposure diff --force`"
                );
            }
            Ok(code)
        }
        _ => Ok(code),
    }
}
