//! The id pages of an export against a mock API whose cursor query allows
//! fewer ids a page than the export asks for first, refusing more in each
//! of the ways APIs do: the export finds the page size without failing,
//! remembers it, and returns every asset exactly once; a query the API
//! really refuses still fails with its message; a total that the cursor
//! does not reach ends the export with `Error::Incomplete` after every
//! asset.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use falcon_exposure::{Client, Error, RetryPolicy};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const IDS: usize = 3_000;

/// How the mock answers a `limit` above its largest page.
#[derive(Clone, Copy)]
enum Refusal {
    /// A 400 with this message.
    BadRequest(&'static str),
    /// The largest page, and the cursor to go on.
    SilentCap,
    /// No id and no cursor, with the true total.
    Empty,
}

/// The cursor query.
#[derive(Clone, Copy)]
struct Api {
    max: usize,
    refusal: Refusal,
    /// The total the replies give (the true count when `None`).
    total: Option<usize>,
    /// At the end, a cursor whose page repeats the last page.
    repeat_last_page: bool,
}

impl Api {
    fn new(max: usize, refusal: Refusal) -> Self {
        Api {
            max,
            refusal,
            total: None,
            repeat_last_page: false,
        }
    }
}

struct Query {
    api: Api,
    limits: Arc<Mutex<Vec<usize>>>,
}

fn param(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

fn reply(ids: &[String], after: &str, limit: usize, total: usize) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "meta": {"query_time": 0.01, "trace_id": "t",
                 "pagination": {"after": after, "limit": limit, "total": total}},
        "resources": ids,
        "errors": [],
    }))
}

impl Respond for Query {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let api = self.api;
        let asked: usize = param(req, "limit").unwrap().parse().unwrap();
        self.limits.lock().unwrap().push(asked);
        let total = api.total.unwrap_or(IDS);
        let after = param(req, "after").unwrap_or_default();
        let mut limit = asked;
        if asked > api.max {
            match api.refusal {
                Refusal::BadRequest(message) => {
                    return ResponseTemplate::new(400).set_body_json(json!({
                        "meta": {"query_time": 0.01, "trace_id": "t"},
                        "resources": [],
                        "errors": [{"code": 400, "message": message}],
                    }));
                }
                Refusal::Empty => return reply(&[], "", asked, total),
                Refusal::SilentCap => limit = api.max,
            }
        }
        // "r<n>": the last page again, from position n.
        if let Some(from) = after.strip_prefix('r') {
            let from: usize = from.parse().unwrap();
            let ids: Vec<String> = (from..IDS).map(|i| format!("a{i}")).collect();
            return reply(&ids, "", limit, total);
        }
        let start: usize = if after.is_empty() {
            0
        } else {
            after.parse().unwrap()
        };
        let end = (start + limit).min(IDS);
        let ids: Vec<String> = (start..end).map(|i| format!("a{i}")).collect();
        let next = match (end < IDS, api.repeat_last_page) {
            (true, _) => end.to_string(),
            (false, true) => format!("r{start}"),
            (false, false) => String::new(),
        };
        reply(&ids, &next, limit, total)
    }
}

/// The batched get: every id asked for exists.
struct Details;

impl Respond for Details {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let assets: Vec<_> = req
            .url
            .query_pairs()
            .filter(|(n, _)| n == "ids")
            .map(|(_, v)| json!({"id": v}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "meta": {"query_time": 0.01, "trace_id": "t"},
            "resources": assets,
            "errors": [],
        }))
    }
}

/// A mock server that issues tokens.
pub(crate) async fn token_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"access_token": "tok", "expires_in": 1799})),
        )
        .mount(&server)
        .await;
    server
}

