//! The account-wide budget: one sliding-minute window per CID (the parent
//! and each member), member inventories, the background consumer, the
//! rate-limit headers and the per-CID counts.

use crate::common::{Api, ids, small, split, start, token_for};
use falcon_emulator::{
    ApiClient, DEFAULT_CID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig,
    EmulatorHandle, SCOPE_READ, SCOPE_WRITE,
};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const QUERY: &str = "/fem/queries/external-assets/v1";
const ENTITIES: &str = "/fem/entities/external-assets/v1";
const MSSP: (&str, &str) = ("mssp", "mssp-secret");

fn epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `cfg` with members `child-a` (50 assets) and `child-b` (20), and an
/// MSSP client allowed both.
fn mssp(cfg: EmulatorConfig) -> EmulatorConfig {
    cfg.member("child-a", 50).member("child-b", 20).client(
        ApiClient::new(MSSP.0, MSSP.1, &[SCOPE_READ, SCOPE_WRITE]).with_member_cids(&[
            "child-a",
            "CHILD-B",
            "child-empty",
        ]),
    )
}

async fn member_token(http: &reqwest::Client, emu: &EmulatorHandle, member: &str) -> String {
    let r = http
        .post(format!("{}/oauth2/token", emu.base_url()))
        .form(&[
            ("client_id", MSSP.0),
            ("client_secret", MSSP.1),
            ("member_cid", member),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "token for {member}");
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn get(
    http: &reqwest::Client,
    emu: &EmulatorHandle,
    token: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, HeaderMap, Value) {
    let r = http
        .get(format!("{}{path}", emu.base_url()))
        .query(query)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    split(r).await
}

fn remaining(h: &HeaderMap) -> u32 {
    h["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn limit(h: &HeaderMap) -> u32 {
    h["x-ratelimit-limit"].to_str().unwrap().parse().unwrap()
}

/// All ids `token` sees, paged.
async fn all_ids(http: &reqwest::Client, emu: &EmulatorHandle, token: &str) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let off = out.len().to_string();
        let q = [("limit", "100"), ("offset", off.as_str())];
        let (s, _, v) = get(http, emu, token, QUERY, &q).await;
        assert_eq!(s, 200, "{v}");
        let page = ids(&v);
        let total = v["meta"]["pagination"]["total"].as_u64().unwrap() as usize;
        out.extend(page.iter().cloned());
        if page.is_empty() || out.len() >= total {
            return out;
        }
    }
}

#[tokio::test]
async fn clients_of_one_cid_share_its_window() {
    let cfg = small().rate_limit_per_minute(6).client(ApiClient::new(
        "second",
        "second-secret",
        &[SCOPE_READ],
    ));
    let emu = Emulator::start(cfg).await.unwrap();
    let http = reqwest::Client::new();
    let base = emu.base_url();
    let a = token_for(&http, &base, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET).await;
    let b = token_for(&http, &base, "second", "second-secret").await;
    let before = epoch();
    let mut first_at = None;
    for i in 0..6u32 {
        let token = if i % 2 == 0 { &a } else { &b };
        let (s, h, _) = get(&http, &emu, token, QUERY, &[]).await;
        first_at.get_or_insert_with(epoch);
        assert_eq!(s, 200);
        assert_eq!(limit(&h), 6);
        // Both clients draw on the one window of the CID.
        assert_eq!(remaining(&h), 5 - i);
    }
    let (s, h, v) = get(&http, &emu, &b, QUERY, &[]).await;
    assert_eq!(s, 429, "{v}");
    assert_eq!(limit(&h), 6);
    assert_eq!(remaining(&h), 0);
    // The epoch second the first request leaves the window.
    let retry: i64 = h["x-ratelimit-retryafter"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let first_at = first_at.unwrap();
    assert!(
        (before + 60..=first_at + 60).contains(&retry),
        "retry after {retry}, first request in [{before}, {first_at}]"
    );
    let st = emu.stats().cid(DEFAULT_CID);
    assert_eq!((st.requests, st.throttled), (6, 1));
    assert_eq!((st.background_requests, st.background_throttled), (0, 0));
    emu.shutdown().await;
}

#[tokio::test]
async fn member_cids_have_their_own_windows() {
    let emu = Emulator::start(mssp(small()).rate_limit_per_minute(3))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let parent = token_for(&http, &emu.base_url(), MSSP.0, MSSP.1).await;
    let child_a = member_token(&http, &emu, "child-a").await;
    let child_b = member_token(&http, &emu, "child-b").await;
    for _ in 0..3 {
        assert_eq!(get(&http, &emu, &parent, QUERY, &[]).await.0, 200);
    }
    assert_eq!(get(&http, &emu, &parent, QUERY, &[]).await.0, 429);
    // The members' windows are untouched by the parent's.
    let (s, h, _) = get(&http, &emu, &child_a, QUERY, &[]).await;
    assert_eq!((s, limit(&h), remaining(&h)), (200, 3, 2));
    // A refused request (bad filter) still reports its CID's budget.
    let (s, h, _) = get(&http, &emu, &child_a, QUERY, &[("filter", "(")]).await;
    assert_eq!((s, limit(&h), remaining(&h)), (400, 3, 1));
    let (s, h, _) = get(&http, &emu, &child_b, QUERY, &[]).await;
    assert_eq!((s, remaining(&h)), (200, 2));
    assert_eq!(get(&http, &emu, &child_a, QUERY, &[]).await.0, 200);
    assert_eq!(get(&http, &emu, &child_a, QUERY, &[]).await.0, 429);
    let stats = emu.stats();
    assert_eq!(stats.cid(DEFAULT_CID).requests, 3);
    assert_eq!(stats.cid(DEFAULT_CID).throttled, 1);
    assert_eq!(
        (
            stats.cid("child-a").requests,
            stats.cid("CHILD-A").throttled
        ),
        (3, 1)
    );
    assert_eq!(
        (
            stats.cid("child-b").requests,
            stats.cid("child-b").throttled
        ),
        (1, 0)
    );
    assert_eq!(stats.cid("child-empty").requests, 0);
    assert!(stats.cids.contains_key("child-empty"));
    emu.shutdown().await;
}

#[tokio::test]
async fn member_datasets_are_separate_sized_and_seeded() {
    let emu = Emulator::start(mssp(small())).await.unwrap();
    let http = reqwest::Client::new();
    let parent = token_for(&http, &emu.base_url(), MSSP.0, MSSP.1).await;
    let child_a = member_token(&http, &emu, "child-a").await;
    let child_b = member_token(&http, &emu, "child-b").await;
    let empty = member_token(&http, &emu, "child-empty").await;
    let p_ids = all_ids(&http, &emu, &parent).await;
    let a_ids = all_ids(&http, &emu, &child_a).await;
    let b_ids = all_ids(&http, &emu, &child_b).await;
    assert_eq!((p_ids.len(), a_ids.len(), b_ids.len()), (300, 50, 20));
    // A client's member CID without a configured inventory has none.
    assert!(all_ids(&http, &emu, &empty).await.is_empty());
    let p: HashSet<_> = p_ids.iter().collect();
    assert!(a_ids.iter().chain(&b_ids).all(|id| !p.contains(id)));
    assert!(a_ids.iter().all(|id| !b_ids.contains(id)));
    // Gets see only the token's CID, and its assets carry that CID.
    let (s, _, v) = get(&http, &emu, &child_a, ENTITIES, &[("ids", &a_ids[0])]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["resources"][0]["cid"], "child-a");
    let (_, _, v) = get(&http, &emu, &child_a, ENTITIES, &[("ids", &p_ids[0])]).await;
    assert_eq!(v["resources"].as_array().map(Vec::len), Some(0), "{v}");
    // Aggregates count the member's inventory only.
    let r = http
        .post(format!(
            "{}/fem/aggregates/external-assets/v1",
            emu.base_url()
        ))
        .bearer_auth(&child_b)
        .json(&serde_json::json!([{"name": "t", "type": "terms", "field": "asset_type"}]))
        .send()
        .await
        .unwrap();
    let (s, _, v) = split(r).await;
    assert_eq!(s, 200, "{v}");
    let counted: i64 = v["resources"][0]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, 20);
    // A write with a member token changes that member's inventory only.
    let r = http
        .delete(format!("{}{ENTITIES}", emu.base_url()))
        .query(&[("ids", a_ids[0].as_str()), ("ids", p_ids[0].as_str())])
        .bearer_auth(&child_a)
        .json(&serde_json::json!({"description": "gone"}))
        .send()
        .await
        .unwrap();
    let (s, _, v) = split(r).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["meta"]["writes"]["resources_affected"], 1);
    assert_eq!(emu.asset_count_of("child-a"), Some(49));
    assert_eq!(emu.asset_count_of(DEFAULT_CID), Some(300));
    assert_eq!(emu.asset_count(), 300);
    assert_eq!(emu.asset_count_of("nobody"), None);
    emu.shutdown().await;
    // The same seed gives the same member inventory.
    let again = Emulator::start(mssp(small())).await.unwrap();
    let token = member_token(&http, &again, "child-a").await;
    assert_eq!(all_ids(&http, &again, &token).await, a_ids);
    again.shutdown().await;
}

