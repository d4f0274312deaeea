//! Injection attempts in filter, sort and ids, checked on the wire: each
//! value arrives intact as one query parameter, the request line stays
//! well-formed and nothing else is added.

use crate::hostile;

use falcon_exposure::Error;
use falcon_exposure::fql::{FilterArg, SortArg};
use hostile::{Hostile, Recorded, client, empty_page, with_token};

/// Hostile values: separators, escapes, line breaks, unicode, 10 KB.
fn hostile_values() -> Vec<String> {
    vec![
        "a&limit=1".into(),
        "a#fragment".into(),
        "a%26b%0d%0a".into(),
        "a=b;c".into(),
        "a+b c".into(),
        "a\r\nX-Injected: 1".into(),
        "a\nGET /evil HTTP/1.1".into(),
        "ünï©ødé ✓ 𝔘".into(),
        "a?b/../c\\d".into(),
        "x".repeat(10_000),
    ]
}

/// The decoded query parameters of `r`.
fn params(r: &Recorded) -> Vec<(String, String)> {
    url::form_urlencoded::parse(r.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The request line is `METHOD target HTTP/1.1` with a target made of
/// visible ASCII only, and no header was injected.
fn assert_well_formed(r: &Recorded) {
    let line = r.request_line();
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3, "{line:.200}");
    assert!(
        parts[1].bytes().all(|b| b.is_ascii_graphic() && b != b'#'),
        "{line:.200}"
    );
    for line in r.head.lines().skip(1) {
        let l = line.to_ascii_lowercase();
        assert!(
            !l.starts_with("x-injected") && !l.starts_with("get "),
            "{line:.200}"
        );
    }
    // Exactly the client's own headers.
    let names: Vec<String> = r
        .head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_ascii_lowercase()))
        .collect();
    for n in &names {
        assert!(
            [
                "authorization",
                "accept",
                "content-type",
                "content-length",
                "user-agent",
                "accept-encoding",
                "host"
            ]
            .contains(&n.as_str()),
            "unexpected header {n}"
        );
    }
}

#[tokio::test]
async fn filter_and_sort_values_arrive_intact() {
    let server = Hostile::start(with_token(|_, _| empty_page())).await;
    let c = client(&server);
    for v in hostile_values() {
        c.query_assets()
            .filter(FilterArg::unchecked(&v))
            .sort(SortArg::unchecked(&v))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{v:.40}: {e}"));
        let r = server.requests().pop().unwrap();
        assert_well_formed(&r);
        let mut p = params(&r);
        p.sort();
        assert_eq!(
            p,
            [
                ("filter".to_owned(), v.clone()),
                ("sort".to_owned(), v.clone())
            ],
            "{v:.40}"
        );
    }
}

#[tokio::test]
async fn a_checked_filter_with_hostile_string_values_arrives_intact() {
    let server = Hostile::start(with_token(|_, _| empty_page())).await;
    let c = client(&server);
    for v in ["a&b", "a#b", "100%", "ü ✓", "a\\'b"] {
        let fql = format!("name:'{v}'");
        match c.query_assets().filter(fql.as_str()).send().await {
            Ok(_) => {
                let r = server.requests().pop().unwrap();
                assert_well_formed(&r);
                assert_eq!(params(&r), [("filter".to_owned(), fql.clone())], "{fql}");
            }
            // The FQL check may refuse it before sending; then nothing went out.
            Err(Error::InvalidRequest { .. }) => {}
            Err(e) => panic!("{fql}: {e}"),
        }
    }
}

#[tokio::test]
async fn ids_arrive_one_parameter_each() {
    let server = Hostile::start(with_token(|_, _| empty_page())).await;
    let c = client(&server);
    let ids = hostile_values();
    let before = server.requests().len();
    match c.get_assets().ids(ids.clone()).send().await {
        Ok(_) => {
            let sent = &server.requests()[before..];
            let mut got: Vec<String> = Vec::new();
            for r in sent {
                assert_well_formed(r);
                for (k, v) in params(r) {
                    assert_eq!(k, "ids", "{v:.40}");
                    got.push(v);
                }
            }
            let mut want = ids.clone();
            want.sort();
            got.sort();
            assert_eq!(got, want);
        }
        Err(Error::InvalidRequest { message, .. }) => {
            // Refused before sending: nothing reached the server.
            assert_eq!(server.requests().len(), before, "{message}");
        }
        Err(e) => panic!("{e}"),
    }
}
