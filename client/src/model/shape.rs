//! An anonymised report of what a reply holds that the models do not
//! expect: values outside a vocabulary, members no model names, and fields
//! sent in another shape than the model's. It names key paths and value
//! kinds, never values, so it can be pasted into a bug report.
//!
//! ```
//! use falcon_exposure::models::FemExternalAsset;
//! use falcon_exposure::shape::ShapeReport;
//!
//! let raw = serde_json::json!({"id": "a", "criticality": "Medium", "confidence": "80", "new_field": {"x": 1}});
//! let asset: FemExternalAsset = serde_json::from_value(raw.clone()).unwrap();
//! let mut report = ShapeReport::default();
//! report.check("resources[]", &raw, &asset);
//! assert_eq!(
//!     report.to_string(),
//!     "other shape    resources[].confidence: sent string, the model holds number (1)\n\
//!      unknown key    resources[].new_field.x: number (1)\n\
//!      unknown key    resources[].new_field: object (1)\n\
//!      unknown value  resources[].criticality: text outside the documented values (1)\n"
//! );
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// Deepest level of an unknown member that is described.
const MAX_DEPTH: usize = 8;

/// A typed value that can describe itself to a [`Visitor`]: generated for
/// every model and vocabulary.
pub trait Shape {
    /// Reports to `v` what this value holds that its type does not expect.
    fn visit(&self, v: &mut Visitor<'_>);
}

/// Walks a typed value, keeping the key path, and adds to a [`ShapeReport`].
#[derive(Debug)]
pub struct Visitor<'a> {
    path: String,
    report: &'a mut ShapeReport,
}

impl Visitor<'_> {
    fn at<T: Shape + ?Sized>(&mut self, segment: &str, value: &T) {
        let len = self.path.len();
        push(&mut self.path, segment);
        value.visit(self);
        self.path.truncate(len);
    }

    /// Visits the field `name`.
    pub fn field<T: Shape + ?Sized>(&mut self, name: &str, value: &T) {
        self.at(name, value);
    }

    /// Reports the members a model does not name, and what they hold.
    pub fn extra(&mut self, extra: &Map<String, Value>) {
        for (key, value) in extra {
            let len = self.path.len();
            push(&mut self.path, key);
            describe(self.report, &mut self.path, value, 0);
            self.path.truncate(len);
        }
    }

    /// Reports that the value here is outside its documented vocabulary.
    pub fn unknown_value(&mut self) {
        self.report.unknown_value(&self.path);
    }
}

fn push(path: &mut String, segment: &str) {
    if !path.is_empty() && !segment.starts_with('[') {
        path.push('.');
    }
    path.push_str(segment);
}

/// Reports an unknown member and, inside it, every key and its kind.
fn describe(report: &mut ShapeReport, path: &mut String, value: &Value, depth: usize) {
    if value.is_null() {
        return;
    }
    report.add(format!("unknown key    {path}: {}", kind(value)));
    if depth >= MAX_DEPTH {
        return;
    }
    let len = path.len();
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                push(path, key);
                describe(report, path, inner, depth + 1);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            push(path, "[]");
            for inner in items {
                if let Value::Object(map) = inner {
                    for (key, v) in map {
                        let at = path.len();
                        push(path, key);
                        describe(report, path, v, depth + 1);
                        path.truncate(at);
                    }
                }
            }
            path.truncate(len);
        }
        _ => {}
    }
}

