//! Shared by the comparison benchmarks (see `benches/compare/run.sh`).
#![allow(dead_code)]

use std::time::Instant;

use falcon_exposure::Client;

/// Emulator URL and credentials, from `BENCH_BASE_URL`, `BENCH_CLIENT_ID`,
/// `BENCH_CLIENT_SECRET`.
pub struct Target {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
}

impl Target {
    pub fn from_env() -> Target {
        let get = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
        Target {
            base_url: get("BENCH_BASE_URL", "http://127.0.0.1:8080"),
            client_id: get("BENCH_CLIENT_ID", "emulator-client-id"),
            client_secret: get("BENCH_CLIENT_SECRET", "emulator-client-secret"),
        }
    }

    pub fn client(&self) -> Client {
        Client::builder()
            .client_id(&self.client_id)
            .client_secret(&self.client_secret)
            .base_url(&self.base_url)
            .build()
            .expect("client builds")
    }
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Prints one result line: `bench impl seconds peak_rss_kib extra`.
pub fn report(bench: &str, imp: &str, started: Instant, extra: &str) {
    println!(
        "{bench}\t{imp}\t{:.3}\t{}\t{extra}",
        started.elapsed().as_secs_f64(),
        peak_rss_kib()
    );
}

/// CPU time (user + system) this process has used so far, all its threads
/// counted, from `/proc/self/stat` (`utime` + `stime`, in clock ticks of
/// 1/100 s, the `USER_HZ` Linux reports to user space); 0 where unreadable.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count from after its ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11) // fields 3..=13; utime and stime are fields 14 and 15
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}
