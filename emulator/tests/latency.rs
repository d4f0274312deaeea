//! The latency distribution: its draws match the configured median and
//! 99th percentile, are fixed by the seed, and delay every API request
//! but not the token request.

use crate::common::{small, start};
use falcon_emulator::{FaultConfig, LatencyDistribution, MAX_LATENCY};
use std::time::{Duration, Instant};

const QUERY: &str = "/fem/queries/external-assets/v1";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn draws_have_the_configured_median_and_p99() {
    let d = LatencyDistribution::new(ms(150), ms(600));
    let mut v: Vec<Duration> = d.samples(7).take(20_000).collect();
    v.sort();
    let median = v[v.len() / 2].as_secs_f64();
    let p99 = v[v.len() * 99 / 100].as_secs_f64();
    assert!((median / 0.150 - 1.0).abs() < 0.05, "median {median}");
    assert!((p99 / 0.600 - 1.0).abs() < 0.10, "p99 {p99}");
    assert!(v.iter().all(|x| *x <= MAX_LATENCY));
}

#[test]
fn draws_are_fixed_by_the_seed() {
    let d = LatencyDistribution::new(ms(100), ms(400));
    let a: Vec<_> = d.samples(1).take(50).collect();
    assert_eq!(a, d.samples(1).take(50).collect::<Vec<_>>());
    assert_ne!(a, d.samples(2).take(50).collect::<Vec<_>>());
    // No spread when the tail is not above the median: a constant.
    let flat = LatencyDistribution::new(ms(80), ms(80));
    assert!(flat.samples(3).take(100).all(|x| x == ms(80)));
}

#[tokio::test]
async fn each_api_request_waits_at_least_its_draw() {
    let dist = LatencyDistribution::new(ms(30), ms(90));
    let cfg = small().seed(11).latency_distribution(dist.median, dist.p99);
    let api = start(cfg).await;
    // The token request drew nothing: the first API request gets the first draw.
    for (i, draw) in dist.samples(11).take(6).enumerate() {
        let t = Instant::now();
        let (s, _, _) = api.get(QUERY, &[]).await;
        assert_eq!(s, 200);
        assert!(
            t.elapsed() >= draw,
            "request {i}: {:?} < {draw:?}",
            t.elapsed()
        );
    }
    // A constant latency adds to the draw; the draws restart with the
    // new configuration.
    api.emu.set_faults(FaultConfig {
        latency: Some(ms(40)),
        latency_distribution: Some(dist),
        ..FaultConfig::none()
    });
    let first = dist.samples(11).next().unwrap();
    let t = Instant::now();
    assert_eq!(api.get(QUERY, &[]).await.0, 200);
    assert!(t.elapsed() >= ms(40) + first, "{:?}", t.elapsed());
}

#[tokio::test]
async fn the_token_request_is_not_delayed() {
    // The default seed, 42.
    let api = start(small().latency_distribution(ms(1500), ms(1600))).await;
    let t = Instant::now();
    let r = api
        .http
        .post(api.url("/oauth2/token"))
        .form(&[
            ("client_id", falcon_emulator::DEFAULT_CLIENT_ID),
            ("client_secret", falcon_emulator::DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Every draw of this distribution is above 1.18 s.
    assert!(t.elapsed() < ms(1000), "{:?}", t.elapsed());
    let draw = LatencyDistribution::new(ms(1500), ms(1600))
        .samples(42)
        .next()
        .unwrap();
    let t = Instant::now();
    assert_eq!(api.get(QUERY, &[]).await.0, 200);
    assert!(t.elapsed() >= draw, "{:?} < {draw:?}", t.elapsed());
}
