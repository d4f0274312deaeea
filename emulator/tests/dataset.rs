use crate::common::*;
use falcon_emulator::{Emulator, EmulatorConfig};
use serde_json::Value;
use std::collections::BTreeSet;

#[tokio::test]
async fn same_seed_same_inventory() {
    let a = start(small()).await;
    let b = start(small()).await;
    let c = start(small().seed(7)).await;
    let ia = a.query_all("").await;
    assert_eq!(ia, b.query_all("").await);
    assert_ne!(ia, c.query_all("").await);
    let aa = a.assets(&ia[..50]).await;
    assert_eq!(aa, b.assets(&ia[..50]).await);
    assert_eq!(
        a.query_all("ip.services.port:443").await,
        b.query_all("ip.services.port:443").await
    );
}

#[tokio::test]
async fn timestamps_spread_over_a_year_before_the_anchor() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    let anchor = "2026-11-18T11:06:40Z"; // ANCHOR
    let year_before = "2025-11-18T11:06:40Z";
    let firsts: Vec<&str> = assets
        .iter()
        .map(|a| a["first_seen"].as_str().unwrap())
        .collect();
    assert!(firsts.iter().all(|f| *f >= year_before && *f <= anchor));
    assert!(firsts.iter().any(|f| *f < "2026-03-01") && firsts.iter().any(|f| *f > "2026-09-01"));
    for a in &assets {
        assert!(a["last_seen"].as_str().unwrap() >= a["first_seen"].as_str().unwrap());
    }
}

#[tokio::test]
async fn default_config_and_shutdown() {
    let cfg = EmulatorConfig::default();
    assert_eq!(cfg.assets, 2000);
    assert_eq!(cfg.seed, 42);
    assert_eq!(cfg.clients.len(), 1);
    let emu = Emulator::start(cfg).await.unwrap();
    assert_eq!(emu.asset_count(), 2000);
    let url = emu.base_url();
    assert!(url.starts_with("http://127.0.0.1:"));
    emu.shutdown().await;
    let r = reqwest::Client::new()
        .get(format!("{url}/fem/queries/external-assets/v1"))
        .send()
        .await;
    assert!(r.is_err(), "closed after shutdown");
}

#[tokio::test]
async fn stats_count_per_operation() {
    let api = start(small()).await;
    api.get("/fem/queries/external-assets/v1", &[]).await;
    api.get("/fem/entities/external-assets/v1", &[("ids", "x")])
        .await;
    api.get("/fem/entities/external-assets/v1", &[("ids", "y")])
        .await;
    let s = api.emu.stats();
    assert_eq!(s.token_requests, 1);
    assert_eq!(s.operation("query_external_assets"), 1);
    assert_eq!(s.operation("get_external_assets"), 2);
    assert_eq!(s.operation("patch_external_assets"), 0);
    assert_eq!(s.total(), 4);
}

/// The distinct values of a top-level text field.
fn distinct(assets: &[Value], key: &str) -> BTreeSet<String> {
    assets
        .iter()
        .map(|a| {
            a[key]
                .as_str()
                .unwrap_or_else(|| panic!("{key} in {a}"))
                .to_string()
        })
        .collect()
}

fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn services(a: &Value) -> Vec<&Value> {
    ["ip", "dns_domain"]
        .iter()
        .flat_map(|k| a[k]["services"].as_array().into_iter().flatten())
        .collect()
}

#[tokio::test]
async fn values_come_from_the_documented_vocabularies() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    let documented = [
        (
            "criticality",
            &["Critical", "High", "Noncritical", "Unassigned"][..],
        ),
        ("internet_exposure", &["Yes", "No"]),
        ("perimeter", &["Official", "Unofficial"]),
        ("status", &["online", "offline", "Online", "Offline"]),
        ("entity_type", &["external"]),
        ("asset_type", &["ip", "dns_domain"]),
    ];
    for (key, values) in documented {
        assert_eq!(distinct(&assets, key), set(values), "{key}");
    }
    for a in &assets {
        // `auto`, or who added the asset by hand.
        let manual = a["manual"].as_bool().unwrap();
        assert_eq!(a["discovered_by"] != "auto", manual, "{a}");
        assert_eq!(
            a["internet_exposure"] == "Yes",
            !services(a).is_empty(),
            "{a}"
        );
        // Who assessed it, unless nobody did.
        let assessed = a["criticality"] != "Unassigned";
        assert_eq!(a["criticality_username"].is_string(), assessed, "{a}");
        assert_eq!(a["criticality_timestamp"].is_string(), assessed, "{a}");
    }
    assert!(assets.iter().any(|a| a["manual"] == true));
    // The fields no public source lists values for are left out:
    // `unlisted_values.rs`.
}

