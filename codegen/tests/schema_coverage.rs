//! The manifest's models hold every property of the API's schema: nothing
//! the schema names is dropped when a reply is decoded.

use std::collections::{BTreeMap, BTreeSet};

use falcon_exposure_codegen::{load_str, parse_str};

const MANIFEST: &str = include_str!("../../spec/exposure_management.yaml");
const PROPERTIES: &str = include_str!("fixtures/schema_properties.txt");

/// The schema's composed (`allOf`) members: named after the definition
/// they embed, whose properties they bring.
const EMBEDDED: [(&str, &str); 2] = [
    ("MetaInfo", "msa.MetaInfo"),
    (
        "FemEcosystemSubsidiariesResponseFields",
        "domain.FemEcosystemSubsidiariesResponseFields",
    ),
];

/// Members of the common reply envelope, which the runtime's `ApiResponse`
/// decodes (`meta`, `resources`, `errors`).
const ENVELOPE: [&str; 3] = ["errors", "meta", "resources"];

fn definitions() -> BTreeMap<String, BTreeSet<String>> {
    PROPERTIES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (name, props) = l.split_once(':').unwrap();
            let props = props.split_whitespace().map(str::to_owned).collect();
            (name.to_owned(), props)
        })
        .collect()
}

/// A definition's properties with composed members expanded.
fn expanded(defs: &BTreeMap<String, BTreeSet<String>>, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in &defs[name] {
        match EMBEDDED.iter().find(|(member, _)| member == p) {
            Some((_, inner)) => out.extend(expanded(defs, inner)),
            None => {
                out.insert(p.clone());
            }
        }
    }
    out
}

/// The checks below read the manifest as written; this one holds that it
/// also validates, as `cargo xtask regen` needs.
#[test]
fn the_manifest_validates() {
    load_str("exposure_management.yaml", MANIFEST).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn every_schema_property_has_a_model_field() {
    let manifest = parse_str("exposure_management.yaml", MANIFEST).unwrap();
    let defs = definitions();
    assert!(defs.len() > 50, "the property list is read");
    let mut missing = Vec::new();
    let mut checked = 0;
    for name in defs.keys() {
        let props = expanded(&defs, name);
        let model = manifest.models.values().find(|m| m.wire_name == *name);
        match model {
            Some(m) => {
                for p in &props {
                    checked += 1;
                    if !m.fields.contains_key(p) {
                        missing.push(format!("{name}.{p}"));
                    }
                }
            }
            None if props.iter().all(|p| ENVELOPE.contains(&p.as_str())) => {}
            None => missing.push(format!("{name} (no model)")),
        }
    }
    assert!(checked > 200, "{checked} properties checked");
    assert!(missing.is_empty(), "not in the models: {missing:?}");
}

#[test]
fn connectivity_status_is_kept_although_the_schema_lacks_it() {
    let manifest = parse_str("exposure_management.yaml", MANIFEST).unwrap();
    let asset = manifest.models.get("FemExternalAsset").unwrap();
    assert!(asset.fields.contains_key("connectivity_status"));
    assert!(!definitions()["domain.FemExternalAsset"].contains("connectivity_status"));
}

/// With `FEM_REFERENCE_SCHEMA` naming the API's schema (JSON), the committed
/// property list is checked against it.
#[test]
fn the_property_list_matches_the_schema_when_given() {
    let Ok(path) = std::env::var("FEM_REFERENCE_SCHEMA") else {
        println!("FEM_REFERENCE_SCHEMA is not set: the committed property list is used as is");
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let defs = schema["definitions"].as_object().unwrap();
    let from_schema: BTreeMap<String, BTreeSet<String>> = defs
        .iter()
        .map(|(name, d)| {
            let props = d["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            (name.clone(), props)
        })
        .collect();
    assert_eq!(from_schema, definitions());
}
