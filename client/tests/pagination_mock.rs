//! Pagination streams against a mock server that misbehaves: each problem
//! ends the stream with a typed error instead of an endless loop.

use falcon_exposure::{Client, Error, PaginationProblem, RetryPolicy};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const V1: &str = "/fem/queries/external-assets/v1";
const V2: &str = "/fem/queries/external-assets/v2";

async fn mock() -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"access_token": "tok", "expires_in": 1799})),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .client_id("id")
        .client_secret("secret")
        .base_url(server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    (server, client)
}

fn page(ids: &[&str], pagination: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "meta": {"query_time": 0.01, "trace_id": "t", "pagination": pagination},
        "resources": ids,
        "errors": [],
    }))
}

async fn mount(
    server: &MockServer,
    route: &str,
    param: (&str, Option<&str>),
    reply: ResponseTemplate,
) {
    let m = Mock::given(method("GET")).and(path(route));
    let m = match param {
        (name, Some(v)) => m.and(query_param(name, v)),
        (name, None) => m.and(query_param_is_missing(name)),
    };
    m.respond_with(reply).mount(server).await;
}

async fn problem(
    stream: impl futures::Stream<Item = falcon_exposure::Result<String>>,
) -> (Vec<String>, Error) {
    let mut ok = Vec::new();
    let mut stream = std::pin::pin!(stream);
    while let Some(item) = stream.next().await {
        match item {
            Ok(id) => ok.push(id),
            Err(e) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream ends after an error"
                );
                return (ok, e);
            }
        }
    }
    panic!("no error; got {ok:?}");
}

#[tokio::test]
async fn pages_repeating_earlier_ids_stop_the_stream_after_three_then_it_is_incomplete() {
    let (server, client) = mock().await;
    // Whatever the offset, the same page (and no offset in the reply).
    Mock::given(method("GET"))
        .and(path(V1))
        .respond_with(page(&["a", "b"], json!({"limit": 2, "total": 10})))
        .mount(&server)
        .await;
    let (ok, e) = problem(client.query_assets().limit(2).items()).await;
    assert_eq!(ok, ["a", "b"]);
    match &e {
        Error::Incomplete {
            expected, received, ..
        } => assert_eq!((*expected, *received), (10, 2)),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("total was 10"), "{e}");
    // The first page, then three that bring nothing new.
    assert_eq!(server.received_requests().await.unwrap().len(), 1 + 1 + 3);
}

#[tokio::test]
async fn an_offset_going_back_is_an_error() {
    let (server, client) = mock().await;
    mount(
        &server,
        V1,
        ("offset", None),
        page(&["a", "b"], json!({"offset": "0", "limit": 2, "total": 10})),
    )
    .await;
    mount(
        &server,
        V1,
        ("offset", Some("2")),
        page(&["c", "d"], json!({"offset": "1", "limit": 2, "total": 10})),
    )
    .await;
    let (ok, e) = problem(client.query_assets().limit(2).items()).await;
    assert_eq!(ok, ["a", "b", "c", "d"]);
    assert!(
        matches!(&e, Error::Pagination { problem: PaginationProblem::OffsetNotAdvancing { sent, returned }, .. } if sent == "2" && returned == "1"),
        "{e:?}"
    );
}

