//! Mock-server helpers shared by the runtime tests.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use falcon_exposure::{Client, ClientBuilder, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const CLIENT_ID: &str = "test-client-id";
pub const SECRET: &str = "sEcReT-9f8e7d6c5b4a";
pub const MEMBER_CID: &str = "member-cid-0a1b2c3d";

/// Issues `tok-1`, `tok-2`, ... and counts the token requests.
#[derive(Clone)]
pub struct Tokens {
    pub count: Arc<AtomicUsize>,
    pub prefix: &'static str,
    pub expires_in: u64,
    pub region: Option<&'static str>,
    pub delay: Duration,
}

impl Tokens {
    pub fn new() -> Self {
        Tokens {
            count: Arc::new(AtomicUsize::new(0)),
            prefix: "tok",
            expires_in: 1799,
            region: None,
            delay: Duration::ZERO,
        }
    }

    pub fn issued(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    pub async fn mount(self, server: &MockServer) -> Self {
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(self.clone())
            .mount(server)
            .await;
        self
    }
}

impl Respond for Tokens {
    fn respond(&self, _req: &Request) -> ResponseTemplate {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let mut r = ResponseTemplate::new(201)
            .set_body_json(json!({
                "access_token": format!("{}-{n}", self.prefix),
                "token_type": "bearer",
                "expires_in": self.expires_in,
            }))
            .insert_header("X-Cs-Traceid", "token-trace")
            .set_delay(self.delay);
        if let Some(region) = self.region {
            r = r.insert_header("X-Cs-Region", region);
        }
        r
    }
}

/// Retries with millisecond backoffs and no pacing, so tests stay fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
        .slow_down(0, Duration::ZERO)
}

pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url(server.uri())
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(10))
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client builds")
}

/// A server with a token endpoint, and a client pointed at it.
pub async fn setup() -> (MockServer, Tokens, Client) {
    let server = MockServer::start().await;
    let tokens = Tokens::new().mount(&server).await;
    let client = client(&server);
    (server, tokens, client)
}

pub fn envelope(resources: Value) -> Value {
    json!({
        "meta": {"query_time": 0.012, "powered_by": "crowdstrike-api-gateway", "trace_id": "meta-trace"},
        "errors": [],
        "resources": resources,
    })
}

pub fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(body)
        .insert_header("X-Cs-Traceid", "trace-123")
        .insert_header("X-Ratelimit-Limit", "6000")
        .insert_header("X-Ratelimit-Remaining", "5999")
}

/// Requests the server received, other than to `/oauth2/*`.
pub async fn api_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !r.url.path().starts_with("/oauth2/"))
        .collect()
}

pub fn query_pairs(r: &Request) -> Vec<(String, String)> {
    r.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn body_json(r: &Request) -> Value {
    serde_json::from_slice(&r.body).expect("JSON body")
}
