//! Bulk triage from a CSV file of asset ids: every id gets the same triage
//! status, action and assignee, in requests of 100, with a report of what
//! was updated and what was not.
//!
//! ```sh
//! cargo run -p falcon-exposure --example triage -- --csv ids.csv \
//!     --status in_progress --action acknowledge --assigned-to alice@example.com
//! ```
//!
//! The CSV's first column is the asset id; a header row `id` is skipped.
//! Without `--csv`, against the built-in emulator, the example writes a CSV
//! of 250 exposed assets first and triages those. Against a real tenant
//! (`FALCON_CLIENT_ID` set) nothing is changed unless `--write` is given.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use falcon_exposure::models::{
    ExternalAssetAPIPatchRequestV1, ExternalAssetsAPIPatch, ExternalAssetsAPITriagePatch,
};
use support::{Progress, Session, Table, fmt_count};

type BoxError = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
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
    let status = arg("--status").unwrap_or_else(|| "in_progress".into());
    let action = arg("--action").unwrap_or_else(|| "acknowledge".into());
    let assigned_to = arg("--assigned-to").unwrap_or_else(|| "triage@example.com".into());
    let description = arg("--description")
        .unwrap_or_else(|| "Bulk triage (falcon-exposure triage example)".into());
    let write = std::env::args().any(|a| a == "--write");
    let session = Session::open(2_000).await?;
    let client = &session.client;

    let csv = match arg("--csv") {
        Some(path) => path,
        None if !session.is_real() => {
            // A demo CSV: 250 exposed assets of the emulator.
            let ids = client
                .query_assets()
                .filter("internet_exposure:'exposed'")
                .limit(250)
                .send()
                .await?
                .resources;
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
    println!(
        "Triage {} assets: status {status}, action {action}, assigned to {assigned_to}",
        fmt_count(ids.len() as u64)
    );
    if session.is_real() && !write {
        println!("Read-only run against your tenant: pass --write to apply it.");
        session.close().await;
        return Ok(());
    }

    let triage = ExternalAssetsAPITriagePatch {
        action: Some(action),
        assigned_to: Some(assigned_to),
        description: Some(description),
        status: Some(status),
    };
    let mut progress = Progress::new("patching", Some(ids.len() as u64));
    let (mut updated, mut failed) = (0u64, Vec::<(String, String)>::new());
    for batch in ids.chunks(100) {
        let body = ExternalAssetAPIPatchRequestV1 {
            assets: Some(
                batch
                    .iter()
                    .map(|id| ExternalAssetsAPIPatch {
                        id: Some(id.clone()),
                        triage: Some(triage.clone()),
                        ..ExternalAssetsAPIPatch::default()
                    })
                    .collect(),
            ),
        };
        match client.update_assets().typed_body(body).send().await {
            Ok(reply) => {
                // Ids the API reports are the ones not updated.
                let mut bad = BTreeSet::new();
                for e in &reply.errors {
                    let id = e.id.clone().unwrap_or_else(|| "-".into());
                    bad.insert(id.clone());
                    failed.push((id, e.message.clone().unwrap_or_default()));
                }
                updated += batch.iter().filter(|id| !bad.contains(*id)).count() as u64;
            }
            // A failed request: the whole batch is reported, none is retried
            // blindly (the write may have reached the API).
            Err(e) => {
                for id in batch {
                    failed.push((id.clone(), e.to_string()));
                }
            }
        }
        progress.inc(batch.len() as u64);
    }
    progress.finish();
    println!(
        "Updated {}, failed {}",
        fmt_count(updated),
        fmt_count(failed.len() as u64)
    );
    if !failed.is_empty() {
        let mut table = Table::new(&["Asset id", "Error"]);
        for (id, msg) in failed.iter().take(20) {
            table.row([id.as_str(), msg.as_str()]);
        }
        table.print();
    }
    session.close().await;
    Ok(())
}
