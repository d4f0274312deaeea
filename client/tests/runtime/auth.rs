//! Construction, clouds, OAuth2 tokens, autodiscovery and revocation.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use falcon_exposure::{Client, Cloud, Error, StatusCode};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::common::*;

async fn mount_query(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .respond_with(ok_json(envelope(json!(["a"]))))
        .mount(server)
        .await;
}

#[tokio::test]
async fn token_request_is_form_encoded_and_cached() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("client_id=test-client-id"))
        .and(body_string_contains("member_cid=member-cid-0a1b2c3d"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"access_token": "tok-1", "expires_in": 1799})),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_query(&server).await;
    let client = builder(&server).member_cid(MEMBER_CID).build().unwrap();
    for _ in 0..3 {
        client.query_assets().send().await.unwrap();
    }
    let token_req = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/oauth2/token")
        .unwrap();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&token_req.body)
        .into_owned()
        .collect();
    assert_eq!(form["client_id"], CLIENT_ID);
    assert_eq!(form["client_secret"], SECRET);
    assert_eq!(form["member_cid"], MEMBER_CID);
    for r in api_requests(&server).await {
        assert_eq!(r.headers.get("authorization").unwrap(), "Bearer tok-1");
        let ua = r.headers.get("user-agent").unwrap().to_str().unwrap();
        assert!(ua.starts_with("falcon-exposure/"), "{ua}");
    }
}

