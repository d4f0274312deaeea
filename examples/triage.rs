//! Bulk triage from a CSV file of asset ids: every id gets the same
//! assignee and triage note, and optionally the same criticality, triage
//! status and action, in requests of 100 sent a few at a time, with a result
//! per id: what was updated and what was not.
//!
//! ```sh
//! cargo run --example triage -- --csv ids.csv \
//!     --assigned-to alice@example.com --criticality High
//! ```
//!
//! `--criticality` takes one of the documented levels: `Critical`, `High`,
//! `Noncritical` or `Unassigned`. `--status` and `--action` are sent as
//! given: no public source lists the triage values, so use the ones your
//! tenant shows. The CSV's first column is the asset id; a header row `id`
//! is skipped.
//! Without `--csv`, against the built-in emulator, the example writes a CSV
//! of 250 exposed assets first and triages those. Against a real tenant
//! (`FALCON_CLIENT_ID` set) nothing is changed unless `--write` is given.

use std::collections::BTreeSet;

use clap::Parser;
use falcon_exposure::WriteOutcome;
use futures::{StreamExt, TryStreamExt};
use support::{Session, fmt_count};

type BoxError = Box<dyn std::error::Error>;

/// Bulk triage of the asset ids of a CSV file.
#[derive(Parser)]
struct Args {
    /// CSV file whose first column is the asset id (a header row `id` is
    /// skipped). Without it, against the emulator, a demo CSV is written.
    #[arg(long)]
    csv: Option<String>,
    /// Who the assets are assigned to.
    #[arg(long, default_value = "triage@example.com")]
    assigned_to: String,
    /// The triage note.
    #[arg(long, default_value = "Bulk triage (falcon-exposure triage example)")]
    description: String,
    /// Criticality level: Critical, High, Noncritical or Unassigned.
    #[arg(long)]
    criticality: Option<String>,
    /// Triage status, as your tenant shows it.
    #[arg(long)]
    status: Option<String>,
    /// Triage action, as your tenant shows it.
    #[arg(long)]
    action: Option<String>,
    /// Against a real tenant, apply the changes (the emulator is always
    /// changed).
    #[arg(long)]
    write: bool,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Asset ids from the first column of a CSV file, without duplicates.
fn read_ids(path: &str) -> Result<Vec<String>, BoxError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut seen = BTreeSet::new();
    let mut ids = Vec::new();
    for line in text.lines() {
        let id = line
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if id.is_empty() || id.eq_ignore_ascii_case("id") || id.starts_with('#') {
            continue;
        }
        if seen.insert(id.to_owned()) {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

async fn run() -> Result<(), BoxError> {
    let Args {
        csv,
        assigned_to,
        description,
        criticality,
        status,
        action,
        write,
    } = Args::parse();
    let session = Session::open(2_000).await?;
    let client = &session.client;

    let csv = match csv {
        Some(path) => path,
        None if !session.is_real() => {
            // A demo CSV: 250 exposed assets of the emulator.
            let ids: Vec<String> = client
                .query_assets()
                .filter("internet_exposure:'Yes'")
                .items()
                .take(250)
                .try_collect()
                .await?;
            let path = std::env::temp_dir().join("falcon-triage-demo.csv");
            std::fs::write(&path, format!("id\n{}\n", ids.join("\n")))?;
            println!(
                "No --csv given: wrote {} ids to {}",
                ids.len(),
                path.display()
            );
            path.display().to_string()
        }
        None => return Err("give the ids with --csv FILE".into()),
    };
    let ids = read_ids(&csv)?;
    let mut changes = vec![format!("assigned to {assigned_to}")];
    for (what, value) in [
        ("criticality", &criticality),
        ("status", &status),
        ("action", &action),
    ] {
        if let Some(v) = value {
            changes.push(format!("{what} {v}"));
        }
    }
    println!(
        "Triage {} assets: {}",
        fmt_count(ids.len() as u64),
        changes.join(", ")
    );
    if session.is_real() && !write {
        println!("Read-only run against your tenant: pass --write to apply it.");
        session.close().await;
        return Ok(());
    }

    let bar = support::progress("patching");
    let shown = bar.clone();
    // Any number of ids: requests of 100, a few at a time, a result per id.
    // A request that may have reached the API is never sent again.
    let mut update = client
        .update_assets()
        .ids(ids)
        .assigned_to(assigned_to)
        .description(description);
    if let Some(c) = criticality {
        update = update.criticality(c);
    }
    if let Some(s) = status {
        update = update.status(s);
    }
    if let Some(a) = action {
        update = update.action(a);
    }
    let mut results = update
        .batch()
        .on_progress(move |p| support::update(&shown, p))
        .send_all();
    let (mut updated, mut failed) = (0u64, Vec::<(String, String)>::new());
    while let Some(r) = results.next().await {
        match r.outcome {
            WriteOutcome::Applied(_) => updated += 1,
            WriteOutcome::Rejected(e) => {
                failed.push((r.id, e.message.unwrap_or_else(|| "rejected".into())))
            }
            WriteOutcome::Failed {
                error,
                may_have_applied,
            } => {
                let note = if may_have_applied {
                    " (may have been applied: check before retrying)"
                } else {
                    ""
                };
                failed.push((r.id, format!("{error}{note}")));
            }
        }
    }
    support::finish(&bar);
    println!(
        "Updated {}, failed {}",
        fmt_count(updated),
        fmt_count(failed.len() as u64)
    );
    if !failed.is_empty() {
        let mut table = support::table(&["Asset id", "Error"]);
        for (id, msg) in failed.iter().take(20) {
            table.add_row([id.as_str(), msg.as_str()]);
        }
        support::print_table(&table);
    }
    session.close().await;
    Ok(())
}
