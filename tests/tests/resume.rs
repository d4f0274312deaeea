//! Resumable streams against the emulator: a job killed half-way resumes
//! from its saved point without reading again the pages it finished, and
//! each asset comes out once across the two runs.

use crate::common;
use crate::common::saved;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use falcon_exposure::{Error, Progress, ResumePoint};
use futures::{StreamExt, TryStreamExt};

const ASSETS: usize = 5_000;
const PAGE: u32 = 250;

#[tokio::test]
async fn an_export_killed_at_half_resumes_with_each_asset_exactly_once() {
    let (emu, client) = common::start(common::large_pages().assets(ASSETS)).await;
    let everything = common::all_ids(&client, ASSETS).await;

    // Run 1: process half the assets, saving the point after each one,
    // then stop (the stream is dropped with detail requests in flight).
    // One cursor chain: the pages counted below are those of one chain,
    // with no planning requests (`export_chains.rs` resumes several).
    let pages_before = emu.stats().operation("query_external_assets_v2");
    let export = client
        .export_assets("")
        .max_chains(1)
        .page_size(PAGE)
        .concurrency(4)
        .items();
    let (first, point) = common::export_then_kill(export, ASSETS / 2).await;
    let point = point.unwrap();
    assert!(
        point.position().is_some(),
        "finished pages are behind the point"
    );
    assert!(!point.is_finished());
    // Requests of run 1 still on their way when its stream was dropped
    // reach the emulator later: let its counts settle before they are
    // taken as run 2's baseline.
    let mut seen = emu.stats().total();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let now = emu.stats().total();
        if now == seen {
            break;
        }
        seen = now;
    }
    let pages_first = emu.stats().operation("query_external_assets_v2") - pages_before;

    // Run 2: a new export from the saved point.
    let progress: Arc<Mutex<Progress>> = Arc::default();
    let last = progress.clone();
    let gets_before = emu.stats().operation("get_external_assets");
    let second: Vec<String> = client
        .export_assets("")
        .max_chains(1)
        .page_size(PAGE)
        .concurrency(4)
        .on_progress(move |p| *last.lock().unwrap() = p)
        .resume_from(&point)
        .unwrap()
        .items()
        .map(|a| a.unwrap().id.unwrap().into_string())
        .collect()
        .await;
    let pages_second =
        emu.stats().operation("query_external_assets_v2") - pages_before - pages_first;

    let mut all: HashSet<String> = HashSet::new();
    for id in first.iter().chain(&second) {
        assert!(
            all.insert(id.clone()),
            "{id} appears in both runs or twice in one"
        );
    }
    assert_eq!(first.len() + second.len(), ASSETS);
    assert_eq!(all, everything, "the two runs together give every asset");

    // The second run reads again at most the pages whose ids were not all
    // yielded (a page and the detail batches in flight), never the ones
    // finished before it: 20 pages in all, half of them finished.
    let total_pages = (ASSETS as u32).div_ceil(PAGE) as u64;
    assert!(
        pages_second + 10 - 3 <= total_pages,
        "the second run read {pages_second} pages of {total_pages}"
    );
    // And it fetches details only of the assets the first run did not yield.
    assert_eq!(progress.lock().unwrap().fetched(), (ASSETS / 2) as u64);
    let gets_second = emu.stats().operation("get_external_assets") - gets_before;
    assert!(
        gets_second <= 26,
        "the second run sent {gets_second} detail requests for {} assets",
        ASSETS / 2
    );
}

#[tokio::test]
async fn an_export_resumed_from_the_point_of_its_last_item_yields_nothing() {
    let (_emu, client) = common::start(common::large_pages().assets(300)).await;
    let mut assets = client.export_assets("").page_size(100).items();
    let mut n = 0;
    while let Some(asset) = assets.next().await {
        asset.unwrap();
        n += 1;
    }
    assert_eq!(n, 300);
    let point = saved(&assets.resume_point());
    assert!(point.is_finished());
    let again: Vec<_> = client
        .export_assets("")
        .resume_from(&point)
        .unwrap()
        .items()
        .collect()
        .await;
    assert!(again.is_empty());
}

