//! Filter tables and vocabularies.

use std::collections::{BTreeMap, BTreeSet};

use super::{Ctx, key, under};
use crate::ir::{self, Caps, ValueType, VocabId};
use crate::locate::Step;
use crate::manifest::{FilterTable, Vocabulary};
use crate::names::{
    const_name, field_const_name, model_rust_name, pascal, snake_case, variant_name,
};
use crate::types;

/// Fields of a table by name, with their capabilities merged from the four lists.
fn merged(t: &FilterTable) -> BTreeMap<&str, Caps> {
    let mut out: BTreeMap<&str, Caps> = BTreeMap::new();
    for f in &t.exact_match {
        out.entry(f).or_default().exact = true;
    }
    for f in &t.wildcard {
        out.entry(f).or_default().wildcard = true;
    }
    for f in &t.list {
        out.entry(f).or_default().list = true;
    }
    for f in &t.range {
        out.entry(f).or_default().range = true;
    }
    out
}

fn value_type_words() -> String {
    ValueType::ALL.map(|(w, _)| w).join(", ")
}

pub(super) fn tables(cx: &mut Ctx<'_>) -> Vec<ir::Table> {
    let m = cx.m;
    let mut built = Vec::new();
    for (name, t) in &m.filter_tables {
        let at = |rest: &[Step]| under(&[key("filter_tables"), key(name)], rest);
        check_lists(cx, t, &at);
        let all = merged(t);
        if let Some(e) = &t.field_enum {
            if !types::is_model_name(e) {
                cx.push(
                    at(&[key("field_enum")]),
                    format!("enum name `{e}` is not PascalCase"),
                    "start with a capital letter and use only letters and digits",
                );
            }
        }
        let mut variants = BTreeMap::new();
        for f in all.keys() {
            let variant = variant_name(f);
            if let Some(other) = variants.insert(variant.clone(), *f) {
                cx.push(
                    at(&[]),
                    format!("fields `{other}` and `{f}` give the same enum variant `{variant}`"),
                    "rename one of the fields",
                );
            }
        }
        let value_types = value_types(cx, t, &all, &at);
        let fields = all
            .into_iter()
            .map(|(field, caps)| ir::FilterField {
                name: field.to_owned(),
                variant: variant_name(field),
                const_name: field_const_name(field),
                value_type: value_types.get(field).copied().unwrap_or(ValueType::Text),
                caps,
                vocabulary: cx.vocabulary(name, field),
            })
            .collect();
        built.push(ir::Table {
            name: name.clone(),
            enum_name: t
                .field_enum
                .clone()
                .unwrap_or_else(|| format!("{}Field", pascal(name))),
            description: t.description.clone(),
            negation: t.negation,
            fields,
        });
    }
    built
}

/// The value types of the table's fields, checked.
fn value_types<'t>(
    cx: &mut Ctx<'_>,
    t: &'t FilterTable,
    all: &BTreeMap<&str, Caps>,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> BTreeMap<&'t str, ValueType> {
    let mut value_types = BTreeMap::new();
    for (f, vt) in &t.value_types {
        let here = at(&[key("value_types"), key(f)]);
        if !all.contains_key(f.as_str()) {
            cx.push(
                here.clone(),
                format!("field `{f}` has a value type but is in none of the four lists"),
                "add it to a list or remove its value type",
            );
        }
        match ValueType::ALL.iter().find(|(w, _)| w == vt) {
            None => cx.push(
                here,
                format!("unknown value type `{vt}` for field `{f}`"),
                format!("use one of {}", value_type_words()),
            ),
            Some((_, ValueType::Boolean)) if t.range.contains(f) => cx.push(
                here,
                format!("field `{f}` is boolean but listed in `range`"),
                "a boolean has no order: remove it from `range` or fix its type",
            ),
            Some((_, v)) => {
                value_types.insert(f.as_str(), *v);
            }
        }
    }
    value_types
}

