//! Checks the manifest against the documentation page it was written from:
//! every operation, every keyword row with its Service and Uber support, and
//! every field of the four filter tables.

use std::path::PathBuf;

use falcon_exposure_codegen::{MANIFEST, Manifest, parse};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The page, from `FALCON_SEED_PAGE` or `../shared/seed/` beside the
/// repository. It is reference material kept outside the repository, so a
/// checkout without it skips these checks and says so.
fn seed() -> Option<String> {
    let path = std::env::var_os("FALCON_SEED_PAGE").map_or_else(
        || root().join("../shared/seed/exposure-management-service-collection.txt"),
        PathBuf::from,
    );
    match std::fs::read_to_string(&path) {
        Ok(page) => Some(page),
        Err(e) => {
            eprintln!(
                "skipped: the seed page is not at {} ({e}); set FALCON_SEED_PAGE to check the manifest against it",
                path.display()
            );
            None
        }
    }
}

fn manifest() -> Manifest {
    parse(&root().join(MANIFEST), MANIFEST).unwrap_or_else(|e| panic!("{e}"))
}

/// A keyword row of the page: name, Service support, Uber support, location, data type.
#[derive(Debug, PartialEq)]
struct Row {
    name: String,
    service: bool,
    uber: bool,
    location: String,
    data_type: String,
}

const DATA_TYPES: [&str; 7] = [
    "list of dictionaries",
    "string or list of strings",
    "dictionaries",
    "dictionary",
    "string",
    "integer",
    "boolean",
];

/// Parses `nameService Class SupportNo Uber Class Supportquerystring...`.
fn row(line: &str) -> Option<Row> {
    let (name, rest) = line.split_once("Service Class Support")?;
    let (name, service) = match name.strip_suffix("No ") {
        Some(n) => (n, false),
        None => (name, true),
    };
    let (uber, rest) = match rest.strip_prefix("No Uber Class Support") {
        Some(r) => (false, r),
        None => (true, rest.strip_prefix("Uber Class Support")?),
    };
    let (location, rest) = ["query", "body"]
        .iter()
        .find_map(|l| rest.strip_prefix(l).map(|r| (*l, r)))?;
    let data_type = DATA_TYPES.iter().find(|t| rest.starts_with(**t))?;
    Some(Row {
        name: name.into(),
        service,
        uber,
        location: location.into(),
        data_type: (*data_type).into(),
    })
}

/// The page's section of one operation: from its heading to the next "Back to Table of Contents".
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let body = page
        .split_once("Passing credentials")
        .map_or(page, |(_, b)| b);
    let start = body
        .find(&format!("\n{id}\n"))
        .unwrap_or_else(|| panic!("no section for {id} in the seed"));
    let rest = &body[start..];
    &rest[..rest.find("Back to Table of Contents").unwrap_or(rest.len())]
}

/// The operation IDs and PEP8 names of the page's table of contents.
fn page_operations(page: &str) -> Vec<(String, String)> {
    let toc = page.split_once("Passing credentials").unwrap().0;
    let mut ids = Vec::new();
    for (i, line) in toc.lines().enumerate() {
        if let Some(pep8) = line.strip_prefix("PEP8") {
            let id = toc.lines().nth(i - 1).unwrap();
            ids.push((id.to_owned(), pep8.to_owned()));
        }
    }
    ids
}

#[test]
fn every_operation_of_the_page_is_in_the_manifest() {
    let Some(page) = seed() else { return };
    let m = manifest();
    let ids = page_operations(&page);
    assert_eq!(ids.len(), 7, "the page lists seven operations");
    for (id, pep8) in &ids {
        let op = m
            .operations
            .iter()
            .find(|o| &o.id == id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(&op.method_name, pep8, "{id}");
        let s = section(&page, id);
        let route_line = s
            .lines()
            .skip_while(|l| *l != "MethodRoute")
            .nth(1)
            .unwrap();
        assert_eq!(
            route_line,
            format!("{}{}", op.http_method, op.route),
            "{id}"
        );
        let scope = s
            .lines()
            .skip_while(|l| *l != "Required Scope")
            .find(|l| l.contains(':'))
            .unwrap();
        assert_eq!(scope.trim(), op.scope, "{id}");
        for (label, list) in [("Consumes: ", &op.consumes), ("Produces: ", &op.produces)] {
            let on_page: Vec<&str> = s
                .lines()
                .filter_map(|l| l.split_once(label).map(|(_, t)| t.trim()))
                .collect();
            assert_eq!(&on_page, list, "{id} {label}");
        }
    }
}

#[test]
fn every_keyword_row_is_in_the_manifest_with_its_support() {
    let Some(page) = seed() else { return };
    let m = manifest();
    // Operations newer than the page are checked against the API schema by
    // the end-to-end tests instead.
    for (id, _) in page_operations(&page) {
        let op = m.operations.iter().find(|o| o.id == id).unwrap();
        let s = section(&page, &op.id);
        let rows: Vec<Row> = s.lines().filter_map(row).collect();
        assert!(!rows.is_empty(), "{}: no keyword rows parsed", op.id);
        let ours: Vec<Row> = op
            .parameters
            .iter()
            .map(|p| Row {
                name: p.name.clone(),
                service: p.service,
                uber: p.uber,
                location: p.location.clone(),
                data_type: p.seed_type.clone(),
            })
            .collect();
        assert_eq!(ours, rows, "{}", op.id);
    }
}

/// The field names of one table of the page. The page runs two names
/// together on a line; they are split where both halves are known names.
fn page_table(page: &str, heading: &str, known: &[String]) -> Vec<String> {
    let block = page
        .split_once(heading)
        .unwrap_or_else(|| panic!("no table {heading}"))
        .1;
    let end = ["Available filter", "\nUsage"]
        .iter()
        .filter_map(|m| block.find(m))
        .min()
        .unwrap();
    let mut out = Vec::new();
    for line in block[..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if known.iter().any(|k| k == line) {
            out.push(line.to_owned());
            continue;
        }
        let split = (1..line.len()).find(|&i| {
            known.iter().any(|k| *k == line[..i]) && known.iter().any(|k| *k == line[i..])
        });
        let i = split.unwrap_or_else(|| {
            panic!("`{line}` in {heading:?} is not two manifest fields: the manifest misses one")
        });
        out.push(line[..i].to_owned());
        out.push(line[i..].to_owned());
    }
    out
}

#[test]
fn the_four_filter_tables_match_the_page() {
    let Some(page) = seed() else { return };
    let m = manifest();
    let t = &m.filter_tables["external_assets"];
    let known: Vec<String> = [&t.exact_match, &t.wildcard, &t.list, &t.range]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    for (heading, list) in [
        ("Available filters (Exact Match)", &t.exact_match),
        (
            "Available filter fields that support wildcard (*)",
            &t.wildcard,
        ),
        (
            "Available filter fields that support lists ([v1, v2])",
            &t.list,
        ),
        (
            "Available filter fields that support range comparisons (>, <, >=, <=)",
            &t.range,
        ),
    ] {
        assert_eq!(&page_table(&page, heading, &known), list, "{heading}");
    }
    assert!(page.contains("All filter fields and operations supports negation (!)") && t.negation);
    let query = m
        .operations
        .iter()
        .find(|o| o.id == "query_external_assets")
        .unwrap();
    let filter = query
        .parameters
        .iter()
        .find(|p| p.name == "filter")
        .unwrap();
    assert_eq!(filter.filter_table.as_deref(), Some("external_assets"));
}