#[tokio::test]
async fn background_consumer_spends_in_the_cid_window_and_counts_its_own_429s() {
    // 30 of 60 a minute: one request every 2 s, the first at start.
    let cfg = small()
        .rate_limit_per_minute(60)
        .background_load(DEFAULT_CID, 0.5);
    let Api { emu, http, token } = start(cfg).await;
    let mut waited = 0;
    while emu.stats().cid(DEFAULT_CID).background_requests == 0 && waited < 50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let seen = emu.stats().cid(DEFAULT_CID).background_requests;
    assert!(seen >= 1, "the consumer made no request");
    let (s, h, _) = get(&http, &emu, &token, QUERY, &[]).await;
    assert_eq!(s, 200);
    // Its requests show in the replies' remaining budget.
    assert!(remaining(&h) <= 59 - seen as u32, "{h:?}");
    let mut ok = 1;
    loop {
        let (s, _, _) = get(&http, &emu, &token, QUERY, &[]).await;
        if s == 429 {
            break;
        }
        assert_eq!(s, 200);
        ok += 1;
        assert!(ok <= 60, "never refused");
    }
    // The window holds exactly the client's and the consumer's requests.
    let st = emu.stats().cid(DEFAULT_CID);
    assert_eq!(ok + st.background_requests, 60);
    assert_eq!(st.throttled, 1);
    // Its next request finds the window full: its own 429, apart.
    let mut waited = 0;
    while emu.stats().cid(DEFAULT_CID).background_throttled == 0 && waited < 60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let st = emu.stats().cid(DEFAULT_CID);
    assert!(st.background_throttled >= 1, "{st:?}");
    assert_eq!(st.throttled, 1);
    assert_eq!(ok + st.background_requests, 60);
    // It stops on shutdown (or this times out).
    tokio::time::timeout(Duration::from_secs(5), emu.shutdown())
        .await
        .expect("shutdown stops the background consumer");
}