#[tokio::test]
async fn a_paginator_resumes_from_its_cursor_and_its_offset() {
    let (emu, client) = common::start(common::large_pages().assets(1_000)).await;

    // Cursor pagination: stop in the middle of the fourth page of 100.
    let mut ids = client.query_assets_v2().paginate().page_size(100).items();
    let mut first = Vec::new();
    while first.len() < 350 {
        first.push(ids.next().await.unwrap().unwrap());
    }
    let point = saved(&ids.resume_point());
    drop(ids);
    assert_eq!(point.operation(), "query_external_assets_v2");
    assert!(
        point.position().is_some(),
        "the after cursor of the third page"
    );
    assert_eq!(
        point.skipped(),
        50,
        "the fourth page's items already yielded"
    );
    let before = emu.stats().operation("query_external_assets_v2");
    let rest: Vec<String> = client
        .query_assets_v2()
        .paginate()
        .page_size(100)
        .resume_from(&point)
        .unwrap()
        .items()
        .try_collect()
        .await
        .unwrap();
    // Pages 4 to 10: the first three are not read again.
    assert_eq!(
        emu.stats().operation("query_external_assets_v2") - before,
        7
    );
    let all: HashSet<&String> = first.iter().chain(&rest).collect();
    assert_eq!((first.len() + rest.len(), all.len()), (1_000, 1_000));

    // Offset pagination: the point is the offset of the page being read.
    let mut ids = client.query_assets().paginate().page_size(100).items();
    let mut first = Vec::new();
    while first.len() < 250 {
        first.push(ids.next().await.unwrap().unwrap());
    }
    let point = saved(&ids.resume_point());
    assert_eq!((point.position(), point.skipped()), (Some("200"), 50));
    let rest: Vec<String> = client
        .query_assets()
        .paginate()
        .page_size(100)
        .resume_from(&point)
        .unwrap()
        .items()
        .try_collect()
        .await
        .unwrap();
    let all: HashSet<&String> = first.iter().chain(&rest).collect();
    assert_eq!((first.len() + rest.len(), all.len()), (1_000, 1_000));
}

/// The operation and reason of an [`Error::InvalidResumePoint`].
fn refused<T>(r: falcon_exposure::Result<T>) -> (&'static str, String) {
    match r {
        Err(Error::InvalidResumePoint { operation, reason }) => (operation, reason),
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("the point was accepted"),
    }
}

#[tokio::test]
async fn a_point_of_another_operation_or_query_or_a_malformed_one_is_refused() {
    let (_emu, client) = common::start(common::large_pages().assets(10)).await;

    // A point of the cursor query given to the offset query.
    let v2 = client.query_assets_v2().items().resume_point();
    let (op, reason) = refused(client.query_assets().paginate().resume_from(&v2));
    assert_eq!(op, "query_external_assets");
    assert!(reason.contains("query_external_assets_v2"), "{reason}");

    // A point of another filter.
    let ip = client
        .export_assets("asset_type:'ip'")
        .items()
        .resume_point();
    let (_, reason) = refused(client.export_assets("").resume_from(&ip));
    assert!(reason.contains("asset_type"), "{reason}");
    assert!(
        client
            .export_assets("asset_type:'ip'")
            .resume_from(&ip)
            .is_ok()
    );

    // Malformed points, as a file might hold them: the point of a stream
    // that has read a page, its chain's position edited.
    let mut started = client.query_assets_v2().items();
    started.next().await.unwrap().unwrap();
    let read = started.resume_point();
    assert_eq!(read.chains(), 1);
    let mut json = serde_json::to_value(&read).unwrap();
    json["chains"][0]["position"] = "  ".into();
    let bad: ResumePoint = serde_json::from_value(json.clone()).unwrap();
    refused(client.query_assets_v2().paginate().resume_from(&bad));
    json["chains"][0]["position"] = serde_json::Value::Null;
    json["version"] = 7.into();
    let bad: ResumePoint = serde_json::from_value(json).unwrap();
    let (_, reason) = refused(client.export_assets("").resume_from(&bad));
    assert!(reason.contains("version"), "{reason}");
    // (Too late, once the stream has started: `Items` has no
    // `resume_from`, which client/tests/ui/setter_on_started_stream.rs
    // checks does not compile.)
}

#[tokio::test]
async fn an_export_asks_for_id_pages_of_10000() {
    let (emu, client) = common::start(common::large_pages().assets(25_000)).await;
    // One cursor chain: its pages alone, no planning counts.
    let n = client
        .export_assets("")
        .max_chains(1)
        .items()
        .try_fold(0usize, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(n, 25_000);
    // 10,000 + 10,000 + 5,000.
    assert_eq!(emu.stats().operation("query_external_assets_v2"), 3);
}

#[tokio::test]
async fn an_export_killed_twice_resumes_each_time_with_each_asset_once() {
    let (_emu, client) = common::start(common::large_pages().assets(3_000)).await;
    let mut seen: HashSet<String> = HashSet::new();
    let mut point: Option<ResumePoint> = None;
    // Three runs of at most 1,100 assets each; the last one finishes.
    for run in 0..3 {
        let mut export = client.export_assets("").page_size(200).concurrency(4);
        if let Some(p) = &point {
            export = export.resume_from(p).unwrap();
        }
        let mut assets = export.items();
        let mut n = 0;
        while let Some(asset) = assets.next().await {
            let id = asset.unwrap().id.unwrap().into_string();
            assert!(seen.insert(id.clone()), "{id} again in run {run}");
            point = Some(saved(&assets.resume_point()));
            n += 1;
            if n == 1_100 {
                break;
            }
        }
    }
    assert_eq!(seen.len(), 3_000);
    assert!(point.unwrap().is_finished());
}
