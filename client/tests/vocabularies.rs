//! Vocabularies, filter-field enums and the shape report, as a user meets
//! them.

use std::str::FromStr;

use falcon_exposure::fields::{ExternalAssetField, external_assets as f};
use falcon_exposure::fql::{FqlErrorKind, Sort, ValueType};
use falcon_exposure::models::{
    AggregateQueryRequest, AggregationType, AssetType, Criticality, FemExternalAsset, Interval,
    Perimeter,
};
use falcon_exposure::shape::ShapeReport;
use falcon_exposure::vocabularies::{internet_exposure, status};
use serde_json::json;

#[test]
fn a_closed_vocabulary_keeps_values_outside_its_list() {
    assert_eq!(Criticality::parse("High"), Criticality::High);
    assert_eq!(
        Criticality::parse("Medium"),
        Criticality::Unknown("Medium".into())
    );
    // Case matters for criticality (PSFalcon's ValidateSet is case-sensitive).
    assert!(Criticality::parse("high").is_unknown());
    assert_eq!(
        Criticality::from_str("Noncritical"),
        Ok(Criticality::Noncritical)
    );
    assert_eq!(Criticality::Unassigned.to_string(), "Unassigned");
    assert_eq!(Criticality::Unknown("Medium".into()).as_str(), "Medium");
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
    assert_eq!(odd, Criticality::Unknown("3".into()));
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
        falcon_exposure::fields::external_assets::TABLE.fields.len()
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

#[test]
fn builders_take_enums_where_they_took_text() {
    let client = falcon_exposure::Client::builder()
        .client_id("id")
        .client_secret("secret")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let aggregate = client
        .aggregate_assets()
        .aggregation_type(AggregationType::Terms)
        .field(ExternalAssetField::Criticality)
        .interval(Interval::Week)
        .sort("_count|desc");
    assert_eq!(
        aggregate.parts().body().cloned(),
        Some(
            json!([{"type": "terms", "field": "criticality", "interval": "week", "sort": "_count|desc"}])
        )
    );
    let by_constant = client.aggregate_assets().field(f::IP_SERVICES_PORT);
    assert_eq!(
        by_constant.parts().body().cloned(),
        Some(json!([{"field": "ip.services.port"}]))
    );
    let patch = client
        .update_assets()
        .id("a")
        .criticality(Criticality::Noncritical);
    assert_eq!(
        patch.parts().body().cloned(),
        Some(json!({"assets": [{"id": "a", "criticality": "Noncritical"}]}))
    );
    let text = client.update_assets().id("a").criticality("High");
    assert_eq!(text.parts().body().cloned(), patch_with("High"));
    let sorted = client
        .query_assets()
        .sort(Sort::desc(ExternalAssetField::LastSeen));
    assert_eq!(
        sorted.parts().query_values("sort").collect::<Vec<_>>(),
        ["last_seen|desc"]
    );
}

fn patch_with(criticality: &str) -> Option<serde_json::Value> {
    Some(json!({"assets": [{"id": "a", "criticality": criticality}]}))
}
