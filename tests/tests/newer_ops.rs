//! The five operations newer than the documentation page, which were added
//! through the manifest alone, end to end against the emulator.

use crate::common;

use std::collections::BTreeSet;

use falcon_emulator::{ApiClient, Emulator, EmulatorConfig, SCOPE_READ};
use falcon_exposure::fields::external_assets as f;
use falcon_exposure::models::UserExternalAsset;
use falcon_exposure::{Client, Error};

/// Every id of `filter` through the v2 cursor, `limit` at a time, with the
/// number of pages it took.
async fn v2_ids(client: &Client, filter: &str, limit: i64) -> (Vec<String>, usize) {
    let (mut ids, mut pages, mut after) = (Vec::new(), 0, None::<String>);
    loop {
        let mut q = client.query_assets_v2().limit(limit);
        if !filter.is_empty() {
            q = q.filter(filter);
        }
        if let Some(a) = &after {
            q = q.after(a.as_str());
        }
        let page = q.send().await.unwrap();
        pages += 1;
        ids.extend(page.resources);
        let p = page.meta.pagination.expect("v2 replies carry pagination");
        match p.after.filter(|a| !a.is_empty()) {
            Some(a) => after = Some(a),
            None => {
                assert_eq!(p.total, Some(ids.len() as i64));
                return (ids, pages);
            }
        }
    }
}

async fn v1_ids(client: &Client, filter: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut offset = 0;
    loop {
        let mut q = client.query_assets().limit(100).offset(offset.to_string());
        if !filter.is_empty() {
            q = q.filter(filter);
        }
        let page = q.send().await.unwrap();
        let n = page.resources.len();
        out.extend(page.resources);
        offset += n;
        if n == 0 || offset as i64 >= page.meta.pagination.unwrap().total.unwrap() {
            return out;
        }
    }
}

