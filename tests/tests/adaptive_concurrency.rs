//! Adaptive concurrency of the bulk streams against the emulator: the
//! in-flight limit follows a latency jump while the requests stay within the
//! client's share of the account's budget, and `.concurrency(n)` caps it.
//!
//! The budget is small (600 requests a minute, half of it for the client:
//! 5 a second) so that it, not the emulator, is what limits the streams.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use falcon_emulator::{DEFAULT_CID, EmulatorConfig, FaultConfig};
use falcon_exposure::{DEFAULT_MAX_CONCURRENCY, Progress};
use futures::{Stream, StreamExt, TryStreamExt};
use tokio::time::Instant;

const ASSETS: usize = 10_000;
const LIMIT_PER_MINUTE: u32 = 600;
/// The client's default share of the limit.
const SHARE: f64 = 0.5;
/// The budget's allowance per second, and the burst it lets out at once
/// (a tenth of the minute's allowance).
const ALLOWED_PER_SECOND: f64 = LIMIT_PER_MINUTE as f64 * SHARE / 60.0;
const BURST: f64 = LIMIT_PER_MINUTE as f64 * SHARE / 10.0;

fn latency(ms: u64) -> FaultConfig {
    FaultConfig {
        latency: Some(Duration::from_millis(ms)),
        ..FaultConfig::none()
    }
}

/// Every progress report, with when it came.
type Log = Arc<Mutex<Vec<(Instant, Progress)>>>;

/// Drains `stream` until `done()` holds after an item, or until `end`,
/// failing on an error; returns the items read.
async fn drain_until<T>(
    stream: &mut (impl Stream<Item = falcon_exposure::Result<T>> + Unpin),
    end: Instant,
    done: impl Fn(usize) -> bool,
) -> usize {
    let mut n = 0;
    while let Ok(Some(item)) = tokio::time::timeout_at(end, stream.next()).await {
        item.unwrap_or_else(|e| panic!("stream failed: {e}"));
        n += 1;
        if done(n) {
            break;
        }
    }
    n
}

