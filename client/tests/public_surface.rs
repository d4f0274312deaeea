//! The public surface as `cargo xtask public-api` lists it (CI fails when
//! the listing is stale, so it is the code's): sealed types show no public
//! field, the types meant to grow are `#[non_exhaustive]`, nothing but the
//! generator makes fields and tables, and every type has one path.

use std::collections::BTreeMap;

/// The listing's items: `path [kind] signature`.
fn listing() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/public-api.txt"))
        .expect("client/public-api.txt is readable");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (path, rest) = l.split_once(" [").expect("`path [kind] signature`");
            let (kind, signature) = rest
                .split_once("] ")
                .unwrap_or((rest.trim_end_matches(']'), ""));
            (path.to_owned(), kind.to_owned(), signature.to_owned())
        })
        .collect()
}

/// The signature of the type defined at `path`.
fn definition(items: &[(String, String, String)], path: &str) -> String {
    items
        .iter()
        .find(|(p, kind, _)| p == path && (kind == "struct" || kind == "enum"))
        .map(|(_, _, signature)| signature.clone())
        .unwrap_or_else(|| panic!("{path} is not a public type"))
}

#[test]
fn sealed_types_show_no_public_field() {
    let items = listing();
    for ty in [
        "falcon_exposure::Progress",
        "falcon_exposure::fql::FilterTable",
    ] {
        let fields: Vec<&String> = items
            .iter()
            .filter(|(p, kind, _)| kind == "field" && p.starts_with(&format!("{ty}::")))
            .map(|(p, _, _)| p)
            .collect();
        assert!(fields.is_empty(), "{ty} has public fields: {fields:?}");
        assert!(definition(&items, ty).contains("private fields"), "{ty}");
    }
}

#[test]
fn only_the_generator_makes_fields_and_tables() {
    let items = listing();
    for hidden in [
        "falcon_exposure::fql::Field::new",
        "falcon_exposure::fql::FieldSpec",
        "falcon_exposure::fields::external_assets::ExternalAssetField::spec",
        "falcon_exposure::ClientBuilder::from_env_with",
    ] {
        assert!(
            !items
                .iter()
                .any(|(p, _, _)| p == hidden || p.starts_with(&format!("{hidden}::"))),
            "{hidden} is public"
        );
    }
}

#[test]
fn the_types_meant_to_grow_are_non_exhaustive() {
    let items = listing();
    for ty in [
        "Target",
        "Cloud",
        "Error",
        "PaginationProblem",
        "ApiError",
        "Meta",
        "Pagination",
        "Writes",
        "RateLimit",
        "BudgetStatus",
        "RawResponse",
        "ApiResponse",
        "WriteResult",
        "fql::ValueType",
        "fql::KnownValues",
        "fql::FilterArg",
        "fql::SortArg",
        "fql::FqlErrorKind",
    ] {
        let path = format!("falcon_exposure::{ty}");
        assert!(
            definition(&items, &path).contains("#[non_exhaustive]"),
            "{path}"
        );
    }
}

#[test]
fn every_type_has_one_path() {
    let items = listing();
    // A re-export of one of our own types would be its second path.
    let ours: Vec<&String> = items
        .iter()
        .filter(|(_, kind, signature)| {
            kind == "re-export" && signature.starts_with("falcon_exposure::")
        })
        .map(|(p, _, _)| p)
        .collect();
    assert!(ours.is_empty(), "second paths of our types: {ours:?}");
    let mut defined: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (path, kind, _) in &items {
        if matches!(kind.as_str(), "struct" | "enum" | "trait" | "type") {
            let name = path.rsplit("::").next().unwrap_or(path);
            defined.entry(name).or_default().push(path);
        }
    }
    defined.retain(|_, paths| paths.len() > 1);
    assert!(
        defined.is_empty(),
        "types of the same name at several paths: {defined:?}"
    );
}
