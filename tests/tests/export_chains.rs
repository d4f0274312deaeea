//! Exports that read their ids through several cursor chains at once,
//! against the emulator at its page limit of 100: each asset comes out
//! once, the requests stay near the minimum, and an export killed half-way
//! resumes every chain where it stood.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use falcon_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig, LimitRefusal};
use falcon_exposure::Client;
use futures::{StreamExt, TryStreamExt};

const ASSETS: usize = 6_000;

/// An emulator with round trips long enough that the budget calls for
/// several chains (50 ms: a client of the whole budget needs 4 or more id
/// pages in flight at pages of 100), and such a client.
async fn start(refusal: LimitRefusal) -> (falcon_emulator::EmulatorHandle, Client) {
    let config = EmulatorConfig::default()
        .assets(ASSETS)
        .page_limit(100, refusal)
        .latency_distribution(Duration::from_millis(50), Duration::from_millis(80));
    let (emu, _) = common::start(config).await;
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .retry_policy(common::fast_retry())
        .budget_share(1.0)
        .build()
        .unwrap();
    (emu, client)
}

/// Whatever way the API refuses a page larger than 100, the chains start
/// once the first one has found the size, as many as the budget calls for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_reads_several_chains_each_asset_once_near_the_minimum_of_requests() {
    for refusal in [
        LimitRefusal::Named,
        LimitRefusal::Unnamed,
        LimitRefusal::SilentCap,
        LimitRefusal::Empty,
    ] {
        let (emu, client) = start(refusal).await;
        let mut items = client.export_assets("").items();
        let mut seen = HashSet::new();
        while let Some(asset) = items.next().await {
            let id = asset.unwrap().id.unwrap();
            assert!(seen.insert(id.clone()), "{refusal:?}: {id} exported twice");
        }
        assert_eq!(seen.len(), ASSETS, "{refusal:?}");
        let point = items.resume_point();
        assert!(point.is_finished());
        // At 50 ms the whole budget needs about 4 id pages in flight, plus
        // the first chain's.
        let chains = point.chains();
        assert!(chains >= 4, "{refusal:?}: {chains} chains");

        let stats = emu.stats();
        let aggregates = stats.operation("aggregate_external_assets");
        assert_eq!(aggregates, 2, "{refusal:?}: min/max, then the buckets");
        // The minimum: 60 pages of 100 ids and 60 detail requests. On top:
        // two counts, at most 5 pages refused while finding the size, and
        // at most two more pages a chain (a short last page, an empty one
        // after a full one).
        let pages = stats.operation("query_external_assets_v2");
        let minimum = (ASSETS / 100) as u64;
        assert!(
            pages <= minimum + 2 + 5 + 2 * chains as u64,
            "{refusal:?}: {pages} id pages for {chains} chains"
        );
        assert_eq!(
            stats.operation("get_external_assets"),
            minimum,
            "{refusal:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_several_chains_killed_at_half_resumes_each_chain_with_each_asset_once() {
    let (emu, client) = start(LimitRefusal::Named).await;
    let everything = common::all_ids(&client, ASSETS).await;

    // Run 1: half the assets, the point saved after each, then dropped
    // with requests in flight.
    let export = client.export_assets("").concurrency(4).items();
    let (first, point) = common::export_then_kill(export, ASSETS / 2).await;
    let point = point.unwrap();
    assert!(point.chains() >= 3, "{} chains", point.chains());
    assert!(!point.is_finished());
    let aggregates = emu.stats().operation("aggregate_external_assets");

    // Run 2: the same shards from the saved point, no planning.
    let second: Vec<String> = client
        .export_assets("")
        .resume_from(&point)
        .unwrap()
        .items()
        .map(|a| a.unwrap().id.unwrap().into_string())
        .collect()
        .await;
    assert_eq!(
        emu.stats().operation("aggregate_external_assets"),
        aggregates
    );
    let mut all = HashSet::new();
    for id in first.iter().chain(&second) {
        assert!(all.insert(id.clone()), "{id} in both runs or twice in one");
    }
    assert_eq!(all, everything, "the two runs together give every asset");
}

#[tokio::test]
async fn a_filter_on_first_seen_or_a_small_query_is_read_as_one_chain() {
    let (emu, client) = start(LimitRefusal::Named).await;
    // A filter that already pins the shard field: no planning at all.
    let mut items = client.export_assets("first_seen:>'2000-01-01'").items();
    let mut n = 0;
    while let Some(a) = items.next().await {
        a.unwrap();
        n += 1;
    }
    assert_eq!((n, items.resume_point().chains()), (ASSETS, 1));
    assert_eq!(emu.stats().operation("aggregate_external_assets"), 0);

    // A query of fewer than 2,000 assets: counted, then one chain.
    let ips: Vec<_> = client
        .query_assets_v2()
        .filter("asset_type:'ip'")
        .items()
        .try_collect::<Vec<String>>()
        .await
        .unwrap();
    let filter = format!("id:['{}']", ips[..20].join("','"));
    let mut items = client.export_assets(filter.as_str()).items();
    let mut n = 0;
    while let Some(a) = items.next().await {
        a.unwrap();
        n += 1;
    }
    assert_eq!((n, items.resume_point().chains()), (20, 1));
}