#[tokio::test]
async fn discovery_paths_redirects_and_certificate_names_are_filled() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    let mut lengths = BTreeSet::new();
    let (mut redirects, mut alternatives) = (0, 0);
    for a in &assets {
        let steps = a["discovery"]["path"]["steps"].as_array().unwrap();
        lengths.insert(steps.len());
        assert_eq!(steps[0]["entity"], a["subsidiaries"][0]["name"]);
        let value = if a["asset_type"] == "ip" {
            &a["ip"]["ip_address"]
        } else {
            &a["dns_domain"]["fqdn"]
        };
        assert_eq!(&steps.last().unwrap()["entity"], value, "{a}");
        for step in steps {
            for key in ["id", "clue", "entity", "entity_type"] {
                assert!(step[key].is_string(), "{key} in {step}");
            }
            if let Some(path) = step["redirect_path"].as_array() {
                redirects += 1;
                assert!(path.len() >= 2);
                assert_eq!(path.last().unwrap()["entity"], step["entity"]);
                for r in path {
                    for key in ["id", "clue", "entity", "entity_type"] {
                        assert!(r[key].is_string(), "{key} in {r}");
                    }
                }
            }
        }
        alternatives += a["discovery"]["alternative_paths"]
            .as_array()
            .map_or(0, Vec::len);
    }
    // Root domains, subdomains and IPs: 2, 3 and 4 steps.
    assert_eq!(lengths, BTreeSet::from([2, 3, 4]));
    assert!(redirects > 0 && alternatives > 0);

    let certs: Vec<&Value> = assets
        .iter()
        .flat_map(services)
        .map(|s| &s["tls"]["certificate"])
        .filter(|c| c.is_object())
        .collect();
    assert!(!certs.is_empty());
    for c in &certs {
        for key in ["common_name", "organization_name", "country_name"] {
            assert!(c["issuer"][key].is_string(), "issuer {key} in {c}");
        }
        assert!(c["subject"]["common_name"].is_string());
    }
    let has = |who: &str, key: &str| certs.iter().any(|c| c[who][key].is_string());
    for key in [
        "organization_name",
        "country_name",
        "state_or_province_name",
        "locality_name",
        "serial_number",
        "street_address",
        "email_address",
        "organizational_unit",
    ] {
        assert!(has("subject", key), "no subject has {key}");
    }
    assert!(has("issuer", "organizational_unit") && has("issuer", "locality_name"));
    // Self-signed certificates name a contact, and subject and issuer agree.
    assert!(
        certs
            .iter()
            .any(|c| c["subject"]["email_address"].is_string() && c["subject"] == c["issuer"])
    );
}

/// `ip.fqdns` and `dns_domain.fqdn` as a list, whichever form was sent.
fn fqdn_lists(a: &Value) -> Value {
    let mut a = a.clone();
    for ptr in ["/ip/fqdns", "/dns_domain/fqdn"] {
        if let Some(v) = a.pointer_mut(ptr) {
            if v.is_string() {
                *v = Value::Array(vec![v.clone()]);
            }
        }
    }
    a
}

#[tokio::test]
async fn fqdns_come_as_a_list_or_a_single_string_when_asked() {
    let plain = start(small()).await;
    let mixed = start(small().mixed_fqdn_forms(true)).await;
    let ids = plain.query_all("").await;
    assert_eq!(ids, mixed.query_all("").await);
    let before = plain.assets(&ids).await;
    let after = mixed.assets(&ids).await;
    // Without the mixed forms, the schema's: a list of names, one domain name.
    assert!(
        before
            .iter()
            .all(|a| a["ip"]["fqdns"].is_array() || a["ip"].is_null())
    );
    assert!(
        before
            .iter()
            .all(|a| a["dns_domain"]["fqdn"].is_string() || a["dns_domain"].is_null())
    );
    let ip_text: Vec<&Value> = after
        .iter()
        .filter(|a| a["ip"]["fqdns"].is_string())
        .collect();
    let dns_list: Vec<&Value> = after
        .iter()
        .filter(|a| a["dns_domain"]["fqdn"].is_array())
        .collect();
    assert!(!ip_text.is_empty() && !dns_list.is_empty());
    assert!(
        after
            .iter()
            .any(|a| a["ip"]["fqdns"].as_array().is_some_and(|l| !l.is_empty()))
    );
    // Nothing else differs.
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(fqdn_lists(b), fqdn_lists(a));
    }
    // Filters read both forms.
    let name = ip_text[0]["ip"]["fqdns"].as_str().unwrap();
    let hits = mixed.query_all(&format!("ip.fqdns:'{name}'")).await;
    assert!(hits.iter().any(|id| *id == ip_text[0]["id"]), "{name}");
    let name = dns_list[0]["dns_domain"]["fqdn"][0].as_str().unwrap();
    let hits = mixed.query_all(&format!("dns_domain.fqdn:'{name}'")).await;
    assert!(hits.iter().any(|id| *id == dns_list[0]["id"]), "{name}");
}
