use crate::common::*;
use serde_json::{Value, json};

const AGG: &str = "/fem/aggregates/external-assets/v1";

async fn agg(api: &Api, body: Value) -> (u16, Value) {
    let (s, _, v) = api.send(api.http.post(api.url(AGG)).json(&body)).await;
    (s, v)
}

fn buckets(v: &Value, i: usize) -> &Vec<Value> {
    v["resources"][i]["buckets"].as_array().expect("buckets")
}

#[tokio::test]
async fn terms_with_size_sort_and_sub_aggregates() {
    let api = start(small()).await;
    // No generated asset has a triage status: only a PATCH sets one.
    let ids = api.query_all("").await;
    let body = json!({"assets": [
        {"id": ids[0], "triage": {"status": "status-a"}},
        {"id": ids[1], "triage": {"status": "status-a"}},
        {"id": ids[2], "triage": {"status": "status-b"}},
    ]});
    let (s, _, v) = api
        .send(
            api.http
                .patch(api.url("/fem/entities/external-assets/v1"))
                .json(&body),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = agg(
        &api,
        json!([{"name": "types", "type": "terms", "field": "asset_type", "size": 10,
                "sub_aggregates": [{"name": "latest", "type": "max", "field": "last_seen"}]},
               {"name": "crit", "type": "terms", "field": "criticality", "missing": "none", "sort": "_term|asc"},
               {"name": "triage", "type": "terms", "field": "triage.status", "missing": "none"},
               {"name": "ports", "type": "terms", "field": "ip.services.port", "size": 3, "sort": "_count|desc"}]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_envelope(&v);
    let types = buckets(&v, 0);
    assert_eq!(v["resources"][0]["name"], "types");
    assert_eq!(types.len(), 2);
    let total: i64 = types.iter().map(|b| b["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 300);
    assert!(types[0]["count"].as_i64() >= types[1]["count"].as_i64());
    assert!(types[0]["sub_aggregates"][0]["buckets"][0]["value"].is_number());
    let crit: Vec<&str> = buckets(&v, 1)
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    // Every asset has one of the documented levels, in term order.
    assert_eq!(crit, ["Critical", "High", "Noncritical", "Unassigned"]);
    // The statuses sent, and the assets without one in the missing bucket.
    let mut triage: Vec<(&str, i64)> = buckets(&v, 2)
        .iter()
        .map(|b| (b["label"].as_str().unwrap(), b["count"].as_i64().unwrap()))
        .collect();
    triage.sort();
    assert_eq!(
        triage,
        [("none", 297), ("status-a", 2), ("status-b", 1)],
        "{triage:?}"
    );
    let ports = buckets(&v, 3);
    assert_eq!(ports.len(), 3);
    assert!(ports[0]["label"].is_number());
    assert!(v["resources"][3]["sum_other_doc_count"].as_i64().unwrap() > 0);
    // Filters and min/max doc counts.
    let (_, v) = agg(
        &api,
        json!([{"name": "t", "type": "terms", "field": "ip.location.country_code", "filter": "asset_type:'ip'", "min_doc_count": 15, "max_doc_count": 40, "size": 50}]),
    )
    .await;
    for b in buckets(&v, 0) {
        let c = b["count"].as_i64().unwrap();
        assert!((15..=40).contains(&c), "{b}");
    }
}

#[tokio::test]
async fn date_histogram_and_date_range() {
    let api = start(small()).await;
    let (s, v) = agg(
        &api,
        json!([{"name": "h", "type": "date_histogram", "field": "first_seen", "interval": "month"},
               {"name": "tz", "type": "date_histogram", "field": "first_seen", "interval": "day", "time_zone": "+02:00", "min_doc_count": 1},
               {"name": "r", "type": "date_range", "field": "last_seen",
                "date_ranges": [{"from": "2026-01-01T00:00:00Z", "to": "2026-07-01T00:00:00Z"}, {"from": "now-30d", "to": "now"}]}]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let months = buckets(&v, 0);
    assert!(months.len() >= 12 && months.len() <= 14, "{}", months.len());
    assert_eq!(
        months
            .iter()
            .map(|b| b["count"].as_i64().unwrap())
            .sum::<i64>(),
        300
    );
    assert!(
        months[0]["key_as_string"]
            .as_str()
            .unwrap()
            .ends_with("-01T00:00:00Z")
    );
    for b in buckets(&v, 1) {
        assert!(b["count"].as_i64().unwrap() >= 1);
        assert!(
            b["key_as_string"].as_str().unwrap().ends_with("T22:00:00Z"),
            "{b}"
        );
    }
    let ranges = buckets(&v, 2);
    assert_eq!(ranges.len(), 2);
    assert!(ranges[0]["from"].is_number() && ranges[0]["to"].is_number());
    assert_eq!(ranges[0]["string_from"], "2026-01-01T00:00:00Z");
}

#[tokio::test]
async fn range_and_metrics() {
    let api = start(small()).await;
    let (s, v) = agg(
        &api,
        json!([{"name": "ports", "type": "range", "field": "ip.services.port", "ranges": [{"From": 0, "To": 1024}, {"From": 1024, "To": 65536}]},
               {"name": "card", "type": "cardinality", "field": "ip.location.country_code"},
               {"name": "max", "type": "max", "field": "confidence"},
               {"name": "min", "type": "min", "field": "confidence"},
               {"name": "avg", "type": "avg", "field": "confidence"},
               {"name": "sum", "type": "sum", "field": "confidence"},
               {"name": "pct", "type": "percentiles", "field": "confidence"}]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(buckets(&v, 0).len(), 2);
    assert!(buckets(&v, 0)[0]["count"].as_i64().unwrap() > 0);
    let card = buckets(&v, 1)[0]["value"].as_f64().unwrap();
    assert!((2.0..=10.0).contains(&card), "{card}");
    let val = |i: usize| buckets(&v, i)[0]["value"].as_f64().unwrap();
    assert!(val(2) <= 100.0 && val(3) >= 50.0 && val(3) <= val(4) && val(4) <= val(2));
    assert!((val(5) - val(4) * 300.0).abs() < 1e-6);
    let pct = buckets(&v, 6);
    assert_eq!(pct.len(), 7);
    assert_eq!(pct[3]["label"], "50.0");
}

#[tokio::test]
async fn bad_requests_are_400_with_a_message() {
    let api = start(small()).await;
    for (body, needle) in [
        (
            json!([{"name": "h", "type": "date_histogram", "field": "first_seen"}]),
            "interval",
        ),
        (
            json!([{"name": "r", "type": "range", "field": "ip.services.port"}]),
            "ranges",
        ),
        (
            json!([{"name": "d", "type": "date_range", "field": "first_seen"}]),
            "date_ranges",
        ),
        (
            json!([{"name": "x", "type": "bogus", "field": "first_seen"}]),
            "bogus",
        ),
        (
            json!([{"name": "x", "type": "terms", "field": "nope"}]),
            "nope",
        ),
        (json!([{"name": "x", "type": "terms"}]), "field"),
        (
            json!([{"name": "x", "type": "terms", "field": "asset_type", "filter": "zzz:'1'"}]),
            "zzz",
        ),
        (
            json!([{"name": "x", "type": "terms", "field": "asset_type", "sort": "sideways"}]),
            "sort",
        ),
        (
            json!([{"name": "x", "type": "date_histogram", "field": "first_seen", "interval": "day", "time_zone": "Mars/Olympus"}]),
            "time_zone",
        ),
        (
            json!([{"name": "x", "type": "terms", "field": "asset_type", "sub_aggregates": [
                {"name": "a", "type": "max", "field": "confidence"}, {"name": "b", "type": "min", "field": "confidence"},
                {"name": "c", "type": "avg", "field": "confidence"}, {"name": "d", "type": "sum", "field": "confidence"}]}]),
            "sub_aggregates",
        ),
        (json!([]), "aggregation"),
        (json!("text"), "array"),
    ] {
        let (s, v) = agg(&api, body.clone()).await;
        assert_eq!(s, 400, "{body}");
        assert_envelope(&v);
        assert!(first_error(&v).1.contains(needle), "{body}: {v}");
    }
    let (s, _, _) = api.send(api.http.post(api.url(AGG)).body("{oops")).await;
    assert_eq!(s, 400);
}

/// The application names on the services of one asset, IP and DNS domain
/// alike, each once.
fn application_names(a: &Value) -> std::collections::BTreeSet<String> {
    ["ip", "dns_domain"]
        .iter()
        .flat_map(|k| a[k]["services"].as_array().into_iter().flatten())
        .flat_map(|s| s["applications"].as_array().into_iter().flatten())
        .map(|app| app["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn terms_on_application_names_span_both_kinds_of_service() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    let mut want: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for a in &assets {
        let ip = a["asset_type"] == "ip";
        for name in application_names(a) {
            let e = want.entry(name).or_default();
            if ip { e.0 += 1 } else { e.1 += 1 }
        }
    }
    let (s, v) = agg(
        &api,
        json!([{"name": "apps", "type": "terms", "field": "applications.name", "size": 100},
               {"name": "dns_apps", "type": "terms", "field": "applications.name", "size": 100,
                "filter": "asset_type:'dns_domain'"}]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let got = |i: usize| -> std::collections::BTreeMap<String, i64> {
        buckets(&v, i)
            .iter()
            .map(|b| {
                (
                    b["label"].as_str().unwrap().to_string(),
                    b["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let all: std::collections::BTreeMap<String, i64> = want
        .iter()
        .map(|(k, (ip, dns))| (k.clone(), ip + dns))
        .collect();
    assert_eq!(got(0), all);
    let dns: std::collections::BTreeMap<String, i64> = want
        .iter()
        .filter(|(_, (_, dns))| *dns > 0)
        .map(|(k, (_, dns))| (k.clone(), *dns))
        .collect();
    assert!(!dns.is_empty() && want.values().any(|(ip, _)| *ip > 0));
    assert_eq!(got(1), dns);
    // An aggregation field only: filters keep to the documented tables.
    let (s, _, v) = api
        .get(
            "/fem/queries/external-assets/v1",
            &[("filter", "applications.name:'nginx'")],
        )
        .await;
    assert_eq!(s, 400, "{v}");
}
