//! The account's rate budget: shared by clones and clients of one account,
//! paced to a share, shrunk by others' use; member clients.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use falcon_exposure::{DEFAULT_BUDGET_SHARE, Error};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::common::*;

const QUERY: &str = "/fem/queries/external-assets/v1";

/// Replies as an account of `limit` a minute in which others have used
/// `others` and this client's replies count down from there.
struct Account {
    limit: u64,
    others: u64,
    sent: Arc<AtomicU64>,
}

impl Respond for Account {
    fn respond(&self, _req: &Request) -> ResponseTemplate {
        let sent = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        let remaining = self.limit.saturating_sub(self.others + sent);
        ResponseTemplate::new(200)
            .set_body_json(envelope(json!([])))
            .insert_header("X-Ratelimit-Limit", self.limit.to_string().as_str())
            .insert_header("X-Ratelimit-Remaining", remaining.to_string().as_str())
    }
}

async fn account(server: &MockServer, limit: u64, others: u64) {
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(Account {
            limit,
            others,
            sent: Arc::default(),
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn clones_and_clients_of_one_account_draw_from_one_budget() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    account(&server, 6000, 0).await;
    let a = builder(&server).account("CID-1").build().unwrap();
    let a_clone = a.clone();
    // Another API client of the same CID, named the same way.
    let b = builder(&server)
        .client_id("another-api-client")
        .account(" cid-1 ")
        .build()
        .unwrap();
    // Same client ID, no account named: keyed by the client ID.
    let c = client(&server);
    let d = client(&server);

    a.query_assets().send().await.unwrap();
    a.query_assets().send().await.unwrap();
    a_clone.query_assets().send().await.unwrap();
    c.query_assets().send().await.unwrap();

    // The second client sees the first's sends, and the account's limit.
    let seen = b.budget_status();
    assert_eq!(seen.sent_in_window, 3);
    assert_eq!(seen.limit, Some(6000));
    assert_eq!(seen.share, DEFAULT_BUDGET_SHARE);
    assert_eq!(seen.allowed, Some(3000));
    assert_eq!(a_clone.budget_status().sent_in_window, 3);
    // Keyed by the client ID, apart from the named account.
    assert_eq!(d.budget_status().sent_in_window, 1);
}

#[tokio::test]
async fn a_low_share_spreads_requests_over_the_minute() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    // Share 0.01 of 60,000 = 600 a minute: after a burst of 60, one
    // request every 100 ms.
    account(&server, 60_000, 0).await;
    let client = builder(&server).budget_share(0.01).build().unwrap();
    // The first reply brings the limit; the next 60 go at once.
    client.query_assets().send().await.unwrap();
    let start = std::time::Instant::now();
    for _ in 0..60 {
        client.query_assets().send().await.unwrap();
    }
    client.query_assets().send().await.unwrap();
    client.query_assets().send().await.unwrap();
    // Only a lower bound is checked: sleeping never takes less than asked.
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
    // Spread, not held until the window frees.
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(client.budget_status().sent_in_window, 63);
}

#[tokio::test]
async fn others_using_the_account_shrink_what_the_client_may_send() {
    let server = MockServer::start().await;
    Tokens::new().mount(&server).await;
    // Limit 60: others have used 50, leaving 10, under the share of 30.
    account(&server, 60, 50).await;
    let busy = client(&server);
    busy.query_assets().send().await.unwrap();
    let st = busy.budget_status();
    assert_eq!(st.limit, Some(60));
    assert_eq!(st.others_in_window, Some(50));
    assert_eq!(st.allowed, Some(10));

    // The same account with nobody else: the share rules.
    let quiet = MockServer::start().await;
    Tokens::new().mount(&quiet).await;
    account(&quiet, 60, 0).await;
    let alone = client(&quiet);
    alone.query_assets().send().await.unwrap();
    assert_eq!(alone.budget_status().others_in_window, Some(0));
    assert_eq!(alone.budget_status().allowed, Some(30));
}

#[tokio::test]
async fn a_member_client_has_its_own_token_and_budget() {
    let server = MockServer::start().await;
    let tokens = Tokens::new().mount(&server).await;
    account(&server, 6000, 0).await;
    let parent = client(&server);
    parent.query_assets().send().await.unwrap();

    let member = parent.for_member(MEMBER_CID).unwrap();
    member.query_assets().send().await.unwrap();
    parent.query_assets().send().await.unwrap();

    // Two tokens: the parent's (no member_cid), then the member's.
    assert_eq!(tokens.issued(), 2);
    let forms: Vec<HashMap<String, String>> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/oauth2/token")
        .map(|r| url::form_urlencoded::parse(&r.body).into_owned().collect())
        .collect();
    assert_eq!(forms.len(), 2);
    assert!(!forms[0].contains_key("member_cid"));
    assert_eq!(forms[1]["member_cid"], MEMBER_CID);
    assert_eq!(forms[1]["client_id"], CLIENT_ID);

    // The parent kept its token; the member used its own.
    let bearers: Vec<String> = api_requests(&server)
        .await
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(bearers, ["Bearer tok-1", "Bearer tok-2", "Bearer tok-1"]);

    // Separate budgets.
    assert_eq!(parent.budget_status().sent_in_window, 2);
    assert_eq!(member.budget_status().sent_in_window, 1);
    // A second member client of the same CID shares the member's budget.
    let again = parent.for_member(MEMBER_CID).unwrap();
    assert_eq!(again.budget_status().sent_in_window, 1);

    // The member CID is never printed.
    let shown = format!("{member:?} {:?}", member.budget_status());
    assert!(!shown.contains(MEMBER_CID), "{shown}");
    assert!(matches!(parent.for_member("  "), Err(Error::Config(_))));
}

#[test]
fn a_budget_share_out_of_range_fails_at_build_naming_value_and_range() {
    for bad in [0.0, -0.5, 1.01, 2.0, f64::NAN, f64::INFINITY] {
        let err = offline_builder()
            .budget_share(bad)
            .build()
            .expect_err("out of range");
        let text = err.to_string();
        match err {
            Error::BudgetShare { value } => {
                assert!(value.to_bits() == bad.to_bits(), "{value} != {bad}")
            }
            other => panic!("{other:?}"),
        }
        assert!(text.contains(&bad.to_string()), "{text}");
        assert!(text.contains("0 < share <= 1"), "{text}");
    }
    for good in [1.0, 0.5, 0.001] {
        let client = offline_builder().budget_share(good).build().unwrap();
        assert_eq!(client.budget_status().share, good);
    }
}

/// A builder whose client is never used to send.
fn offline_builder() -> falcon_exposure::ClientBuilder {
    falcon_exposure::Client::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url("http://127.0.0.1:9")
}

#[tokio::test]
async fn replies_that_do_not_report_the_account_budget_are_not_counted() {
    let (server, _t, client) = setup().await;
    // A 401 reports the bad-token class (15 a minute), a 429 none left:
    // neither is the account's budget.
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("X-Ratelimit-Limit", "15")
                .insert_header("X-Ratelimit-Remaining", "0"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-Ratelimit-Limit", "6000")
                .insert_header("X-Ratelimit-Remaining", "0")
                .insert_header("X-Ratelimit-Retryafter", "1"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(QUERY))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(json!([]))))
        .mount(&server)
        .await;
    client.query_assets().send().await.unwrap();
    let st = client.budget_status();
    assert_eq!(st.sent_in_window, 3);
    assert_eq!(st.limit, None);
    assert_eq!(st.others_in_window, None);
    // The client's own view of the last reply still has the figures.
    assert_eq!(client.last_rate_limit().limit, Some(6000));
}
