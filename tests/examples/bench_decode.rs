//! What decoding the export's detail replies costs: the same
//! `get_external_assets` bodies (100 assets each, fetched once from the
//! emulator) decoded on one thread into the client's reply envelope with
//! its asset model (what `get_assets().send()` does), into
//! `serde_json::Value`, and skipped as `serde::de::IgnoredAny` (JSON
//! parsing alone). BENCHMARKS.md, "Bulk export".
//!
//! ```sh
//! cargo run --release -p falcon-exposure-tests --example bench_decode -- [ASSETS] [ROUNDS]
//! ```

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, LimitRefusal,
};
use falcon_exposure::{ApiError, Client, Meta, models};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

/// The envelope as the client decodes a reply (`meta`, `resources`,
/// `errors`), with the asset model.
#[derive(Deserialize)]
#[allow(dead_code)] // decoded, not read
struct Typed {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    resources: Option<Vec<models::FemExternalAsset>>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

/// The detail replies of an export of `assets` assets, as the server sent them.
async fn bodies(assets: usize) -> Vec<Vec<u8>> {
    let emu = Emulator::start(
        EmulatorConfig::default()
            .assets(assets)
            .anchor(1_760_000_000)
            .page_limit(10_000, LimitRefusal::Named),
    )
    .await
    .expect("emulator");
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .budget_share(1.0)
        .build()
        .expect("client");
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut q = client.query_assets_v2().limit(10_000);
        if let Some(a) = &after {
            q = q.after(a);
        }
        let page = q.send().await.expect("id page");
        let done = page.resources.is_empty();
        ids.extend(page.resources);
        after = page.meta.pagination.and_then(|p| p.after);
        if done || after.as_deref().is_none_or(str::is_empty) {
            break;
        }
    }
    assert_eq!(ids.len(), assets, "every id listed");
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/oauth2/token", emu.base_url()))
        .form(&[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let bearer = format!("Bearer {}", token["access_token"].as_str().expect("token"));
    let url = format!("{}/fem/entities/external-assets/v1", emu.base_url());
    let mut out = Vec::new();
    for batch in ids.chunks(100) {
        let query: Vec<(&str, &str)> = batch.iter().map(|id| ("ids", id.as_str())).collect();
        let reply = http
            .get(&url)
            .header("Authorization", &bearer)
            .query(&query)
            .send()
            .await
            .expect("details");
        assert!(reply.status().is_success());
        out.push(reply.bytes().await.expect("body").to_vec());
    }
    emu.shutdown().await;
    out
}

/// CPU time of the calling thread, in seconds: the first field of
/// `/proc/thread-self/schedstat` (nanoseconds on a CPU); 0 where unreadable.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// Decodes every body `rounds` times as `T` on this thread; the CPU time
/// of the cheapest round, in seconds.
fn decode_all<T: DeserializeOwned>(bodies: &[Vec<u8>], rounds: usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let cpu = thread_cpu_seconds();
        for b in bodies {
            let v: T = serde_json::from_slice(b).expect("decodes");
            std::hint::black_box(v);
        }
        best = best.min(thread_cpu_seconds() - cpu);
    }
    best
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let assets: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let rounds: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(5);
    let bodies = bodies(assets).await;
    let bytes: usize = bodies.iter().map(|b| b.len()).sum();
    let k = assets as f64 / 1000.0;
    println!(
        "decoding the {} detail replies of {assets} assets ({:.1} MB of JSON, {:.0} KB per 1,000 assets), the cheapest of {rounds} rounds, CPU time of the decoding thread\n",
        bodies.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e3 / k
    );
    println!("| decoded into | CPU per 1,000 assets | MB of JSON per CPU second |");
    println!("|---|---|---|");
    for (name, cpu) in [
        (
            "the client's envelope and asset model",
            decode_all::<Typed>(&bodies, rounds),
        ),
        (
            "`serde_json::Value`",
            decode_all::<serde_json::Value>(&bodies, rounds),
        ),
        (
            "`IgnoredAny` (parsing only)",
            decode_all::<IgnoredAny>(&bodies, rounds),
        ),
    ] {
        println!(
            "| {name} | {:.1} ms | {:.0} |",
            cpu * 1000.0 / k,
            bytes as f64 / 1e6 / cpu
        );
    }
}
