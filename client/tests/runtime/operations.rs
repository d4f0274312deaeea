//! Each of the seven operations sends exactly the method, route, query
//! parameters and JSON body the seed's examples describe.

use serde_json::json;
use tokio::io::AsyncWriteExt;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use super::common::*;

#[tokio::test]
async fn query_assets_sends_filter_limit_offset_sort_with_plus_as_2b() {
    let (server, _tokens, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ok_json(json!({
            "meta": {"query_time": 0.1, "trace_id": "m", "pagination": {"offset": "next-token", "limit": 2, "total": 40}},
            "resources": ["a", "b"]
        })))
        .mount(&server)
        .await;
    let reply = client
        .query_assets()
        .filter("asset_type:'ip'+last_seen:>'now-7d'")
        .limit(2)
        .offset("abc")
        .sort("last_seen|desc")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.resources, ["a", "b"]);
    let p = reply.meta.pagination.unwrap();
    assert_eq!(
        p.offset,
        Some(falcon_exposure::Offset::Token("next-token".into()))
    );
    assert_eq!((p.limit, p.total), (Some(2), Some(40)));

    let reqs = api_requests(&server).await;
    assert_eq!(reqs.len(), 1);
    let mut q = query_pairs(&reqs[0]);
    q.sort();
    assert_eq!(
        q,
        [
            (
                "filter".to_owned(),
                "asset_type:'ip'+last_seen:>'now-7d'".to_owned()
            ),
            ("limit".into(), "2".into()),
            ("offset".into(), "abc".into()),
            ("sort".into(), "last_seen|desc".into()),
        ]
    );
    let raw = reqs[0].url.query().unwrap();
    assert!(raw.contains("%2B"), "a literal + must travel as %2B: {raw}");
    assert!(!raw.contains('+'), "{raw}");
    assert!(reqs[0].body.is_empty());
}

#[tokio::test]
async fn get_assets_sends_repeated_ids() {
    let (server, _tokens, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(envelope(json!([
            {"id": "a", "asset_type": "ip", "unknown_new_field": {"x": 1}},
            {"id": "b"}
        ]))))
        .mount(&server)
        .await;
    let reply = client.get_assets().ids(["a", "b"]).send().await.unwrap();
    assert_eq!(reply.resources.len(), 2);
    assert_eq!(reply.resources[0].id.as_deref(), Some("a"));
    let reqs = api_requests(&server).await;
    assert_eq!(reqs[0].url.query(), Some("ids=a&ids=b"));
    assert_eq!(reqs[0].method.as_str(), "GET");
}

#[tokio::test]
async fn delete_assets_sends_ids_and_description_body() {
    let (server, _tokens, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(json!({
            "meta": {"query_time": 0.1, "trace_id": "m", "writes": {"resources_affected": 2}},
            "resources": ["ID1", "ID2"], "errors": null
        })))
        .mount(&server)
        .await;
    let reply = client
        .delete_assets()
        .ids(["ID1", "ID2"])
        .description("no longer ours")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.meta.writes.unwrap().resources_affected, Some(2));
    let reqs = api_requests(&server).await;
    assert_eq!(reqs[0].url.query(), Some("ids=ID1&ids=ID2"));
    assert_eq!(
        body_json(&reqs[0]),
        json!({"description": "no longer ours"})
    );
}

#[tokio::test]
async fn update_assets_sends_the_nested_assets_body() {
    let (server, _tokens, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .and(header("content-type", "application/json"))
        .respond_with(ok_json(envelope(json!([{"id": "x"}]))))
        .mount(&server)
        .await;
    client
        .update_assets()
        .action("acknowledge")
        .assigned_to("analyst@example.com")
        .cid("cid-1")
        .criticality(falcon_exposure::vocabularies::Criticality::Noncritical)
        .criticality_description("internet facing")
        .description("looked at it")
        .id("x")
        .status("in_progress")
        .send()
        .await
        .unwrap();
    let reqs = api_requests(&server).await;
    assert_eq!(reqs[0].method.as_str(), "PATCH");
    assert_eq!(reqs[0].url.query(), None);
    assert_eq!(
        body_json(&reqs[0]),
        json!({"assets": [{
            "cid": "cid-1",
            "criticality": "Noncritical",
            "criticality_description": "internet facing",
            "id": "x",
            "triage": {
                "action": "acknowledge",
                "assigned_to": "analyst@example.com",
                "description": "looked at it",
                "status": "in_progress"
            }
        }]})
    );
}

#[tokio::test]
async fn aggregate_assets_posts_a_list_of_one_query() {
    let (server, _tokens, client) = setup().await;
    Mock::given(method("POST"))
        .and(path("/fem/aggregates/external-assets/v1"))
        .respond_with(ok_json(envelope(json!([
            {"name": "by_type", "buckets": [{"label": "ip", "count": "7"}]}
        ]))))
        .mount(&server)
        .await;
    let reply = client
        .aggregate_assets()
        .field("asset_type")
        .filter("asset_type:'ip'+manual:false")
        .name("by_type")
        .size(10)
        .sort("_count|desc")
        .aggregation_type("terms")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.resources.len(), 1);
    let reqs = api_requests(&server).await;
    assert_eq!(reqs[0].url.query(), None);
    assert_eq!(
        body_json(&reqs[0]),
        json!([{
            "field": "asset_type",
            "filter": "asset_type:'ip'+manual:false",
            "name": "by_type",
            "size": 10,
            "sort": "_count|desc",
            "type": "terms"
        }])
    );
}

