//! The emulator's hand-written filter table against the operation
//! manifest: the same fields, each with the same value type and the same
//! capabilities (exact match, wildcard, list, range, negation). The emulator
//! is written from the API's documentation, independently of the client;
//! this test keeps its table and the manifest the client is generated from
//! in step. A second test checks that the emulator's filter parser enforces
//! the table it declares.

use falcon_emulator::filter_fields::{self, FilterField, ValueType};
use falcon_emulator::filter_parser;
use falcon_exposure_codegen::manifest::FilterTable;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The manifest table the emulator's table implements.
const TABLE: &str = "external_assets";

/// Differences kept on purpose, as (table, field, capability). Each must
/// still be a difference, so that the entry goes once the two agree.
const KNOWN: &[(&str, &str, &str)] = &[
    // The API schema's description of the `filter` parameter of both
    // queries lists `ip.cloud_provider` among the exact-match fields; the
    // documentation page's table, which the manifest keeps as it is, does
    // not. The emulator follows the schema (emulator/README.md,
    // "Documented deviations").
    (TABLE, "ip.cloud_provider", "exact_match"),
];

fn manifest_tables() -> BTreeMap<String, FilterTable> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(falcon_exposure_codegen::MANIFEST);
    let manifest = falcon_exposure_codegen::parse(&path, falcon_exposure_codegen::MANIFEST)
        .unwrap_or_else(|e| panic!("the manifest does not load: {e}"));
    manifest.filter_tables
}

fn value_type(table: &str, field: &str, name: &str) -> ValueType {
    match name {
        "text" => ValueType::Text,
        "integer" => ValueType::Integer,
        "timestamp" => ValueType::Timestamp,
        "ip_address" => ValueType::IpAddress,
        "boolean" => ValueType::Boolean,
        other => panic!("filter table {table}, field {field}: unknown value type '{other}'"),
    }
}

/// The manifest's word for a value type.
fn type_name(t: Option<ValueType>) -> &'static str {
    match t {
        None => "absent",
        Some(ValueType::Text) => "text",
        Some(ValueType::Integer) => "integer",
        Some(ValueType::Timestamp) => "timestamp",
        Some(ValueType::IpAddress) => "ip_address",
        Some(ValueType::Boolean) => "boolean",
        Some(_) => "another type",
    }
}

/// What a table records about one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Entry {
    value_type: Option<ValueType>,
    exact_match: bool,
    wildcard: bool,
    list: bool,
    range: bool,
    negation: bool,
}

/// A field as the manifest records it: the four lists it is in, its value
/// type (text unless given) and the table's negation, which covers every
/// field. A field in no list has no capability but these two.
fn manifest_entry(name: &str, t: &FilterTable) -> Entry {
    let has = |list: &[String]| list.iter().any(|x| x == name);
    let (exact_match, wildcard, list, range) = (
        has(&t.exact_match),
        has(&t.wildcard),
        has(&t.list),
        has(&t.range),
    );
    Entry {
        value_type: Some(
            t.value_types
                .get(name)
                .map_or(ValueType::Text, |v| value_type(TABLE, name, v)),
        ),
        exact_match,
        wildcard,
        list,
        range,
        negation: t.negation,
    }
}

/// A field as the emulator records it; one it does not know is
/// `Entry::default()`: no type, no capability.
fn emulator_entry(f: &FilterField) -> Entry {
    Entry {
        value_type: Some(f.value_type),
        exact_match: f.exact_match,
        wildcard: f.wildcard,
        list: f.list,
        range: f.range,
        negation: f.negation,
    }
}

/// The capabilities in which two entries for one field differ, each as
/// (capability, manifest's, emulator's).
fn differences(m: &Entry, e: &Entry) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    if m.value_type != e.value_type {
        out.push((
            "value type",
            type_name(m.value_type).to_string(),
            type_name(e.value_type).to_string(),
        ));
    }
    for (capability, a, b) in [
        ("exact_match", m.exact_match, e.exact_match),
        ("wildcard", m.wildcard, e.wildcard),
        ("list", m.list, e.list),
        ("range", m.range, e.range),
        ("negation", m.negation, e.negation),
    ] {
        if a != b {
            out.push((capability, a.to_string(), b.to_string()));
        }
    }
    out
}

