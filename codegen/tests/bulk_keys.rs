//! The manifest keys of bulk work (`pagination:`, `batch:`, `exports:`):
//! what they generate, and the located errors of their misuse.

use falcon_exposure_codegen::{generate, load_str};

const SMALL: &str = include_str!("fixtures/small.yaml");

/// The fixture with one piece of text replaced, which must exist.
fn with(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture lacks {from:?}");
    text.replacen(from, to, 1)
}

/// `query_widgets` with an offset parameter and offset pagination, a
/// cursor-paginated copy of it, `patch_widgets` with its `id` batched and
/// an export.
fn bulk() -> String {
    let t = with(
        SMALL,
        "      resources: string\n      envelope: msaspec.QueryResponse\n    parameters:\n",
        "      resources: string\n      envelope: msaspec.QueryResponse\n    pagination:\n      style: offset\n      offset: offset\n      limit: limit\n      page_size: 50\n      max_offset: 1000\n    parameters:\n      - name: offset\n        location: query\n        seed_type: string\n        type: string\n        service: true\n        uber: true\n        description: Start.\n",
    );
    let t = with(
        &t,
        "        body_path: 'widgets[].id'\n",
        "        body_path: 'widgets[].id'\n        max_items: 100\n        batch:\n          mode: write\n          setter: ids\n",
    );
    t + "exports:\n  - method_name: all_widgets\n    summary: Every widget.\n    query: query_widgets\n    get: patch_widgets\n"
}

