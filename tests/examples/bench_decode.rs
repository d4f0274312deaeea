//! What decoding the export's detail replies costs: the same
//! `get_external_assets` bodies (100 assets each, fetched once from the
//! emulator) decoded on one thread into the client's reply envelope with
//! its asset model (what `get_assets().send()` does), into
//! `serde_json::Value` from the bytes (`serde_json::from_slice`, what a
//! program holding a body does) and the client's way (the body's UTF-8
//! checked once, then decoded as text), and skipped as
//! `serde::de::IgnoredAny` (JSON parsing alone); then the same with the bodies gzip-compressed (each
//! decompressed, then decoded), as a server sending `Content-Encoding:
//! gzip` makes the client do. BENCHMARKS.md, "Decoding".
//!
//! ```sh
//! cargo run --release -p falcon-exposure-tests --example bench_decode -- [ASSETS] [ROUNDS] [ONLY]
//! ```
//!
//! `ONLY` (`typed`, `value` or `ignored`) decodes that row alone, plain,
//! for a profiler: `perf record -g target/release/examples/bench_decode 20000 50 typed`.

#[path = "decode_common/mod.rs"]
mod decode_common;

use decode_common::{Typed, bodies, gunzip, gzip};
use serde::de::{DeserializeOwned, IgnoredAny};

/// CPU time of the calling thread, in seconds: the first field of
/// `/proc/thread-self/schedstat` (nanoseconds on a CPU); 0 where unreadable.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// How the client hands a body to serde_json: checked text, unless
/// `BENCH_CLIENT_INPUT=bytes` (the client before it checked the UTF-8 of a
/// body at once, for a side-by-side run against an older commit).
fn client_input() -> Input {
    match std::env::var("BENCH_CLIENT_INPUT").as_deref() {
        Ok("bytes") => Input::Bytes,
        _ => Input::CheckedText,
    }
}

/// How a body is handed to serde_json.
#[derive(Clone, Copy)]
enum Input {
    /// `from_slice`: serde_json checks the UTF-8 of each string it reads.
    Bytes,
    /// The client's way: the whole body's UTF-8 checked once, then `from_str`.
    CheckedText,
}

fn decode<T: DeserializeOwned>(body: &[u8], from: Input) -> T {
    match from {
        Input::Bytes => serde_json::from_slice(body),
        Input::CheckedText => serde_json::from_str(std::str::from_utf8(body).expect("UTF-8")),
    }
    .expect("decodes")
}

/// Decodes every body `rounds` times as `T` on this thread, each
/// decompressed first when `gzipped`; the CPU time of the cheapest round,
/// in seconds.
fn decode_all<T: DeserializeOwned>(
    bodies: &[Vec<u8>],
    rounds: usize,
    gzipped: bool,
    from: Input,
) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let cpu = thread_cpu_seconds();
        for b in bodies {
            let v: T = if gzipped {
                decode(&gunzip(b), from)
            } else {
                decode(b, from)
            };
            std::hint::black_box(v);
        }
        best = best.min(thread_cpu_seconds() - cpu);
    }
    best
}

/// The rows of one table: typed, `Value` both ways, parsing only; the
/// ratios are to the second row.
fn rows(bodies: &[Vec<u8>], rounds: usize, gzipped: bool) -> [(&'static str, f64); 4] {
    [
        (
            "the client's envelope and asset model, as the client decodes",
            decode_all::<Typed>(bodies, rounds, gzipped, client_input()),
        ),
        (
            "`serde_json::Value` (`from_slice`)",
            decode_all::<serde_json::Value>(bodies, rounds, gzipped, Input::Bytes),
        ),
        (
            "`serde_json::Value`, as the client decodes",
            decode_all::<serde_json::Value>(bodies, rounds, gzipped, client_input()),
        ),
        (
            "`IgnoredAny` (parsing only)",
            decode_all::<IgnoredAny>(bodies, rounds, gzipped, Input::Bytes),
        ),
    ]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let assets: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let rounds: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(5);
    let bodies = bodies(assets).await;
    if let Some(only) = args.get(2) {
        let cpu = match only.as_str() {
            "typed" => decode_all::<Typed>(&bodies, rounds, false, client_input()),
            "value" => decode_all::<serde_json::Value>(&bodies, rounds, false, Input::Bytes),
            "ignored" => decode_all::<IgnoredAny>(&bodies, rounds, false, Input::Bytes),
            other => panic!("ONLY is typed, value or ignored, not {other:?}"),
        };
        println!(
            "{only}: {:.1} ms per 1,000 assets",
            cpu * 1e6 / assets as f64
        );
        return;
    }
    let bytes: usize = bodies.iter().map(|b| b.len()).sum();
    let zipped: Vec<Vec<u8>> = bodies.iter().map(|b| gzip(b)).collect();
    let zipped_bytes: usize = zipped.iter().map(|b| b.len()).sum();
    let k = assets as f64 / 1000.0;
    println!(
        "decoding the {} detail replies of {assets} assets ({:.1} MB of JSON, {:.0} KB per 1,000 assets; {:.1} MB gzip-compressed), the cheapest of {rounds} rounds, CPU time of the decoding thread\n",
        bodies.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e3 / k,
        zipped_bytes as f64 / 1e6,
    );
    for (gzipped, set) in [(false, &bodies), (true, &zipped)] {
        let rows = rows(set, rounds, gzipped);
        let (value, parse) = (rows[1].1, rows[3].1);
        println!(
            "{}\n",
            if gzipped {
                "gzip-compressed bodies (decompressed, then decoded):"
            } else {
                "plain bodies:"
            }
        );
        println!(
            "| decoded into | CPU per 1,000 assets | MB of JSON per CPU second | × `Value` | × parsing only |"
        );
        println!("|---|---|---|---|---|");
        for (name, cpu) in rows {
            println!(
                "| {name} | {:.1} ms | {:.0} | {:.2} | {:.1} |",
                cpu * 1000.0 / k,
                bytes as f64 / 1e6 / cpu,
                cpu / value,
                cpu / parse
            );
        }
        println!();
    }
}