#[tokio::test]
async fn query_assets_v2_pages_by_cursor_over_the_same_results_as_v1() {
    let (emu, client) = common::start(EmulatorConfig::default().assets(350)).await;
    let (ids, pages) = v2_ids(&client, "", 100).await;
    assert_eq!((ids.len(), pages), (350, 4));
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), 350, "no id twice");
    assert_eq!(unique, v1_ids(&client, "").await);

    // The same filter tables apply: a typed filter, and a typo caught before sending.
    let typed = f::ASSET_TYPE.equals("ip").to_string();
    let (ips, _) = v2_ids(&client, &typed, 50).await;
    assert!(!ips.is_empty() && ips.len() < 350);
    assert_eq!(
        ips.iter().cloned().collect::<BTreeSet<_>>(),
        v1_ids(&client, &typed).await
    );
    let sent = emu.stats().operation("query_external_assets_v2");
    let e = client
        .query_assets_v2()
        .filter("asset_typ:'ip'")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidRequest { .. }) && e.to_string().contains("asset_type"),
        "{e}"
    );
    assert_eq!(emu.stats().operation("query_external_assets_v2"), sent);

    // A cursor the server does not know is the API's 400, typed.
    let e = client
        .query_assets_v2()
        .after("not-a-cursor")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.status(),
        Some(falcon_exposure::StatusCode::BAD_REQUEST),
        "{e}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn add_assets_places_keywords_in_the_body_and_reports_each_asset() {
    let (emu, client) = common::start(EmulatorConfig::default().assets(50)).await;
    let subsidiary = client
        .query_ecosystem_subsidiaries()
        .limit(1)
        .send()
        .await
        .unwrap()
        .resources
        .remove(0);
    let asset = |id: &str, value: &str| UserExternalAsset {
        id: Some(id.into()),
        value: Some(value.into()),
    };
    // The emulator reads `data[0].subsidiary_id` and `data[0].assets`: its
    // result per asset below shows what it received.
    let reply = client
        .add_assets()
        .subsidiary_id(subsidiary.as_str())
        .assets(vec![
            asset("user-1", "198.51.100.7"),
            asset("user-2", "portal.example.net"),
            asset("user-3", "not an address"),
        ])
        .send()
        .await
        .unwrap();
    let results: Vec<_> = reply
        .resources
        .iter()
        .map(|r| {
            (
                r.id.clone().unwrap(),
                r.index.unwrap(),
                r.asset_type.clone(),
                r.error.as_ref().and_then(|e| e.code),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            ("user-1".into(), 0, Some("ip".into()), None),
            ("user-2".into(), 1, Some("dns_domain".into()), None),
            ("user-3".into(), 2, None, Some(400)),
        ]
    );
    assert_eq!(
        reply.resources[0]
            .subsidiary
            .as_ref()
            .unwrap()
            .id
            .as_deref(),
        Some(subsidiary.as_str())
    );
    assert_eq!(
        reply.meta.writes.as_ref().unwrap().resources_affected,
        Some(2)
    );

    // The added assets are in the inventory from now on.
    let found = client
        .query_assets()
        .filter(
            f::MANUAL
                .equals(true)
                .and(f::ID.any_of(["user-1", "user-2", "user-3"])),
        )
        .send()
        .await
        .unwrap()
        .resources;
    assert_eq!(found, ["user-1", "user-2"]);
    let details = client
        .get_assets()
        .ids(["user-2"])
        .send()
        .await
        .unwrap()
        .resources;
    let fqdn = details[0].dns_domain.as_ref().unwrap().fqdn.as_deref();
    assert_eq!(fqdn, Some(&["portal.example.net".into()][..]));

    // A write is never retried where it may have reached the server.
    assert_eq!(
        emu.stats().operation("post_external_assets_inventory_v1"),
        1
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn add_assets_needs_the_write_scope() {
    let reader = ApiClient::new("reader", "reader-secret", &[SCOPE_READ]);
    let emu = Emulator::start(EmulatorConfig::default().assets(10).client(reader))
        .await
        .unwrap();
    let client = Client::builder()
        .client_id("reader")
        .client_secret("reader-secret")
        .base_url(emu.base_url())
        .retry_policy(common::fast_retry())
        .build()
        .unwrap();
    client.query_assets_v2().limit(1).send().await.unwrap();
    let e = client
        .add_assets()
        .subsidiary_id("any")
        .assets(vec![UserExternalAsset {
            id: Some("x".into()),
            value: Some("192.0.2.1".into()),
        }])
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.status(),
        Some(falcon_exposure::StatusCode::FORBIDDEN),
        "{e}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn typed_body_sends_several_subsidiaries_at_once() {
    use falcon_exposure::models::{UserExternalAssetCreate, UserExternalAssetCreateRequestV1};
    let (emu, client) = common::start(EmulatorConfig::default().assets(20)).await;
    let subs = client
        .query_ecosystem_subsidiaries()
        .limit(2)
        .send()
        .await
        .unwrap()
        .resources;
    let group = |sub: &str, id: &str, value: &str| UserExternalAssetCreate {
        subsidiary_id: Some(sub.into()),
        assets: Some(vec![UserExternalAsset {
            id: Some(id.into()),
            value: Some(value.into()),
        }]),
    };
    let reply = client
        .add_assets()
        .body(UserExternalAssetCreateRequestV1 {
            data: Some(vec![
                group(&subs[0], "multi-1", "192.0.2.44"),
                group(&subs[1], "multi-2", "files.example.com"),
            ]),
        })
        .send()
        .await
        .unwrap();
    let placed: Vec<_> = reply
        .resources
        .iter()
        .map(|r| r.subsidiary.as_ref().unwrap().id.clone().unwrap())
        .collect();
    assert_eq!(placed, subs);
    emu.shutdown().await;
}

#[tokio::test]
async fn ecosystem_subsidiaries_query_get_and_combined() {
    let (emu, client) = common::start(EmulatorConfig::default().assets(300)).await;

    // Query: ids sorted by name, and the data version in meta.
    let q = client
        .query_ecosystem_subsidiaries()
        .sort("name|asc")
        .send()
        .await
        .unwrap();
    let version = q
        .meta
        .get_str("version_id")
        .expect("meta.version_id")
        .to_owned();
    let ids = q.resources;
    assert!(ids.len() >= 3, "{ids:?}");
    let total = q.meta.pagination.as_ref().and_then(|p| p.total);
    assert_eq!(total, Some(ids.len() as i64));

    // Get: the details, in any order, pinned to that version; an unknown id
    // is reported beside the found ones.
    let got = client
        .get_ecosystem_subsidiaries()
        .ids(ids.iter().map(String::as_str).chain(["no-such-subsidiary"]))
        .version_id(version.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(got.resources.len(), ids.len());
    assert_eq!(got.errors.len(), 1);
    assert_eq!(got.errors[0].id.as_deref(), Some("no-such-subsidiary"));
    let names: Vec<String> = ids
        .iter()
        .map(|id| {
            let s = got
                .resources
                .iter()
                .find(|s| s.id.as_deref() == Some(id.as_str()))
                .unwrap();
            assert!(s.asset_count.unwrap() > 0, "{s:?}");
            s.name.clone().unwrap().into_string()
        })
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "query sorted by name");

    // Combined: details and pagination in one call; offset/limit pages; a
    // stale version id is the API's 400.
    let first = client
        .query_combined_ecosystem_subsidiaries()
        .sort("primary_domain|desc")
        .limit(2)
        .send()
        .await
        .unwrap();
    let rest = client
        .query_combined_ecosystem_subsidiaries()
        .sort("primary_domain|desc")
        .offset(2)
        .send()
        .await
        .unwrap();
    let domains: Vec<String> = first
        .resources
        .iter()
        .chain(&rest.resources)
        .map(|s| s.primary_domain.clone().unwrap().into_string())
        .collect();
    assert_eq!(domains.len(), ids.len());
    let mut desc = domains.clone();
    desc.sort_by(|a, b| b.cmp(a));
    assert_eq!(domains, desc);

    let bank = client
        .query_combined_ecosystem_subsidiaries()
        .filter("name:*'*Bank*'")
        .send()
        .await
        .unwrap();
    assert_eq!(bank.resources.len(), 1);
    assert!(bank.resources[0].name.as_ref().unwrap().contains("Bank"));

    let e = client
        .query_combined_ecosystem_subsidiaries()
        .version_id("0000stale")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.status(),
        Some(falcon_exposure::StatusCode::BAD_REQUEST),
        "{e}"
    );
    emu.shutdown().await;
}
