//! Every generated record agrees with itself, over a whole inventory: a
//! service's operating system and platform, its status code and the status
//! line of its headers, its title and the applications it runs, and an
//! asset's services and cloud machine among themselves.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

const ASSETS: usize = 3_000;

/// Words of a page title that name an application: a title naming one is a
/// page of a service running it.
const TITLE_NAMES: &[(&str, &str)] = &[
    ("nginx", "nginx"),
    ("IIS", "Microsoft IIS"),
    ("WordPress", "WordPress"),
    ("Jenkins", "Jenkins"),
    ("Grafana", "Grafana"),
    ("Outlook", "Microsoft Exchange Server"),
    ("Citrix", "Citrix Gateway"),
];

fn services(a: &Value) -> Vec<&Value> {
    ["ip", "dns_domain"]
        .iter()
        .flat_map(|k| a[k]["services"].as_array().into_iter().flatten())
        .collect()
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn application_names(service: &Value) -> Vec<&str> {
    let apps = service["applications"].as_array().into_iter().flatten();
    apps.filter_map(|a| text(a, "name")).collect()
}

/// The platform a service reports, checked against its own `os`.
fn platform<'a>(service: &'a Value, context: &str) -> Option<&'a str> {
    let (os, platform) = (text(service, "os"), text(service, "platform_name"));
    assert_eq!(os.is_some(), platform.is_some(), "{context}");
    let (os, platform) = (os?, platform?);
    match platform {
        "Windows" => assert_eq!(os, "Windows", "{context}"),
        "Linux" => assert!(
            ["Ubuntu", "Debian", "CentOS", "Linux"].contains(&os),
            "{context}"
        ),
        other => panic!("platform_name {other}: {context}"),
    }
    Some(platform)
}

/// The status line and headers of a web service, checked against its
/// status code and applications.
fn check_http(service: &Value, name: Option<&str>, context: &str) {
    let code = service["status_code"].as_u64().expect("status_code") as u16;
    let http = &service["http_attributes"];
    let headers = text(http, "response_headers").expect("response_headers");
    let mut lines = headers.split("\r\n");
    let reason = StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or_else(|| panic!("status {code}: {context}"));
    assert_eq!(
        lines.next(),
        Some(format!("HTTP/1.1 {code} {reason}").as_str()),
        "{context}"
    );
    let header = |name: &str| {
        headers
            .split("\r\n")
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
    };
    let apps = service["applications"].as_array().expect("applications");
    if let Some(server) = header("Server") {
        let version = apps[0]["version"].as_str().expect("version");
        assert!(server.ends_with(&format!("/{version}")), "{context}");
    }
    if (300..400).contains(&code) {
        // To the same host over HTTPS (an IP may list no name of its own).
        let location = header("Location").unwrap_or_else(|| panic!("{context}"));
        let host = location
            .strip_prefix("https://")
            .and_then(|l| l.strip_suffix('/'));
        assert!(
            host.is_some_and(|h| name.is_none_or(|n| h == n)),
            "{context}"
        );
    }
    let names = application_names(service);
    let technologies: Vec<&str> = http["technologies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(technologies, names, "{context}");
    match text(http, "title") {
        Some(title) => {
            for (word, app) in TITLE_NAMES {
                if title.contains(word) {
                    assert!(names.contains(app), "title {title:?}: {context}");
                }
            }
        }
        // Only the API server answers with something other than a page.
        None => assert_eq!(names, ["Kubernetes API Server"], "{context}"),
    }
    // The applications a page names, it does name.
    if code == 200 {
        let title = text(http, "title").unwrap_or_default();
        for (word, app) in TITLE_NAMES.iter().skip(2) {
            if names.contains(app) {
                assert!(title.contains(word), "title {title:?}: {context}");
            }
        }
    }
}

#[tokio::test]
async fn every_generated_record_agrees_with_itself() {
    let api = start(small().assets(ASSETS).mixed_fqdn_forms(true)).await;
    let assets = api.all_assets().await;
    assert_eq!(assets.len(), ASSETS);
    let (mut web, mut platforms, mut codes) = (0, BTreeSet::new(), BTreeSet::new());
    for a in &assets {
        let id = &a["id"];
        // The asset's name, in either form of either field.
        let name = [
            "/dns_domain/fqdn",
            "/dns_domain/fqdn/0",
            "/ip/fqdns",
            "/ip/fqdns/0",
        ]
        .iter()
        .find_map(|p| a.pointer(p)?.as_str());
        let mut asset_platforms = BTreeSet::new();
        for s in services(a) {
            let context = format!("asset {id}, service {s}");
            let protocol = text(s, "protocol").expect("protocol");
            if let Some(p) = platform(s, &context) {
                asset_platforms.insert(p);
                platforms.insert(p);
            }
            let names = application_names(s);
            if names.iter().any(|n| n.starts_with("Microsoft")) {
                assert_eq!(text(s, "platform_name"), Some("Windows"), "{context}");
            }
            if protocol.starts_with("HTTP") {
                web += 1;
                codes.insert(s["status_code"].as_u64());
                check_http(s, name, &context);
            } else {
                assert!(s.get("http_attributes").is_none(), "{context}");
                assert_eq!(s["status_code"], 0, "{context}");
            }
        }
        // One host: its services and its cloud machine run one platform.
        assert!(
            asset_platforms.len() <= 1,
            "asset {id}: {asset_platforms:?}"
        );
        if let (Some(vm), Some(p)) = (
            text(&a["ip"]["cloud_vm"], "platform"),
            asset_platforms.first(),
        ) {
            assert_eq!(vm, *p, "asset {id}");
        }
    }
    // Not vacuous: both platforms, web services, redirects and refusals.
    assert_eq!(platforms, BTreeSet::from(["Linux", "Windows"]));
    assert!(web > ASSETS / 2, "{web} web services");
    for code in [200, 301, 401] {
        assert!(codes.contains(&Some(code)), "no status {code}: {codes:?}");
    }
}