/// The kind of a JSON value, as the report names it.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Every key path of a JSON value with a non-null value (`a.b`, `a[].c`).
pub fn key_paths(v: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, path: &mut String, out: &mut BTreeSet<String>) {
        let len = path.len();
        match v {
            Value::Object(map) => {
                for (key, inner) in map {
                    if inner.is_null() {
                        continue;
                    }
                    push(path, key);
                    out.insert(path.clone());
                    walk(inner, path, out);
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                push(path, "[]");
                for inner in items {
                    walk(inner, path, out);
                }
                path.truncate(len);
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(v, &mut String::new(), &mut out);
    out
}

/// What replies held that the models did not expect, each line with how
/// many times it was seen. Lines name key paths and value kinds only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShapeReport {
    lines: BTreeMap<String, u64>,
}

impl ShapeReport {
    fn add(&mut self, line: String) {
        *self.lines.entry(line).or_default() += 1;
    }

    /// Adds what `raw`, found at `path`, holds that its decoded form
    /// `typed` does not expect: values outside a vocabulary, members no model
    /// names, fields whose kind differs from the model's, and anything the
    /// decoding lost.
    pub fn check<T: Shape + Serialize>(&mut self, path: &str, raw: &Value, typed: &T) {
        let mut v = Visitor {
            path: path.to_owned(),
            report: self,
        };
        typed.visit(&mut v);
        match serde_json::to_value(typed) {
            Ok(back) => self.compare(&mut path.to_owned(), raw, Some(&back)),
            Err(e) => self.add(format!("not serialisable  {path}: {e}")),
        }
    }

    fn compare(&mut self, path: &mut String, raw: &Value, back: Option<&Value>) {
        if raw.is_null() {
            return;
        }
        let Some(back) = back else {
            self.add(format!("dropped        {path}: {}", kind(raw)));
            return;
        };
        if kind(raw) != kind(back) {
            self.add(format!(
                "other shape    {path}: sent {}, the model holds {}",
                kind(raw),
                kind(back)
            ));
            return;
        }
        let len = path.len();
        match (raw, back) {
            (Value::Object(r), Value::Object(b)) => {
                for (key, inner) in r {
                    push(path, key);
                    self.compare(path, inner, b.get(key));
                    path.truncate(len);
                }
            }
            (Value::Array(r), Value::Array(b)) => {
                push(path, "[]");
                let kept = r.iter().filter(|x| !x.is_null());
                for (i, inner) in kept.enumerate() {
                    self.compare(path, inner, b.get(i));
                }
                path.truncate(len);
            }
            _ => {}
        }
    }

    /// Adds `value`, found at `path`, as a member no type names (an unknown
    /// member of a reply's envelope, for example), with what it holds.
    pub fn unknown_member(&mut self, path: &str, value: &Value) {
        describe(self, &mut path.to_owned(), value, 0);
    }

    /// Adds that the text at `path` is outside its documented values (a
    /// bucket label read as a vocabulary, for example).
    pub fn unknown_value(&mut self, path: &str) {
        self.add(format!(
            "unknown value  {path}: text outside the documented values"
        ));
    }

    /// Whether nothing unexpected was seen.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The lines and how many times each was seen, sorted.
    pub fn lines(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.lines.iter().map(|(l, n)| (l.as_str(), *n))
    }
}

impl fmt::Display for ShapeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (line, n) in &self.lines {
            writeln!(f, "{line} ({n})")?;
        }
        Ok(())
    }
}

macro_rules! leaves {
    ($($t:ty),*) => {$(
        impl Shape for $t {
            fn visit(&self, _: &mut Visitor<'_>) {}
        }
    )*};
}
leaves!(String, crate::CompactString, i64, f64, bool, Value);

impl<T: Shape> Shape for Option<T> {
    fn visit(&self, v: &mut Visitor<'_>) {
        if let Some(inner) = self {
            inner.visit(v);
        }
    }
}

impl<T: Shape> Shape for Vec<T> {
    fn visit(&self, v: &mut Visitor<'_>) {
        for item in self {
            v.at("[]", item);
        }
    }
}

impl<T: Shape> Shape for [T] {
    fn visit(&self, v: &mut Visitor<'_>) {
        for item in self {
            v.at("[]", item);
        }
    }
}

impl<T: Shape> Shape for crate::OneOrMany<T> {
    fn visit(&self, v: &mut Visitor<'_>) {
        match self {
            crate::OneOrMany::One(item) => item.visit(v),
            crate::OneOrMany::Many(items) => items.visit(v),
        }
    }
}

impl<K, T: Shape> Shape for BTreeMap<K, T> {
    // Map keys are data, not schema: the path shows `{}` instead.
    fn visit(&self, v: &mut Visitor<'_>) {
        for item in self.values() {
            v.at("{}", item);
        }
    }
}
