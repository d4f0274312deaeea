//! Fields whose values no public source lists (`connectivity_status`,
//! `triage.status`, `triage.action`, a service's `status`) are not
//! generated: no value and no stand-in for one, in the asset JSON or to
//! filters and aggregates. Only a PATCH sets a triage status or action
//! (`assets.rs`, `aggregate.rs`).

use crate::common::*;
use serde_json::{Value, json};

/// Enough assets for every rare branch of the generator to be taken.
const ASSETS: usize = 3_000;

/// The services of an asset, of either type.
fn services(a: &Value) -> Vec<&Value> {
    ["ip", "dns_domain"]
        .iter()
        .flat_map(|k| a[k]["services"].as_array().into_iter().flatten())
        .collect()
}

/// The unlisted fields `a` carries, as `path: value`.
fn unlisted(a: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut check = |path: &str, v: Option<&Value>| {
        if let Some(v) = v {
            found.push(format!("{path}: {v}"));
        }
    };
    check("connectivity_status", a.get("connectivity_status"));
    check("triage.status", a["triage"].get("status"));
    check("triage.action", a["triage"].get("action"));
    for s in services(a) {
        check("services.status", s.get("status"));
    }
    found
}

#[tokio::test]
async fn the_generated_inventory_has_no_value_for_unlisted_fields() {
    for seed in [42, 7] {
        // The default forms of the fqdn fields, as a user's emulator has.
        let api = start(small().assets(ASSETS).seed(seed).mixed_fqdn_forms(true)).await;
        let assets = api.all_assets().await;
        assert_eq!(assets.len(), ASSETS, "seed {seed}");
        for a in &assets {
            let found = unlisted(a);
            assert!(
                found.is_empty(),
                "seed {seed}, asset {}: {found:?}",
                a["id"]
            );
        }
        // Not vacuous: the objects that held the values are there.
        let triaged = assets.iter().filter(|a| a["triage"].is_object()).count();
        assert!(
            triaged > ASSETS / 5,
            "seed {seed}: {triaged} triage objects"
        );
        assert!(
            assets
                .iter()
                .filter(|a| a["triage"].is_object())
                .all(|a| a["triage"]["assigned_to"].is_string()),
            "seed {seed}: a triage object without its assignee"
        );
        let services: usize = assets.iter().map(|a| services(a).len()).sum();
        assert!(services > ASSETS, "seed {seed}: {services} services");

        // Filters and aggregates see no value either.
        let aggs: Vec<Value> = [
            "connectivity_status",
            "triage.status",
            "triage.action",
            "ip.services.status",
            "dns_domain.services.status",
        ]
        .iter()
        .map(|field| json!({"name": field, "type": "terms", "field": field, "size": 10}))
        .collect();
        let (s, _, v) = api
            .send(
                api.http
                    .post(api.url("/fem/aggregates/external-assets/v1"))
                    .json(&aggs),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        for (i, agg) in aggs.iter().enumerate() {
            let buckets = &v["resources"][i]["buckets"];
            assert!(
                buckets.as_array().is_none_or(Vec::is_empty),
                "seed {seed}, {}: {buckets}",
                agg["field"]
            );
        }
        // A wildcard that matches any value finds the assignees...
        let assigned = api.query_all("triage.assigned_to:*'*'").await;
        assert_eq!(assigned.len(), triaged, "seed {seed}");
        // ...and nothing in the unlisted fields.
        for filter in [
            "connectivity_status:*'*'",
            "triage.status:*'*'",
            "triage.action:*'*'",
            "ip.services.status:*'*'",
            "dns_domain.services.status:*'*'",
        ] {
            assert_eq!(
                api.query_all(filter).await,
                Vec::<String>::new(),
                "seed {seed}: {filter}"
            );
        }
        api.emu.shutdown().await;
    }
}
