//! Lenient decoding of the envelope, and errors for bodies that are not one.

use falcon_exposure::{Error, StatusCode};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::common::*;

const QUERY: &str = "/fem/queries/external-assets/v1";
const GET: &str = "/fem/entities/external-assets/v1";

async fn reply_with(server: &MockServer, route: &str, r: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(r)
        .mount(server)
        .await;
}

#[tokio::test]
async fn null_errors_and_resources_read_as_empty() {
    let (server, _t, client) = setup().await;
    reply_with(&server, QUERY, ok_json(json!({"meta": {"query_time": 0.1, "trace_id": "t"}, "errors": null, "resources": null}))).await;
    let r = client.query_assets().send().await.unwrap();
    assert!(r.resources.is_empty() && r.errors.is_empty());
    assert_eq!(r.meta.trace_id.as_deref(), Some("t"));
}

#[tokio::test]
async fn absent_errors_and_resources_read_as_empty() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        QUERY,
        ok_json(json!({"meta": {"query_time": 0.1, "trace_id": "t"}})),
    )
    .await;
    let r = client.query_assets().send().await.unwrap();
    assert!(r.resources.is_empty() && r.errors.is_empty());
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_fields_and_numbers_as_strings_are_accepted() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        GET,
        ok_json(json!({
            "meta": {"query_time": "0.5", "trace_id": "t", "powered_by": "crowdstrike-api-gateway",
                     "pagination": {"offset": 100, "limit": "100", "total": "1234"}, "brand_new": true},
            "resources": [{"id": "a", "confidence": "80", "a_field_from_the_future": [1, 2]}],
            "errors": [],
            "extra_top_level": {}
        })),
    )
    .await;
    let r = client.get_assets().ids(["a"]).send().await.unwrap();
    assert_eq!(r.meta.query_time, Some(0.5));
    assert_eq!(
        r.meta.powered_by.as_deref(),
        Some("crowdstrike-api-gateway")
    );
    let p = r.meta.pagination.unwrap();
    assert_eq!(p.offset, Some(falcon_exposure::Offset::Number(100)));
    assert_eq!((p.limit, p.total), (Some(100), Some(1234)));
    assert_eq!(r.resources[0].id.as_deref(), Some("a"));
}

#[tokio::test]
async fn a_200_carrying_errors_is_surfaced() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        GET,
        ok_json(json!({
            "meta": {"query_time": 0.1, "trace_id": "partial"},
            "resources": [{"id": "a"}],
            "errors": [{"code": 404, "message": "asset not found", "id": "b"}]
        })),
    )
    .await;
    let r = client.get_assets().ids(["a", "b"]).send().await.unwrap();
    assert!(r.has_errors());
    assert_eq!(r.errors[0].code, Some(404));
    assert_eq!(r.errors[0].id.as_deref(), Some("b"));
    assert_eq!(r.resources.len(), 1);
    let e = r.error_for_errors().unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::OK));
    assert!(e.to_string().starts_with("get_external_assets: "), "{e}");
    assert!(e.to_string().contains("asset not found"), "{e}");
}

#[tokio::test]
async fn an_html_error_page_becomes_an_api_error_with_its_start() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        GET,
        ResponseTemplate::new(403).set_body_raw(
            "<html>\n<body><h1>403 Forbidden</h1></body></html>",
            "text/html",
        ),
    )
    .await;
    let e = client.get_assets().ids(["a"]).send().await.unwrap_err();
    match &e {
        Error::Api {
            status: StatusCode::FORBIDDEN,
            errors,
            body_start: Some(b),
            ..
        } => {
            assert!(errors.is_empty());
            assert!(b.contains("403 Forbidden"));
        }
        other => panic!("{other:?}"),
    }
    let line = e.to_string();
    assert!(
        !line.contains('\n') && line.contains("403 Forbidden"),
        "{line}"
    );
}

#[tokio::test]
async fn an_html_page_with_200_is_a_decode_error() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        QUERY,
        ResponseTemplate::new(200)
            .set_body_raw("<!DOCTYPE html><html>captive portal</html>", "text/html"),
    )
    .await;
    let e = client.query_assets().send().await.unwrap_err();
    match &e {
        Error::Decode {
            operation,
            status,
            body_start,
            ..
        } => {
            assert_eq!(*operation, "query_external_assets");
            assert_eq!(*status, StatusCode::OK);
            assert!(body_start.starts_with("<!DOCTYPE html>"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_truncated_body_is_a_decode_error() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        QUERY,
        ResponseTemplate::new(200).set_body_raw(
            r#"{"meta":{"query_time":0.1,"trace_id":"t"},"resources":["a","#,
            "application/json",
        ),
    )
    .await;
    let e = client.query_assets().send().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Decode {
                status: StatusCode::OK,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("query_external_assets"), "{e}");
}

#[tokio::test]
async fn a_resource_of_the_wrong_shape_is_a_decode_error() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        QUERY,
        ok_json(json!({"meta": {}, "resources": [{"not": "a string"}]})),
    )
    .await;
    let e = client.query_assets().send().await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[tokio::test]
async fn a_decode_error_names_where_in_the_body_it_is() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        GET,
        ok_json(json!({
            "meta": {},
            "resources": [
                {"id": "a", "ip": {"asn": 1}},
                {"id": "b", "ip": {"services": [{"port": 443}, {"port": "https"}]}}
            ]
        })),
    )
    .await;
    let e = client
        .get_assets()
        .ids(["a", "b"])
        .send()
        .await
        .unwrap_err();
    match &e {
        Error::Decode { path, .. } => assert_eq!(path, "resources[1].ip.services[1].port"),
        other => panic!("{other:?}"),
    }
    let line = e.to_string();
    assert!(
        line.contains("at `resources[1].ip.services[1].port`")
            && line.contains("expected an integer, found \"https\""),
        "{line}"
    );
}