fn max_in_flight(log: &[(Instant, Progress)], from: Instant, to: Instant) -> u64 {
    log.iter()
        .filter(|(at, _)| *at >= from && *at < to)
        .map(|(_, p)| p.concurrency())
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_flight_limit_grows_when_the_latency_jumps_within_the_budget() {
    let config = EmulatorConfig::default()
        .assets(ASSETS)
        .rate_limit_per_minute(LIMIT_PER_MINUTE)
        .faults(latency(20));
    let (emu, client) = common::start(config).await;
    let log: Log = Arc::default();
    let sink = log.clone();
    let start = Instant::now();
    let mut assets = client
        .export_assets("")
        .on_progress(move |p| sink.lock().unwrap().push((Instant::now(), p)))
        .items();

    // 20 ms round trips: 5 requests a second need 1 in flight, +1. The
    // phases end on progress, not on the clock alone, so that a loaded
    // machine (slow start-up, slow replies) shifts them rather than
    // failing the test; the deadlines only keep a broken build from
    // hanging.
    let first = drain_until(&mut assets, start + Duration::from_secs(60), |n| {
        n >= 1_000 && start.elapsed() >= Duration::from_millis(2_500)
    })
    .await;
    let jump = Instant::now();
    let before = {
        let log = log.lock().unwrap();
        // The reports after the first second of items: the in-flight limit at 20 ms.
        let first_item = log.first().map_or(start, |(at, _)| *at);
        max_in_flight(&log, first_item + Duration::from_secs(1), jump)
    };
    emu.set_faults(latency(1_500));
    // 1.5 s round trips: the same rate needs 10 in flight, +1. Read on
    // until the in-flight limit has doubled, and a second more for any overshoot.
    let grown = |log: &Log| {
        log.lock()
            .unwrap()
            .iter()
            .any(|(at, p)| *at >= jump && p.concurrency() >= 2 * before.max(1))
    };
    let watch = log.clone();
    let mut second = drain_until(&mut assets, jump + Duration::from_secs(20), |_| {
        grown(&watch)
    })
    .await;
    second += drain_until(&mut assets, Instant::now() + Duration::from_secs(1), |_| {
        false
    })
    .await;
    let elapsed = start.elapsed().as_secs_f64();
    drop(assets);

    let log = log.lock().unwrap().clone();
    let after = max_in_flight(&log, jump, Instant::now());
    let settled = log.last().map(|(_, p)| p.concurrency()).unwrap_or(0);
    let timeline: Vec<(u128, u64)> = log
        .iter()
        .map(|(at, p)| ((*at - start).as_millis(), p.concurrency()))
        .collect();
    println!("(ms since start, in-flight limit) at each reply: {timeline:?}");
    println!(
        "in-flight limit before the jump {before}, after {after} (last {settled}); \
         items {first} then {second} in {elapsed:.1} s"
    );
    assert!(first > 0 && second > 0, "the export made no progress");
    assert!(before >= 1, "no report before the jump");
    assert!(
        after >= 2 * before,
        "the in-flight limit did not follow the latency: {before} before the jump, {after} after"
    );
    // Yet no more than the budget needs: at round trips up to 3 s, 20
    // (5/s × 3 s × 1.25, + 1), short of the cap an in-flight limit probing
    // for the rate limit would climb to.
    assert!(after <= 20, "the in-flight limit overshot: {after}");
    assert!(
        log.iter()
            .all(|(_, p)| (1..=DEFAULT_MAX_CONCURRENCY as u64).contains(&p.concurrency()))
    );

    // And it stayed within the share: the budget's burst, then 5 a second
    // (the first request, which reports the limit, is not paced).
    let stats = emu.stats().cid(DEFAULT_CID);
    let most = BURST + ALLOWED_PER_SECOND * elapsed + 1.0;
    println!(
        "{} requests in {elapsed:.1} s, at most {most:.0} allowed",
        stats.requests
    );
    assert!(
        (stats.requests as f64) <= most,
        "{} requests in {elapsed:.1} s: over the share ({most:.0})",
        stats.requests
    );
    assert_eq!(stats.throttled, 0, "the client drew 429s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_concurrency_caps_the_in_flight_limit() {
    let config = common::large_pages()
        .assets(2_000)
        .rate_limit_per_minute(LIMIT_PER_MINUTE);
    let (emu, client) = common::start(config).await;
    let ids: Vec<String> = client
        .query_assets_v2()
        .paginate()
        .page_size(2_000)
        .items()
        .try_collect()
        .await
        .unwrap();
    // 1 s round trips would call for 8 in flight; the cap is 3.
    emu.set_faults(latency(1_000));
    let log: Log = Arc::default();
    let sink = log.clone();
    let mut assets = client
        .get_assets()
        .ids(ids)
        .batch()
        .concurrency(3)
        .on_progress(move |p| sink.lock().unwrap().push((Instant::now(), p)))
        .items();
    // Until the in-flight limit reaches the cap (a deadline only against a hang),
    // then two round trips more, in which it must not pass it.
    let watch = log.clone();
    let at_cap = move |_| {
        watch
            .lock()
            .unwrap()
            .iter()
            .any(|(_, p)| p.concurrency() >= 3)
    };
    let mut read = drain_until(
        &mut assets,
        Instant::now() + Duration::from_secs(30),
        at_cap,
    )
    .await;
    read += drain_until(&mut assets, Instant::now() + Duration::from_secs(2), |_| {
        false
    })
    .await;
    drop(assets);

    let log = log.lock().unwrap().clone();
    let limits: Vec<u64> = log.iter().map(|(_, p)| p.concurrency()).collect();
    println!("limits reported: {limits:?}; {read} items");
    assert!(read > 0);
    assert!(limits.iter().all(|&l| (1..=3).contains(&l)), "{limits:?}");
    // It reached the cap: the cap, not the target, held it there.
    assert_eq!(limits.iter().max(), Some(&3), "{limits:?}");
}
