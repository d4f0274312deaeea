use crate::common::*;
use serde_json::Value;

/// Evaluates `pred` over every asset, to compare with the server's answer.
fn expect(assets: &[Value], pred: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut v: Vec<String> = assets
        .iter()
        .filter(|a| pred(a))
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn services(a: &Value) -> Vec<&Value> {
    a["ip"]["services"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(a["dns_domain"]["services"].as_array().into_iter().flatten())
        .collect()
}

fn ip_services(a: &Value) -> Vec<&Value> {
    a["ip"]["services"]
        .as_array()
        .into_iter()
        .flatten()
        .collect()
}

async fn check(api: &Api, filter: &str, want: Vec<String>) {
    let mut got = api.query_all(filter).await;
    got.sort();
    assert_eq!(got, want, "filter {filter}");
}

#[tokio::test]
async fn operators_match_a_reference_evaluation() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    let s = |a: &Value, k: &str| a[k].as_str().unwrap_or("").to_string();

    check(
        &api,
        "asset_type:'ip'",
        expect(&assets, |a| s(a, "asset_type") == "ip"),
    )
    .await;
    check(
        &api,
        "asset_type:!'ip'",
        expect(&assets, |a| s(a, "asset_type") != "ip"),
    )
    .await;
    check(
        &api,
        "asset_type:ip",
        expect(&assets, |a| s(a, "asset_type") == "ip"),
    )
    .await;
    check(
        &api,
        "asset_type:['ip','dns_domain']",
        expect(&assets, |_| true),
    )
    .await;
    check(
        &api,
        "criticality:['Critical','High']",
        expect(&assets, |a| {
            ["Critical", "High"].contains(&s(a, "criticality").as_str())
        }),
    )
    .await;
    check(
        &api,
        "criticality:null",
        expect(&assets, |a| a["criticality"].is_null()),
    )
    .await;
    check(
        &api,
        "criticality:!null",
        expect(&assets, |a| !a["criticality"].is_null()),
    )
    .await;
    check(
        &api,
        "manual:true",
        expect(&assets, |a| a["manual"] == true),
    )
    .await;
    check(
        &api,
        "confidence:[90,95,100]",
        expect(&assets, |a| a["confidence"].as_i64().unwrap() >= 90),
    )
    .await;
    // Nested lists: any service matches.
    check(
        &api,
        "ip.services.port:443",
        expect(&assets, |a| ip_services(a).iter().any(|s| s["port"] == 443)),
    )
    .await;
    check(
        &api,
        "ip.services.port:!443",
        expect(&assets, |a| {
            !ip_services(a).iter().any(|s| s["port"] == 443)
        }),
    )
    .await;
    check(
        &api,
        "ip.services.port:>1000",
        expect(&assets, |a| {
            ip_services(a)
                .iter()
                .any(|s| s["port"].as_i64().unwrap() > 1000)
        }),
    )
    .await;
    check(
        &api,
        "ip.services.port:<=25",
        expect(&assets, |a| {
            ip_services(a)
                .iter()
                .any(|s| s["port"].as_i64().unwrap() <= 25)
        }),
    )
    .await;
    check(
        &api,
        "ip.services.port:[22,3389]",
        expect(&assets, |a| {
            ip_services(a)
                .iter()
                .any(|s| s["port"] == 22 || s["port"] == 3389)
        }),
    )
    .await;
    check(
        &api,
        "dns_domain.services.applications.name:'nginx'",
        expect(&assets, |a| {
            a["dns_domain"]["services"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["applications"][0]["name"] == "nginx")
        }),
    )
    .await;
    // Wildcards, both spellings.
    let ends = |a: &Value| s(&a["dns_domain"], "fqdn").ends_with(".northwind.example");
    check(
        &api,
        "dns_domain.fqdn:*'*.northwind.example'",
        expect(&assets, ends),
    )
    .await;
    check(
        &api,
        "dns_domain.fqdn:'*.northwind.example'",
        expect(&assets, ends),
    )
    .await;
    check(
        &api,
        "dns_domain.fqdn:!'*.northwind.example'",
        expect(&assets, |a| !ends(a)),
    )
    .await;
    // Text match: case-insensitive tokens.
    let has = |a: &Value| {
        a["subsidiaries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"].as_str().unwrap().to_lowercase().contains("bank"))
    };
    check(&api, "subsidiaries.name:~'BANK'", expect(&assets, has)).await;
    check(
        &api,
        "subsidiaries.name:!~'bank'",
        expect(&assets, |a| !has(a)),
    )
    .await;
    // AND, OR, parentheses.
    let crit = |a: &Value| ["Critical", "High"].contains(&s(a, "criticality").as_str());
    check(
        &api,
        "(criticality:'Critical',criticality:'High')+asset_type:'ip'",
        expect(&assets, |a| crit(a) && s(a, "asset_type") == "ip"),
    )
    .await;
    check(
        &api,
        "asset_type:'dns_domain',ip.services.port:22",
        expect(&assets, |a| {
            s(a, "asset_type") == "dns_domain" || ip_services(a).iter().any(|s| s["port"] == 22)
        }),
    )
    .await;
    // Any service, over both kinds of asset.
    assert!(
        !expect(&assets, |a| services(a)
            .iter()
            .any(|s| s["protocol"] == "SSH"))
        .is_empty()
    );
}

