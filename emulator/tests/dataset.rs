mod common;

use common::*;
use falcon_emulator::{Emulator, EmulatorConfig};

#[tokio::test]
async fn same_seed_same_inventory() {
    let a = start(small()).await;
    let b = start(small()).await;
    let c = start(small().seed(7)).await;
    let ia = a.query_all("").await;
    assert_eq!(ia, b.query_all("").await);
    assert_ne!(ia, c.query_all("").await);
    let aa = a.assets(&ia[..50]).await;
    assert_eq!(aa, b.assets(&ia[..50]).await);
    assert_eq!(
        a.query_all("ip.services.port:443").await,
        b.query_all("ip.services.port:443").await
    );
}

#[tokio::test]
async fn timestamps_spread_over_a_year_before_the_anchor() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    let anchor = "2026-11-19T08:26:40Z"; // ANCHOR
    let year_before = "2025-11-19T08:26:40Z";
    let firsts: Vec<&str> = assets
        .iter()
        .map(|a| a["first_seen"].as_str().unwrap())
        .collect();
    assert!(firsts.iter().all(|f| *f >= year_before && *f <= anchor));
    assert!(firsts.iter().any(|f| *f < "2026-03-01") && firsts.iter().any(|f| *f > "2026-09-01"));
    for a in &assets {
        assert!(a["last_seen"].as_str().unwrap() >= a["first_seen"].as_str().unwrap());
    }
}

#[tokio::test]
async fn default_config_and_shutdown() {
    let cfg = EmulatorConfig::default();
    assert_eq!(cfg.assets, 2000);
    assert_eq!(cfg.seed, 42);
    assert_eq!(cfg.clients.len(), 1);
    let emu = Emulator::start(cfg).await.unwrap();
    assert_eq!(emu.asset_count(), 2000);
    let url = emu.base_url();
    assert!(url.starts_with("http://127.0.0.1:"));
    emu.shutdown().await;
    let r = reqwest::Client::new()
        .get(format!("{url}/fem/queries/external-assets/v1"))
        .send()
        .await;
    assert!(r.is_err(), "closed after shutdown");
}

#[tokio::test]
async fn stats_count_per_operation() {
    let api = start(small()).await;
    api.get("/fem/queries/external-assets/v1", &[]).await;
    api.get("/fem/entities/external-assets/v1", &[("ids", "x")])
        .await;
    api.get("/fem/entities/external-assets/v1", &[("ids", "y")])
        .await;
    let s = api.emu.stats();
    assert_eq!(s.token_requests, 1);
    assert_eq!(s.operation("query_external_assets"), 1);
    assert_eq!(s.operation("get_external_assets"), 2);
    assert_eq!(s.operation("patch_external_assets"), 0);
    assert_eq!(s.total(), 4);
}
