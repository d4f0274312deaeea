//! Exports and the probe against an emulator whose queries allow 100
//! results a page and refuse more in each of the ways APIs do: the export
//! returns every asset exactly once whatever the refusal, and through
//! repeated pages; the probe's report names each setting.

use std::collections::HashSet;

use falcon_emulator::{EmulatorConfig, LimitRefusal, Paging};
use falcon_exposure::Client;
use falcon_exposure::probe::{self, Answer, ProbeReport, WalkEnd};
use futures::StreamExt;

use crate::common;

const ASSETS: usize = 1_500;
const REFUSALS: [LimitRefusal; 4] = [
    LimitRefusal::Named,
    LimitRefusal::Unnamed,
    LimitRefusal::SilentCap,
    LimitRefusal::Empty,
];

fn paging(refusal: LimitRefusal) -> Paging {
    Paging::max(100, refusal)
}

/// Exports everything through at most `max_chains` cursor chains; fails on
/// any error, `Error::Incomplete` included, and on an asset that comes
/// twice.
async fn export_all(client: &Client, max_chains: usize) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut assets = client.export_assets("").max_chains(max_chains).items();
    while let Some(asset) = assets.next().await {
        let asset = asset.unwrap_or_else(|e| panic!("the export failed: {e}"));
        let id = asset.id.expect("every asset has an id").into_string();
        assert!(ids.insert(id.clone()), "{id} exported twice");
    }
    ids
}

#[tokio::test]
async fn the_export_returns_every_asset_once_whatever_the_refusal_of_a_larger_page() {
    for refusal in REFUSALS {
        let config = EmulatorConfig::default()
            .assets(ASSETS)
            .paging(paging(refusal));
        let (emu, client) = common::start(config).await;
        let ids = export_all(&client, 16).await;
        assert_eq!(ids.len(), ASSETS, "{refusal:?}");
        // The size was found once: the second export asks for 100 from its
        // first page, one request a page (one chain: no planning counts).
        let before = emu.stats().operation("query_external_assets_v2");
        assert_eq!(export_all(&client, 1).await, ids, "{refusal:?}");
        let pages = emu.stats().operation("query_external_assets_v2") - before;
        assert_eq!(pages, (ASSETS / 100) as u64, "{refusal:?}");
    }
}

#[tokio::test]
async fn repeated_pages_neither_fail_the_export_nor_lose_an_asset() {
    let repeats = [(true, None), (false, Some(3)), (true, Some(2))];
    for (last, page) in repeats {
        for refusal in [LimitRefusal::Named, LimitRefusal::SilentCap] {
            let mut paging = paging(refusal);
            paging.repeat_last_page = last;
            paging.repeat_page = page;
            let config = EmulatorConfig::default().assets(ASSETS).paging(paging);
            let (_emu, client) = common::start(config).await;
            let ids = export_all(&client, 16).await;
            assert_eq!(ids.len(), ASSETS, "{refusal:?}, last {last}, page {page:?}");
        }
    }
}

/// The probe's answers of `operation`, by limit.
fn answers<'a>(report: &'a ProbeReport, operation: &str) -> Vec<(u32, &'a Answer)> {
    report
        .limits
        .iter()
        .filter(|l| l.operation == operation)
        .map(|l| (l.limit, &l.answer))
        .collect()
}

async fn probe_with(paging: Paging) -> ProbeReport {
    let config = EmulatorConfig::default().assets(ASSETS).paging(paging);
    let (emu, client) = common::start(config).await;
    let report = probe::run(&client).await.expect("the probe runs");
    println!("{report}");
    let sent: u64 = emu.stats().operations.values().sum();
    assert_eq!(
        sent,
        u64::from(report.requests),
        "the probe counts its requests"
    );
    assert!(report.requests <= probe::MAX_REQUESTS);
    report
}

