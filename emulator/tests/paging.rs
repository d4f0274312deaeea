//! Page limits of the query operations (`Paging`): the four ways of
//! answering a too-large `limit`, walks at and above the largest page, and
//! the two repeated-page faults of the v2 cursor walk.

use crate::common::*;
use falcon_emulator::{Emulator, EmulatorConfig, LimitRefusal, Paging};
use serde_json::Value;
use std::collections::HashSet;

const V1: &str = "/fem/queries/external-assets/v1";
const V2: &str = "/fem/queries/external-assets/v2";
const SUBS: &str = "/fem/queries/ecosystem-subsidiaries/v1";
const COMBINED: &str = "/fem/combined/ecosystem-subsidiaries/v1";

/// Largest page of the asset queries in these tests: 300 assets make 7
/// full pages and one of 20.
const ASSET_MAX: usize = 40;
/// Largest page of the subsidiary listings: 8 subsidiaries make 3, 3, 2.
const SUB_MAX: usize = 3;
const ASSETS: usize = 300;
const SUBSIDIARIES: usize = 8;

const REFUSALS: [LimitRefusal; 4] = [
    LimitRefusal::Named,
    LimitRefusal::Unnamed,
    LimitRefusal::SilentCap,
    LimitRefusal::Empty,
];

/// The test maxima, refused as `refusal` says, with the repeat faults of
/// `faults` (its maxima are ignored).
fn paging(refusal: LimitRefusal, faults: Paging) -> Paging {
    Paging {
        assets_v1: ASSET_MAX,
        assets_v2: ASSET_MAX,
        subsidiaries: SUB_MAX,
        refusal,
        ..faults
    }
}

async fn start_paging(p: Paging) -> Api {
    start(small().paging(p)).await
}

/// The queries, with their largest page and number of results.
fn queries() -> [(&'static str, usize, usize); 4] {
    [
        (V1, ASSET_MAX, ASSETS),
        (V2, ASSET_MAX, ASSETS),
        (SUBS, SUB_MAX, SUBSIDIARIES),
        (COMBINED, SUB_MAX, SUBSIDIARIES),
    ]
}

/// The ids of a reply: the strings of a query, the `id` of combined items.
fn ids_of(v: &Value) -> Vec<String> {
    v["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r.as_str().or(r["id"].as_str()).expect("id").to_string())
        .collect()
}

fn pagination(v: &Value, key: &str) -> u64 {
    v["meta"]["pagination"][key].as_u64().expect(key)
}

fn after(v: &Value) -> String {
    v["meta"]["pagination"]["after"]
        .as_str()
        .expect("after")
        .to_string()
}

/// Every id once, and as many as there are results.
fn assert_covers_once(ids: &[String], total: usize) {
    assert_eq!(ids.len(), total, "{ids:?}");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), total);
}

/// The pages of an offset walk, stepping by the `limit` each reply reports.
async fn walk_offset(api: &Api, path: &str, limit: usize) -> Vec<Vec<String>> {
    let (limit, mut offset, mut pages) = (limit.to_string(), 0, Vec::new());
    for _ in 0..100 {
        let off = offset.to_string();
        let (s, _, v) = api
            .get(path, &[("limit", limit.as_str()), ("offset", off.as_str())])
            .await;
        assert_eq!(s, 200, "{v}");
        pages.push(ids_of(&v));
        offset += pagination(&v, "limit");
        if offset >= pagination(&v, "total") {
            return pages;
        }
    }
    panic!("the walk does not end");
}

/// A v2 walk: its pages and the cursors it was given (the empty one that
/// ends it left out).
struct Walk {
    pages: Vec<Vec<String>>,
    cursors: Vec<String>,
}

impl Walk {
    fn ids(&self) -> Vec<String> {
        self.pages.concat()
    }

    fn assert_cursors_distinct(&self) {
        let distinct: HashSet<_> = self.cursors.iter().collect();
        assert_eq!(distinct.len(), self.cursors.len(), "{:?}", self.cursors);
    }
}

