//! Calling an operation by its operation ID or PEP8 name.

use falcon_exposure::{Error, StatusCode};
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{method, path};

use super::common::*;

#[tokio::test]
async fn command_by_operation_id_returns_the_raw_envelope() {
    let (server, _t, client) = setup().await;
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v1"))
        .respond_with(ok_json(envelope(json!(["a", "b"]))))
        .mount(&server)
        .await;
    let reply = client
        .command("query_external_assets")
        .unwrap()
        .query("filter", "asset_type:'ip'+manual:true")
        .query("limit", 2)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["resources"], json!(["a", "b"]));
    assert_eq!(reply.trace_id.as_deref(), Some("trace-123"));
    assert_eq!(reply.rate_limit.remaining, Some(5999));
    let reqs = api_requests(&server).await;
    assert_eq!(
        reqs[0].url.query(),
        Some("filter=asset_type%3A%27ip%27%2Bmanual%3Atrue&limit=2")
    );
}

#[tokio::test]
async fn command_by_pep8_name_with_parameters_and_body() {
    let (server, _t, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(envelope(json!(["x", "y"]))))
        .mount(&server)
        .await;
    client
        .command("delete_assets")
        .unwrap()
        .query_object(json!({"ids": ["x", "y"]}))
        .body(json!({"description": "string"}))
        .send()
        .await
        .unwrap();
    let reqs = api_requests(&server).await;
    assert_eq!(reqs[0].url.query(), Some("ids=x&ids=y"));
    assert_eq!(body_json(&reqs[0]), json!({"description": "string"}));
}

#[tokio::test]
async fn command_patch_with_the_uber_body() {
    let (server, _t, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path("/fem/entities/external-assets/v1"))
        .respond_with(ok_json(envelope(json!([]))))
        .mount(&server)
        .await;
    let body = json!({"assets": [{"cid": "c", "criticality": "high", "criticality_description": "d", "id": "i",
        "triage": {"action": "a", "assigned_to": "u", "description": "x", "status": "s"}}]});
    client
        .command("patch_external_assets")
        .unwrap()
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(body_json(&api_requests(&server).await[0]), body);
}

#[tokio::test]
async fn command_validates_with_the_operation_table() {
    let (server, tokens, client) = setup().await;
    let e = client
        .command("get_external_assets")
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e}");
    let e = client
        .command("blob_download_external_assets")
        .unwrap()
        .query("assetId", "a")
        .query("hash", "h")
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("download()"), "{e}");
    assert!(api_requests(&server).await.is_empty());
    assert_eq!(tokens.issued(), 0);
}

#[test]
fn an_unknown_operation_suggests_the_closest_names() {
    let client = falcon_exposure::Client::builder()
        .client_id("i")
        .client_secret("s")
        .build()
        .unwrap();
    let e = client.command("query_external_asset").unwrap_err();
    match &e {
        Error::UnknownOperation { suggestions, .. } => {
            assert_eq!(suggestions[0], "query_external_assets")
        }
        other => panic!("{other:?}"),
    }
    let e = client.command("get_asset").unwrap_err();
    assert!(e.to_string().contains("get_assets"), "{e}");
    assert_eq!(
        client
            .operation("aggregate-external-assets")
            .unwrap()
            .method_name(),
        "aggregate_assets"
    );
}
