use crate::common::*;
use falcon_emulator::{ApiClient, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, SCOPE_READ};
use std::time::Duration;

#[tokio::test]
async fn token_issue_and_headers() {
    let emu = Emulator::start(small().region("us-2").token_ttl(Duration::from_secs(600)))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/oauth2/token", emu.base_url()))
        .form(&[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-cs-region"], "us-2");
    assert!(r.headers().contains_key("x-cs-traceid"));
    assert!(r.headers().contains_key("x-ratelimit-limit"));
    assert!(r.headers().contains_key("x-ratelimit-remaining"));
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 600);
    assert!(v["access_token"].as_str().unwrap().len() >= 32);
    assert_eq!(emu.stats().token_requests, 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn token_errors() {
    let emu = Emulator::start(small()).await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/oauth2/token", emu.base_url());
    let r = http
        .post(&url)
        .form(&[("client_id", DEFAULT_CLIENT_ID), ("client_secret", "wrong")])
        .send()
        .await
        .unwrap();
    let (s, h, v) = split(r).await;
    assert_eq!(s, 403);
    assert!(h.contains_key("x-cs-traceid"));
    assert_envelope(&v);
    assert_eq!(first_error(&v).0, 403);
    let r = http
        .post(&url)
        .form(&[("client_id", DEFAULT_CLIENT_ID)])
        .send()
        .await
        .unwrap();
    let (s, _, v) = split(r).await;
    assert_eq!(s, 400);
    assert_envelope(&v);
    // A member CID the client is not entitled to.
    let r = http
        .post(&url)
        .form(&[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
            ("member_cid", "abc"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(emu.stats().token_requests, 3);
    emu.shutdown().await;
}

#[tokio::test]
async fn member_cid_tokens() {
    let cfg = small()
        .client(ApiClient::new("mssp", "s3cret", &[SCOPE_READ]).with_member_cids(&["child1"]));
    let emu = Emulator::start(cfg).await.unwrap();
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/oauth2/token", emu.base_url()))
        .form(&[
            ("client_id", "mssp"),
            ("client_secret", "s3cret"),
            ("member_cid", "child1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    emu.shutdown().await;
}

#[tokio::test]
async fn missing_unknown_and_revoked_tokens_get_401() {
    let api = start(small()).await;
    let path = "/fem/queries/external-assets/v1";
    // Missing.
    let (s, h, v) = split(api.http.get(api.url(path)).send().await.unwrap()).await;
    assert_eq!(s, 401);
    assert!(h.contains_key("x-cs-traceid"));
    assert_envelope(&v);
    assert_eq!(
        first_error(&v),
        (401, "access denied, invalid bearer token".to_string())
    );
    // Unknown.
    let (s, _, _) = split(
        api.http
            .get(api.url(path))
            .bearer_auth("nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401);
    // Valid, then revoked.
    let (s, _, _) = api.get(path, &[]).await;
    assert_eq!(s, 200);
    let r = api
        .http
        .post(api.url("/oauth2/revoke"))
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[("token", api.token.as_str())])
        .send()
        .await
        .unwrap();
    let (s, _, v) = split(r).await;
    assert_eq!(s, 200);
    assert_envelope(&v);
    let (s, _, _) = api.get(path, &[]).await;
    assert_eq!(s, 401);
    assert_eq!(api.emu.stats().revoke_requests, 1);
}

#[tokio::test]
async fn revoke_needs_basic_auth() {
    let api = start(small()).await;
    let r = api
        .http
        .post(api.url("/oauth2/revoke"))
        .form(&[("token", api.token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = api
        .http
        .post(api.url("/oauth2/revoke"))
        .basic_auth(DEFAULT_CLIENT_ID, Some("bad"))
        .form(&[("token", api.token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (s, _, _) = api.get("/fem/queries/external-assets/v1", &[]).await;
    assert_eq!(s, 200, "the token survives failed revocations");
}

#[tokio::test]
async fn expired_tokens_get_401() {
    let api = start(small().token_ttl(Duration::from_millis(300))).await;
    let (s, _, _) = api.get("/fem/queries/external-assets/v1", &[]).await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (s, _, v) = api.get("/fem/queries/external-assets/v1", &[]).await;
    assert_eq!(s, 401);
    assert_envelope(&v);
}

#[tokio::test]
async fn missing_scope_gets_403() {
    let api = start(small().client(ApiClient::new("reader", "r", &[SCOPE_READ]))).await;
    let tok = token_for(&api.http, &api.emu.base_url(), "reader", "r").await;
    let r = api
        .http
        .get(api.url("/fem/queries/external-assets/v1"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = ids(&split(r).await.2)[0].clone();
    let r = api
        .http
        .delete(api.url("/fem/entities/external-assets/v1"))
        .query(&[("ids", id.as_str())])
        .json(&serde_json::json!({"description": "x"}))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    let (s, _, v) = split(r).await;
    assert_eq!(s, 403);
    assert_eq!(
        first_error(&v),
        (403, "access denied, authorization failed".to_string())
    );
    let r = api
        .http
        .patch(api.url("/fem/entities/external-assets/v1"))
        .json(&serde_json::json!({"assets": [{"id": id, "criticality": "High"}]}))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(api.assets(&[id]).await.len(), 1, "nothing was deleted");
}

#[tokio::test]
async fn rate_limit_429_with_retry_after() {
    let api = start(small().rate_limit_per_minute(5)).await;
    let mut last = None;
    for i in 0..5 {
        let (s, h, _) = api.get("/fem/queries/external-assets/v1", &[]).await;
        assert_eq!(s, 200);
        assert_eq!(h["x-ratelimit-limit"], "5");
        assert_eq!(
            h["x-ratelimit-remaining"].to_str().unwrap(),
            (4 - i).to_string()
        );
        last = Some(h);
    }
    assert!(last.is_some());
    let (s, h, v) = api.get("/fem/queries/external-assets/v1", &[]).await;
    assert_eq!(s, 429);
    assert_envelope(&v);
    assert_eq!(h["x-ratelimit-remaining"], "0");
    let retry: i64 = h["x-ratelimit-retryafter"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        retry > now - 1 && retry <= now + 61,
        "epoch seconds: {retry} vs {now}"
    );
    // Lifting the limit at run time.
    api.emu.set_rate_limit_per_minute(None);
    let (s, _, _) = api.get("/fem/queries/external-assets/v1", &[]).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn unknown_route_is_404_envelope() {
    let api = start(small()).await;
    let (s, _, v) = api.get("/fem/nothing/v1", &[]).await;
    assert_eq!(s, 404);
    assert_envelope(&v);
}
