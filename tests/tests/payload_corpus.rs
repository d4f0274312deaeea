//! The payload corpus (`tests/corpus/`): every file decodes with the typed
//! models and serialises back with no key path lost.

use std::collections::BTreeSet;
use std::path::PathBuf;

use falcon_exposure::models::{
    AggregateQueryRequest, AggregationResult, FemEcosystemSubsidiary, FemExternalAsset,
};
use falcon_exposure::shape::{ShapeReport, key_paths};
use falcon_exposure::vocabularies::{AggregationType, Criticality, discovered_by, status};
use falcon_exposure::{ApiError, Meta, OneOrMany};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON envelope of a reply: the client's `meta` and `errors` types and
/// the model of `resources`, with any other top-level member kept.
#[derive(Deserialize, Serialize)]
struct Envelope<R> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    meta: Option<Meta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<ApiError>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resources: Option<Vec<R>>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

fn corpus(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// Decodes `raw` as `T` and serialises it back.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, raw: &Value) -> (T, Value) {
    let typed: T =
        serde_json::from_value(raw.clone()).unwrap_or_else(|e| panic!("{name} decodes: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    (typed, back)
}

struct Row {
    file: &'static str,
    keys_in: usize,
    keys_out: usize,
    dropped: Vec<String>,
}

fn row(file: &'static str, raw: &Value, back: &Value) -> Row {
    let (keys_in, keys_out) = (key_paths(raw), key_paths(back));
    Row {
        file,
        keys_in: keys_in.len(),
        keys_out: keys_out.len(),
        dropped: keys_in.difference(&keys_out).cloned().collect(),
    }
}

fn decode_table() -> Vec<Row> {
    let mut rows = Vec::new();
    let envelope =
        |file: &'static str, rows: &mut Vec<Row>, f: fn(&'static str, &Value) -> Value| {
            let raw = corpus(file);
            let back = f(file, &raw);
            rows.push(row(file, &raw, &back));
        };
    envelope("assets_mixed_shapes.json", &mut rows, |n, raw| {
        round_trip::<Envelope<FemExternalAsset>>(n, raw).1
    });
    envelope("subsidiaries_null_resources.json", &mut rows, |n, raw| {
        round_trip::<Envelope<FemEcosystemSubsidiary>>(n, raw).1
    });
    envelope("subsidiaries_combined.json", &mut rows, |n, raw| {
        round_trip::<Envelope<FemEcosystemSubsidiary>>(n, raw).1
    });
    envelope("aggregate_buckets.json", &mut rows, |n, raw| {
        round_trip::<Envelope<AggregationResult>>(n, raw).1
    });
    envelope("aggregate_request_template.json", &mut rows, |n, raw| {
        round_trip::<Vec<AggregateQueryRequest>>(n, raw).1
    });
    envelope("query_v2_cursor.json", &mut rows, |n, raw| {
        round_trip::<Envelope<String>>(n, raw).1
    });
    rows
}

#[test]
fn every_corpus_payload_round_trips_with_nothing_dropped() {
    let rows = decode_table();
    println!("| file | keys in | keys out | dropped |\n|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} |",
            r.file,
            r.keys_in,
            r.keys_out,
            r.dropped.len()
        );
    }
    let listed: BTreeSet<&str> = rows.iter().map(|r| r.file).collect();
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
    assert_eq!(
        on_disk.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        listed,
        "every corpus file is decoded"
    );
    for r in &rows {
        assert!(r.keys_in > 0, "{} holds keys", r.file);
        assert!(r.dropped.is_empty(), "{} dropped {:?}", r.file, r.dropped);
        assert_eq!(r.keys_in, r.keys_out, "{}", r.file);
    }
}

#[test]
fn fqdn_decodes_from_one_string_or_a_list_and_keeps_its_form() {
    let raw = corpus("assets_mixed_shapes.json");
    let (env, back) = round_trip::<Envelope<FemExternalAsset>>("assets", &raw);
    let assets = env.resources.unwrap();
    let fqdn = assets[0]
        .dns_domain
        .as_ref()
        .unwrap()
        .fqdn
        .as_ref()
        .unwrap();
    assert_eq!(fqdn, &OneOrMany::One("www.example.com".into()));
    let fqdns = assets[1].ip.as_ref().unwrap().fqdns.as_ref().unwrap();
    assert_eq!(fqdns.as_slice(), ["www.example.com", "mail.example.com"]);
    let single = assets[2].ip.as_ref().unwrap().fqdns.as_ref().unwrap();
    assert_eq!(single.as_slice(), ["single.example.org"]);
    let many = assets[3]
        .dns_domain
        .as_ref()
        .unwrap()
        .fqdn
        .as_ref()
        .unwrap();
    assert_eq!(many.len(), 2);
    // Serialised back in the form sent.
    assert_eq!(
        back["resources"][0]["dns_domain"]["fqdn"],
        "www.example.com"
    );
    assert_eq!(back["resources"][2]["ip"]["fqdns"], "single.example.org");
    assert_eq!(
        back["resources"][3]["dns_domain"]["fqdn"],
        serde_json::json!(["a.example.org", "b.example.org"])
    );
}