#[tokio::test]
async fn preview_assets_returns_its_json() {
    let (server, _tokens, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/fem/entities/blobs-preview/v1"))
        .respond_with(ok_json(envelope(json!(["<html>preview</html>"]))))
        .mount(&server)
        .await;
    let reply = client
        .preview_assets()
        .asset_id("a1")
        .hash("h1")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.resources, [json!("<html>preview</html>")]);
    let reqs = api_requests(&server).await;
    assert_eq!(reqs[0].url.query(), Some("assetId=a1&hash=h1"));
}

#[tokio::test]
async fn download_assets_streams_the_blob() {
    let (server, _tokens, client) = setup().await;
    let blob: Vec<u8> = (0..(3 * 1024 * 1024)).map(|i| (i % 251) as u8).collect();
    Mock::given(method("GET"))
        .and(path("/fem/entities/blobs-download/v1"))
        .and(header("accept", "application/octet-stream"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(blob.clone(), "application/octet-stream")
                .insert_header("X-Cs-Traceid", "blob-trace"),
        )
        .mount(&server)
        .await;

    // Streamed into an AsyncWrite.
    let dl = client
        .download_assets()
        .asset_id("a1")
        .hash("h1")
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), falcon_exposure::StatusCode::OK);
    assert_eq!(dl.trace_id(), Some("blob-trace"));
    let mut out = Vec::new();
    let n = dl.write_to(&mut out).await.unwrap();
    out.flush().await.unwrap();
    assert_eq!(n as usize, blob.len());
    assert!(out == blob);

    // Or as bytes.
    let dl = client
        .download_assets()
        .asset_id("a1")
        .hash("h1")
        .send()
        .await
        .unwrap();
    assert_eq!(dl.bytes().await.unwrap().len(), blob.len());

    let reqs = api_requests(&server).await;
    assert_eq!(reqs[0].url.query(), Some("assetId=a1&hash=h1"));
}

#[tokio::test]
async fn download_errors_are_api_errors() {
    let (server, _tokens, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/fem/entities/blobs-download/v1"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "meta": {"trace_id": "t404"}, "errors": [{"code": 404, "message": "blob not found"}]
        })))
        .mount(&server)
        .await;
    let e = client
        .download_assets()
        .asset_id("a1")
        .hash("h1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(falcon_exposure::StatusCode::NOT_FOUND));
    assert_eq!(e.trace_id(), Some("t404"));
    assert!(e.to_string().contains("blob not found"), "{e}");
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let (server, tokens, client) = setup().await;
    let e = client.get_assets().send().await.unwrap_err();
    assert!(
        matches!(e, falcon_exposure::Error::InvalidRequest { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("`ids`"), "{e}");

    let e = client
        .get_assets()
        .ids(Vec::<String>::new())
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("`ids`"), "{e}");

    let e = client.get_assets().ids([""]).send().await.unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");

    let many: Vec<String> = (0..101).map(|i| format!("id{i}")).collect();
    let e = client.delete_assets().ids(many).send().await.unwrap_err();
    assert!(e.to_string().contains("at most 100"), "{e}");

    let e = client
        .preview_assets()
        .asset_id("a1")
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("`hash`"), "{e}");

    // A value outside the documented list is refused, naming the list.
    let e = client
        .aggregate_assets()
        .field("asset_type")
        .name("n")
        .aggregation_type("histogram_of_doom")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, falcon_exposure::Error::InvalidRequest { .. })
            && e.to_string().contains("histogram_of_doom")
            && e.to_string().contains("date_histogram"),
        "{e}"
    );

    // A required parameter given through the raw parameters is accepted.
    Mock::given(method("GET"))
        .and(path("/fem/entities/blobs-preview/v1"))
        .respond_with(ok_json(envelope(json!([]))))
        .mount(&server)
        .await;
    client
        .preview_assets()
        .asset_id("a1")
        .raw_query([("hash", "h1")])
        .send()
        .await
        .unwrap();

    assert_eq!(api_requests(&server).await.len(), 1);
    assert_eq!(tokens.issued(), 1);
}
