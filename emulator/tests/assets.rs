use crate::common::*;
use serde_json::json;
use std::collections::HashSet;

const QUERY: &str = "/fem/queries/external-assets/v1";
const ENTITIES: &str = "/fem/entities/external-assets/v1";

#[tokio::test]
async fn query_envelope_headers_and_pagination() {
    let api = start(small()).await;
    let (s, h, v) = api.get(QUERY, &[("limit", "7"), ("offset", "14")]).await;
    assert_eq!(s, 200);
    assert_envelope(&v);
    for name in ["X-Cs-Traceid", "X-Ratelimit-Limit", "X-Ratelimit-Remaining"] {
        assert!(h.contains_key(name), "{name}");
    }
    assert_eq!(
        h["x-cs-traceid"].to_str().unwrap(),
        v["meta"]["trace_id"].as_str().unwrap()
    );
    // The offset reported is the offset of the page returned.
    assert_eq!(
        v["meta"]["pagination"],
        json!({"offset": 14, "limit": 7, "total": 300})
    );
    assert_eq!(ids(&v).len(), 7);
    // Default limit is 100.
    let (_, _, v) = api.get(QUERY, &[]).await;
    assert_eq!(ids(&v).len(), 100);
    assert_eq!(v["meta"]["pagination"]["offset"], 0);
    // Paging covers every asset exactly once.
    let all = api.query_all("").await;
    assert_eq!(all.len(), 300);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 300);
    // Past the end: empty page.
    let (s, _, v) = api.get(QUERY, &[("offset", "300")]).await;
    assert_eq!(s, 200);
    assert!(ids(&v).is_empty());
    assert_eq!(api.emu.stats().operation("query_external_assets"), 6);
}

#[tokio::test]
async fn query_parameter_errors() {
    let api = start(small()).await;
    for q in [
        [("offset", "10000")],
        [("offset", "12000")],
        [("offset", "abc")],
        [("offset", "-1")],
        [("limit", "0")],
        [("limit", "x")],
        [("sort", "nope|asc")],
        [("sort", "last_seen|sideways")],
        [("filter", "asset_type:'ip")],
    ] {
        let (s, _, v) = api.get(QUERY, &q).await;
        assert_eq!(s, 400, "{q:?}: {v}");
        assert_envelope(&v);
        assert_eq!(first_error(&v).0, 400);
    }
    let (_, _, v) = api.get(QUERY, &[("offset", "10000")]).await;
    assert!(first_error(&v).1.contains("10000"));
}

#[tokio::test]
async fn query_sort_orders() {
    let api = start(small()).await;
    for (sort, desc) in [
        ("last_seen|asc", false),
        ("last_seen|desc", true),
        ("last_seen.desc", true),
        ("last_seen.asc", false),
    ] {
        let (s, _, v) = api.get(QUERY, &[("sort", sort), ("limit", "50")]).await;
        assert_eq!(s, 200, "{sort}");
        let assets = api.assets(&ids(&v)).await;
        let seen: Vec<&str> = assets
            .iter()
            .map(|a| a["last_seen"].as_str().unwrap())
            .collect();
        let mut sorted = seen.clone();
        sorted.sort();
        if desc {
            sorted.reverse();
        }
        assert_eq!(seen, sorted, "{sort}");
    }
}