/// Checks the four lists: each field once per list, each a dotted name.
fn check_lists(cx: &mut Ctx<'_>, t: &FilterTable, at: &dyn Fn(&[Step]) -> Vec<Step>) {
    let lists = [
        ("exact_match", &t.exact_match),
        ("wildcard", &t.wildcard),
        ("list", &t.list),
        ("range", &t.range),
    ];
    for (list, fields) in lists {
        let mut seen = BTreeSet::new();
        for (k, f) in fields.iter().enumerate() {
            if !seen.insert(f.as_str()) {
                cx.push(
                    at(&[key(list), Step::Index(k)]),
                    format!("field `{f}` is listed twice in `{list}`"),
                    "list each field once per table",
                );
            }
            let ok = !f.is_empty()
                && f.split('.').all(|s| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            if !ok {
                cx.push(
                    at(&[key(list), Step::Index(k)]),
                    format!("`{f}` is not a field name"),
                    "use dotted names such as `ip.services.port`",
                );
            }
        }
    }
}

/// Model field types a vocabulary may apply to: text, or lists of text.
const VOCABULARY_TYPES: [&str; 3] = ["string", "list<string>", "one_or_many<string>"];

pub(super) fn vocabularies(cx: &mut Ctx<'_>) -> Vec<ir::Vocabulary> {
    let m = cx.m;
    let mut built = Vec::new();
    for (i, (name, v)) in m.vocabularies.iter().enumerate() {
        let at = |rest: &[Step]| under(&[key("vocabularies"), key(name)], rest);
        if !types::is_model_name(name) {
            cx.push(
                at(&[]),
                format!("vocabulary name `{name}` is not PascalCase"),
                "start with a capital letter and use only letters and digits",
            );
        }
        let rust_name = model_rust_name(name);
        if m.models
            .keys()
            .any(|model| model_rust_name(model) == rust_name)
        {
            cx.push(
                at(&[]),
                format!("vocabulary `{name}` has the name of a model"),
                "give the vocabulary another name",
            );
        }
        if v.values.is_empty() {
            cx.push(
                at(&[key("values")]),
                "a vocabulary without values",
                "list the documented values, each with its evidence",
            );
        }
        let values = values(cx, v, &at);
        let refs = [
            ("model_fields", &v.model_fields),
            ("parameters", &v.parameters),
            ("filter_fields", &v.filter_fields),
        ];
        for (list, items) in refs {
            for (k, r) in items.iter().enumerate() {
                let here = at(&[key(list), Step::Index(k)]);
                if let Some(other) = cx.vocabulary_of.insert(r.as_str(), VocabId(i)) {
                    if other != VocabId(i) {
                        let other = m
                            .vocabularies
                            .keys()
                            .nth(other.0)
                            .map_or("", String::as_str);
                        cx.push(
                            here.clone(),
                            format!("`{r}` is also given vocabulary `{other}`"),
                            "a field takes one vocabulary",
                        );
                    }
                }
                if let Some((message, fix)) = vocabulary_target(cx, list, r, v) {
                    cx.push(here, message, fix);
                }
            }
        }
        built.push(ir::Vocabulary {
            name: name.clone(),
            // A closed vocabulary is an enum of the vocabulary's name; an
            // open one a module of constants.
            rust_name: if v.closed {
                name.clone()
            } else {
                snake_case(name)
            },
            description: v.description.clone(),
            closed: v.closed,
            case_insensitive: v.case_insensitive,
            values,
            used_by: v
                .model_fields
                .iter()
                .chain(&v.parameters)
                .chain(&v.filter_fields)
                .cloned()
                .collect(),
        });
    }
    built
}

/// The vocabulary's values, checked, each with its Rust name.
fn values(
    cx: &mut Ctx<'_>,
    v: &Vocabulary,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> Vec<ir::VocabularyValue> {
    let mut seen = BTreeMap::new();
    let mut built = Vec::new();
    for (k, x) in v.values.iter().enumerate() {
        let here = |k2: &str| at(&[key("values"), Step::Index(k), key(k2)]);
        if !valid_value(&x.value) {
            cx.push(
                here("value"),
                format!("value `{}` cannot name a variant or constant", x.value),
                "values start with a letter and hold letters, digits, `_`, `-` or spaces",
            );
        }
        let variant = variant_name(&x.value);
        let same = if v.case_insensitive {
            variant.to_ascii_lowercase()
        } else {
            variant.clone()
        };
        if let Some(first) = seen.insert(same, k) {
            cx.push(
                here("value"),
                format!(
                    "value `{}` names the same variant as values[{first}]",
                    x.value
                ),
                "list each value once",
            );
        }
        if variant == "Unknown" {
            cx.push(
                here("value"),
                "`Unknown` is the variant of values outside the list",
                "this value cannot be listed as is; leave the field as text",
            );
        }
        if x.evidence.trim().is_empty() {
            cx.push(
                here("evidence"),
                format!("value `{}` has no evidence", x.value),
                "name the source that documents it; never list a guessed value",
            );
        }
        built.push(ir::VocabularyValue {
            value: x.value.clone(),
            evidence: x.evidence.clone(),
            rust_name: if v.closed {
                variant
            } else {
                const_name(&x.value)
            },
        });
    }
    built
}

/// Whether a value can name a variant and a constant: a letter, then
/// letters, digits, `_`, `-` or spaces.
fn valid_value(value: &str) -> bool {
    value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' '))
}

