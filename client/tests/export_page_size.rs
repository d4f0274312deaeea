//! The id page size of an export against a mock API whose cursor query has
//! a smaller largest `limit` than the export asks for first: the export
//! shrinks its pages on the 400 that names the limit, and only on it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use falcon_exposure::{Client, Error, RetryPolicy};
use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const IDS: usize = 12_000;

/// The cursor query: `limit` at most `max`, refused with `message`.
struct Query {
    max: usize,
    message: &'static str,
    limits: Arc<Mutex<Vec<usize>>>,
}

fn param(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

impl Respond for Query {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let limit: usize = param(req, "limit").unwrap().parse().unwrap();
        self.limits.lock().unwrap().push(limit);
        if limit > self.max {
            return ResponseTemplate::new(400).set_body_json(json!({
                "meta": {"query_time": 0.01, "trace_id": "t"},
                "resources": [],
                "errors": [{"code": 400, "message": self.message}],
            }));
        }
        let start: usize = param(req, "after").map_or(0, |a| a.parse().unwrap());
        let end = (start + limit).min(IDS);
        let ids: Vec<String> = (start..end).map(|i| format!("a{i}")).collect();
        let after = if end < IDS {
            end.to_string()
        } else {
            String::new()
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "meta": {"query_time": 0.01, "trace_id": "t",
                     "pagination": {"after": after, "limit": limit, "total": IDS}},
            "resources": ids,
            "errors": [],
        }))
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

async fn mock(max: usize, message: &'static str) -> (MockServer, Client, Arc<Mutex<Vec<usize>>>) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"access_token": "tok", "expires_in": 1799})),
        )
        .mount(&server)
        .await;
    let limits = Arc::<Mutex<Vec<usize>>>::default();
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v2"))
        .respond_with(Query {
            max,
            message,
            limits: limits.clone(),
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(Details)
        .mount(&server)
        .await;
    let client = Client::builder()
        .client_id("id")
        .client_secret("secret")
        .base_url(server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    (server, client, limits)
}

async fn export_all(client: &Client) -> falcon_exposure::Result<HashSet<String>> {
    let assets: Vec<_> = client.export_assets("").try_collect().await?;
    let ids: HashSet<String> = assets.into_iter().filter_map(|a| a.id).collect();
    Ok(ids)
}

#[tokio::test]
async fn a_refusal_naming_the_limit_sets_the_page_size() {
    let message = "invalid limit '10000': must be an integer between 1 and 5000";
    let (_server, client, limits) = mock(5_000, message).await;
    assert_eq!(export_all(&client).await.unwrap().len(), IDS);
    assert_eq!(*limits.lock().unwrap(), [10_000, 5_000, 5_000, 5_000]);
}

#[tokio::test]
async fn a_refusal_about_the_limit_without_a_number_halves_it() {
    let (_server, client, limits) = mock(2_500, "limit is too large").await;
    assert_eq!(export_all(&client).await.unwrap().len(), IDS);
    let limits = limits.lock().unwrap().clone();
    assert_eq!(limits[..4], [10_000, 5_000, 2_500, 2_500]);
    assert_eq!(limits.len(), 2 + 5, "two refusals, then 5 pages of 2,500");
}

#[tokio::test]
async fn the_page_size_never_drops_below_the_manifests() {
    let (_server, client, limits) = mock(10, "limit is too large").await;
    let e = export_all(&client).await.unwrap_err();
    assert_eq!(e.status(), Some(falcon_exposure::StatusCode::BAD_REQUEST));
    assert_eq!(
        *limits.lock().unwrap(),
        [10_000, 5_000, 2_500, 1_250, 1_000]
    );
}

#[tokio::test]
async fn another_refusal_or_a_page_size_set_by_the_caller_is_not_shrunk() {
    let (_server, client, limits) = mock(5_000, "invalid filter").await;
    let e = export_all(&client).await.unwrap_err();
    assert!(matches!(e, Error::Api { .. }), "{e}");
    assert_eq!(*limits.lock().unwrap(), [10_000]);

    let (_server, client, limits) = mock(5_000, "limit is too large").await;
    let e = client
        .export_assets("")
        .page_size(6_000)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Api { .. }), "{e}");
    assert_eq!(*limits.lock().unwrap(), [6_000]);
}