#[tokio::test]
async fn get_assets_by_ids() {
    let api = start(small()).await;
    let (_, _, v) = api.get(QUERY, &[("limit", "100")]).await;
    let all = ids(&v);
    // Repeated ids parameters, with unknown ids reported as 404 errors.
    let mut q: Vec<(&str, &str)> = all[..3].iter().map(|i| ("ids", i.as_str())).collect();
    q.push(("ids", "does-not-exist"));
    let (s, h, v) = api.get(ENTITIES, &q).await;
    assert_eq!(s, 200);
    assert!(h.contains_key("x-cs-traceid"));
    assert_envelope(&v);
    let got: Vec<&str> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, all[..3].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(v["errors"][0]["code"], 404);
    assert_eq!(v["errors"][0]["id"], "does-not-exist");
    // Comma-separated ids in one parameter.
    let joined = all[..5].join(",");
    let (_, _, v) = api.get(ENTITIES, &[("ids", joined.as_str())]).await;
    assert_eq!(v["resources"].as_array().unwrap().len(), 5);
    // 100 is fine, 101 is a 400.
    let q: Vec<(&str, &str)> = all.iter().map(|i| ("ids", i.as_str())).collect();
    let (s, _, v) = api.get(ENTITIES, &q).await;
    assert_eq!(s, 200);
    assert_eq!(v["resources"].as_array().unwrap().len(), 100);
    let (_, _, v2) = api.get(QUERY, &[("limit", "1"), ("offset", "100")]).await;
    let extra = ids(&v2)[0].clone();
    let mut q = q.clone();
    q.push(("ids", extra.as_str()));
    let (s, _, v) = api.get(ENTITIES, &q).await;
    assert_eq!(s, 400);
    assert!(first_error(&v).1.contains("100"));
    // No ids at all.
    let (s, _, _) = api.get(ENTITIES, &[]).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn asset_shape_matches_the_schema() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    assert_eq!(assets.len(), 300);
    let mut kinds = HashSet::new();
    for a in &assets {
        for key in [
            "id",
            "cid",
            "asset_type",
            "entity_type",
            "status",
            "applicable_actions",
            "confidence",
            "data_providers",
        ] {
            assert!(!a[key].is_null(), "required {key} in {a}");
        }
        kinds.insert(a["asset_type"].as_str().unwrap().to_string());
        let services = match a["asset_type"].as_str().unwrap() {
            "ip" => {
                assert!(a["ip"]["ip_address"].is_string());
                a["ip"]["services"].as_array().unwrap()
            }
            "dns_domain" => {
                assert!(a["dns_domain"]["fqdn"].is_string());
                let kind = a["dns_domain"]["type"].as_str().unwrap();
                assert!(["root", "subdomain"].contains(&kind), "{kind}");
                // "only populated if domain type is subdomain"
                assert_eq!(
                    a["dns_domain"]["parent_domain"].is_string(),
                    kind == "subdomain"
                );
                a["dns_domain"]["services"].as_array().unwrap()
            }
            other => panic!("asset_type {other}"),
        };
        for s in services {
            // The schema also requires `status`, whose values no public
            // source shows: the emulator leaves it out (README, "Documented
            // deviations and choices").
            for key in [
                "id",
                "last_seen",
                "port",
                "protocol",
                "status_code",
                "transport",
            ] {
                assert!(!s[key].is_null(), "service {key}");
            }
            assert!(s.get("status").is_none(), "service status in {s}");
            assert!(
                s["blob_links"]["download_banner"]
                    .as_str()
                    .unwrap()
                    .starts_with("/fem/entities/blobs-download/v1?assetId=")
            );
        }
    }
    assert_eq!(kinds.len(), 2);
    assert!(assets.iter().any(|a| a["ip"]["cloud_vm"].is_object()));
    // Some assets are assigned for triage; none has a triage status or
    // action until a PATCH sets one.
    assert!(
        assets
            .iter()
            .any(|a| a["triage"]["assigned_to"].is_string())
    );
    assert!(
        assets
            .iter()
            .all(|a| a["triage"].get("status").is_none() && a["triage"].get("action").is_none())
    );
    assert!(assets.iter().any(|a| a["criticality"].is_string()));
    assert!(assets.iter().any(|a| {
        a["ip"]["services"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s["tls"]["certificate"].is_object()))
    }));
}

