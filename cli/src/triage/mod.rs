//! `falcon-exposure triage`: set criticality and triage fields of many
//! external assets from a CSV file. A dry run by default: it reads the
//! assets and shows what would change. With `--apply` it writes an undo
//! file first, then sends the PATCHes in batches and records each result
//! in an audit file. A bad row is reported by its number; the others go.

mod apply;
mod cell;
mod failure;
mod fields;
mod input;
mod lookup;
mod plan;
mod record;
mod report;

use std::path::PathBuf;

use clap::Args;

use crate::exit::{Code, Failure};
use crate::global::GlobalArgs;
use crate::output::terminal;
use crate::triage::failure::RowFailure;
use crate::triage::plan::Planned;
use crate::triage::record::Audit;

/// `triage` flags.
#[derive(Args, Debug)]
#[command(after_long_help = report::columns_help() + HELP)]
pub struct TriageArgs {
    /// The CSV file: a header row naming the columns (listed below with
    /// --help), then a row per asset. An empty cell leaves the field as it
    /// is.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// Write the changes. Without it nothing is written: the assets are
    /// read and the changes shown.
    #[arg(long)]
    pub apply: bool,
    /// With --apply: the undo file, a triage CSV that puts back the values
    /// read before the changes [default: FILE.undo.csv beside FILE].
    #[arg(long, value_name = "PATH")]
    pub undo: Option<PathBuf>,
    /// With --apply: the audit file, JSON Lines, a line per asset with its
    /// values before and after and the time [default: FILE.audit.jsonl
    /// beside FILE].
    #[arg(long, value_name = "PATH")]
    pub audit: Option<PathBuf>,
    /// Replace the undo and audit files when they exist (by default an
    /// existing file is an error).
    #[arg(long)]
    pub overwrite: bool,
}

const HELP: &str = "
The criticality is one of Critical, High, Noncritical, Unassigned (as spelt).
A cell whose value starts with ' then =, +, -, @ or a tab loses the ' (the
form a spreadsheet-safe CSV gives such values). Each row's id must be unique.

An undo file restores what a PATCH can: a field that was unset holds
\"was unset, cannot restore\" and is left as it is when the undo file is
applied (`triage UNDO.csv --apply`).

Rows that fail (malformed, unknown id, bad criticality, refused) are listed
by row number on stderr; the others still go, and the exit code is 3.";

/// Runs `triage`.
pub async fn run(global: &GlobalArgs, args: TriageArgs) -> Result<Code, Failure> {
    let input = input::read(&args.file)?;
    let paths = if args.apply {
        let undo = args
            .undo
            .clone()
            .unwrap_or_else(|| record::beside(&args.file, ".undo.csv"));
        let audit = args
            .audit
            .clone()
            .unwrap_or_else(|| record::beside(&args.file, ".audit.jsonl"));
        if undo == audit {
            return Err(Failure::usage("--undo and --audit name the same file"));
        }
        record::check_free(&undo, &args.file, "--undo", args.overwrite)?;
        record::check_free(&audit, &args.file, "--audit", args.overwrite)?;
        Some((undo, audit))
    } else {
        None
    };
    for s in &input.skipped {
        eprintln!("{s} (skipped)");
    }
    let mut failures = input.failures;
    let mut planned = Vec::new();
    let settings = crate::config::resolve(global)?;
    let client = settings.client()?;
    let mut tenant_cids = Default::default();
    if !input.rows.is_empty() {
        client.authenticate().await?;
        let mut lookup = lookup::current(&client, &input.rows).await?;
        failures.append(&mut lookup.failures);
        planned = plan::plan(input.rows, &mut lookup);
        tenant_cids = lookup.tenant_cids;
    }
    for p in &planned {
        println!("{}", report::planned(p));
    }
    let changing: Vec<&Planned> = planned.iter().filter(|p| !p.changes.is_empty()).collect();
    let unchanged = planned.len() - changing.len();
    let Some((undo, audit)) = paths else {
        report_failures(&mut failures);
        println!(
            "Dry run: {} assets would change, {unchanged} already have the values, {} rows failed. \
             Nothing was written; run again with --apply to write.",
            changing.len(),
            failures.len()
        );
        return Ok(code(&failures));
    };
    if changing.is_empty() {
        report_failures(&mut failures);
        println!(
            "Nothing to change ({unchanged} assets already have the values, {} rows failed); \
             no file written.",
            failures.len()
        );
        return Ok(code(&failures));
    }
    let cid = match &settings.member_cid {
        Some(m) => m.value.clone(),
        None if tenant_cids.is_empty() => "unknown (no asset of the file is in it)".into(),
        None => tenant_cids.into_iter().collect::<Vec<_>>().join(", "),
    };
    let mut members: Vec<&str> = changing
        .iter()
        .filter_map(|p| p.member.as_deref())
        .collect();
    members.sort_unstable();
    members.dedup();
    println!(
        "Tenant: cloud {}, CID {}{}; {} assets to change.",
        terminal(&settings.cloud_label()),
        terminal(&cid),
        if members.is_empty() {
            String::new()
        } else {
            format!(", member CIDs {}", terminal(&members.join(", ")))
        },
        changing.len()
    );
    record::write_undo(&undo, args.overwrite, &changing)?;
    println!("Undo file: {}", terminal(&undo.display().to_string()));
    let mut audit_file = Audit::create(&audit, args.overwrite)?;
    let (mut applied, mut audit_error) = (0usize, None);
    apply::apply(&changing, |p, outcome| {
        if let Some(why) = outcome.failure() {
            failures.push(RowFailure::new(p.row.line, Some(&p.row.id), why));
        } else {
            applied += 1;
        }
        if audit_error.is_none() {
            audit_error = audit_file.record(p, &outcome).err();
        }
    })
    .await;
    report_failures(&mut failures);
    println!(
        "Applied {applied} of {} changes; {} rows failed. Audit file: {}",
        changing.len(),
        failures.len(),
        terminal(&audit.display().to_string())
    );
    if let Some(e) = audit_error {
        // The PATCHes went; the audit could not keep up.
        eprintln!(
            "falcon-exposure: the audit file is incomplete: {}",
            terminal(&e.to_string())
        );
        return Ok(Code::Partial);
    }
    Ok(code(&failures))
}

/// The failed rows on stderr, in the file's order.
fn report_failures(failures: &mut [RowFailure]) {
    failures.sort_by_key(|f| f.line);
    for f in failures.iter() {
        eprintln!("{f}");
    }
}

/// 3 when any row failed.
fn code(failures: &[RowFailure]) -> Code {
    if failures.is_empty() {
        Code::Success
    } else {
        Code::Partial
    }
}
