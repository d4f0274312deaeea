//! An operation's keywords, and the batch of the batched one.

use std::collections::BTreeSet;

use super::{Ctx, key, under};
use crate::ir::{self, BatchMode, Location, ParamKind, Place};
use crate::locate::Step;
use crate::manifest::{Batch, Operation, Parameter};
use crate::names::{RESERVED_SETTERS, is_keyword, setter_name};
use crate::types::{self, ParamType, TypeExpr};

pub(super) fn check_batch(
    cx: &mut Ctx<'_>,
    op: &Operation,
    p: &Parameter,
    b: &Batch,
    pat: &dyn Fn(&str) -> Vec<Step>,
    index: usize,
) -> Option<ir::Batch> {
    let at = |k: &str| under(&pat("batch"), &[key(k)]);
    let mode = BatchMode::ALL
        .iter()
        .find(|(w, _)| *w == b.mode)
        .map(|(_, m)| *m);
    if mode.is_none() {
        cx.push(
            at("mode"),
            format!("unknown batch mode `{}`", b.mode),
            "use `read` (the stream yields the reply's items) or `write` (a result per id)",
        );
    }
    if p.max_items.is_none() {
        cx.push(
            pat("batch"),
            format!("batched keyword `{}` has no `max_items`", p.name),
            "set `max_items:` to the most values the API takes per request",
        );
    }
    if op.response.binary {
        cx.push(
            pat("batch"),
            "a binary reply cannot be batched",
            "remove `batch`",
        );
    }
    let place = batch_place(cx, p, b, pat, &at);
    Some(ir::Batch {
        param: index,
        mode: mode?,
        size: p.max_items?,
        place: place?,
        bulk_setter: b.setter.clone(),
    })
}

/// Where a batched keyword's values go, and the checks of its setter.
fn batch_place(
    cx: &mut Ctx<'_>,
    p: &Parameter,
    b: &Batch,
    pat: &dyn Fn(&str) -> Vec<Step>,
    at: &dyn Fn(&str) -> Vec<Step>,
) -> Option<ir::BatchPlace> {
    let element = p.body_path.as_deref().filter(|b| b.contains("[]"));
    match (types::parse_param(&p.ty), element) {
        (Ok(ParamType::StringList), _) => {
            if b.setter.is_some() {
                cx.push(
                    at("setter"),
                    "a list keyword takes many values through its own setter",
                    "remove `setter`",
                );
            }
            Some(match p.body_path.as_deref() {
                None => ir::BatchPlace::Query(p.name.clone()),
                Some(path) => ir::BatchPlace::BodyList(path.to_owned()),
            })
        }
        (Ok(ParamType::Value(TypeExpr::String)), Some(path)) if p.location == "body" => {
            match &b.setter {
                None => cx.push(
                    pat("batch"),
                    format!(
                        "keyword `{}` takes one value: its many values need a setter",
                        p.name
                    ),
                    "add `setter:` naming the setter that takes many (e.g. `ids`)",
                ),
                Some(s) => {
                    cx.check_ident(at("setter"), s, "setter name");
                    if RESERVED_SETTERS.contains(&s.as_str()) || is_keyword(s) {
                        cx.push(
                            at("setter"),
                            format!("setter name `{s}` is taken or a keyword"),
                            "choose another name",
                        );
                    }
                }
            }
            let Some((array, field)) = path.rsplit_once("[].") else {
                cx.push(
                    pat("body_path"),
                    format!("batched keyword `{}` is not a field of an array element", p.name),
                    "write the body path as `array[].field` (or `[].field` for a body that is an array)",
                );
                return None;
            };
            let array = if array.is_empty() { "[]" } else { array };
            Some(ir::BatchPlace::BodyElement {
                array: array.to_owned(),
                field: field.to_owned(),
            })
        }
        _ => {
            cx.push(
                pat("batch"),
                format!("keyword `{}` cannot be batched", p.name),
                "batch a `string_list`, or a `string` body keyword inside an array element (`assets[].id`)",
            );
            None
        }
    }
}

