//! What a request is made of: the operation it calls (its static
//! description in the generated table), the parts a builder fills in
//! before `send()`, and the checks made before anything is sent.

pub(crate) mod operation;
pub(crate) mod validate;

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::fql::{FilterArg, FilterTable, SortArg};

/// Query parameters, JSON body and per-request options gathered by a request
/// builder. Generated builders write into it; the runtime sends it. Its
/// contents are the crate's own: none of it can be named or changed from
/// outside.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestParts {
    /// Query parameters in order; a name may repeat (`ids=a&ids=b`).
    pub(crate) query: Vec<(String, String)>,
    /// JSON body, if any.
    pub(crate) body: Option<Value>,
    /// Timeout for this request, overriding the client's.
    pub(crate) timeout: Option<Duration>,
    /// Allow retrying a non-idempotent request after it may have reached the server.
    pub(crate) retry_writes: bool,
    /// Never send the request again once it may have reached the server,
    /// whatever the operation's retry safety (bulk writes set it). Throttled
    /// (429) and refused-token (401) replies, and connections that never
    /// opened, are still retried: the API did not act on those.
    pub(crate) at_most_once: bool,
    /// Values given to a bulk setter of a keyword that takes one value per
    /// request (`ids` of a batched `id`); only a batch stream sends them.
    pub(crate) bulk_values: Vec<String>,
    /// Items the reply is expected to hold (a batch's ids, a page's size;
    /// 0: unknown), for reserving its list once.
    pub(crate) expected_items: usize,
    /// A problem found while building (e.g. a keyword that cannot be placed
    /// into a raw body the caller supplied); reported by `send()`.
    pub(crate) invalid: Option<String>,
}

impl RequestParts {
    /// Empty parts.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued query parameter, replacing an earlier value.
    pub(crate) fn set_query(&mut self, name: &str, value: impl Into<String>) {
        self.query.retain(|(n, _)| n != name);
        self.query.push((name.to_owned(), value.into()));
    }

    /// Appends a value to a repeated query parameter (`ids=a&ids=b`).
    pub(crate) fn push_query(&mut self, name: &str, value: impl Into<String>) {
        self.query.push((name.to_owned(), value.into()));
    }

    /// Values of the query parameter `name`, as they will be sent.
    pub(crate) fn query_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets an FQL filter query parameter, validated against `table`.
    pub(crate) fn set_query_filter(
        &mut self,
        name: &str,
        filter: FilterArg,
        table: Option<&'static FilterTable>,
    ) {
        match filter.render(table) {
            Ok(v) => self.set_query(name, v),
            Err(e) => self.invalid = Some(format!("`{name}`: {e}")),
        }
    }

    /// Places an FQL filter in the JSON body, validated against `table`.
    pub(crate) fn set_body_filter(
        &mut self,
        path: &str,
        filter: FilterArg,
        table: Option<&'static FilterTable>,
    ) {
        match filter.render(table) {
            Ok(v) => self.set_body_field(path, Value::String(v)),
            Err(e) => self.invalid = Some(format!("`{path}`: {e}")),
        }
    }

    /// Sets a sort query parameter, validated against `table`.
    pub(crate) fn set_query_sort(
        &mut self,
        name: &str,
        sort: SortArg,
        table: Option<&'static FilterTable>,
    ) {
        match sort.render(table) {
            Ok(v) => self.set_query(name, v),
            Err(e) => self.invalid = Some(format!("`{name}`: {e}")),
        }
    }

    // Part of what the generator may emit; today's manifest has none.
    #[allow(dead_code)]
    /// Places a sort string in the JSON body, validated against `table`.
    pub(crate) fn set_body_sort(
        &mut self,
        path: &str,
        sort: SortArg,
        table: Option<&'static FilterTable>,
    ) {
        match sort.render(table) {
            Ok(v) => self.set_body_field(path, Value::String(v)),
            Err(e) => self.invalid = Some(format!("`{path}`: {e}")),
        }
    }

