//! Exports every asset matching a filter to a JSON Lines file, one asset
//! per line, with a progress bar.
//!
//! ```sh
//! cargo run -p falcon-exposure --example export_assets -- \
//!     --filter "internet_exposure:'exposed'+asset_type:'ip'" --out exposed.jsonl
//! ```
//!
//! Runs against the built-in emulator unless `FALCON_CLIENT_ID` is set.
//! The filter is checked against the API's filter fields before anything is
//! sent. Ids are paged with the v2 query (`after` cursor, no 10,000-result
//! ceiling) and their details fetched in batches of 100.

#[path = "support/mod.rs"]
mod support;

use std::io::Write;

use falcon_exposure::fql::Filter;
use support::{Progress, Session, fmt_count};

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

async fn run() -> Result<(), BoxError> {
    let filter = match arg("--filter") {
        Some(s) => Filter::parse(&s)?,
        None => Filter::parse("internet_exposure:'exposed'")?,
    };
    let out = arg("--out").unwrap_or_else(|| "assets.jsonl".into());
    let session = Session::open(20_000).await?;
    let client = &session.client;

    println!("Exporting assets matching {filter} to {out}");
    let started = std::time::Instant::now();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut progress = Progress::new("assets", None);
    let mut written = 0u64;
    let mut after: Option<String> = None;
    loop {
        let mut query = client.query_assets_v2().filter(&filter).limit(1_000);
        if let Some(a) = &after {
            query = query.after(a);
        }
        let page = query.send().await?;
        let pagination = page.meta.pagination.clone().unwrap_or_default();
        if let Some(total) = pagination.total {
            progress.set_total(total.max(0) as u64);
        }
        for batch in page.resources.chunks(100) {
            let details = client
                .get_assets()
                .ids(batch.iter().map(String::as_str))
                .send()
                .await?;
            for e in &details.errors {
                eprintln!(
                    "\nwarning: {}",
                    e.message.as_deref().unwrap_or("unknown error")
                );
            }
            for asset in &details.resources {
                serde_json::to_writer(&mut file, asset)?;
                file.write_all(b"\n")?;
            }
            written += details.resources.len() as u64;
            progress.set(written);
        }
        after = pagination.after.filter(|a| !a.is_empty());
        if after.is_none() || page.resources.is_empty() {
            break;
        }
    }
    file.flush()?;
    progress.finish();
    println!(
        "Wrote {} assets to {out} in {:.1} s",
        fmt_count(written),
        started.elapsed().as_secs_f64()
    );
    session.close().await;
    Ok(())
}