/// The generated `requests.rs` of a valid manifest.
fn requests_of(text: &str) -> String {
    let api = load_str("manifest.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    let files = generate(&api, "0000000000000000").unwrap_or_else(|e| panic!("{e}"));
    files
        .into_iter()
        .find(|(p, _)| p.ends_with("requests.rs"))
        .unwrap()
        .1
}

fn errors(text: &str) -> String {
    load_str("small.yaml", text)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn offset_pagination_and_a_batched_element_generate_streams() {
    // The export names a get without a batched read keyword.
    let text = bulk();
    assert_eq!(
        errors(&text),
        format!(
            "error: small.yaml:{}:5: exports[0].get: operation `patch_widgets` has no keyword with `batch: {{mode: read}}`\n  \
             fix: mark its ids keyword with `batch: {{mode: read}}`\n\
             1 error in the manifest",
            text.lines().count()
        )
    );
    // Without the export, the manifest is valid.
    let text = text[..text.find("exports:").unwrap()].to_owned();
    let requests = &requests_of(&text);
    assert!(
        requests.contains("pub fn paginate(self) -> crate::Paginator<String>"),
        "{requests}"
    );
    assert!(requests.contains("pub fn items(self) -> crate::Items<String>"));
    assert!(requests.contains("crate::for_generated::PageSpec::Offset"));
    assert!(requests.contains("max_offset: Some(1000)"));
    assert!(requests.contains("pub fn batch(self) -> crate::BatchWriter<crate::models::Widget>"));
    assert!(
        requests.contains("pub fn send_all(self) -> crate::WriteResults<crate::models::Widget>")
    );
    assert!(requests.contains("array: \"widgets\""));
    assert!(requests.contains("field: \"id\""));
    assert!(requests.contains("pub fn ids(mut self, values: impl IntoIterator"));
    // Widget has a string `id`: it keys the items.
    assert!(requests.contains("item.id.as_deref()"));
}

#[test]
fn pagination_errors_are_located() {
    let text = with(
        SMALL,
        "      resources: string\n      envelope: msaspec.QueryResponse\n    parameters:\n",
        "      resources: string\n      envelope: msaspec.QueryResponse\n    pagination:\n      style: pages\n      offset: start\n      limit: sort\n      page_size: 0\n      alternative: blob_widgets\n    parameters:\n",
    );
    assert_eq!(
        errors(&text),
        "error: small.yaml:62:7: operations[0].pagination.style: unknown pagination style `pages`\n  \
         fix: use one of offset, cursor\n\
         error: small.yaml:64:7: operations[0].pagination.limit: the page size `sort` is of type `sort`\n  \
         fix: name an `integer` parameter\n\
         error: small.yaml:65:7: operations[0].pagination.page_size: the page size is 0\n  \
         fix: give the number of items to ask for per page\n\
         error: small.yaml:66:7: operations[0].pagination.alternative: operation `blob_widgets` has no cursor pagination\n  \
         fix: name an operation with `pagination: {style: cursor, ...}`\n\
         4 errors in the manifest"
    );
    let text = with(
        SMALL,
        "      resources: string\n      envelope: msaspec.QueryResponse\n    parameters:\n",
        "      resources: string\n      envelope: msaspec.QueryResponse\n    pagination:\n      style: cursor\n      cursor: after\n      limit: limit\n      page_size: 10\n      max_offset: 100\n    parameters:\n",
    );
    assert_eq!(
        errors(&text),
        "error: small.yaml:63:7: operations[0].pagination.cursor: `after` is not a parameter of this operation\n  \
         fix: name the query parameter that takes the cursor\n\
         error: small.yaml:66:7: operations[0].pagination.max_offset: `max_offset` applies to offset pagination only\n  \
         fix: remove `max_offset` or set `style: offset`\n\
         2 errors in the manifest"
    );
}

#[test]
fn batch_errors_are_located() {
    // A one-value keyword without a bulk setter or `max_items`.
    let text = with(
        SMALL,
        "        body_path: 'widgets[].id'\n",
        "        body_path: 'widgets[].id'\n        batch:\n          mode: upsert\n",
    );
    assert_eq!(
        errors(&text),
        "error: small.yaml:129:9: operations[1].parameters[1].batch: batched keyword `id` has no `max_items`\n  \
         fix: set `max_items:` to the most values the API takes per request\n\
         error: small.yaml:129:9: operations[1].parameters[1].batch: keyword `id` takes one value: its many values need a setter\n  \
         fix: add `setter:` naming the setter that takes many (e.g. `ids`)\n\
         error: small.yaml:130:11: operations[1].parameters[1].batch.mode: unknown batch mode `upsert`\n  \
         fix: use `read` (the stream yields the reply's items) or `write` (a result per id)\n\
         3 errors in the manifest"
    );
    // A list keyword takes no bulk setter; a scalar query keyword cannot be batched.
    let text = with(
        SMALL,
        "        max_items: 100\n        description: Widget IDs (max 100).",
        "        max_items: 100\n        batch:\n          mode: read\n          setter: many\n        description: Widget IDs (max 100).",
    );
    assert!(
        errors(&text).contains(
            "operations[0].parameters[3].batch.setter: a list keyword takes many values through its own setter"
        ),
        "{}",
        errors(&text)
    );
}

/// The real manifest, whose export is sharded by `first_seen`.
const SPEC: &str = include_str!("../../spec/exposure_management.yaml");

#[test]
fn an_export_is_sharded_by_a_ranged_timestamp_counted_by_a_post() {
    let requests = &requests_of(SPEC);
    assert!(requests.contains("field: \"first_seen\""), "{requests}");
    assert!(requests.contains("aggregate: &table::AGGREGATE_EXTERNAL_ASSETS"));

    // A field that is not a timestamp with range comparisons.
    let text = with(
        SPEC,
        "      field: first_seen\n      aggregate:",
        "      field: asset_type\n      aggregate:",
    );
    let e = errors(&text);
    assert!(
        e.contains(
            "exports[0].shard_by: field `asset_type` is not a timestamp with range comparisons"
        ),
        "{e}"
    );
    // An aggregate that is not a POST.
    let text = with(
        SPEC,
        "      aggregate: aggregate_external_assets",
        "      aggregate: query_external_assets",
    );
    let e = errors(&text);
    assert!(
        e.contains("exports[0].shard_by: `query_external_assets` is not a POST operation"),
        "{e}"
    );
}