#[tokio::test]
async fn token_is_renewed_ahead_of_expiry() {
    // A 90-second token with a one-second window: renewed after 89 s,
    // while it is still valid. The clock is moved on rather than waited for.
    let server = MockServer::start().await;
    let mut short = Tokens::new();
    short.expires_in = 90;
    let short = short.mount(&server).await;
    mount_query(&server).await;
    let client = builder(&server)
        .renew_window(Duration::from_secs(1))
        .build()
        .unwrap();
    client.query_assets().send().await.unwrap();
    client.query_assets().send().await.unwrap();
    assert_eq!(short.issued(), 1, "fresh token reused");
    tokio::time::pause();
    tokio::time::advance(Duration::from_millis(88_500)).await;
    tokio::time::resume();
    client.query_assets().send().await.unwrap();
    assert_eq!(short.issued(), 1, "still outside the window");
    tokio::time::pause();
    tokio::time::advance(Duration::from_millis(600)).await;
    tokio::time::resume();
    client.query_assets().send().await.unwrap();
    assert_eq!(
        short.issued(),
        2,
        "renewed inside the window, before expiry"
    );
    let reqs = api_requests(&server).await;
    assert_eq!(
        reqs[3].headers.get("authorization").unwrap(),
        "Bearer tok-2"
    );

    // A token said to have no lifetime left is still used for a while
    // (the floor), not renewed on every use.
    let server = MockServer::start().await;
    let mut t = Tokens::new();
    t.expires_in = 0;
    let t = t.mount(&server).await;
    mount_query(&server).await;
    let stale = super::common::client(&server);
    for _ in 0..10 {
        stale.query_assets().send().await.unwrap();
    }
    assert_eq!(t.issued(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewal_is_single_flight_under_64_concurrent_tasks() {
    let server = MockServer::start().await;
    let mut t = Tokens::new();
    t.delay = Duration::from_millis(100);
    let t = t.mount(&server).await;
    mount_query(&server).await;
    let client = client(&server);
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                client
                    .query_assets()
                    .send()
                    .await
                    .map(|r| r.resources.len())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    assert_eq!(t.issued(), 1, "exactly one token request for 64 tasks");
    assert_eq!(api_requests(&server).await.len(), 64);
}

#[tokio::test]
async fn a_401_renews_the_token_and_retries_once() {
    let (server, tokens, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": [{"code": 401, "message": "access denied, invalid bearer token"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(ok_json(envelope(json!(["a"]))))
        .mount(&server)
        .await;
    let reply = client.query_assets().send().await.unwrap();
    assert_eq!(reply.resources, ["a"]);
    assert_eq!(tokens.issued(), 2);
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_second_401_is_an_api_error() {
    let (server, tokens, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errors": [{"code": 401, "message": "access denied, invalid bearer token"}]
        })))
        .mount(&server)
        .await;
    let e = client.query_assets().send().await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(e.to_string().contains("invalid bearer token"), "{e}");
    assert_eq!(tokens.issued(), 2);
    assert_eq!(api_requests(&server).await.len(), 2, "retried once only");
}

#[tokio::test]
async fn revoke_uses_basic_auth_and_a_new_token_follows() {
    let (server, tokens, client) = setup().await;
    mount_query(&server).await;
    // base64("test-client-id:sEcReT-9f8e7d6c5b4a")
    let basic = "Basic dGVzdC1jbGllbnQtaWQ6c0VjUmVULTlmOGU3ZDZjNWI0YQ==";
    Mock::given(method("POST"))
        .and(path("/oauth2/revoke"))
        .and(header("authorization", basic))
        .and(body_string_contains("token=tok-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"meta": {"trace_id": "r"}, "errors": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    client.query_assets().send().await.unwrap();
    client.revoke().await.unwrap();
    client.query_assets().send().await.unwrap();
    assert_eq!(tokens.issued(), 2);
    let reqs = api_requests(&server).await;
    assert_eq!(
        reqs[1].headers.get("authorization").unwrap(),
        "Bearer tok-2"
    );
}

#[tokio::test]
async fn token_endpoint_failures_are_typed_auth_errors() {
    for (status, message) in [
        (400u16, "invalid client id"),
        (403, "access denied, authorization failed"),
        (429, "too many requests"),
        (500, "Failed to issue token"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("X-Cs-Traceid", "tt")
                    .set_body_json(json!({
                        "meta": {"query_time": 0.0, "trace_id": "tt"},
                        "errors": [{"code": status, "message": message}]
                    })),
            )
            .mount(&server)
            .await;
        let client = client(&server);
        let e = client.query_assets().send().await.unwrap_err();
        match &e {
            Error::Auth {
                status: s,
                errors,
                trace_id,
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(errors[0].message.as_deref(), Some(message));
                assert_eq!(trace_id.as_deref(), Some("tt"));
            }
            other => panic!("expected an auth error, got {other:?}"),
        }
        assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
        assert!(e.to_string().contains(message), "{e}");
        assert!(api_requests(&server).await.is_empty());
    }
}

#[tokio::test]
async fn autodiscovery_moves_to_the_named_cloud_and_revokes_the_first_token() {
    let us1 = MockServer::start().await;
    let us2 = MockServer::start().await;
    let mut first = Tokens::new();
    first.prefix = "us1";
    first.region = Some("us-2");
    let first = first.mount(&us1).await;
    let mut second = Tokens::new();
    second.prefix = "us2";
    second.region = Some("us-2");
    let second = second.mount(&us2).await;
    // The first token is revoked where it was issued; us-2 never sees it.
    Mock::given(method("POST"))
        .and(path("/oauth2/revoke"))
        .and(body_string_contains("token=us1-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"meta": {}, "errors": []})))
        .expect(1)
        .mount(&us1)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&us2)
        .await;
    mount_query(&us2).await;

    let client = Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .cloud_url(Cloud::Us1, us1.uri())
        .cloud_url(Cloud::Us2, us2.uri())
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    // us-1 is the default and autodiscovers.
    assert_eq!(client.base_url().as_str().trim_end_matches('/'), us1.uri());
    client.query_assets().send().await.unwrap();
    client.query_assets().send().await.unwrap();
    assert_eq!(client.base_url().as_str().trim_end_matches('/'), us2.uri());
    assert_eq!((first.issued(), second.issued()), (1, 1));
    assert!(api_requests(&us1).await.is_empty());
    for r in us2.received_requests().await.unwrap() {
        assert!(!String::from_utf8_lossy(&r.body).contains("us1-1"), "{r:?}");
    }
    let reqs = api_requests(&us2).await;
    assert_eq!(reqs.len(), 2, "two queries: {reqs:?}");
    for r in reqs.iter().filter(|r| r.url.path().starts_with("/fem/")) {
        assert_eq!(r.headers.get("authorization").unwrap(), "Bearer us2-1");
    }
}

#[tokio::test]
async fn no_autodiscovery_for_an_explicit_cloud() {
    let eu1 = MockServer::start().await;
    let mut t = Tokens::new();
    t.region = Some("us-2");
    let t = t.mount(&eu1).await;
    mount_query(&eu1).await;
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .cloud(Cloud::Eu1)
        .cloud_url(Cloud::Eu1, eu1.uri())
        .build()
        .unwrap();
    client.query_assets().send().await.unwrap();
    assert_eq!(t.issued(), 1);
    assert_eq!(api_requests(&eu1).await.len(), 1);
}

#[test]
fn plain_http_is_refused_for_a_remote_host() {
    let e = Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url("http://api.crowdstrike.com")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    assert!(e.to_string().contains("http://"), "{e}");
    let e = Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .cloud_url(Cloud::Us2, "http://10.1.2.3:8080")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    // Loopback is fine (emulators, tests).
    Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
}

#[test]
fn clouds_and_urls_are_chosen_by_name() {
    let c = Client::builder()
        .client_id("i")
        .client_secret("s")
        .build()
        .unwrap();
    assert_eq!(c.base_url().as_str(), "https://api.crowdstrike.com/");
    for (name, url) in [
        ("us-2", "https://api.us-2.crowdstrike.com/"),
        ("US3", "https://api.us-3.crowdstrike.com/"),
        ("eu1", "https://api.eu-1.crowdstrike.com/"),
        ("usgov1", "https://api.laggar.gcw.crowdstrike.com/"),
        ("US-GOV-2", "https://api.us-gov-2.crowdstrike.mil/"),
    ] {
        let c = Client::builder()
            .client_id("i")
            .client_secret("s")
            .cloud(name.parse().unwrap())
            .build()
            .unwrap();
        assert_eq!(c.base_url().as_str(), url, "{name}");
    }
}

#[test]
fn builder_requires_credentials() {
    let e = Client::builder().client_secret("s").build().unwrap_err();
    assert!(e.to_string().contains("client ID"), "{e}");
    let e = Client::builder()
        .client_id("i")
        .client_secret("")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("client secret"), "{e}");
}

#[tokio::test]
async fn user_agent_prefix_is_sent() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    mount_query(&server).await;
    let client = builder(&server).user_agent("my-tool/2.0").build().unwrap();
    client.query_assets().send().await.unwrap();
    let r = &api_requests(&server).await[0];
    let ua = r.headers.get("user-agent").unwrap().to_str().unwrap();
    assert_eq!(
        ua,
        format!("my-tool/2.0 falcon-exposure/{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn client_is_send_sync_clone_static() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Client>();
    fn future_is_send<F: std::future::Future + Send>(_: F) {}
    let c = Client::builder()
        .client_id("i")
        .client_secret("s")
        .build()
        .unwrap();
    future_is_send(c.query_assets().send());
    future_is_send(c.get_assets().ids(["a"]).send());
}

#[tokio::test]
async fn requests_go_through_the_configured_proxy() {
    // The proxy is the mock server; the base URL points at a closed port,
    // so only a proxied request can succeed.
    let proxy = MockServer::start().await;
    let tokens = Tokens::new().mount(&proxy).await;
    mount_query(&proxy).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let client = Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url(format!("http://{addr}"))
        .proxy(proxy.uri())
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    client.query_assets().send().await.unwrap();
    assert_eq!(tokens.issued(), 1);
    assert_eq!(api_requests(&proxy).await.len(), 1);
}

#[test]
fn a_bad_root_certificate_is_a_configuration_error() {
    let e = Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .add_root_certificate_pem(
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        )
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
}

/// A request future that queued for a token renewal and is then no longer
/// polled (an export's id page while the detail requests fill the buffer)
/// holds no other caller up: the renewal runs on its own.
#[tokio::test]
async fn a_request_no_longer_polled_holds_no_other_caller_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"access_token": "tok-1", "expires_in": 1799}))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/revoke"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errors": []})))
        .mount(&server)
        .await;
    mount_query(&server).await;
    let client = client(&server);

    // One request renews the token (slowly) ...
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.query_assets().send().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // ... while another asks for it too, and is then left unpolled.
    let mut held = Box::pin(client.query_assets().send());
    assert!(futures::poll!(held.as_mut()).is_pending());
    first.await.unwrap().unwrap();

    // Everything else that needs the token still goes.
    tokio::time::timeout(Duration::from_secs(10), client.revoke())
        .await
        .expect("a caller waits behind a request nobody polls")
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), client.query_assets().send())
        .await
        .expect("a caller waits behind a request nobody polls")
        .unwrap();
    held.await.unwrap();
}
