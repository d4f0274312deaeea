//! `falcon-exposure diff`: what changed between two exports of the same
//! filter, CIDs and fields.
//!
//! The OLD export is held as a map from asset to the few values compared
//! ([`facts`]); the NEW one is streamed against it ([`compare`]). Both
//! exports' metadata files are checked first ([`sidecar`]), so that a
//! failed or different export never reads as thousands of removed assets.

mod change;
mod compare;
mod facts;
mod lines;
mod render;
mod sidecar;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::exit::{Code, Failure};
use crate::global::GlobalArgs;

use change::ChangeKind;
pub use facts::compared_paths;

/// `diff` flags.
#[derive(Args, Debug)]
#[command(after_long_help = render::JSON_HELP)]
pub struct DiffArgs {
    /// The older export (JSON Lines or Parquet, `--rows assets`, with its
    /// `.meta.json` file next to it).
    pub old: PathBuf,
    /// The newer export.
    pub new: PathBuf,
    /// Output format: a table for terminals, a JSON object (described
    /// below with --help), or Markdown to paste into a ticket.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when changes of these kinds exist (comma list), 0 otherwise.
    #[arg(
        long,
        value_enum,
        value_name = "KINDS",
        value_delimiter = ',',
        default_value = "any"
    )]
    pub fail_on: Vec<FailOn>,
    /// Compare even when the exports' metadata says they differ, did not
    /// finish or are missing assets, with a warning.
    #[arg(long)]
    pub force: bool,
}

impl DiffArgs {
    /// A diff of `old` and `new` with the defaults: a table, exit 1 on any
    /// change, no `--force`.
    pub fn between(old: PathBuf, new: PathBuf) -> DiffArgs {
        DiffArgs {
            old,
            new,
            format: Format::Table,
            fail_on: vec![FailOn::Any],
            force: false,
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON object.
    Json,
    /// A Markdown table.
    Markdown,
}

/// A value of `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any change.
    Any,
    /// Assets added.
    Added,
    /// Assets removed.
    Removed,
    /// Services opened or closed.
    Services,
    /// `internet_exposure` changes.
    Exposure,
    /// `criticality` or `criticality_description` changes.
    Criticality,
    /// `triage.*` changes.
    Triage,
}

impl FailOn {
    /// Whether changes of `kind` are selected.
    fn selects(self, kind: ChangeKind) -> bool {
        match self {
            FailOn::Any => true,
            FailOn::Added => kind == ChangeKind::Added,
            FailOn::Removed => kind == ChangeKind::Removed,
            FailOn::Services => kind == ChangeKind::Services,
            FailOn::Exposure => kind == ChangeKind::Exposure,
            FailOn::Criticality => kind == ChangeKind::Criticality,
            FailOn::Triage => kind == ChangeKind::Triage,
        }
    }
}

/// Runs `diff`.
pub fn run(global: &GlobalArgs, args: DiffArgs) -> Result<Code, Failure> {
    let _ = global;
    let old_meta = sidecar::load(&args.old);
    let new_meta = sidecar::load(&args.new);
    let problems = sidecar::problems(&args.old, &old_meta, &args.new, &new_meta);
    sidecar::enforce(problems, args.force)?;

    let mut report = compare::compare(&args.old, &args.new)?;
    let counted = [
        sidecar::count_problem(&args.old, &old_meta, report.old.assets),
        sidecar::count_problem(&args.new, &new_meta, report.new.assets),
    ];
    sidecar::enforce(counted.into_iter().flatten().collect(), args.force)?;

    for (side, path) in [(&report.old, &args.old), (&report.new, &args.new)] {
        if side.duplicates > 0 {
            tracing::warn!(
                "{}: {} asset(s) appear on more than one line; the first line of each was compared",
                crate::output::terminal(&path.display().to_string()),
                side.duplicates
            );
        }
    }
    report.old.started_at = sidecar::started_at(&old_meta);
    report.new.started_at = sidecar::started_at(&new_meta);
    report.not_compared = sidecar::not_compared(&old_meta, &new_meta);
    if !report.not_compared.is_empty() {
        let names: Vec<_> = report.not_compared.iter().map(|k| k.name()).collect();
        tracing::warn!(
            "the exports hold none of the fields of: {} (--fields), so those changes are not compared",
            names.join(", ")
        );
    }

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        Format::Table => render::table(&mut out, &report),
        Format::Json => render::json(&mut out, &report),
        Format::Markdown => render::markdown(&mut out, &report),
    }
    .and_then(|()| out.flush());
    match written {
        // A reader that stopped early (`| head`) is not a failure; the exit
        // code still says whether there were changes.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.map_err(Failure::io("writing the report to stdout"))?,
    }

    let failing = ChangeKind::ALL
        .into_iter()
        .any(|kind| report.count(kind) > 0 && args.fail_on.iter().any(|f| f.selects(kind)));
    Ok(if failing {
        Code::Changes
    } else {
        Code::Success
    })
}