    /// Records an error when `value` is not one of `allowed`.
    pub(crate) fn check_allowed(&mut self, name: &str, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.invalid = Some(format!(
                "`{name}`: `{value}` is not accepted; use one of: {}",
                allowed.join(", ")
            ));
        }
    }

    /// Sets the whole JSON body from a serializable model.
    pub(crate) fn set_body_typed<T: Serialize>(&mut self, body: &T) {
        match serde_json::to_value(body) {
            Ok(v) => self.set_body(v),
            Err(e) => self.invalid = Some(format!("the body cannot be serialized: {e}")),
        }
    }

    /// Places a serializable value at `path` in the JSON body.
    pub(crate) fn set_body_typed_at<T: Serialize>(&mut self, path: &str, value: &T) {
        match serde_json::to_value(value) {
            Ok(v) => self.set_body_field(path, v),
            Err(e) => self.invalid = Some(format!("`{path}` cannot be serialized: {e}")),
        }
    }

    // Part of what the generator may emit; today's manifest has none.
    #[allow(dead_code)]
    /// Sets a query parameter to a value's JSON text.
    pub(crate) fn set_query_json<T: Serialize>(&mut self, name: &str, value: &T) {
        match serde_json::to_string(value) {
            Ok(v) => self.set_query(name, v),
            Err(e) => self.invalid = Some(format!("`{name}` cannot be serialized: {e}")),
        }
    }

    /// Replaces the whole JSON body. Keywords set afterwards are merged into it.
    pub(crate) fn set_body(&mut self, body: Value) {
        self.body = Some(body);
    }

    /// Removes and returns the value at `path` of the JSON body (`[]`
    /// meaning the first element of an array), if there is one.
    pub(crate) fn take_body_field(&mut self, path: &str) -> Option<Value> {
        let mut node = self.body.as_mut()?;
        let segs = segments(path);
        let (last, walk) = segs.split_last()?;
        for seg in walk {
            node = match (seg, node) {
                (&"[]", Value::Array(items)) => items.first_mut()?,
                (name, Value::Object(map)) => map.get_mut(*name)?,
                _ => return None,
            };
        }
        match (last, node) {
            (&"[]", Value::Array(items)) if !items.is_empty() => Some(items.remove(0)),
            (name, Value::Object(map)) => map.remove(*name),
            _ => None,
        }
    }

    /// Places `value` at `path` in the JSON body, creating objects and
    /// single-element arrays on the way.
    ///
    /// `path` is dot-separated; a `[]` segment (alone, or as a suffix such as
    /// `assets[]`) stands for the single object inside an array, so
    /// `assets[].triage.action` yields `{"assets":[{"triage":{"action":…}}]}`
    /// and `[].field` yields `[{"field":…}]`.
    pub(crate) fn set_body_field(&mut self, path: &str, value: Value) {
        let body = self.body.get_or_insert(Value::Null);
        if let Err(at) = place(body, &segments(path), value) {
            self.invalid = Some(format!(
                "cannot set body keyword `{path}`: the body given with `.body()` holds a non-object value at `{at}`; \
                 set that part through `.body()` or remove it there"
            ));
        }
    }
}

/// Splits `assets[].triage.action` into `["assets", "[]", "triage", "action"]`.
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.strip_suffix("[]") {
            Some("") => out.push("[]"),
            Some(name) => {
                out.push(name);
                out.push("[]");
            }
            None => out.push(part),
        }
    }
    out
}

/// Writes `value` at the dotted `path` below `node` (see
/// [`RequestParts::set_body_field`]); on a shape conflict returns the path
/// walked so far.
pub(crate) fn place_at(node: &mut Value, path: &str, value: Value) -> Result<(), String> {
    place(node, &segments(path), value)
}

/// Writes `value` at `segs` below `node`; on a shape conflict returns the
/// path walked so far.
fn place(node: &mut Value, segs: &[&str], value: Value) -> Result<(), String> {
    let Some((&first, rest)) = segs.split_first() else {
        *node = value;
        return Ok(());
    };
    if first == "[]" {
        if node.is_null() {
            *node = Value::Array(vec![Value::Null]);
        }
        let Value::Array(items) = node else {
            return Err("[]".into());
        };
        if items.is_empty() {
            items.push(Value::Null);
        }
        // A keyword describes one element: it lands in the first one.
        return place(&mut items[0], rest, value).map_err(|p| format!("[].{p}"));
    }
    if node.is_null() {
        *node = Value::Object(Map::new());
    }
    let Value::Object(map) = node else {
        return Err(first.into());
    };
    let child = map.entry(first.to_owned()).or_insert(Value::Null);
    place(child, rest, value).map_err(|p| format!("{first}.{p}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_paths_build_the_documented_shapes() {
        let mut p = RequestParts::new();
        p.set_body_field("assets[].id", json!("a1"));
        p.set_body_field("assets[].triage.action", json!("ack"));
        assert_eq!(
            p.body,
            Some(json!({"assets":[{"id":"a1","triage":{"action":"ack"}}]}))
        );

        let mut p = RequestParts::new();
        p.set_body_field("[].type", json!("terms"));
        p.set_body_field("[].size", json!(5));
        assert_eq!(p.body, Some(json!([{"type":"terms","size":5}])));
    }

    #[test]
    fn keywords_merge_into_a_raw_body() {
        let mut p = RequestParts::new();
        p.set_body(json!({"description": "old", "extra": 1}));
        p.set_body_field("description", json!("new"));
        assert_eq!(p.body, Some(json!({"description":"new","extra":1})));
        assert!(p.invalid.is_none());
    }

    #[test]
    fn shape_conflicts_are_reported_not_lost() {
        let mut p = RequestParts::new();
        p.set_body(json!({"assets": "oops"}));
        p.set_body_field("assets[].id", json!("a1"));
        assert!(p.invalid.as_deref().unwrap().contains("assets"));
        assert_eq!(p.body, Some(json!({"assets": "oops"})));
    }

    #[test]
    fn body_fields_can_be_taken_out() {
        let mut p = RequestParts::new();
        p.set_body_field("assets[].id", json!("a1"));
        p.set_body_field("assets[].triage.action", json!("ack"));
        p.set_body_field("description", json!("d"));
        let assets = p.take_body_field("assets");
        assert_eq!(assets, Some(json!([{"id":"a1","triage":{"action":"ack"}}])));
        assert_eq!(p.body, Some(json!({"description":"d"})));
        assert_eq!(p.take_body_field("assets[].id"), None);
        assert_eq!(p.take_body_field("description.x"), None);
        assert_eq!(RequestParts::new().take_body_field("a"), None);
    }

    #[test]
    fn repeated_query_values_keep_order() {
        let mut p = RequestParts::new();
        p.push_query("ids", "a");
        p.push_query("ids", "b");
        p.set_query("limit", "5");
        p.set_query("limit", "6");
        assert_eq!(p.query_values("ids").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(p.query_values("limit").collect::<Vec<_>>(), ["6"]);
    }
}