/// `Owner.member` → (`Owner`, `member`); filter fields keep their dots.
fn split(reference: &str) -> Option<(&str, &str)> {
    reference
        .split_once('.')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
}

/// What is wrong with a vocabulary's reference `r` in `list`, if anything.
fn vocabulary_target(
    cx: &Ctx<'_>,
    list: &str,
    r: &str,
    v: &Vocabulary,
) -> Option<(String, String)> {
    let m = cx.m;
    let Some((owner, member)) = split(r) else {
        return Some((
            format!("`{r}` is not of the form `owner.name`"),
            "write `Model.field`, `operation_id.keyword` or `table.field`".into(),
        ));
    };
    match list {
        "model_fields" => match m.models.get(owner).map(|model| model.fields.get(member)) {
            None => Some((
                format!("model `{owner}` is not defined"),
                "name a model under `models:`".into(),
            )),
            Some(None) => Some((
                format!("model `{owner}` has no field `{member}`"),
                "fix the field name".into(),
            )),
            Some(Some(f)) if !VOCABULARY_TYPES.contains(&f.ty()) => Some((
                format!("field `{r}` is of type `{}`", f.ty()),
                format!("a vocabulary applies to {}", VOCABULARY_TYPES.join(", ")),
            )),
            Some(Some(_)) => None,
        },
        "parameters" => {
            let Some(op) = m.operations.iter().find(|o| o.id == owner) else {
                return Some((
                    format!("operation `{owner}` is not defined"),
                    "name an operation ID".into(),
                ));
            };
            let Some(p) = op.parameters.iter().find(|p| p.name == member) else {
                return Some((
                    format!("operation `{owner}` has no keyword `{member}`"),
                    "fix the keyword name".into(),
                ));
            };
            if p.ty != "string" {
                return Some((
                    format!("keyword `{r}` is of type `{}`", p.ty),
                    "a vocabulary applies to `string` keywords".into(),
                ));
            }
            let allowed: BTreeSet<&str> =
                p.allowed_values.iter().map(|a| a.value.as_str()).collect();
            let values: BTreeSet<&str> = v.values.iter().map(|x| x.value.as_str()).collect();
            (v.closed && !allowed.is_empty() && allowed != values).then(|| {
                (
                    format!("the `allowed_values` of `{r}` differ from the vocabulary's values"),
                    "list the same values in both places".into(),
                )
            })
        }
        _ => match m.filter_tables.get(owner) {
            None => Some((
                format!("filter table `{owner}` is not defined"),
                "name a table under `filter_tables:`".into(),
            )),
            Some(t) if !merged(t).contains_key(member) => Some((
                format!("filter table `{owner}` has no field `{member}`"),
                "fix the field name".into(),
            )),
            Some(_) => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_references_are_read() {
        assert!(valid_value("date-range 2") && !valid_value("2x") && !valid_value("a'b"));
        assert_eq!(split("ip.services.port"), Some(("ip", "services.port")));
        assert_eq!(split("Model."), None);
    }
}