async fn walk_v2(api: &Api, limit: usize) -> Walk {
    let limit = limit.to_string();
    let mut walk = Walk {
        pages: Vec::new(),
        cursors: Vec::new(),
    };
    let mut cursor = String::new();
    for _ in 0..100 {
        let (s, _, v) = api
            .get(V2, &[("limit", limit.as_str()), ("after", cursor.as_str())])
            .await;
        assert_eq!(s, 200, "{v}");
        walk.pages.push(ids_of(&v));
        cursor = after(&v);
        if cursor.is_empty() {
            return walk;
        }
        walk.cursors.push(cursor.clone());
    }
    panic!("the walk does not end");
}

#[tokio::test]
async fn defaults_and_builders() {
    let p = Paging::default();
    assert_eq!((p.assets_v1, p.assets_v2, p.subsidiaries), (100, 100, 100));
    assert_eq!(p.refusal, LimitRefusal::Named);
    assert_eq!((p.repeat_last_page, p.repeat_page), (false, None));
    assert_eq!(EmulatorConfig::default().paging, p);
    assert_eq!(Paging::max(7, LimitRefusal::Empty).assets_v2, 7);
    // page_limit sets the maxima and the refusal but keeps the faults.
    let faults = Paging {
        repeat_last_page: true,
        repeat_page: Some(4),
        ..Paging::default()
    };
    let cfg = EmulatorConfig::default()
        .paging(faults)
        .page_limit(7, LimitRefusal::Unnamed);
    assert_eq!(
        cfg.paging,
        Paging {
            repeat_last_page: true,
            repeat_page: Some(4),
            ..Paging::max(7, LimitRefusal::Unnamed)
        }
    );
    // A limit of 100 is refused by default and named in the message.
    let api = start(small()).await;
    let (s, _, v) = api.get(V2, &[("limit", "101")]).await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        first_error(&v).1,
        "invalid limit '101': must be an integer between 1 and 100"
    );
    let (s, _, v) = api.get(V1, &[("limit", "100")]).await;
    assert_eq!((s, ids_of(&v).len()), (200, 100));
}