#[tokio::test]
async fn timestamps_and_ips() {
    let api = start(small()).await;
    let assets = api.all_assets().await;
    let ts = |a: &Value, k: &str| a[k].as_str().unwrap().to_string();
    // Absolute timestamps (ISO-8601 strings compare lexicographically).
    let pivot = "2026-05-01T00:00:00Z";
    check(
        &api,
        &format!("first_seen:>'{pivot}'"),
        expect(&assets, |a| ts(a, "first_seen").as_str() > pivot),
    )
    .await;
    check(
        &api,
        &format!("first_seen:<'{pivot}'"),
        expect(&assets, |a| ts(a, "first_seen").as_str() < pivot),
    )
    .await;
    // Partial dates cover their whole period.
    check(
        &api,
        "first_seen:'2026-03'",
        expect(&assets, |a| ts(a, "first_seen").starts_with("2026-03")),
    )
    .await;
    // Relative times: the inventory is anchored in the past, so compare
    // against what the reference says about 'now'.
    let all = expect(&assets, |_| true);
    check(&api, "last_seen:<'now'", all.clone()).await;
    check(
        &api,
        "last_seen:>'now-7d'+last_seen:<'now-24h'",
        expect(&assets, |_| false),
    )
    .await;
    check(&api, "last_seen:>'now-1000d'", all).await;
    // IP ranges compare numerically.
    let num = |ip: &str| ip.parse::<std::net::Ipv4Addr>().map(u32::from).unwrap_or(0);
    check(
        &api,
        "ip.ip_address:>='100.0.0.0'",
        expect(&assets, |a| {
            a["ip"]["ip_address"]
                .as_str()
                .is_some_and(|ip| num(ip) >= num("100.0.0.0"))
        }),
    )
    .await;
}

#[tokio::test]
async fn refused_filters_name_the_field() {
    let api = start(small()).await;
    for (filter, needle) in [
        ("no_such_field:'x'", "no_such_field"),
        ("last_seen_timestamp:>'now-7d'", "last_seen_timestamp"),
        ("criticality_description:*'x*'", "criticality_description"),
        ("asset_type:>'ip'", "asset_type"),
        ("ip.ip_address:['1.2.3.4','5.6.7.8']", "ip.ip_address"),
        ("dns_domain.services.id:>5", "dns_domain.services.id"),
        ("ip.services.port:'https'", "ip.services.port"),
        ("first_seen:>'yesterday'", "first_seen"),
        ("manual:maybe", "manual"),
    ] {
        let (s, _, v) = api
            .get("/fem/queries/external-assets/v1", &[("filter", filter)])
            .await;
        assert_eq!(s, 400, "{filter}");
        assert_envelope(&v);
        let (code, msg) = first_error(&v);
        assert_eq!(code, 400);
        assert!(msg.contains(needle), "{filter}: {msg}");
    }
    for filter in [
        "asset_type:'ip'+",
        "(asset_type:'ip'",
        "asset_type",
        "asset_type:'ip",
        "a:1+b:2+c:3)",
    ] {
        let (s, _, _) = api
            .get("/fem/queries/external-assets/v1", &[("filter", filter)])
            .await;
        assert_eq!(s, 400, "{filter}");
    }
    // More than 20 properties.
    let long = vec!["asset_type:'ip'"; 21].join("+");
    let (s, _, _) = api
        .get(
            "/fem/queries/external-assets/v1",
            &[("filter", long.as_str())],
        )
        .await;
    assert_eq!(s, 400);
}