#[tokio::test]
async fn the_probe_names_each_page_limit_setting() {
    const ASSET_QUERIES: [&str; 2] = ["query_external_assets", "query_external_assets_v2"];
    for refusal in REFUSALS {
        let report = probe_with(paging(refusal)).await;
        for operation in ASSET_QUERIES {
            let answers = answers(&report, operation);
            assert_eq!(answers.len(), 4, "{refusal:?} {operation}");
            for (limit, answer) in answers {
                let ok = match (limit, refusal) {
                    (100, _) => matches!(
                        answer,
                        Answer::Accepted {
                            items: 100,
                            more: true
                        }
                    ),
                    (_, LimitRefusal::Named) => {
                        matches!(answer, Answer::Refused { status: 400, message } if message.contains("100"))
                    }
                    (_, LimitRefusal::Unnamed) => matches!(
                        answer, Answer::Refused { status: 400, message }
                            if !message.chars().any(|c| c.is_ascii_digit())
                    ),
                    (_, LimitRefusal::SilentCap) => matches!(answer, Answer::Capped { items: 100 }),
                    (_, LimitRefusal::Empty) => matches!(answer, Answer::Empty),
                };
                assert!(ok, "{refusal:?} {operation} limit {limit}: {answer:?}");
            }
        }
        // The subsidiaries are fewer than a page: a refusal shows only as
        // an error or an empty reply.
        for (limit, answer) in answers(&report, "query_ecosystem_subsidiaries") {
            let refused = matches!(answer, Answer::Refused { status: 400, .. });
            let expected =
                limit > 100 && matches!(refusal, LimitRefusal::Named | LimitRefusal::Unnamed);
            assert_eq!(
                refused, expected,
                "{refusal:?} subsidiaries {limit}: {answer:?}"
            );
            if limit > 100 && refusal == LimitRefusal::Empty {
                assert_eq!(answer, &Answer::Empty);
            }
        }
        let text = report.to_string();
        assert!(text.contains("== page limits"), "{text}");
        let walk = report.walk.as_ref().expect("a page size was accepted");
        assert_eq!(walk.distinct, ASSETS as u64, "{walk:?}");
        assert!(walk.pages_with_repeats.is_empty(), "{walk:?}");
        assert_eq!(walk.end, WalkEnd::EmptyCursor, "{walk:?}");
    }

    // A larger limit: 1,000 and below are accepted, 10,000 refused.
    let report = probe_with(Paging::max(1_000, LimitRefusal::Named)).await;
    let v2 = answers(&report, "query_external_assets_v2");
    assert!(
        matches!(v2[0], (10_000, Answer::Refused { status: 400, .. })),
        "{v2:?}"
    );
    assert!(
        v2[1..]
            .iter()
            .all(|(_, a)| matches!(a, Answer::Accepted { .. })),
        "{v2:?}"
    );
}

#[tokio::test]
async fn the_probe_sees_a_cursor_that_hands_back_its_last_page() {
    let mut with_repeat = paging(LimitRefusal::Named);
    with_repeat.repeat_last_page = true;
    let report = probe_with(with_repeat).await;
    let walk = report.walk.as_ref().expect("walked");
    assert!(walk.last_page_again, "{walk:?}");
    assert_eq!(walk.pages_with_repeats, [walk.pages], "{walk:?}");
    assert_eq!(walk.distinct, ASSETS as u64);
    assert!(report.to_string().contains("the last page came twice"));

    let report = probe_with(paging(LimitRefusal::Named)).await;
    let walk = report.walk.as_ref().expect("walked");
    assert!(!walk.last_page_again, "{walk:?}");
    // What else it reports: the aggregates and the headers.
    for sum in &report.aggregates {
        assert_eq!(sum.total, ASSETS as u64, "{sum:?}");
        assert!(sum.buckets > 0, "{sum:?}");
    }
    // Every asset has a type.
    assert_eq!(
        report.aggregates[0].sum, ASSETS as u64,
        "{:?}",
        report.aggregates
    );
    for name in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-cs-traceid"] {
        assert!(
            report.api_headers.iter().any(|h| h == name),
            "{:?}",
            report.api_headers
        );
    }
    assert!(!report.token_headers.is_empty());
    assert_eq!(
        report.content_encoding, None,
        "the emulator does not compress"
    );
    let skew = report
        .clock_skew_seconds
        .expect("the emulator sends a Date");
    assert!(skew.abs() <= 2, "{skew}");
}

/// A tenant too large to walk to the end in the probe's page budget: the
/// walk is narrowed to one criticality, and reaches its end.
#[tokio::test]
async fn the_probe_narrows_its_walk_on_a_large_tenant() {
    let config = EmulatorConfig::default()
        .assets(4_000)
        .paging(paging(LimitRefusal::Named));
    let (emu, client) = common::start(config).await;
    let report = probe::run(&client).await.expect("the probe runs");
    let walk = report.walk.as_ref().expect("walked");
    assert!(walk.narrowed, "{walk:?}");
    assert_eq!(walk.end, WalkEnd::EmptyCursor, "{walk:?}");
    assert!(
        walk.pages >= 2 && walk.pages < probe::MAX_WALK_PAGES,
        "{walk:?}"
    );
    assert_eq!(Some(walk.distinct), walk.total, "{walk:?}");
    assert!(walk.distinct < 4_000, "{walk:?}");
    let sent: u64 = emu.stats().operations.values().sum();
    assert_eq!(sent, u64::from(report.requests));
    assert!(report.requests <= probe::MAX_REQUESTS);
}