#[tokio::test]
async fn invalid_settings_are_refused_at_start() {
    let zero = Paging {
        subsidiaries: 0,
        ..Paging::default()
    };
    let first = Paging {
        repeat_page: Some(1),
        ..Paging::default()
    };
    for (p, says) in [(zero, "subsidiaries"), (first, "repeat_page")] {
        let err = match Emulator::start(small().paging(p)).await {
            Ok(_) => panic!("{says}: started"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(says), "{err}");
    }
}

#[tokio::test]
async fn a_limit_at_the_maximum_is_served() {
    let api = start_paging(paging(LimitRefusal::Named, Paging::default())).await;
    for (path, max, total) in queries() {
        let m = max.to_string();
        let (s, _, v) = api.get(path, &[("limit", m.as_str())]).await;
        assert_eq!(s, 200, "{path}: {v}");
        assert_eq!(ids_of(&v).len(), max, "{path}");
        assert_eq!(pagination(&v, "limit"), max as u64, "{path}");
        assert_eq!(pagination(&v, "total"), total as u64, "{path}");
        // Without a limit: the default of 100, capped by the maximum.
        let (s, _, v) = api.get(path, &[]).await;
        assert_eq!((s, ids_of(&v).len()), (200, max), "{path}");
    }
}

#[tokio::test]
async fn a_limit_above_the_maximum_is_answered_as_configured() {
    for refusal in REFUSALS {
        let api = start_paging(paging(refusal, Paging::default())).await;
        for (path, max, total) in queries() {
            for asked in [max + 1, 10_000] {
                let limit = asked.to_string();
                let (s, _, v) = api.get(path, &[("limit", limit.as_str())]).await;
                let what = format!("{refusal:?} {path} limit {asked}: {v}");
                assert_envelope(&v);
                match refusal {
                    LimitRefusal::Named => {
                        assert_eq!(s, 400, "{what}");
                        let msg = first_error(&v).1;
                        assert!(msg.contains(&format!("and {max}")), "{what}");
                        assert!(msg.contains(&format!("'{asked}'")), "{what}");
                    }
                    LimitRefusal::Unnamed => {
                        assert_eq!(s, 400, "{what}");
                        let msg = first_error(&v).1;
                        assert!(!msg.is_empty(), "{what}");
                        assert!(!msg.chars().any(|c| c.is_ascii_digit()), "{what}");
                        assert!(!msg.to_ascii_lowercase().contains("limit"), "{what}");
                    }
                    LimitRefusal::SilentCap => {
                        assert_eq!(s, 200, "{what}");
                        assert_eq!(ids_of(&v).len(), max, "{what}");
                        assert_eq!(pagination(&v, "limit"), max as u64, "{what}");
                        assert_eq!(pagination(&v, "total"), total as u64, "{what}");
                        if path == V2 {
                            assert!(!after(&v).is_empty(), "{what}");
                        }
                    }
                    LimitRefusal::Empty => {
                        assert_eq!(s, 200, "{what}");
                        assert!(ids_of(&v).is_empty(), "{what}");
                        assert_eq!(pagination(&v, "total"), total as u64, "{what}");
                        if path == V2 {
                            assert_eq!(after(&v), "", "{what}");
                        }
                    }
                }
            }
            // Whatever the refusal, a limit that is not an integer of at
            // least 1 is the 400 naming the maximum.
            for bad in ["0", "-1", "x", "1.5"] {
                let (s, _, v) = api.get(path, &[("limit", bad)]).await;
                assert_eq!(s, 400, "{refusal:?} {path} limit {bad}: {v}");
                let msg = first_error(&v).1;
                assert!(msg.contains(&format!("and {max}")), "{msg}");
            }
        }
    }
}

#[tokio::test]
async fn a_walk_at_the_maximum_covers_every_id_once() {
    for refusal in REFUSALS {
        let api = start_paging(paging(refusal, Paging::default())).await;
        for (path, max, total) in [(V1, ASSET_MAX, ASSETS), (SUBS, SUB_MAX, SUBSIDIARIES)] {
            let pages = walk_offset(&api, path, max).await;
            assert_eq!(pages.len(), total.div_ceil(max), "{refusal:?} {path}");
            assert_covers_once(&pages.concat(), total);
        }
        let walk = walk_v2(&api, ASSET_MAX).await;
        assert_eq!(walk.pages.len(), ASSETS.div_ceil(ASSET_MAX));
        assert_covers_once(&walk.ids(), ASSETS);
        walk.assert_cursors_distinct();
    }
}

#[tokio::test]
async fn a_silently_capped_walk_covers_every_id_once() {
    let api = start_paging(paging(LimitRefusal::SilentCap, Paging::default())).await;
    let v1 = walk_offset(&api, V1, 100).await;
    assert!(v1.iter().all(|p| p.len() <= ASSET_MAX));
    assert_covers_once(&v1.concat(), ASSETS);
    let subs = walk_offset(&api, SUBS, 100).await;
    assert!(subs.iter().all(|p| p.len() <= SUB_MAX));
    assert_covers_once(&subs.concat(), SUBSIDIARIES);
    let v2 = walk_v2(&api, 100).await;
    assert_eq!(v2.pages.len(), ASSETS.div_ceil(ASSET_MAX));
    assert_covers_once(&v2.ids(), ASSETS);
    v2.assert_cursors_distinct();
    // Both queries serve the results in the same order.
    assert_eq!(v1.concat(), v2.ids());
}

#[tokio::test]
async fn repeat_last_page_hands_the_last_page_back_then_ends() {
    let faults = Paging {
        repeat_last_page: true,
        ..Paging::default()
    };
    let api = start_paging(paging(LimitRefusal::Named, faults)).await;
    let walk = walk_v2(&api, ASSET_MAX).await;
    let real = ASSETS.div_ceil(ASSET_MAX);
    assert_eq!(walk.pages.len(), real + 1);
    let (last, before) = (&walk.pages[real], &walk.pages[real - 1]);
    assert_eq!(last, before);
    assert_eq!(last.len(), ASSETS % ASSET_MAX);
    assert_covers_once(&walk.pages[..real].concat(), ASSETS);
    // A cursor for each page after the first, the repeated one's included.
    assert_eq!(walk.cursors.len(), real);
    walk.assert_cursors_distinct();
    // The offset query has no such fault.
    let v1 = walk_offset(&api, V1, ASSET_MAX).await;
    assert_eq!(v1.len(), real);
}

#[tokio::test]
async fn repeat_page_hands_the_page_before_back_then_the_real_page() {
    let faults = Paging {
        repeat_page: Some(3),
        ..Paging::default()
    };
    let api = start_paging(paging(LimitRefusal::Named, faults)).await;
    let walk = walk_v2(&api, ASSET_MAX).await;
    let real = ASSETS.div_ceil(ASSET_MAX);
    assert_eq!(walk.pages.len(), real + 1);
    // Page 3 is page 2 again; the 4th request gets the real page 3.
    assert_eq!(walk.pages[2], walk.pages[1]);
    let offset = (2 * ASSET_MAX).to_string();
    let limit = ASSET_MAX.to_string();
    let (_, _, v) = api
        .get(
            V1,
            &[("offset", offset.as_str()), ("limit", limit.as_str())],
        )
        .await;
    assert_eq!(walk.pages[3], ids_of(&v));
    let mut ids = walk.pages.clone();
    ids.remove(2);
    assert_covers_once(&ids.concat(), ASSETS);
    walk.assert_cursors_distinct();
    // Every walk meets the fault, not only the first.
    let again = walk_v2(&api, ASSET_MAX).await;
    assert_eq!(again.pages, walk.pages);
}

#[tokio::test]
async fn both_faults_together_keep_every_cursor_distinct() {
    let faults = Paging {
        repeat_last_page: true,
        repeat_page: Some(2),
        ..Paging::default()
    };
    let api = start_paging(paging(LimitRefusal::Named, faults)).await;
    // Pages of 20: page 2 is page 1 again, and the last page comes twice.
    let walk = walk_v2(&api, 20).await;
    let real = ASSETS.div_ceil(20);
    assert_eq!(walk.pages.len(), real + 2);
    assert_eq!(walk.pages[1], walk.pages[0]);
    assert_eq!(walk.pages[real + 1], walk.pages[real]);
    walk.assert_cursors_distinct();
    let distinct: HashSet<_> = walk.ids().into_iter().collect();
    assert_eq!(distinct.len(), ASSETS);
}

#[tokio::test]
async fn a_cursor_the_emulator_did_not_write_is_refused() {
    let api = start_paging(paging(LimitRefusal::SilentCap, Paging::default())).await;
    let (_, _, v) = api.get(V2, &[("limit", "5")]).await;
    let good = after(&v);
    assert_eq!(good.len(), 40, "{good}");
    let mut flipped = good.clone().into_bytes();
    flipped[30] = if flipped[30] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).unwrap();
    // `c5a5a5a5f` is the cursor of position 5 in the earlier encoding.
    for bad in ["garbage", "c5a5a5a5f", &good[..39], flipped.as_str()] {
        let (s, _, v) = api.get(V2, &[("after", bad)]).await;
        assert_eq!(s, 400, "{bad}: {v}");
        assert_eq!(first_error(&v).1, format!("invalid after cursor '{bad}'"));
    }
    let (s, _, v) = api.get(V2, &[("after", good.as_str())]).await;
    assert_eq!((s, ids_of(&v).len()), (200, ASSET_MAX));
}
