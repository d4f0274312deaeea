//! Vocabularies, filter-field enums and the shape report, as a user meets
//! them.

use std::str::FromStr;

use falcon_exposure::fields::external_assets::{self as f, ExternalAssetField};
use falcon_exposure::fql::{FqlErrorKind, Sort, ValueType};
use falcon_exposure::models::{AggregateQueryRequest, FemExternalAsset};
use falcon_exposure::shape::ShapeReport;
use falcon_exposure::vocabularies::{
    AggregationType, AssetType, Criticality, Interval, Perimeter, internet_exposure, status,
};
use serde_json::json;

/// However it is built, a known value is its variant: `Unknown` is only
/// made by reading a value outside the list (its value cannot be built by
/// hand: see `UnknownVariantValue`'s doc test).
#[test]
fn a_known_value_is_always_its_variant() {
    for c in Criticality::ALL {
        let text = c.as_str();
        assert_eq!(&Criticality::from(text), c);
        assert_eq!(&Criticality::from(text.to_owned()), c);
        assert_eq!(Criticality::from_str(text).as_ref(), Ok(c));
        let decoded: Criticality = serde_json::from_value(json!(text)).unwrap();
        assert_eq!(&decoded, c);
        assert!(!c.is_unknown());
    }
    // An unknown value keeps its text, and its clone is equal to it.
    let other = Criticality::from("Medium");
    assert!(other.is_unknown());
    assert_eq!(other.clone(), other);
    assert_ne!(other, Criticality::from("Low"));
    assert_eq!(Criticality::default().as_str(), "");
}

#[test]
fn a_closed_vocabulary_keeps_values_outside_its_list() {
    assert_eq!(Criticality::parse("High"), Criticality::High);
    assert!(matches!(
        Criticality::parse("Medium"),
        Criticality::Unknown(v) if v.as_str() == "Medium"
    ));
    // Case matters for criticality (PSFalcon's ValidateSet is case-sensitive).
    assert!(Criticality::parse("high").is_unknown());
    assert_eq!(
        Criticality::from_str("Noncritical"),
        Ok(Criticality::Noncritical)
    );
    assert_eq!(Criticality::Unassigned.to_string(), "Unassigned");
    assert_eq!(Criticality::from("Medium").as_str(), "Medium");
    assert_eq!(
        Criticality::ALL,
        [
            Criticality::Critical,
            Criticality::High,
            Criticality::Noncritical,
            Criticality::Unassigned
        ]
    );
    let c: Criticality = serde_json::from_value(json!("Medium")).unwrap();
    assert_eq!(serde_json::to_value(&c).unwrap(), json!("Medium"));
    // A number where text was expected still decodes.
    let odd: Criticality = serde_json::from_value(json!(3)).unwrap();
    assert!(matches!(&odd, Criticality::Unknown(v) if v.as_str() == "3"));
    // The text reads through `as_deref()` as before.
    let asset = FemExternalAsset {
        criticality: Some(Criticality::High),
        ..Default::default()
    };
    assert!(matches!(
        asset.criticality.as_deref(),
        Some("Critical" | "High")
    ));
    assert_eq!(Perimeter::parse("Unofficial"), Perimeter::Unofficial);
    assert_eq!(AssetType::DnsDomain.as_str(), "dns_domain");
    assert_eq!(AggregationType::ALL.len(), 10);
    assert_eq!(Interval::parse("week"), Interval::Week);
}

#[test]
fn open_vocabularies_are_constants_and_their_fields_stay_text() {
    assert_eq!(internet_exposure::YES, "Yes");
    assert_eq!(internet_exposure::KNOWN, ["Yes"]);
    assert_eq!(internet_exposure::known("Yes"), Some("Yes"));
    assert_eq!(internet_exposure::known("yes"), None);
    assert_eq!(status::known("Offline"), Some(status::OFFLINE));
    let asset: FemExternalAsset =
        serde_json::from_value(json!({"status": "Online", "internet_exposure": "No"})).unwrap();
    assert_eq!(asset.status.as_deref(), Some("Online"));
    assert_eq!(asset.internet_exposure.as_deref(), Some("No"));
}

#[test]
fn filters_take_the_enum_or_text() {
    let typed = f::CRITICALITY
        .equals(Criticality::High)
        .and(f::INTERNET_EXPOSURE.equals(internet_exposure::YES))
        .and(f::ASSET_TYPE.any_of([AssetType::Ip, AssetType::DnsDomain]));
    assert_eq!(
        typed.to_string(),
        "criticality:'High'+internet_exposure:'Yes'+asset_type:['ip','dns_domain']"
    );
    assert_eq!(
        f::CRITICALITY.equals("High").to_string(),
        f::CRITICALITY.equals(&Criticality::High).to_string()
    );
}

