//! Export of every asset (query pages + details), written as a user of
//! falcon-exposure would write it. `bench_export bulk|loop`, against the
//! emulator named by `BENCH_BASE_URL` (see `benches/compare/run.sh`).
//!
//! `bulk`: `client.export_assets("")`, the crate's export stream (v2 id pages
//! pipelined into batches of 100 details, 4 requests in flight).
//!
//! `loop`: the v2 id pages (`after` cursor, 1,000 ids a page) and one
//! `get_assets` of 100 ids after another, as in the `export_assets`
//! example.

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::time::Instant;

use futures::StreamExt;

use bench_common::{Target, report};

#[tokio::main]
async fn main() {
    let imp = std::env::args().nth(1).unwrap_or_else(|| "loop".into());
    let target = Target::from_env();
    let client = target.client();
    client.authenticate().await.expect("token");
    let started = Instant::now();
    let mut seen = std::collections::HashSet::new();
    match imp.as_str() {
        "loop" => {
            let mut after: Option<String> = None;
            loop {
                let mut query = client.query_assets_v2().limit(1_000);
                if let Some(a) = &after {
                    query = query.after(a);
                }
                let page = query.send().await.expect("query");
                for batch in page.resources.chunks(100) {
                    let details = client.get_assets().ids(batch).send().await.expect("get");
                    for a in details.resources {
                        seen.insert(a.id.unwrap_or_default());
                    }
                }
                after = page
                    .meta
                    .pagination
                    .and_then(|p| p.after)
                    .filter(|a| !a.is_empty());
                if after.is_none() || page.resources.is_empty() {
                    break;
                }
            }
        }
        "bulk" => {
            // The crate's own export: ids pipelined into concurrent detail
            // batches (default concurrency).
            let mut assets = client.export_assets("").items();
            while let Some(a) = assets.next().await {
                seen.insert(a.expect("asset").id.unwrap_or_default());
            }
        }
        other => panic!("unknown implementation {other}: loop or bulk"),
    }
    report(
        "export",
        &format!("falcon-exposure-{imp}"),
        started,
        &format!("{} assets", seen.len()),
    );
}
