//! Bulk work against the emulator: id streams over both paginations, the
//! offset limit, batched gets, the full export, bulk writes and progress.

use crate::common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use falcon_emulator::{Fault, FaultConfig};
use falcon_exposure::{Error, Progress, WriteOutcome};
use futures::{StreamExt, TryStreamExt};

#[tokio::test]
async fn offset_stream_yields_every_id_once_and_stops() {
    let (emu, client) = common::start(common::large_pages().assets(2_345)).await;
    let ids: Vec<String> = client.query_assets().items().try_collect().await.unwrap();
    assert_eq!(ids.len(), 2_345);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 2_345);
    // 1,000 per page: 3 pages, and nothing asked past the total.
    assert_eq!(emu.stats().operation("query_external_assets"), 3);

    // A filter and a page size of our own; the same ids as one request.
    let filtered: Vec<String> = client
        .query_assets()
        .filter("asset_type:'ip'")
        .paginate()
        .page_size(250)
        .items()
        .try_collect()
        .await
        .unwrap();
    let one = client
        .query_assets()
        .filter("asset_type:'ip'")
        .limit(5_000)
        .send()
        .await
        .unwrap();
    assert_eq!(filtered, one.resources);
}

#[tokio::test]
async fn the_offset_limit_is_a_clear_error_before_any_id() {
    let (emu, client) = common::start(common::large_pages().assets(10_500)).await;
    let mut ids = client.query_assets().items();
    let first = ids.next().await.unwrap();
    let err = first.unwrap_err();
    let Error::OffsetLimit {
        total,
        max_offset,
        alternative,
        ..
    } = &err
    else {
        panic!("expected OffsetLimit, got {err:?}");
    };
    assert_eq!((*total, *max_offset), (Some(10_500), 10_000));
    assert_eq!(*alternative, Some("query_assets_v2"));
    let text = err.to_string();
    assert!(
        text.contains("narrow the filter") && text.contains("query_assets_v2"),
        "{text}"
    );
    assert!(
        ids.next().await.is_none(),
        "the stream ends after the error"
    );
    assert_eq!(emu.stats().operation("query_external_assets"), 1);

    // A filter that narrows the results below the limit streams them all.
    let ips: Vec<String> = client
        .query_assets()
        .filter("asset_type:'ip'")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(!ips.is_empty() && ips.len() < 10_000);

    // Starting at the limit is refused before sending.
    let before = emu.stats().operation("query_external_assets");
    let err = client
        .query_assets()
        .offset("10000")
        .items()
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::OffsetLimit { .. }), "{err:?}");
    assert_eq!(emu.stats().operation("query_external_assets"), before);
}

#[tokio::test]
async fn export_of_25000_assets_through_the_v2_cursor() {
    let (emu, client) = common::start(common::large_pages().assets(25_000)).await;
    let ids: Vec<String> = client
        .query_assets_v2()
        .paginate()
        .page_size(1_000)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25_000);
    assert_eq!(emu.stats().operation("query_external_assets_v2"), 25);

    let mut seen = HashSet::new();
    let mut assets = client.export_assets("").concurrency(4).items();
    while let Some(asset) = assets.next().await {
        let id = asset
            .unwrap()
            .id
            .expect("every asset has an id")
            .into_string();
        assert!(seen.insert(id.clone()), "{id} exported twice");
    }
    assert_eq!(seen.len(), 25_000);
    assert_eq!(seen, ids.into_iter().collect::<HashSet<_>>());
    // 25 query pages of 1,000, 250 detail batches of 100.
    assert_eq!(emu.stats().operation("get_external_assets"), 250);
}