#[test]
fn vocabularies_decode_known_and_unknown_values() {
    let raw = corpus("assets_mixed_shapes.json");
    let (env, back) = round_trip::<Envelope<FemExternalAsset>>("assets", &raw);
    let assets = env.resources.unwrap();
    assert_eq!(assets[0].criticality, Some(Criticality::from("Medium")));
    assert!(assets[0].criticality.as_ref().unwrap().is_unknown());
    assert_eq!(back["resources"][0]["criticality"], "Medium");
    assert_eq!(assets[1].criticality, Some(Criticality::High));
    assert_eq!(assets[2].criticality, Some(Criticality::Noncritical));
    assert_eq!(assets[3].criticality, Some(Criticality::Unassigned));
    // `status` stays text as sent; its known values are found whatever the case.
    assert_eq!(assets[0].status.as_deref(), Some("Online"));
    assert_eq!(status::known("Online"), Some(status::ONLINE));
    assert_eq!(status::known("ONLINE"), Some(status::ONLINE));
    assert_eq!(status::known("offline"), Some(status::OFFLINE));
    assert_eq!(status::known("degraded"), None);
    assert_eq!(discovered_by::known("AUTO"), Some(discovered_by::AUTO));
    assert_eq!(assets[0].connectivity_status.as_deref(), Some("Reachable"));
    // Unknown members are kept at every level.
    assert!(
        assets[0].subsidiaries.as_ref().unwrap()[0]
            .extra
            .contains_key("region")
    );
    let steps = &assets[0]
        .discovery
        .as_ref()
        .unwrap()
        .path
        .as_ref()
        .unwrap()
        .steps;
    assert_eq!(steps.as_ref().unwrap().len(), 2);
    assert!(env.meta.unwrap().extra.contains_key("region_hint"));
}

#[test]
fn null_resources_read_as_empty_and_aggregate_labels_read_as_the_enum() {
    let raw = corpus("subsidiaries_null_resources.json");
    let (env, _) = round_trip::<Envelope<FemEcosystemSubsidiary>>("subs", &raw);
    assert!(env.resources.unwrap_or_default().is_empty());
    let meta = env.meta.unwrap();
    assert_eq!(
        meta.get_str("version_id"),
        Some("5d41402abc4b2a76b9719d911017c592")
    );
    assert_eq!(meta.pagination.unwrap().total, Some(0));

    let raw = corpus("aggregate_buckets.json");
    let (env, _) = round_trip::<Envelope<AggregationResult>>("aggs", &raw);
    let results = env.resources.unwrap();
    let labels: Vec<Criticality> = results[0]
        .buckets
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|b| b.label_as::<Criticality>())
        .collect();
    assert_eq!(
        labels,
        [
            Criticality::Critical,
            Criticality::High,
            Criticality::Noncritical,
            Criticality::Unassigned,
            Criticality::from("Medium")
        ]
    );
    // `[null]` sub-aggregates read as none; a numeric label reads as a number.
    let high = &results[0].buckets.as_ref().unwrap()[1];
    assert_eq!(high.sub_aggregates.as_deref(), Some(&[][..]));
    let week = &results[1].buckets.as_ref().unwrap()[0];
    assert_eq!(week.label_as::<i64>(), Some(1_736_121_600_000));
    assert_eq!(week.label_as::<String>(), None);
    // A vocabulary never fails: a number reads as a value outside the list.
    assert!(week.label_as::<Criticality>().unwrap().is_unknown());
}

#[test]
fn falconpys_aggregate_template_decodes_with_its_null_sub_aggregate() {
    let raw = corpus("aggregate_request_template.json");
    let (body, back) = round_trip::<Vec<AggregateQueryRequest>>("template", &raw);
    assert_eq!(body[0].sub_aggregates.as_deref(), Some(&[][..]));
    assert!(matches!(
        &body[0].r#type,
        Some(AggregationType::Unknown(v)) if v.as_str() == "string"
    ));
    assert_eq!(body[1].r#type, Some(AggregationType::Terms));
    let nested = &body[1].sub_aggregates.as_ref().unwrap()[0];
    assert_eq!(nested.r#type, Some(AggregationType::DateHistogram));
    assert_eq!(back[0]["interval"], "string");
}

#[test]
fn the_shape_report_of_the_corpus_names_what_the_models_do_not_expect() {
    let raw = corpus("assets_mixed_shapes.json");
    let mut report = ShapeReport::default();
    for item in raw["resources"].as_array().unwrap() {
        let asset: FemExternalAsset = serde_json::from_value(item.clone()).unwrap();
        report.check("resources[]", item, &asset);
    }
    let text = report.to_string();
    for line in [
        "unknown value  resources[].criticality: text outside the documented values (1)",
        "unknown key    resources[].dns_domain.ttl: number (1)",
        "unknown key    resources[].discovery.path.steps[].redirect_path[].status: number (1)",
        "unknown key    resources[].ip.cloud_vm.tags: object (1)",
        "other shape    resources[].confidence: sent string, the model holds number (1)",
        "other shape    resources[].ip.services[].port: sent string, the model holds number (1)",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(!text.contains("dropped"), "{text}");
    // Only key paths and kinds: no value of the payload appears.
    for value in [
        "Medium",
        "www.example.com",
        "Reachable",
        "SEC-42",
        "75",
        "prod",
    ] {
        assert!(!text.contains(value), "{value} leaked into\n{text}");
    }
}
