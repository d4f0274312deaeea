//! Starting an emulator and a client pointed at it.

#![allow(dead_code)]

use std::time::Duration;

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, EmulatorHandle,
    LimitRefusal,
};
use falcon_exposure::{Client, Items, ResumePoint, RetryPolicy, models::FemExternalAsset};
use futures::{StreamExt, TryStreamExt};

/// Retries without the production backoff, so fault tests run fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
        .slow_down(0, Duration::ZERO)
}

/// The default emulator with pages of up to 10,000 results on every query,
/// for tests of something else than page sizes that ask for large pages
/// (the emulator's default allows 100).
pub fn large_pages() -> EmulatorConfig {
    EmulatorConfig::default().page_limit(10_000, LimitRefusal::Named)
}

/// An emulator started with `config` and a client with its default
/// credentials and [`fast_retry`].
pub async fn start(config: EmulatorConfig) -> (EmulatorHandle, Client) {
    let emu = Emulator::start(config).await.expect("emulator starts");
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .retry_policy(fast_retry())
        .build()
        .expect("client builds");
    (emu, client)
}

/// A point as a job keeps it: saved as JSON, read back.
pub fn saved(point: &ResumePoint) -> ResumePoint {
    serde_json::from_str(&serde_json::to_string(point).unwrap()).unwrap()
}

/// The ids of the first `n` assets of `export` (fewer if it ends first),
/// saving its resume point after each as a job does, then dropping it with
/// its requests in flight: a job killed there. The ids and the last point.
pub async fn export_then_kill(
    mut export: Items<FemExternalAsset>,
    n: usize,
) -> (Vec<String>, Option<ResumePoint>) {
    let (mut ids, mut point) = (Vec::new(), None);
    while let Some(asset) = export.next().await {
        ids.push(asset.unwrap().id.unwrap().into_string());
        point = Some(saved(&export.resume_point()));
        if ids.len() == n {
            break;
        }
    }
    (ids, point)
}

/// Every asset id of the account `client` reads, checked to be `n`.
pub async fn all_ids(client: &Client, n: usize) -> std::collections::HashSet<String> {
    let ids: std::collections::HashSet<String> = client
        .query_assets_v2()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), n);
    ids
}
