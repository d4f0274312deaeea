//! A full export under faults: a fifth of the API's replies are 429s,
//! server errors or dropped connections, and tokens die during the run.
//! Every asset must come back exactly once, read through several cursor
//! chains.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use falcon_emulator::{EmulatorConfig, Fault, FaultConfig};
use futures::StreamExt;

const ASSETS: usize = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_under_faults_returns_every_asset_exactly_once() {
    export_under_faults(common::large_pages(), 2).await;
}

/// At the emulator's default page limit (100 ids a page, a larger limit
/// refused with a 400 that names it), the page size is found under faults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_under_faults_at_a_page_limit_of_100_returns_every_asset_exactly_once() {
    export_under_faults(EmulatorConfig::default(), ASSETS as u64 / 100).await;
}

/// An export of [`ASSETS`] under faults from `config`, read in `id_pages`
/// pages of ids when nothing fails.
async fn export_under_faults(config: EmulatorConfig, id_pages: u64) {
    // Dying tokens make many 401s; the per-IP bad-token limit (15 a minute)
    // would turn the run into minute-long waits.
    let config = config.assets(ASSETS).enforce_bad_token_limit(false);
    let (emu, client) = common::start(config).await;
    let emu = Arc::new(emu);
    // The ids to expect, read before the faults start.
    let expected = common::all_ids(&client, ASSETS).await;

    // 20% of API replies fail; tokens die two seconds after they are issued.
    emu.set_faults(FaultConfig {
        token_lifetime: Some(Duration::from_secs(2)),
        ..FaultConfig::random(
            0.2,
            &[
                Fault::TooManyRequests,
                Fault::InternalServerError,
                Fault::BadGateway,
                Fault::ServiceUnavailable,
                Fault::DropConnection,
            ],
        )
    });
    let tokens_before = emu.stats().token_requests;
    let client = falcon_exposure::Client::builder()
        .client_id(falcon_emulator::DEFAULT_CLIENT_ID)
        .client_secret(falcon_emulator::DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .retry_policy(common::fast_retry().max_attempts(20))
        .build()
        .unwrap();
    // And every token is revoked now and then, mid-run.
    let expirer = {
        let emu_expire = emu.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                emu_expire.expire_tokens();
            }
        })
    };

    let mut seen = HashSet::with_capacity(ASSETS);
    let mut assets = client.export_assets("").items();
    while let Some(asset) = assets.next().await {
        // No error, and no `Error::Incomplete` at the end either.
        let asset = asset.unwrap_or_else(|e| panic!("export failed: {e}"));
        let id = asset.id.expect("every asset has an id").into_string();
        assert!(seen.insert(id.clone()), "{id} exported twice");
    }
    expirer.abort();
    // The cursor chains the ids were read through: each may end on a
    // partial page.
    let chains = assets.resume_point().chains() as u64;
    assert!(chains >= 2, "the ids were read through {chains} chain(s)");

    assert_eq!(seen.len(), ASSETS, "assets lost");
    assert_eq!(seen, expected);
    let stats = emu.stats();
    // The id pages (a partial one per chain, and the planning's two
    // counts) and 200 detail batches, plus the failed sends.
    let sent = stats.operation("query_external_assets_v2") + stats.operation("get_external_assets");
    assert!(
        sent > id_pages + chains + 2 + 200 + 4,
        "faults were injected: {chains} chains, {stats:?}"
    );
    assert!(
        stats.token_requests > tokens_before + 1,
        "tokens were renewed: {stats:?}"
    );
}
