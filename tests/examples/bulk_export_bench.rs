//! Benchmark of the full export (`Client::export_assets`): wall time and requests
//! per second at detail concurrency 1, 2, 4 and 8, and the peak memory of
//! an export consumed item by item against one collected whole.
//!
//! ```sh
//! cargo run --release -p falcon-exposure-tests --example bulk_export_bench [ASSETS] [RUNS]
//! ```
//!
//! The emulator runs in a child process (this program, `serve` mode) so
//! that its inventory does not count in the client's memory; each memory
//! figure comes from a fresh child process too (`measure` mode), as the
//! peak resident size (`VmHWM`) minus the size before the export.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, FaultConfig, LimitRefusal,
};
use falcon_exposure::Client;
use futures::StreamExt;

fn client(base: &str) -> Client {
    Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(base)
        .build()
        .expect("client")
}

/// `VmHWM` and `VmRSS` of this process, in KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// One export; returns (assets, requests, wall time).
async fn export(base: &str, concurrency: usize) -> (usize, u64, Duration) {
    let client = client(base);
    client.authenticate().await.expect("token");
    let requests = Arc::new(AtomicU64::new(0));
    let seen = requests.clone();
    let started = Instant::now();
    let mut n = 0;
    let mut assets = client
        .export_assets("")
        .concurrency(concurrency)
        .on_progress(move |p| seen.store(p.requests(), Ordering::Relaxed))
        .items();
    while let Some(a) = assets.next().await {
        a.expect("asset");
        n += 1;
    }
    (n, requests.load(Ordering::Relaxed), started.elapsed())
}

/// Child: serves an emulator and prints its URL until stdin closes.
async fn serve(assets: usize, latency_ms: u64) {
    // Pages of up to 10,000 ids, as when the figures in BENCHMARKS.md
    // were taken (the emulator's default is 100).
    let mut config = EmulatorConfig::default()
        .assets(assets)
        .anchor(1_760_000_000)
        .page_limit(10_000, LimitRefusal::Named);
    if latency_ms > 0 {
        config = config.faults(FaultConfig {
            latency: Some(Duration::from_millis(latency_ms)),
            ..FaultConfig::default()
        });
    }
    let emu = Emulator::start(config).await.expect("emulator");
    println!("{}", emu.base_url());
    std::io::stdout().flush().ok();
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {}
    })
    .await
    .ok();
    emu.shutdown().await;
}

/// Child: one export, consumed item by item (`stream`) or collected
/// (`collect`); prints the peak growth in KiB.
async fn measure(base: &str, how: &str) {
    let client = client(base);
    client.authenticate().await.expect("token");
    let (_, before) = memory();
    let mut count = 0usize;
    if how == "collect" {
        let all: Vec<_> = client.export_assets("").items().collect().await;
        count = all.len();
        let (peak, _) = memory();
        println!("{count} {}", peak.saturating_sub(before));
        return;
    }
    let mut assets = client.export_assets("").items();
    while let Some(a) = assets.next().await {
        let a = a.expect("asset");
        count += usize::from(a.id.is_some());
    }
    let (peak, _) = memory();
    println!("{count} {}", peak.saturating_sub(before));
}

struct Server {
    child: Child,
    url: String,
}

fn spawn_server(assets: usize, latency_ms: u64) -> Server {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .args(["serve", &assets.to_string(), &latency_ms.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the emulator");
    let mut url = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("emulator URL");
    Server {
        child,
        url: url.trim().to_owned(),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn run_measure(url: &str, how: &str) -> (usize, u64) {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(["measure", url, how])
        .output()
        .expect("measure");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text
        .split_whitespace()
        .map(|v| v.parse::<u64>().unwrap_or(0));
    (it.next().unwrap_or(0) as usize, it.next().unwrap_or(0))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => {
            let assets = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(20_000);
            let latency = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(0);
            return serve(assets, latency).await;
        }
        Some("measure") => return measure(&args[1], &args[2]).await,
        _ => {}
    }
    let assets: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let runs: usize = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(3);
    println!(
        "export of {assets} assets, best of {runs} runs (1,000 ids per page, 100 per detail batch)"
    );
    for latency in [0u64, 20, 50] {
        let server = spawn_server(assets, latency);
        println!("\nemulator latency {latency} ms per request");
        println!("| concurrency | wall time | requests | requests/s | assets/s |");
        println!("|---|---|---|---|---|");
        for concurrency in [1usize, 2, 4, 8] {
            let mut best: Option<(usize, u64, Duration)> = None;
            for _ in 0..runs {
                let r = export(&server.url, concurrency).await;
                assert_eq!(r.0, assets, "every asset exported");
                if best.is_none_or(|b| r.2 < b.2) {
                    best = Some(r);
                }
            }
            if let Some((n, requests, wall)) = best {
                let secs = wall.as_secs_f64();
                println!(
                    "| {concurrency} | {:.2} s | {requests} | {:.0} | {:.0} |",
                    secs,
                    requests as f64 / secs,
                    n as f64 / secs
                );
            }
        }
        if latency == 0 {
            let (n, stream_kib) = run_measure(&server.url, "stream");
            let (m, collect_kib) = run_measure(&server.url, "collect");
            println!("\npeak memory growth during the export (VmHWM − VmRSS before):");
            println!(
                "- consumed item by item: {:.1} MiB ({n} assets)",
                stream_kib as f64 / 1024.0
            );
            println!(
                "- collected into a Vec: {:.1} MiB ({m} assets)",
                collect_kib as f64 / 1024.0
            );
        }
    }
}