#[test]
fn the_field_enum_names_every_field_with_its_capabilities() {
    assert_eq!(
        ExternalAssetField::IpServicesPort.as_str(),
        "ip.services.port"
    );
    assert_eq!(
        "ip.services.port".parse::<ExternalAssetField>(),
        Ok(ExternalAssetField::IpServicesPort)
    );
    let e = "ip.services.prot"
        .parse::<ExternalAssetField>()
        .unwrap_err();
    assert_eq!(e.kind(), FqlErrorKind::UnknownField);
    assert_eq!(e.suggestions()[0], "ip.services.port");
    assert!(
        e.to_string().contains("did you mean `ip.services.port`"),
        "{e}"
    );
    assert_eq!(
        ExternalAssetField::ALL.len(),
        falcon_exposure::fields::external_assets::TABLE
            .field_names()
            .count()
    );
    for field in ExternalAssetField::ALL {
        assert_eq!(field.as_str().parse::<ExternalAssetField>(), Ok(*field));
    }
    let port = ExternalAssetField::IpServicesPort;
    assert_eq!(port.value_type(), ValueType::Integer);
    assert!(port.supports_range() && port.supports_list() && port.supports_exact());
    assert!(!ExternalAssetField::Criticality.supports_range());
    assert_eq!(
        ExternalAssetField::try_from(f::LAST_SEEN),
        Ok(ExternalAssetField::LastSeen)
    );
    // Sorts and the aggregate `field` take the enum, the constants or text.
    assert_eq!(
        Sort::desc(ExternalAssetField::LastSeen),
        Sort::desc(f::LAST_SEEN)
    );
    assert_eq!(
        Sort::asc(ExternalAssetField::Criticality)
            .then_desc(f::LAST_SEEN)
            .to_string(),
        "criticality|asc,last_seen|desc"
    );
    assert_eq!(
        String::from(ExternalAssetField::IpServicesPort),
        "ip.services.port"
    );
    assert_eq!(String::from(f::IP_SERVICES_PORT), "ip.services.port");
}

#[test]
fn the_typed_aggregate_body_tolerates_null_sub_aggregates() {
    let body: Vec<AggregateQueryRequest> = serde_json::from_value(json!([
        {"name": "n", "type": "terms", "field": "criticality", "sub_aggregates": [null]}
    ]))
    .unwrap();
    assert_eq!(body[0].r#type, Some(AggregationType::Terms));
    assert_eq!(body[0].sub_aggregates.as_deref(), Some(&[][..]));
}

#[test]
fn the_shape_report_names_paths_and_kinds_never_values() {
    let raw = json!({
        "id": "secret-id-1",
        "criticality": "Medium",
        "confidence": "80",
        "triage": {"status": "open", "ticket": "SEC-7"},
        "dns_domain": {"fqdn": "private.example", "services": [{"port": 443, "banner": "nginx private"}]}
    });
    let asset: FemExternalAsset = serde_json::from_value(raw.clone()).unwrap();
    let mut report = ShapeReport::default();
    report.check("resources[]", &raw, &asset);
    report.check("resources[]", &raw, &asset);
    report.unknown_member("envelope.warnings", &json!(["quota close"]));
    let text = report.to_string();
    assert_eq!(
        text,
        "other shape    resources[].confidence: sent string, the model holds number (2)\n\
         unknown key    envelope.warnings: list (1)\n\
         unknown key    resources[].dns_domain.services[].banner: string (2)\n\
         unknown key    resources[].triage.ticket: string (2)\n\
         unknown value  resources[].criticality: text outside the documented values (2)\n"
    );
    for value in [
        "secret-id-1",
        "Medium",
        "80",
        "SEC-7",
        "private",
        "nginx",
        "quota",
    ] {
        assert!(!text.contains(value), "{value} appears in\n{text}");
    }
    let clean: FemExternalAsset = serde_json::from_value(json!({"id": "a"})).unwrap();
    let mut empty = ShapeReport::default();
    empty.check("resources[]", &json!({"id": "a"}), &clean);
    assert!(empty.is_empty(), "{empty}");
}

/// A server that answers every request with an empty envelope, and a client
/// pointed at it: the tests read what it received.
async fn recording_server() -> (wiremock::MockServer, falcon_exposure::Client) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"access_token": "tok", "expires_in": 1799})),
        )
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "meta": {"query_time": 0.01, "trace_id": "t"},
            "resources": [],
            "errors": [],
        })))
        .mount(&server)
        .await;
    let client = falcon_exposure::Client::builder()
        .client_id("id")
        .client_secret("secret")
        .base_url(server.uri())
        .build()
        .unwrap();
    (server, client)
}

/// The last request the server received, other than for a token.
async fn last_request(server: &wiremock::MockServer) -> wiremock::Request {
    let received = server.received_requests().await.unwrap_or_default();
    received
        .into_iter()
        .rfind(|r| !r.url.path().starts_with("/oauth2/"))
        .expect("a request was sent")
}

async fn last_body(server: &wiremock::MockServer) -> serde_json::Value {
    serde_json::from_slice(&last_request(server).await.body).expect("JSON body")
}

#[tokio::test]
async fn builders_take_enums_where_they_took_text() {
    let (server, client) = recording_server().await;
    client
        .aggregate_assets()
        .aggregation_type(AggregationType::Terms)
        .field(ExternalAssetField::Criticality)
        .interval(Interval::Week)
        .sort("_count|desc")
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_body(&server).await,
        json!([{"type": "terms", "field": "criticality", "interval": "week", "sort": "_count|desc"}])
    );
    client
        .aggregate_assets()
        .field(f::IP_SERVICES_PORT)
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_body(&server).await,
        json!([{"field": "ip.services.port"}])
    );
    client
        .update_assets()
        .id("a")
        .criticality(Criticality::Noncritical)
        .send()
        .await
        .unwrap();
    assert_eq!(last_body(&server).await, patch_with("Noncritical"));
    client
        .update_assets()
        .id("a")
        .criticality("High")
        .send()
        .await
        .unwrap();
    assert_eq!(last_body(&server).await, patch_with("High"));
    client
        .query_assets()
        .sort(Sort::desc(ExternalAssetField::LastSeen))
        .send()
        .await
        .unwrap();
    let sorts: Vec<String> = last_request(&server)
        .await
        .url
        .query_pairs()
        .filter(|(k, _)| k == "sort")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(sorts, ["last_seen|desc"]);
}

fn patch_with(criticality: &str) -> serde_json::Value {
    json!({"assets": [{"id": "a", "criticality": criticality}]})
}