#[tokio::test]
async fn patch_persists_and_is_filterable() {
    let api = start(small()).await;
    let (_, _, v) = api.get(QUERY, &[("limit", "2")]).await;
    let two = ids(&v);
    let body = json!({"assets": [
        {"id": two[0], "criticality": "Critical", "criticality_description": "crown jewels",
         "triage": {"status": "status-x", "action": "action-y", "assigned_to": "sec@example.com", "description": "fixing"}},
        {"id": "missing-asset", "criticality": "Noncritical"}
    ]});
    let (s, _, v) = api
        .send(api.http.patch(api.url(ENTITIES)).json(&body))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_envelope(&v);
    assert_eq!(v["meta"]["writes"]["resources_affected"], 1);
    assert_eq!(v["errors"][0]["code"], 404);
    let a = &api.assets(&two[..1]).await[0];
    assert_eq!(a["criticality"], "Critical");
    assert_eq!(a["criticality_description"], "crown jewels");
    assert_eq!(
        a["criticality_username"],
        falcon_emulator::DEFAULT_CLIENT_ID
    );
    assert!(a["criticality_timestamp"].is_string());
    assert_eq!(a["triage"]["status"], "status-x");
    assert_eq!(a["triage"]["action"], "action-y");
    assert_eq!(a["triage"]["assigned_to"], "sec@example.com");
    assert_eq!(
        a["triage"]["updated_by"],
        falcon_emulator::DEFAULT_CLIENT_ID
    );
    assert!(a["triage"]["updated_timestamp"].is_string());
    // Stored as sent: a level keeps its case, and an undocumented one is
    // kept too (the API's answer to it is unknown).
    for level in ["Noncritical", "noncritical"] {
        let body = json!({"assets": [{"id": two[1], "criticality": level}]});
        let (s, _, v) = api
            .send(api.http.patch(api.url(ENTITIES)).json(&body))
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(api.assets(&two[1..2]).await[0]["criticality"], level);
        let hits = api.query_all(&format!("criticality:'{level}'")).await;
        assert!(hits.contains(&two[1]), "{level}");
    }
    // Visible to filters.
    let hits = api.query_all("triage.assigned_to:'sec@example.com'").await;
    assert_eq!(hits, vec![two[0].clone()]);
    let hits = api.query_all("triage.updated_timestamp:>'now-1h'").await;
    assert_eq!(hits, vec![two[0].clone()]);
    // Bad bodies.
    for bad in [
        json!({}),
        json!({"assets": []}),
        json!({"assets": [{"criticality": "High"}]}),
    ] {
        let (s, _, v) = api.send(api.http.patch(api.url(ENTITIES)).json(&bad)).await;
        assert_eq!(s, 400, "{bad}");
        assert_envelope(&v);
    }
    let (s, _, _) = api
        .send(api.http.patch(api.url(ENTITIES)).body("not json"))
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn delete_removes_assets() {
    let api = start(small()).await;
    let (_, _, v) = api.get(QUERY, &[("limit", "3")]).await;
    let three = ids(&v);
    let req = api
        .http
        .delete(api.url(ENTITIES))
        .query(&[
            ("ids", three[0].as_str()),
            ("ids", three[1].as_str()),
            ("ids", "ghost"),
        ])
        .json(&json!({"description": "decommissioned"}));
    let (s, _, v) = api.send(req).await;
    assert_eq!(s, 200, "{v}");
    assert_envelope(&v);
    assert_eq!(v["meta"]["writes"]["resources_affected"], 2);
    assert_eq!(v["errors"][0]["id"], "ghost");
    let all = api.query_all("").await;
    assert_eq!(all.len(), 298);
    assert!(!all.contains(&three[0]) && !all.contains(&three[1]));
    let (_, _, v) = api.get(ENTITIES, &[("ids", three[0].as_str())]).await;
    assert!(v["resources"].as_array().unwrap().is_empty());
    assert_eq!(v["errors"][0]["code"], 404);
    assert_eq!(api.emu.asset_count(), 298);
    // Invalid body.
    let req = api
        .http
        .delete(api.url(ENTITIES))
        .query(&[("ids", three[2].as_str())])
        .body("{");
    let (s, _, _) = api.send(req).await;
    assert_eq!(s, 400);
    assert_eq!(api.emu.asset_count(), 298);
}

#[tokio::test]
async fn blobs_resolve() {
    let api = start(small().blob_size(200_000)).await;
    let assets = api.all_assets().await;
    let link = assets
        .iter()
        .flat_map(|a| {
            a["ip"]["services"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(a["dns_domain"]["services"].as_array().into_iter().flatten())
        })
        .map(|s| s["blob_links"].clone())
        .next()
        .expect("a service");
    let r = api
        .http
        .get(api.url(link["download_banner"].as_str().unwrap()))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert!(r.headers().contains_key("x-cs-traceid"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(bytes.len(), 200_000);
    let (s, _, v) = api
        .get(link["preview_attributes"].as_str().unwrap(), &[])
        .await;
    assert_eq!(s, 200);
    assert_envelope(&v);
    assert!(v["resources"][0].as_str().unwrap().contains("attributes"));
    let (s, _, v) = api
        .get(
            "/fem/entities/blobs-download/v1",
            &[("assetId", "x"), ("hash", "y")],
        )
        .await;
    assert_eq!(s, 404);
    assert_envelope(&v);
    let (s, _, _) = api.get("/fem/entities/blobs-preview/v1", &[]).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn query_v2_after_cursor() {
    let api = start(small()).await;
    let mut after = String::new();
    let mut all = Vec::new();
    loop {
        let (s, _, v) = api
            .get(
                "/fem/queries/external-assets/v2",
                &[("limit", "64"), ("after", after.as_str())],
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(v["meta"]["pagination"]["total"], 300);
        all.extend(ids(&v));
        after = v["meta"]["pagination"]["after"]
            .as_str()
            .unwrap()
            .to_string();
        if after.is_empty() {
            break;
        }
    }
    assert_eq!(all, api.query_all("").await);
    let (s, _, _) = api
        .get("/fem/queries/external-assets/v2", &[("after", "garbage")])
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn ecosystem_subsidiaries_and_inventory() {
    let api = start(small()).await;
    let (s, _, v) = api
        .get(
            "/fem/queries/ecosystem-subsidiaries/v1",
            &[("sort", "name|asc")],
        )
        .await;
    assert_eq!(s, 200);
    let version = v["meta"]["version_id"].as_str().unwrap().to_string();
    let subs = ids(&v);
    assert!(subs.len() >= 2);
    let (s, _, v) = api
        .get(
            "/fem/entities/ecosystem-subsidiaries/v1",
            &[("ids", subs[0].as_str()), ("version_id", version.as_str())],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["resources"][0]["id"], subs[0]);
    assert!(v["resources"][0]["asset_count"].as_u64().unwrap() > 0);
    let (s, _, v) = api
        .get(
            "/fem/combined/ecosystem-subsidiaries/v1",
            &[("filter", "name:*'*Bank*'")],
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["resources"].as_array().unwrap().len(), 1);
    // Each subsidiary tells how it was linked to the organisation: from the
    // organisation, through its parent if it has one, to itself.
    let (_, _, v) = api
        .get(
            "/fem/combined/ecosystem-subsidiaries/v1",
            &[("limit", "100")],
        )
        .await;
    let all = v["resources"].as_array().unwrap();
    assert_eq!(all.len(), 8);
    for sub in all {
        let steps = sub["discovery"]["path"]["steps"].as_array().unwrap();
        let parent = sub["parent_id"].as_str().unwrap();
        assert_eq!(steps.len(), if parent.is_empty() { 2 } else { 3 }, "{sub}");
        assert_eq!(steps[0]["entity"], "Example Holdings");
        assert_eq!(steps.last().unwrap()["entity"], sub["name"]);
        for step in steps {
            for key in ["id", "clue", "entity", "entity_type"] {
                assert!(step[key].is_string(), "{key} in {step}");
            }
        }
        if !parent.is_empty() {
            let p = all
                .iter()
                .find(|p| p["id"] == parent)
                .expect("parent listed");
            assert_eq!(steps[1]["entity"], p["name"]);
            assert_eq!(p["children_count"], 2);
        }
    }
    assert_eq!(all.iter().filter(|s| s["parent_id"] != "").count(), 2);
    let body = json!({"data": [{"subsidiary_id": subs[0], "assets": [{"id": "a1", "value": "203.0.113.9"}, {"id": "a2", "value": "shop.example.org"}]}]});
    let (s, _, v) = api
        .send(
            api.http
                .post(api.url("/fem/entities/external-asset-inventory/v1"))
                .json(&body),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["resources"][0]["asset_type"], "ip");
    assert_eq!(v["resources"][1]["asset_type"], "dns_domain");
    assert_eq!(v["meta"]["writes"]["resources_affected"], 2);
    // Added assets are part of the inventory from now on.
    assert_eq!(api.query_all("id:'a1'").await, ["a1"]);
    assert_eq!(api.query_all("ip.ip_address:'203.0.113.9'").await, ["a1"]);
    assert_eq!(
        api.query_all("dns_domain.fqdn:'shop.example.org'").await,
        ["a2"]
    );
    let added = api.assets(&["a2".to_string()]).await;
    assert_eq!(added[0]["subsidiaries"][0]["id"], subs[0]);
    assert_eq!(added[0]["manual"], true);
    assert_ne!(added[0]["discovered_by"], "auto");
    assert_eq!(added[0]["entity_type"], "external");
    assert_eq!(added[0]["criticality"], "Unassigned");
    assert_eq!(added[0]["dns_domain"]["type"], "subdomain");
    assert_eq!(added[0]["dns_domain"]["parent_domain"], "example.org");
    // The same id again is refused per asset, not added twice.
    let (s, _, v) = api
        .send(
            api.http
                .post(api.url("/fem/entities/external-asset-inventory/v1"))
                .json(&body),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["resources"][0]["error"]["code"], 409);
    assert_eq!(api.query_all("id:'a1'").await.len(), 1);
}
