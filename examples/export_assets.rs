//! Exports every asset matching a filter to a JSON Lines file, one asset
//! per line, with a progress bar.
//!
//! ```sh
//! cargo run --example export_assets -- \
//!     --filter "internet_exposure:'Yes'+asset_type:'ip'" --out exposed.jsonl
//! ```
//!
//! Runs against the built-in emulator unless `FALCON_CLIENT_ID` is set.
//! The filter is checked against the API's filter fields before anything is
//! sent. `Client::export_assets` pages the ids with the v2 query (`after` cursor,
//! no 10,000-result ceiling) and fetches their details in batches of 100,
//! a few requests at a time; only the batches in flight are in memory.

use std::io::Write;

use clap::Parser;
use falcon_exposure::Error;
use falcon_exposure::fql::Filter;
use futures::StreamExt;
use support::{Session, fmt_count};

type BoxError = Box<dyn std::error::Error>;

/// Exports every asset matching a filter to a JSON Lines file.
#[derive(Parser)]
struct Args {
    /// FQL filter on external assets, checked before anything is sent.
    #[arg(long, default_value = "internet_exposure:'Yes'")]
    filter: String,
    /// The JSON Lines file to write.
    #[arg(long, default_value = "assets.jsonl")]
    out: String,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), BoxError> {
    let Args { filter, out } = Args::parse();
    let filter = Filter::parse(&filter)?;
    let session = Session::open(20_000).await?;
    let client = &session.client;

    println!("Exporting assets matching {filter} to {out}");
    let started = std::time::Instant::now();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let bar = support::progress("assets");
    let shown = bar.clone();
    // Ids from the v2 query (no 10,000-result ceiling), details in batches
    // of 100, several requests in flight, as one stream.
    let mut assets = client
        .export_assets(&filter)
        .on_progress(move |p| support::update(&shown, p))
        .items();
    let (mut written, mut missing) = (0u64, 0u64);
    while let Some(item) = assets.next().await {
        match item {
            Ok(asset) => {
                serde_json::to_writer(&mut file, &asset)?;
                file.write_all(b"\n")?;
                written += 1;
            }
            Err(Error::NotFound { .. }) => missing += 1,
            Err(e) => return Err(e.into()),
        }
    }
    file.flush()?;
    support::finish(&bar);
    if missing > 0 {
        println!("{missing} ids were listed but their details were not found (deleted meanwhile)");
    }
    println!(
        "Wrote {} assets to {out} in {:.1} s",
        fmt_count(written),
        started.elapsed().as_secs_f64()
    );
    session.close().await;
    Ok(())
}
