//! Heap allocations of decoding the export's detail replies: the same
//! `get_external_assets` bodies as `bench_decode`, decoded once each into
//! the client's envelope and asset model, into `serde_json::Value` and as
//! `IgnoredAny`, counted by dhat's allocator (a separate binary: counting
//! every allocation slows it, so `bench_decode`'s timings use the system
//! allocator). BENCHMARKS.md, "Decoding".
//!
//! ```sh
//! cargo run --release -p falcon-exposure-tests --example bench_decode_allocs -- [ASSETS]
//! ```

#[path = "decode_common/mod.rs"]
mod decode_common;

use decode_common::{Typed, bodies};
use serde::de::{DeserializeOwned, IgnoredAny};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Blocks and bytes allocated while decoding every body once as `T`
/// (the values dropped after the count).
fn allocations<T: DeserializeOwned>(bodies: &[Vec<u8>]) -> (u64, u64) {
    let before = dhat::HeapStats::get();
    let values: Vec<T> = bodies
        .iter()
        .map(|b| serde_json::from_slice(b).expect("decodes"))
        .collect();
    let after = dhat::HeapStats::get();
    drop(values);
    // The `Vec` holding one value per body is the benchmark's, not the decoder's.
    (
        after.total_blocks - before.total_blocks - 1,
        after.total_bytes - before.total_bytes - (bodies.len() * size_of::<T>()) as u64,
    )
}

#[tokio::main]
async fn main() {
    let assets: usize = std::env::args()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let bodies = bodies(assets).await;
    let _profiler = dhat::Profiler::builder().testing().build();
    let n = assets as f64;
    println!(
        "heap allocations decoding the {} detail replies of {assets} assets, per asset\n",
        bodies.len()
    );
    println!("| decoded into | allocations per asset | bytes allocated per asset |");
    println!("|---|---|---|");
    for (name, (blocks, bytes)) in [
        (
            "the client's envelope and asset model",
            allocations::<Typed>(&bodies),
        ),
        (
            "`serde_json::Value`",
            allocations::<serde_json::Value>(&bodies),
        ),
        (
            "`IgnoredAny` (parsing only)",
            allocations::<IgnoredAny>(&bodies),
        ),
    ] {
        println!(
            "| {name} | {:.1} | {:.0} |",
            blocks as f64 / n,
            bytes as f64 / n
        );
    }
}