#[test]
fn emulator_filter_table_equals_the_manifest() {
    let tables = manifest_tables();
    let names: Vec<&String> = tables.keys().collect();
    assert_eq!(
        names,
        [TABLE],
        "the manifest's filter tables are {names:?}; the emulator enforces only {TABLE}"
    );
    let manifest = &tables[TABLE];
    let emulator: BTreeMap<String, Entry> = filter_fields::table()
        .iter()
        .map(|f| (f.name.to_string(), emulator_entry(f)))
        .collect();
    let all: BTreeSet<String> = [
        &manifest.exact_match,
        &manifest.wildcard,
        &manifest.list,
        &manifest.range,
    ]
    .into_iter()
    .flatten()
    .chain(manifest.value_types.keys())
    .cloned()
    .chain(emulator.keys().cloned())
    .collect();

    let mut found = Vec::new();
    let mut unexpected = Vec::new();
    for name in &all {
        let m = manifest_entry(name, manifest);
        let e = emulator.get(name).copied().unwrap_or_default();
        for (capability, in_manifest, in_emulator) in differences(&m, &e) {
            found.push((TABLE, name.as_str(), capability));
            if !KNOWN.contains(&(TABLE, name.as_str(), capability)) {
                unexpected.push(format!(
                    "filter table {TABLE}, field {name}: {capability} is {in_manifest} in the manifest, {in_emulator} in the emulator"
                ));
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "the emulator's filter table (emulator/src/fields.rs) differs from the manifest \
         (spec/exposure_management.yaml):\n{}",
        unexpected.join("\n")
    );
    for known in KNOWN {
        assert!(
            found.contains(known),
            "{known:?} is listed as a known difference but the emulator and the manifest agree on it: remove it from KNOWN"
        );
    }
    assert!(all.len() > 80, "only {} fields compared", all.len());
}

/// A value of `t` the emulator's parser accepts.
fn sample(t: ValueType) -> &'static str {
    match t {
        ValueType::Text => "'x'",
        ValueType::Integer => "1",
        ValueType::Timestamp => "'2025-01-01T00:00:00Z'",
        ValueType::IpAddress => "'10.0.0.1'",
        ValueType::Boolean => "true",
        _ => "'x'",
    }
}

#[test]
fn emulator_parser_enforces_its_table() {
    let now = 1_795_000_000;
    let mut wrong = Vec::new();
    for f in filter_fields::table() {
        let (n, v) = (f.name, sample(f.value_type));
        // (capability, declared, filter, its negated form)
        let probes = [
            (
                "exact_match",
                f.exact_match,
                format!("{n}:{v}"),
                format!("{n}:!{v}"),
            ),
            (
                "wildcard",
                f.wildcard,
                format!("{n}:*'x*'"),
                format!("{n}:!*'x*'"),
            ),
            ("list", f.list, format!("{n}:[{v}]"), format!("{n}:![{v}]")),
            (
                "range",
                f.range,
                format!("{n}:>={v}"),
                format!("!({n}:>={v})"),
            ),
        ];
        for (capability, declared, filter, negated) in probes {
            let accepted = filter_parser::check(&filter, now).is_ok();
            // Equality is also how a list-only field is matched on one value.
            let expected = declared || (capability == "exact_match" && f.list);
            if accepted != expected {
                wrong.push(format!(
                    "field {n}: {capability} declared {declared}, but `{filter}` is {}",
                    if accepted { "accepted" } else { "refused" }
                ));
            }
            if declared && f.negation && filter_parser::check(&negated, now).is_err() {
                wrong.push(format!(
                    "field {n}: negation declared, but `{negated}` is refused"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