#[tokio::test]
async fn unicode_escapes_and_utf8_text_decode_as_sent() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        GET,
        ResponseTemplate::new(200).set_body_raw(
            r#"{"resources":[{"id":"a","cid":"\u00e9t\u00e9","status":"Zürich ✓","criticality":"\u0048igh"}]}"#,
            "application/json",
        ),
    )
    .await;
    let r = client.get_assets().ids(["a"]).send().await.unwrap();
    let a = &r.resources[0];
    assert_eq!(a.cid.as_deref(), Some("été"));
    assert_eq!(a.status.as_deref(), Some("Zürich ✓"));
    assert_eq!(
        a.criticality,
        Some(falcon_exposure::vocabularies::Criticality::High)
    );
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_decode_error() {
    let (server, _t, client) = setup().await;
    let mut body = br#"{"resources":[{"id":"a","status":""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#""}]}"#);
    reply_with(
        &server,
        GET,
        ResponseTemplate::new(200).set_body_raw(body, "application/json"),
    )
    .await;
    let e = client.get_assets().ids(["a"]).send().await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}

#[tokio::test]
async fn api_errors_carry_every_code_and_message() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        QUERY,
        ResponseTemplate::new(400)
            .insert_header("X-Cs-Traceid", "tr-400")
            .set_body_json(json!({
                "meta": {"query_time": 0.0, "trace_id": "tr-400"},
                "errors": [
                    {"code": 400, "message": "invalid filter"},
                    {"code": 400, "message": "invalid sort"}
                ]
            })),
    )
    .await;
    let e = client
        .query_assets()
        .filter("asset_type:'ip'")
        .send()
        .await
        .unwrap_err();
    match &e {
        Error::Api {
            status: StatusCode::BAD_REQUEST,
            errors,
            trace_id,
            attempts: 1,
            ..
        } => {
            assert_eq!(errors.len(), 2);
            assert_eq!(trace_id.as_deref(), Some("tr-400"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "query_external_assets: HTTP 400; 400: invalid filter; 400: invalid sort (trace_id tr-400)"
    );
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn combined_subsidiaries_with_null_resources_read_as_empty() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        "/fem/combined/ecosystem-subsidiaries/v1",
        ok_json(json!({
            "meta": {"query_time": 0.01, "trace_id": "t", "version_id": "v1hash",
                     "pagination": {"offset": 0, "limit": 100, "total": 0}},
            "errors": null,
            "resources": null
        })),
    )
    .await;
    let r = client
        .query_combined_ecosystem_subsidiaries()
        .send()
        .await
        .unwrap();
    assert!(r.resources.is_empty() && r.errors.is_empty());
    assert_eq!(r.meta.get_str("version_id"), Some("v1hash"));
    // The stream over every page ends at once, with no error.
    use futures::StreamExt;
    let all: Vec<_> = client
        .query_combined_ecosystem_subsidiaries()
        .items()
        .collect()
        .await;
    assert!(all.is_empty(), "{all:?}");
}

#[tokio::test]
async fn assets_keep_unknown_members_and_vocabulary_values_outside_the_list() {
    let (server, _t, client) = setup().await;
    reply_with(
        &server,
        GET,
        ok_json(json!({
            "meta": {"query_time": 0.1, "trace_id": "t"},
            "resources": [{"id": "a", "criticality": "Medium", "perimeter": "Official",
                           "asset_type": "dns_domain", "entity_type": "external",
                           "connectivity_status": "up", "brand_new": {"x": [1]},
                           "dns_domain": {"fqdn": "a.example", "zone": "z"}}]
        })),
    )
    .await;
    let r = client.get_assets().ids(["a"]).send().await.unwrap();
    let a = &r.resources[0];
    use falcon_exposure::vocabularies::{AssetType, Criticality, EntityType, Perimeter};
    assert!(matches!(&a.criticality, Some(Criticality::Unknown(v)) if v.as_str() == "Medium"));
    assert_eq!(a.perimeter, Some(Perimeter::Official));
    assert_eq!(a.asset_type, Some(AssetType::DnsDomain));
    assert_eq!(a.entity_type, Some(EntityType::External));
    assert_eq!(a.connectivity_status.as_deref(), Some("up"));
    assert_eq!(a.extra["brand_new"], json!({"x": [1]}));
    let d = a.dns_domain.as_ref().unwrap();
    assert_eq!(d.fqdn.as_ref().unwrap().as_slice(), ["a.example"]);
    assert_eq!(d.extra["zone"], "z");
}