pub(super) fn parameter(
    cx: &mut Ctx<'_>,
    op: &Operation,
    p: &Parameter,
    pat: &dyn Fn(&str) -> Vec<Step>,
) -> Option<ir::Param> {
    let ty = match types::parse_param(&p.ty) {
        Ok(t) => t,
        Err(e) => {
            cx.push(pat("type"), e, format!("use one of {}", types::PARAM_TYPES));
            return None;
        }
    };
    let value = match &ty {
        ParamType::Value(t) => Some(cx.resolve(pat("type"), t)),
        _ => None,
    };
    let setter = setter_name(p);
    if !matches!(ty, ParamType::RawBody | ParamType::RawQuery) {
        check_setter(cx, p, &setter, pat);
    }
    let location = location(cx, p, &ty, pat);
    let table = filter_table(cx, p, &ty, pat);
    let is_list = matches!(
        ty,
        ParamType::StringList | ParamType::Value(TypeExpr::List(_))
    );
    // A batched keyword inside an array element (`assets[].id`) counts the
    // elements of that array.
    let batched_element =
        p.batch.is_some() && p.body_path.as_deref().is_some_and(|b| b.contains("[]"));
    if p.max_items.is_some() && !is_list && !batched_element {
        cx.push(
            pat("max_items"),
            "`max_items` applies to list parameters only",
            "remove it or make the type a list",
        );
    }
    if p.required && matches!(ty, ParamType::RawBody | ParamType::RawQuery) {
        cx.push(
            pat("required"),
            "a raw payload cannot be required",
            "remove `required`",
        );
    }
    let mut values = BTreeSet::new();
    for (k, v) in p.allowed_values.iter().enumerate() {
        if !values.insert(v.value.as_str()) {
            cx.push(
                under(&pat("allowed_values"), &[Step::Index(k)]),
                format!("allowed value `{}` is listed twice", v.value),
                "remove the duplicate",
            );
        }
    }
    // A body keyword without `body_path` is refused above (raw ones need none).
    let place = match (location?, p.body_path.as_deref()) {
        (Location::Query, _) => Some(Place::Query),
        (Location::Body, Some(path)) => Some(Place::Body(path.to_owned())),
        (Location::Body, None) => None,
    };
    let kind = match ty {
        ParamType::Value(_) => ParamKind::Value(value.flatten()?, place?),
        ParamType::StringList => ParamKind::StringList(place?),
        ParamType::Fql => ParamKind::Fql(table?, place?),
        ParamType::Sort => ParamKind::Sort(table?, place?),
        ParamType::RawBody => ParamKind::RawBody,
        ParamType::RawQuery => ParamKind::RawQuery,
    };
    Some(ir::Param {
        name: p.name.clone(),
        setter,
        seed_type: p.seed_type.clone(),
        type_text: p.ty.clone(),
        kind,
        list: is_list,
        service: p.service,
        uber: p.uber,
        required: p.required,
        max_items: p.max_items,
        description: p.description.clone(),
        allowed_values: p.allowed_values.clone(),
        example: p.example.clone(),
        vocabulary: cx.vocabulary(&op.id, &p.name),
    })
}

fn check_setter(cx: &mut Ctx<'_>, p: &Parameter, setter: &str, pat: &dyn Fn(&str) -> Vec<Step>) {
    if RESERVED_SETTERS.contains(&setter) {
        cx.push(
            pat("name"),
            format!("setter name `{setter}` is taken by every builder"),
            "give the parameter a `rust_name:`",
        );
    }
    if is_keyword(setter) {
        cx.push(
            pat("name"),
            format!("`{setter}` is a Rust keyword"),
            "give the parameter a `rust_name:`",
        );
    }
    let field = if p.rust_name.is_some() {
        "rust_name"
    } else {
        "name"
    };
    cx.check_ident(pat(field), setter, "setter name");
}

/// The keyword's location, checked against its type and body placement.
fn location(
    cx: &mut Ctx<'_>,
    p: &Parameter,
    ty: &ParamType,
    pat: &dyn Fn(&str) -> Vec<Step>,
) -> Option<Location> {
    let found = Location::ALL.iter().find(|(w, _)| *w == p.location);
    match found.map(|(_, l)| *l) {
        Some(Location::Query) => {
            if p.body_path.is_some() {
                cx.push(
                    pat("body_path"),
                    "a query parameter has no body placement",
                    "remove `body_path` or set `location: body`",
                );
            }
            if *ty == ParamType::RawBody {
                cx.push(
                    pat("location"),
                    "`raw_body` is the JSON body",
                    "set `location: body`",
                );
            }
        }
        Some(Location::Body) => {
            if *ty == ParamType::RawQuery {
                cx.push(
                    pat("location"),
                    "`raw_query` holds query parameters",
                    "set `location: query`",
                );
            } else if *ty != ParamType::RawBody {
                match &p.body_path {
                    None => cx.push(
                        pat("name"),
                        format!("body keyword `{}` has no placement in the JSON body", p.name),
                        "add `body_path:` (e.g. `description`, `assets[].triage.action`, `[].field`)",
                    ),
                    Some(path) if !valid_body_path(path) => cx.push(
                        pat("body_path"),
                        format!("body path `{path}` is malformed"),
                        "use dot-separated keys, `[]` for the single element of an array",
                    ),
                    Some(_) => {}
                }
            }
        }
        None => cx.push(
            pat("location"),
            format!("unknown location `{}`", p.location),
            "use `query` or `body`",
        ),
    }
    found.map(|(_, l)| *l)
}

/// The filter table of an `fql` or `sort` keyword (`Some(None)`: none).
fn filter_table(
    cx: &mut Ctx<'_>,
    p: &Parameter,
    ty: &ParamType,
    pat: &dyn Fn(&str) -> Vec<Step>,
) -> Option<Option<ir::TableId>> {
    if !matches!(ty, ParamType::Fql | ParamType::Sort) {
        if p.filter_table.is_some() {
            cx.push(
                pat("filter_table"),
                "only `fql` and `sort` parameters take a filter table",
                "remove `filter_table`",
            );
        }
        return Some(None);
    }
    let Some(t) = &p.filter_table else {
        return Some(None);
    };
    let id = cx.tables.get(t.as_str()).copied();
    if id.is_none() {
        cx.push(
            pat("filter_table"),
            format!("filter table `{t}` is not defined"),
            "define it under `filter_tables:` or fix the name",
        );
    }
    id.map(Some)
}

fn valid_body_path(path: &str) -> bool {
    path.split('.').all(|seg| {
        let name = seg.strip_suffix("[]").unwrap_or(seg);
        seg == "[]"
            || (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    })
}