#[tokio::test]
async fn offsets_naming_the_next_page_and_opaque_tokens_are_followed() {
    let (server, client) = mock().await;
    // The reply names the next page's offset.
    mount(
        &server,
        V1,
        ("offset", None),
        page(&["a", "b"], json!({"offset": 2, "limit": 2, "total": 5})),
    )
    .await;
    mount(
        &server,
        V1,
        ("offset", Some("2")),
        page(&["c", "d"], json!({"offset": 4, "limit": 2, "total": 5})),
    )
    .await;
    mount(
        &server,
        V1,
        ("offset", Some("4")),
        page(&["e"], json!({"offset": 5, "limit": 2, "total": 5})),
    )
    .await;
    let ids: Vec<String> = client
        .query_assets()
        .limit(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);

    let (server, client) = mock().await;
    mount(
        &server,
        V1,
        ("offset", None),
        page(&["a", "b"], json!({"offset": "tok-1", "total": 3})),
    )
    .await;
    mount(
        &server,
        V1,
        ("offset", Some("tok-1")),
        page(&["c"], json!({"offset": "tok-2", "total": 3})),
    )
    .await;
    let ids: Vec<String> = client.query_assets().items().try_collect().await.unwrap();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    // A token sent back unchanged does not advance.
    let (server, client) = mock().await;
    mount(
        &server,
        V1,
        ("offset", None),
        page(&["a"], json!({"offset": "tok-1", "total": 3})),
    )
    .await;
    mount(
        &server,
        V1,
        ("offset", Some("tok-1")),
        page(&["b"], json!({"offset": "tok-1", "total": 3})),
    )
    .await;
    let (ok, e) = problem(client.query_assets().items()).await;
    assert_eq!(ok, ["a", "b"]);
    assert!(
        matches!(
            &e,
            Error::Pagination {
                problem: PaginationProblem::OffsetNotAdvancing { .. },
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_cursor_given_twice_is_an_error() {
    let (server, client) = mock().await;
    mount(
        &server,
        V2,
        ("after", None),
        page(&["a", "b"], json!({"after": "x", "limit": 2, "total": 9})),
    )
    .await;
    mount(
        &server,
        V2,
        ("after", Some("x")),
        page(&["c", "d"], json!({"after": "x", "limit": 2, "total": 9})),
    )
    .await;
    let (ok, e) = problem(client.query_assets_v2().items()).await;
    assert_eq!(ok, ["a", "b", "c", "d"]);
    assert!(
        matches!(&e, Error::Pagination { problem: PaginationProblem::RepeatedCursor { cursor }, .. } if cursor == "x"),
        "{e:?}"
    );
}

#[tokio::test]
async fn empty_pages_with_new_cursors_end_the_stream_after_three() {
    let (server, client) = mock().await;
    for (at, next) in [(None, "c1"), (Some("c1"), "c2"), (Some("c2"), "c3")] {
        mount(
            &server,
            V2,
            ("after", at),
            page(&[], json!({"after": next})),
        )
        .await;
    }
    let ids: Vec<String> = client
        .query_assets_v2()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(ids.is_empty());
    let queries = server.received_requests().await.unwrap();
    assert_eq!(queries.iter().filter(|r| r.url.path() == V2).count(), 3);
}

#[tokio::test]
async fn a_middle_page_repeated_with_a_new_cursor_loses_nothing() {
    let (server, client) = mock().await;
    let pages = [
        (None, vec!["a", "b"], "c1"),
        (Some("c1"), vec!["c", "d"], "c2"),
        (Some("c2"), vec!["c", "d"], "c3"),
        (Some("c3"), vec!["e"], ""),
    ];
    for (at, ids, next) in pages {
        let reply = page(&ids, json!({"after": next, "total": 5}));
        mount(&server, V2, ("after", at), reply).await;
    }
    let ids: Vec<String> = client
        .query_assets_v2()
        .limit(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn a_cursor_stream_ends_on_an_empty_cursor() {
    let (server, client) = mock().await;
    mount(
        &server,
        V2,
        ("after", None),
        page(&["a"], json!({"after": "x", "total": 2})),
    )
    .await;
    mount(
        &server,
        V2,
        ("after", Some("x")),
        page(&["b"], json!({"after": "", "total": 2})),
    )
    .await;
    let ids: Vec<String> = client
        .query_assets_v2()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["a", "b"]);
    // The page size defaults to the manifest's.
    let reqs = server.received_requests().await.unwrap();
    let first = reqs.iter().find(|r| r.url.path() == V2).unwrap();
    assert!(
        first.url.query().unwrap_or_default().contains("limit=1000"),
        "{}",
        first.url
    );
}