#[tokio::test]
async fn background_consumer_keeps_to_its_share() {
    // 300 of 600 a minute: 5 a second, on a member CID only.
    let cfg = mssp(small())
        .rate_limit_per_minute(600)
        .background_load("child-b", 0.5);
    let started = std::time::Instant::now();
    let emu = Emulator::start(cfg).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let st = emu.stats();
    let elapsed = started.elapsed().as_secs_f64();
    let spent = st.cid("child-b").background_requests;
    // One at start, then one every 200 ms at most.
    assert!(
        spent as f64 <= 1.0 + elapsed * 5.0,
        "{spent} in {elapsed:.2} s"
    );
    assert!(spent >= 2, "{spent} in {elapsed:.2} s");
    assert_eq!(st.cid("child-b").background_throttled, 0);
    assert_eq!(st.cid(DEFAULT_CID).background_requests, 0);
    assert_eq!(st.cid("child-a").background_requests, 0);
    let http = reqwest::Client::new();
    let token = member_token(&http, &emu, "child-b").await;
    let (_, h, _) = get(&http, &emu, &token, QUERY, &[]).await;
    let spent = emu.stats().cid("child-b").background_requests as u32;
    assert!(remaining(&h) >= 599 - spent && remaining(&h) < 599, "{h:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn background_load_is_checked_at_start() {
    for (cfg, why) in [
        (small().background_load("nobody", 0.3), "unknown CID"),
        (small().background_load(DEFAULT_CID, 0.0), "zero"),
        (small().background_load(DEFAULT_CID, 1.5), "over 1"),
        (small().background_load(DEFAULT_CID, f64::NAN), "NaN"),
        (
            small()
                .background_load(DEFAULT_CID, 0.2)
                .background_load(DEFAULT_CID, 0.2),
            "twice",
        ),
    ] {
        let err = Emulator::start(cfg)
            .await
            .err()
            .unwrap_or_else(|| panic!("{why}"));
        assert!(err.to_string().contains("background load"), "{why}: {err}");
    }
}

#[tokio::test]
async fn a_refusal_for_scope_reports_the_token_cids_budget() {
    let cfg = mssp(small()).rate_limit_per_minute(10).client(
        ApiClient::new("reader", "reader-secret", &[SCOPE_READ]).with_member_cids(&["child-a"]),
    );
    let emu = Emulator::start(cfg).await.unwrap();
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/oauth2/token", emu.base_url()))
        .form(&[
            ("client_id", "reader"),
            ("client_secret", "reader-secret"),
            ("member_cid", "child-a"),
        ])
        .send()
        .await
        .unwrap();
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, h, _) = get(&http, &emu, &token, QUERY, &[]).await;
    assert_eq!((s, remaining(&h)), (200, 9));
    let r = http
        .delete(format!("{}{ENTITIES}", emu.base_url()))
        .query(&[("ids", "x")])
        .bearer_auth(&token)
        .json(&serde_json::json!({"description": "no"}))
        .send()
        .await
        .unwrap();
    let (s, h, _) = split(r).await;
    // 403 before the window: child-a's budget, not spent, not the parent's.
    assert_eq!((s, limit(&h), remaining(&h)), (403, 10, 9));
    let parent = token_for(&http, &emu.base_url(), MSSP.0, MSSP.1).await;
    let (_, h, _) = get(&http, &emu, &parent, QUERY, &[]).await;
    assert_eq!(remaining(&h), 9);
    emu.shutdown().await;
}