#[tokio::test]
async fn batched_get_splits_reports_unknown_ids_and_keeps_order() {
    let (emu, client) = common::start(common::large_pages().assets(1_000)).await;
    let mut ids = client
        .query_assets()
        .limit(250)
        .send()
        .await
        .unwrap()
        .resources;
    ids.insert(17, "no-such-asset-1".into());
    ids.push("no-such-asset-2".into());
    ids.push(ids[3].clone()); // a repeat is asked for once

    let out: Vec<_> = client
        .get_assets()
        .ids(ids.clone())
        .batch()
        .concurrency(3)
        .keep_order(true)
        .items()
        .collect()
        .await;
    // 252 distinct ids: 3 requests of at most 100.
    assert_eq!(emu.stats().operation("get_external_assets"), 3);
    assert_eq!(out.len(), 252);
    let order: Vec<String> = out
        .iter()
        .map(|r| match r {
            Ok(a) => a.id.clone().unwrap().into_string(),
            Err(Error::NotFound { id, error, .. }) => {
                assert!(error.is_some(), "the API's error entry is kept");
                id.clone()
            }
            Err(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(order, ids[..252]);
    let missing: Vec<&String> = out
        .iter()
        .filter_map(|r| match r {
            Err(Error::NotFound { id, .. }) => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(missing, ["no-such-asset-1", "no-such-asset-2"]);

    // Unordered, the same set.
    let unordered: HashSet<String> = client
        .get_assets()
        .ids(ids[..200].to_vec())
        .items()
        .filter_map(|r| async move { r.ok().and_then(|a| a.id).map(String::from) })
        .collect()
        .await;
    assert_eq!(unordered.len(), 199);

    // `send()` still refuses more than 100 and says how to batch.
    let err = client.get_assets().ids(ids).send().await.unwrap_err();
    assert!(err.to_string().contains("items()"), "{err}");
}

#[tokio::test]
async fn bulk_patch_and_delete_give_a_result_per_id() {
    let (emu, client) = common::start(common::large_pages().assets(1_000)).await;
    let mut ids = client
        .query_assets()
        .limit(230)
        .send()
        .await
        .unwrap()
        .resources;
    ids.push("no-such-asset".into());

    let results: Vec<_> = client
        .update_assets()
        .criticality("High")
        .description("bulk triage")
        .action("acknowledge")
        .ids(ids.clone())
        .batch()
        .keep_order(true)
        .send_all()
        .collect()
        .await;
    assert_eq!(emu.stats().operation("patch_external_assets"), 3);
    assert_eq!(results.len(), 231);
    for (r, id) in results.iter().zip(&ids) {
        assert_eq!(&r.id, id);
    }
    assert!(results[..230].iter().all(|r| r.is_applied()));
    match &results[230].outcome {
        WriteOutcome::Rejected(e) => assert_eq!(e.code, Some(404)),
        other => panic!("{other:?}"),
    }
    // The change is visible, for every id.
    let assets: Vec<_> = client
        .get_assets()
        .ids(ids[..230].to_vec())
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(assets.len(), 230);
    assert!(
        assets
            .iter()
            .all(|a| a.criticality.as_deref() == Some("High"))
    );

    // `send()` refuses bulk values.
    let err = client
        .update_assets()
        .criticality("Noncritical")
        .ids(["a", "b"])
        .send()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("send_all()"), "{err}");

    let deleted: Vec<_> = client
        .delete_assets()
        .description("decommissioned")
        .ids(ids[..150].to_vec())
        .ids(["no-such-asset"])
        .send_all()
        .collect()
        .await;
    assert_eq!(deleted.len(), 151);
    assert_eq!(deleted.iter().filter(|r| r.is_applied()).count(), 150);
    assert_eq!(emu.asset_count(), 850);
}

#[tokio::test]
async fn a_failed_write_batch_is_not_sent_again() {
    let (emu, client) = common::start(common::large_pages().assets(500)).await;
    let ids = client
        .query_assets()
        .limit(300)
        .send()
        .await
        .unwrap()
        .resources;
    // From now on: the 2nd request fails with a 500, the 3rd is dropped.
    emu.set_faults(FaultConfig {
        schedule: vec![
            falcon_emulator::ScheduledFault {
                request: 2,
                fault: Fault::InternalServerError,
            },
            falcon_emulator::ScheduledFault {
                request: 3,
                fault: Fault::DropConnection,
            },
        ],
        ..FaultConfig::default()
    });
    let results: Vec<_> = client
        .update_assets()
        .criticality("Noncritical")
        .ids(ids.clone())
        .batch()
        .concurrency(1)
        .keep_order(true)
        .send_all()
        .collect()
        .await;
    // Three batches, each sent exactly once although two failed.
    assert_eq!(emu.stats().operation("patch_external_assets"), 3);
    assert_eq!(results.len(), 300);
    assert!(results[..100].iter().all(|r| r.is_applied()));
    for r in &results[100..] {
        match &r.outcome {
            WriteOutcome::Failed {
                may_have_applied, ..
            } => assert!(may_have_applied),
            other => panic!("{other:?}"),
        }
    }

    // A DELETE, which single requests may retry, is not sent again in bulk.
    emu.set_faults(FaultConfig::scheduled(&[1], Fault::BadGateway));
    let results: Vec<_> = client
        .delete_assets()
        .ids(ids[..50].to_vec())
        .send_all()
        .collect()
        .await;
    assert_eq!(emu.stats().operation("delete_external_assets"), 1);
    assert!(results.iter().all(|r| matches!(
        r.outcome,
        WriteOutcome::Failed {
            may_have_applied: true,
            ..
        }
    )));
    assert_eq!(emu.asset_count(), 500, "nothing deleted");

    // A 429 is retried: the API did not act on it.
    emu.set_faults(FaultConfig::scheduled(&[1], Fault::TooManyRequests));
    let results: Vec<_> = client
        .delete_assets()
        .ids(ids[..50].to_vec())
        .send_all()
        .collect()
        .await;
    assert_eq!(emu.stats().operation("delete_external_assets"), 3);
    assert!(results.iter().all(|r| r.is_applied()));
    assert_eq!(emu.asset_count(), 450);
}

#[tokio::test]
async fn progress_counts_reach_the_totals() {
    let (_emu, client) = common::start(common::large_pages().assets(1_234)).await;
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let log = seen.clone();
    let n = client
        .export_assets("")
        .on_progress(move |p| log.lock().unwrap().push(p))
        .items()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(n, 1_234);
    let seen = seen.lock().unwrap().clone();
    let last = seen.iter().max_by_key(|p| p.done()).unwrap();
    assert_eq!(last.total(), Some(1_234));
    assert_eq!(last.ids_found(), 1_234);
    assert_eq!(last.fetched(), 1_234);
    assert_eq!(last.failed(), 0);
    // Counts only grow.
    for w in seen.windows(2) {
        assert!(w[1].ids_found() >= w[0].ids_found() && w[1].fetched() >= w[0].fetched());
    }

    // Pages report too.
    let pages: Arc<Mutex<Option<Progress>>> = Arc::default();
    let last_page = pages.clone();
    let ids: Vec<String> = client
        .query_assets()
        .paginate()
        .on_progress(move |p| *last_page.lock().unwrap() = Some(p))
        .items()
        .try_collect()
        .await
        .unwrap();
    let p = pages.lock().unwrap().unwrap();
    assert_eq!(
        (p.ids_found(), p.total(), p.requests()),
        (1_234, Some(1_234), 2)
    );
    assert_eq!(ids.len(), 1_234);
}

#[tokio::test]
async fn subsidiaries_stream_through_their_offset_pagination() {
    let (_emu, client) = common::start(common::large_pages()).await;
    let all = client.query_ecosystem_subsidiaries().send().await.unwrap();
    let total = all.meta.pagination.unwrap().total.unwrap() as usize;
    let ids: Vec<String> = client
        .query_ecosystem_subsidiaries()
        .paginate()
        .page_size(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), total);
    let details: Vec<_> = client
        .get_ecosystem_subsidiaries()
        .ids(ids.clone())
        .batch()
        .keep_order(true)
        .items()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<String> = details
        .into_iter()
        .map(|s| s.id.unwrap().into_string())
        .collect();
    assert_eq!(got, ids);
}
