//! Soak run: many tasks call the embedded emulator for a long time while it
//! injects faults and kills tokens, and every successful reply is checked
//! against a snapshot of the data taken before the faults start.
//!
//! `cargo run --release -p falcon-exposure-tests --example soak -- \
//!   [--seconds 600] [--tasks 256] [--faults 0.10] [--token-life-ms 2000] [--assets 2000]`
//!
//! Prints memory (RSS) every 10 s and a summary; exits with status 1 when a
//! reply was wrong or a task panicked.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, Fault, FaultConfig,
};
use falcon_exposure::models::FemExternalAsset;
use falcon_exposure::{Client, Error};

struct Args {
    seconds: u64,
    tasks: usize,
    faults: f64,
    token_life: Duration,
    assets: usize,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| {
        argv.iter()
            .position(|a| a == name)
            .and_then(|i| argv.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: f64| get(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    Args {
        seconds: num("--seconds", 600.0) as u64,
        tasks: num("--tasks", 256.0) as usize,
        faults: num("--faults", 0.10),
        token_life: Duration::from_millis(num("--token-life-ms", 2000.0) as u64),
        assets: num("--assets", 2000.0) as usize,
    }
}

/// The data as read before any fault: every asset by id, and the ids of
/// each asset type in id order.
struct Truth {
    assets: HashMap<String, FemExternalAsset>,
    ids: Vec<String>,
    by_type: BTreeMap<String, Vec<String>>,
}

async fn snapshot(client: &Client) -> Truth {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut q = client.query_assets_v2().limit(100);
        if let Some(a) = &after {
            q = q.after(a.as_str());
        }
        let page = q.send().await.expect("snapshot page");
        ids.extend(page.resources);
        match page
            .meta
            .pagination
            .and_then(|p| p.after)
            .filter(|a| !a.is_empty())
        {
            Some(a) => after = Some(a),
            None => break,
        }
    }
    let mut assets = HashMap::new();
    for chunk in ids.chunks(100) {
        let page = client
            .get_assets()
            .ids(chunk.to_vec())
            .send()
            .await
            .expect("snapshot get");
        for a in page.resources {
            assets.insert(a.id.clone().expect("asset id").into_string(), a);
        }
    }
    assert_eq!(assets.len(), ids.len(), "every id resolves");
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, a) in &assets {
        by_type
            .entry(
                a.asset_type
                    .as_ref()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            )
            .or_default()
            .push(id.clone());
    }
    for v in by_type.values_mut() {
        v.sort();
    }
    Truth {
        assets,
        ids,
        by_type,
    }
}

#[derive(Default)]
struct Counters {
    calls: AtomicU64,
    ok: AtomicU64,
    checked: AtomicU64,
    wrong: AtomicU64,
    errors: AtomicU64,
    /// Failed calls by kind of error.
    kinds: std::sync::Mutex<BTreeMap<String, u64>>,
}

/// A short name for the kind of `e`.
fn kind(e: &Error) -> String {
    match e {
        Error::Api { status, .. } => format!("HTTP {status}"),
        Error::Decode { .. } => "undecodable reply".into(),
        Error::Timeout { .. } => "timeout".into(),
        Error::Transport { .. } => "transport".into(),
        Error::RateLimited { .. } => "rate limited".into(),
        Error::Auth { status, .. } => format!("auth HTTP {status}"),
        other => other.to_string().chars().take(60).collect(),
    }
}

/// Checks one reply; returns (values checked, values wrong).
fn check_get(truth: &Truth, asked: &[String], got: &[FemExternalAsset]) -> (u64, u64) {
    let mut wrong = u64::from(got.len() != asked.len());
    for a in got {
        let ok =
            a.id.as_deref()
                .is_some_and(|id| asked.iter().any(|x| x == id) && truth.assets.get(id) == Some(a));
        wrong += u64::from(!ok);
    }
    (got.len() as u64 + 1, wrong)
}

async fn worker(client: Client, truth: Arc<Truth>, c: Arc<Counters>, until: Instant) {
    while Instant::now() < until {
        c.calls.fetch_add(1, Relaxed);
        let (checked, wrong, result): (u64, u64, Result<(), Error>) = if fastrand::bool() {
            let n = fastrand::usize(1..=20);
            let asked: Vec<String> = (0..n)
                .map(|_| truth.ids[fastrand::usize(..truth.ids.len())].clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            match client.get_assets().ids(asked.clone()).send().await {
                Ok(page) => {
                    let (k, w) = check_get(&truth, &asked, &page.resources);
                    (k, w, Ok(()))
                }
                Err(e) => (0, 0, Err(e)),
            }
        } else {
            let types: Vec<&String> = truth.by_type.keys().collect();
            let t = types[fastrand::usize(..types.len())];
            let all = &truth.by_type[t];
            let offset = fastrand::usize(..all.len());
            let limit = fastrand::usize(1..=100);
            let q = client
                .query_assets()
                .filter(format!("asset_type:'{t}'"))
                .sort("id|asc")
                .offset(offset.to_string())
                .limit(limit as i64);
            match q.send().await {
                Ok(page) => {
                    let want = &all[offset..(offset + limit).min(all.len())];
                    let total = page.meta.pagination.as_ref().and_then(|p| p.total);
                    let bad = page.resources != want || total != Some(all.len() as i64);
                    (page.resources.len() as u64 + 1, u64::from(bad), Ok(()))
                }
                Err(e) => (0, 0, Err(e)),
            }
        };
        c.checked.fetch_add(checked, Relaxed);
        c.wrong.fetch_add(wrong, Relaxed);
        match result {
            Ok(()) => {
                c.ok.fetch_add(1, Relaxed);
            }
            Err(e) => {
                c.errors.fetch_add(1, Relaxed);
                if let Ok(mut k) = c.kinds.lock() {
                    *k.entry(kind(&e)).or_default() += 1;
                }
            }
        }
    }
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let a = args();
    let emu = Emulator::start(
        EmulatorConfig::default()
            .assets(a.assets)
            // Tokens dying every few seconds make the client send more
            // expired tokens than the bad-token limit allows a minute.
            .enforce_bad_token_limit(false),
    )
    .await
    .expect("emulator starts");
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .build()
        .expect("client builds");
    let truth = Arc::new(snapshot(&client).await);
    println!(
        "snapshot: {} assets of {} types; rss {:.1} MiB",
        truth.ids.len(),
        truth.by_type.len(),
        rss_mib()
    );
    // The largest page of 100 full assets, as JSON (sizes the reply limit).
    let mut largest = 0;
    for chunk in truth.ids.chunks(100) {
        let raw = client
            .command("get_external_assets")
            .expect("known operation")
            .query_values("ids", chunk)
            .send()
            .await
            .expect("page");
        largest = largest.max(serde_json::to_vec(&raw.body).map_or(0, |v| v.len()));
    }
    println!("largest page of 100 assets: {largest} bytes of JSON");
    emu.set_faults(FaultConfig {
        rate: a.faults,
        kinds: vec![
            Fault::TooManyRequests,
            Fault::InternalServerError,
            Fault::BadGateway,
            Fault::ServiceUnavailable,
            Fault::DropConnection,
            Fault::Latency(Duration::from_millis(200)),
            Fault::MalformedJson,
        ],
        token_lifetime: Some(a.token_life),
        ..FaultConfig::default()
    });

    let counters = Arc::new(Counters::default());
    let started = Instant::now();
    let until = started + Duration::from_secs(a.seconds);
    let tasks: Vec<_> = (0..a.tasks)
        .map(|_| {
            tokio::spawn(worker(
                client.clone(),
                truth.clone(),
                counters.clone(),
                until,
            ))
        })
        .collect();
    let mut samples = Vec::new();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(10).min(until - Instant::now())).await;
        let s = (
            started.elapsed().as_secs(),
            rss_mib(),
            counters.calls.load(Relaxed),
        );
        println!("t={:>4}s rss={:.1} MiB calls={}", s.0, s.1, s.2);
        samples.push(s);
    }
    let mut panics = 0;
    for t in tasks {
        if let Err(e) = t.await {
            panics += u64::from(e.is_panic());
        }
    }
    let stats = emu.stats();
    let c = &counters;
    let rss: Vec<f64> = samples.iter().map(|s| s.1).collect();
    let max = rss.iter().copied().fold(0.0, f64::max);
    println!("\n| figure | value |\n|---|---|");
    println!("| duration | {} s |", started.elapsed().as_secs());
    println!("| tasks | {} |", a.tasks);
    println!("| fault rate | {:.0} % |", a.faults * 100.0);
    println!("| token lifetime | {} ms |", a.token_life.as_millis());
    println!("| calls | {} |", c.calls.load(Relaxed));
    println!("| successful replies | {} |", c.ok.load(Relaxed));
    let kinds = c.kinds.lock().map(|k| k.clone()).unwrap_or_default();
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    println!(
        "| failed calls (after retries) | {} ({}) |",
        c.errors.load(Relaxed),
        kinds.join(", ")
    );
    println!(
        "| values checked against the snapshot | {} |",
        c.checked.load(Relaxed)
    );
    println!("| wrong results | {} |", c.wrong.load(Relaxed));
    println!("| panics | {panics} |");
    println!("| requests seen by the emulator | {} |", stats.total());
    println!("| token requests | {} |", stats.token_requests);
    println!(
        "| RSS first / last / max sample | {:.1} / {:.1} / {:.1} MiB |",
        rss.first().copied().unwrap_or_default(),
        rss.last().copied().unwrap_or_default(),
        max
    );
    emu.shutdown().await;
    if c.wrong.load(Relaxed) > 0 || panics > 0 {
        std::process::exit(1);
    }
}