/// Mounts the batched get on `server` ([`Details`]) and gives a client of
/// it that sends each request once.
pub(crate) async fn details_and_client(server: &MockServer) -> Client {
    Mock::given(method("GET"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(Details)
        .mount(server)
        .await;
    Client::builder()
        .client_id("id")
        .client_secret("secret")
        .base_url(server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

async fn mock(api: Api) -> (MockServer, Client, Arc<Mutex<Vec<usize>>>) {
    let server = token_server().await;
    let limits = Arc::<Mutex<Vec<usize>>>::default();
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v2"))
        .respond_with(Query {
            api,
            limits: limits.clone(),
        })
        .mount(&server)
        .await;
    let client = details_and_client(&server).await;
    (server, client, limits)
}

/// Every asset's id, checked to come once each. One cursor chain: the
/// limits recorded are those of the id pages alone (no planning).
async fn export_all(client: &Client) -> falcon_exposure::Result<HashSet<String>> {
    let assets: Vec<_> = client
        .export_assets("")
        .max_chains(1)
        .items()
        .try_collect()
        .await?;
    let ids: HashSet<String> = assets
        .iter()
        .filter_map(|a| a.id.as_deref().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), assets.len(), "an asset came twice");
    Ok(ids)
}

/// The limits asked for, then forgotten.
fn take(limits: &Mutex<Vec<usize>>) -> Vec<usize> {
    std::mem::take(&mut *limits.lock().unwrap())
}

const UNNAMED: &str = "The request is invalid.";

#[tokio::test]
async fn a_refusal_naming_the_limit_sets_the_page_size_at_once() {
    let message = "invalid limit '10000': must be an integer between 1 and 100";
    let (_server, client, limits) = mock(Api::new(100, Refusal::BadRequest(message))).await;
    assert_eq!(export_all(&client).await.unwrap().len(), IDS);
    let limits = take(&limits);
    assert_eq!(limits[..3], [10_000, 100, 100]);
    assert_eq!(limits.len(), 1 + IDS / 100);
}

#[tokio::test]
async fn a_refusal_that_does_not_name_the_limit_checks_the_query_then_walks_down() {
    let (_server, client, limits) = mock(Api::new(100, Refusal::BadRequest(UNNAMED))).await;
    assert_eq!(export_all(&client).await.unwrap().len(), IDS);
    let limits = take(&limits);
    // A page of one proves the query good, then 5,000 .. 500 are refused.
    assert_eq!(limits[..7], [10_000, 1, 5_000, 1_000, 500, 100, 100]);
    assert!(limits[5..].iter().all(|&n| n == 100), "{limits:?}");
}

#[tokio::test]
async fn a_silent_cap_and_an_empty_reply_are_recognised() {
    let (_server, client, limits) = mock(Api::new(100, Refusal::SilentCap)).await;
    assert_eq!(export_all(&client).await.unwrap().len(), IDS);
    let limits = take(&limits);
    assert_eq!(limits[..3], [10_000, 100, 100]);
    assert_eq!(limits.len(), IDS / 100);

    let (_server, client, limits) = mock(Api::new(100, Refusal::Empty)).await;
    assert_eq!(export_all(&client).await.unwrap().len(), IDS);
    let limits = take(&limits);
    assert_eq!(limits[..6], [10_000, 5_000, 1_000, 500, 100, 100]);
}

#[tokio::test]
async fn the_size_found_is_where_the_clients_next_export_starts() {
    let (_server, client, limits) = mock(Api::new(100, Refusal::BadRequest(UNNAMED))).await;
    export_all(&client).await.unwrap();
    take(&limits);
    // A clone shares what the client found, and a plain paginated read
    // of the query starts there too.
    assert_eq!(export_all(&client.clone()).await.unwrap().len(), IDS);
    assert!(take(&limits).iter().all(|&n| n == 100));
    let ids: Vec<String> = client
        .query_assets_v2()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), IDS);
    assert!(take(&limits).iter().all(|&n| n == 100));
    // Another client of the same API finds it again.
    let (_server, other, limits) = mock(Api::new(100, Refusal::BadRequest(UNNAMED))).await;
    export_all(&other).await.unwrap();
    assert_eq!(take(&limits)[0], 10_000);
}

#[tokio::test]
async fn a_query_the_api_refuses_fails_with_its_message_after_two_requests() {
    // Every limit refused: the filter is what the API refuses.
    let (_server, client, limits) = mock(Api::new(0, Refusal::BadRequest("invalid filter"))).await;
    let e = export_all(&client).await.unwrap_err();
    assert!(matches!(e, Error::Api { .. }), "{e}");
    assert!(e.to_string().contains("invalid filter"), "{e}");
    assert_eq!(take(&limits), [10_000, 1]);
}

#[tokio::test]
async fn a_page_size_set_by_the_caller_is_not_changed() {
    let message = "limit must be at most 100";
    let (_server, client, limits) = mock(Api::new(100, Refusal::BadRequest(message))).await;
    let e = client
        .export_assets("")
        .max_chains(1)
        .page_size(6_000)
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Api { .. }), "{e}");
    assert_eq!(take(&limits), [6_000]);
}

#[tokio::test]
async fn a_repeated_last_page_ends_the_export_cleanly() {
    let mut api = Api::new(100, Refusal::SilentCap);
    api.repeat_last_page = true;
    let (_server, client, limits) = mock(api).await;
    assert_eq!(export_all(&client).await.unwrap().len(), IDS);
    // Every page, then the last one again.
    assert_eq!(take(&limits).len(), IDS / 100 + 1);
}

#[tokio::test]
async fn a_total_the_cursor_does_not_reach_ends_with_incomplete_after_every_asset() {
    let mut api = Api::new(100, Refusal::SilentCap);
    api.total = Some(IDS + 50);
    let (_server, client, _limits) = mock(api).await;
    let items: Vec<_> = client
        .export_assets("")
        .max_chains(1)
        .concurrency(8)
        .items()
        .collect()
        .await;
    let (last, assets) = items.split_last().unwrap();
    let ids: HashSet<String> = assets
        .iter()
        .map(|a| a.as_ref().unwrap().id.as_deref().unwrap().to_owned())
        .collect();
    assert_eq!((ids.len(), assets.len()), (IDS, IDS));
    match last {
        Err(Error::Incomplete {
            expected, received, ..
        }) => assert_eq!((*expected, *received), (IDS as u64 + 50, IDS as u64)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_limit_the_request_sets_is_sent_as_it_is() {
    let (_server, client, limits) = mock(Api::new(100, Refusal::BadRequest(UNNAMED))).await;
    let ids: Vec<String> = client
        .query_assets_v2()
        .limit(50)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), IDS);
    let limits = take(&limits);
    assert_eq!(limits.len(), IDS / 50);
    assert!(limits.iter().all(|&n| n == 50), "{limits:?}");
}
