//! Hostile token replies and region headers: odd lifetimes, empty, huge or
//! header-breaking tokens, unknown or host-name regions, and where the
//! autodiscovery token is revoked.

use crate::hostile;

use falcon_exposure::{Client, Cloud, Error};
use hostile::{Hostile, SECRET, client, empty_page, json, reply, token};
use serde_json::{Value, json};

/// A server issuing `body` as the token reply and an empty page elsewhere.
async fn issuing(body: Value) -> Hostile {
    Hostile::start(move |r, _| match r.path() {
        "/oauth2/token" => json(201, &body),
        _ => empty_page(),
    })
    .await
}

#[tokio::test]
async fn any_expires_in_is_clamped_without_panic() {
    let odd: Vec<Value> = vec![
        json!(9_223_372_036_854_775_807i64),
        json!(u64::MAX),
        json!(-1),
        json!(i64::MIN),
        json!(1.5),
        json!(1e308),
        json!("99999999999999999999999999"),
        json!("-5"),
        json!("soon"),
        json!(null),
        json!({"s": 1}),
    ];
    for e in odd {
        let server = issuing(json!({"access_token": "tok", "expires_in": e})).await;
        let c = client(&server);
        for _ in 0..5 {
            c.query_assets()
                .send()
                .await
                .unwrap_or_else(|err| panic!("{e}: {err}"));
        }
        // Every lifetime is at least a minute: one token for five calls.
        assert_eq!(server.on("/oauth2/token").len(), 1, "expires_in {e}");
    }
}

#[tokio::test]
async fn a_zero_lifetime_does_not_cost_a_token_per_call() {
    let server = issuing(json!({"access_token": "tok", "expires_in": 0})).await;
    let c = client(&server);
    for _ in 0..50 {
        c.query_assets().send().await.unwrap();
    }
    assert_eq!(server.on("/oauth2/token").len(), 1);
    assert_eq!(server.on("/fem/queries/external-assets/v1").len(), 50);
}

#[tokio::test]
async fn unusable_tokens_are_auth_errors_and_never_sent() {
    let cases = [
        (json!(""), "empty"),
        (json!("a".repeat(9 * 1024)), "8 KiB"),
        (json!("tok\r\nX-Injected: 1"), "control"),
        (json!("tok\nX-Injected: 1"), "control"),
        (json!("tok X-Injected"), "space"),
        (json!("tök"), "non-ASCII"),
    ];
    for (tok, why) in cases {
        let server = issuing(json!({"access_token": tok, "expires_in": 1799})).await;
        let err = client(&server).query_assets().send().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Auth {
                    status: falcon_exposure::StatusCode::CREATED,
                    ..
                }
            ),
            "{tok}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(why), "{msg}");
        assert!(
            !msg.contains("X-Injected") && !msg.contains("aaaa"),
            "{msg}"
        );
        // No API request went out with it.
        assert_eq!(server.requests().len(), 1, "{tok}");
    }
    // A missing token is a decode error that does not quote the body.
    let server = issuing(json!({"expires_in": 1799, "note": SECRET})).await;
    let err = client(&server).query_assets().send().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn a_huge_token_reply_is_not_read_whole() {
    let big = format!("{{\"access_token\":\"{}\"}}", "a".repeat(1 << 20));
    let server = Hostile::start(move |_, _| {
        reply(201, &[("Content-Type", "application/json")], big.as_bytes())
    })
    .await;
    let err = client(&server).authenticate().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                status: falcon_exposure::StatusCode::CREATED,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("larger than"), "{err}");
}

/// Region headers that are no known cloud, including host names and URLs
/// of another (recording) server: the client stays where it is.
#[tokio::test]
async fn unknown_or_host_name_regions_never_move_the_client() {
    let other = Hostile::start(|_, _| empty_page()).await;
    let other_host = other.addr.to_string();
    for region in [
        "mars-1".to_owned(),
        other_host.clone(),
        other.url(),
        format!("{}/", other.url()),
        "localhost".into(),
        "us-1.evil.example".into(),
        "x".repeat(10_000),
    ] {
        let r = region.clone();
        let server = Hostile::start(move |req, _| match req.path() {
            "/oauth2/token" => reply(
                201,
                &[("Content-Type", "application/json"), ("X-Cs-Region", &r)],
                br#"{"access_token":"tok","expires_in":1799}"#,
            ),
            _ => empty_page(),
        })
        .await;
        let c = hostile::builder(&server.url())
            .autodiscover(true)
            .build()
            .unwrap();
        c.query_assets().send().await.unwrap();
        assert_eq!(
            c.base_url().as_str(),
            format!("{}/", server.url()),
            "{region:.40}"
        );
        assert_eq!(server.requests().len(), 2, "{region:.40}");
    }
    assert!(other.requests().is_empty());
}

/// Autodiscovery: the token from us-1 is revoked at us-1, where it was
/// issued; the discovered cloud never sees it.
#[tokio::test]
async fn the_autodiscovery_token_is_revoked_where_it_was_issued() {
    let us1 = Hostile::start(|r, _| match r.path() {
        "/oauth2/token" => reply(
            201,
            &[
                ("Content-Type", "application/json"),
                ("X-Cs-Region", "us-2"),
            ],
            br#"{"access_token":"tok-from-us1","expires_in":1799}"#,
        ),
        _ => json(200, &json!({"meta": {}, "resources": [], "errors": []})),
    })
    .await;
    let us2 = Hostile::start(|r, _| match r.path() {
        "/oauth2/token" => token("tok-from-us2"),
        _ => empty_page(),
    })
    .await;
    let c = Client::builder()
        .client_id(hostile::CLIENT_ID)
        .client_secret(SECRET)
        .cloud(Cloud::Us1)
        .cloud_url(Cloud::Us1, us1.url())
        .cloud_url(Cloud::Us2, us2.url())
        .build()
        .unwrap();
    c.query_assets().send().await.unwrap();
    assert_eq!(c.base_url().as_str(), format!("{}/", us2.url()));
    let revokes = us1.on("/oauth2/revoke");
    assert_eq!(revokes.len(), 1);
    assert!(revokes[0].contains("token=tok-from-us1"));
    assert!(!us2.requests().iter().any(|r| r.contains("tok-from-us1")));
    assert!(us2.on("/oauth2/revoke").is_empty());
    let api = us2.on("/fem/queries/external-assets/v1");
    assert_eq!(api.len(), 1);
    assert!(api[0].contains("Bearer tok-from-us2"));
}
