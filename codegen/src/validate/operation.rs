//! Operations: their keywords, pages and batches.

use std::collections::BTreeMap;

use super::pagination::pagination;
use super::parameter::{check_batch, parameter};
use super::{Ctx, all, key, under};
use crate::ir::{self, HttpMethod, ItemKey, Type};
use crate::locate::Step;
use crate::manifest::Operation;
use crate::names::{pascal, setter_name};
use crate::types::TypeExpr;

pub(super) fn operations(cx: &mut Ctx<'_>) -> Option<Vec<ir::Operation>> {
    let m = cx.m;
    let mut ids = BTreeMap::new();
    let mut names = BTreeMap::new();
    let mut built = Vec::new();
    for (i, op) in m.operations.iter().enumerate() {
        let at = |k: &str| vec![key("operations"), Step::Index(i), key(k)];
        if let Some(first) = ids.insert(op.id.as_str(), i) {
            cx.push(
                at("id"),
                format!(
                    "duplicate operation ID `{}` (also operations[{first}])",
                    op.id
                ),
                "give each operation its own ID",
            );
        }
        if let Some(first) = names.insert(op.method_name.as_str(), i) {
            cx.push(
                at("method_name"),
                format!(
                    "duplicate method name `{}` (also operations[{first}])",
                    op.method_name
                ),
                "give each operation its own method name",
            );
        }
        built.push(operation(cx, op, i));
    }
    all(built)
}

fn operation(cx: &mut Ctx<'_>, op: &Operation, i: usize) -> Option<ir::Operation> {
    let base = [key("operations"), Step::Index(i)];
    let at = |rest: &[Step]| under(&base, rest);
    let http_method = check_header(cx, op, &at);
    let body_type = match &op.body_type {
        Some(t) => cx.check_type(at(&[key("body_type")]), t).map(Some),
        None => Some(None),
    };
    let reply = reply(cx, op, &at);
    let pagination = pagination(cx, op, &at);
    let params = params(cx, op, &at);
    let (params, batch) = params?;
    let bulk = match (pagination?, batch) {
        (Some(p), _) => Some(ir::Bulk::Pages(p)),
        (None, Some(b)) => Some(ir::Bulk::Batches(b)),
        (None, None) => None,
    };
    let reply = match reply? {
        // A binary reply with pages or batches is refused above.
        ir::Reply::Binary if bulk.is_some() => return None,
        ir::Reply::Binary => ir::Reply::Binary,
        ir::Reply::Json {
            resources,
            resources_text,
            key,
            ..
        } => ir::Reply::Json {
            resources,
            resources_text,
            key,
            bulk,
        },
    };
    let http_method = http_method?;
    let builder = pascal(&op.method_name);
    // The builder was once named after the operation ID: that name stays
    // searchable.
    let builder_alias = Some(pascal(&op.id)).filter(|alias| *alias != builder);
    Some(ir::Operation {
        id: op.id.clone(),
        method_name: op.method_name.clone(),
        builder,
        builder_alias,
        table_const: op.id.to_ascii_uppercase(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        http_method,
        route: op.route.clone(),
        scope: op.scope.clone(),
        consumes: op.consumes.clone(),
        produces: op.produces.clone(),
        retry_safe: op
            .retry_safe
            .unwrap_or(matches!(http_method, HttpMethod::Get | HttpMethod::Delete)),
        body_type: body_type?,
        reply,
        params,
        aliases: op.aliases.clone(),
    })
}

/// Checks the operation's names, route, scope and content types; its HTTP method.
fn check_header(
    cx: &mut Ctx<'_>,
    op: &Operation,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> Option<HttpMethod> {
    cx.check_ident(at(&[key("id")]), &op.id, "operation ID");
    cx.check_ident(at(&[key("method_name")]), &op.method_name, "method name");
    for (k, alias) in op.aliases.iter().enumerate() {
        cx.check_ident(at(&[key("aliases"), Step::Index(k)]), alias, "alias");
        if *alias == op.method_name {
            cx.push(
                at(&[key("aliases"), Step::Index(k)]),
                format!("alias `{alias}` is the method's own name"),
                "remove it: the method is found by its name already",
            );
        }
    }
    let http_method = HttpMethod::ALL
        .iter()
        .find(|(w, _)| *w == op.http_method)
        .map(|(_, v)| *v);
    if http_method.is_none() {
        cx.push(
            at(&[key("http_method")]),
            format!("unknown HTTP method `{}`", op.http_method),
            format!("use one of {}", HttpMethod::ALL.map(|(w, _)| w).join(", ")),
        );
    }
    if !op.route.starts_with('/') {
        cx.push(
            at(&[key("route")]),
            format!("route `{}` does not start with `/`", op.route),
            format!(
                "write it from the API root, e.g. `/{}`",
                op.route.trim_start_matches('/')
            ),
        );
    }
    let scope_ok = op.scope.split_once(':').is_some_and(|(name, access)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
            && (access == "read" || access == "write")
    });
    if !scope_ok {
        cx.push(
            at(&[key("scope")]),
            format!(
                "scope `{}` is not of the form `name:read` or `name:write`",
                op.scope
            ),
            "write it in lowercase, e.g. `assets:read`",
        );
    }
    if op.produces.is_empty() {
        cx.push(
            at(&[key("produces")]),
            "no response content type",
            "list at least one, e.g. `[application/json]`",
        );
    }
    http_method
}

fn reply(cx: &mut Ctx<'_>, op: &Operation, at: &dyn Fn(&[Step]) -> Vec<Step>) -> Option<ir::Reply> {
    let r = &op.response;
    match (r.binary, &r.resources) {
        (true, Some(_)) => {
            cx.push(
                at(&[key("response")]),
                "a binary reply has no `resources`",
                "remove `resources` or `binary`",
            );
            None
        }
        (false, None) => {
            cx.push(
                at(&[key("response")]),
                "the reply's `resources` type is missing",
                "set `resources:` (e.g. `string` or a model) or `binary: true`",
            );
            None
        }
        (false, Some(t)) => {
            let resources = cx.check_type(at(&[key("response"), key("resources")]), t)?;
            let key = item_key(cx, &resources);
            Some(ir::Reply::Json {
                resources,
                resources_text: t.clone(),
                key,
                bulk: None,
            })
        }
        (true, None) => Some(ir::Reply::Binary),
    }
}

/// The key of a reply item: the string itself, the `id` field of a
/// generated model that has a `string` one, else none.
fn item_key(cx: &Ctx<'_>, resources: &Type) -> ItemKey {
    match resources {
        TypeExpr::String => ItemKey::Itself,
        TypeExpr::Model(id) => {
            let model = cx.m.models.values().nth(id.0);
            let keyed = model.is_some_and(|model| {
                model.runtime_type.is_none()
                    && model.fields.get("id").is_some_and(|f| f.ty() == "string")
            });
            if keyed {
                ItemKey::IdField
            } else {
                ItemKey::None
            }
        }
        _ => ItemKey::None,
    }
}

/// The keywords, and the batch of the batched one if any.
fn params(
    cx: &mut Ctx<'_>,
    op: &Operation,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> Option<(Vec<ir::Param>, Option<ir::Batch>)> {
    let mut batched = None;
    let mut batch = Some(None);
    let mut seen = BTreeMap::new();
    let mut built = Vec::new();
    for (j, p) in op.parameters.iter().enumerate() {
        let pat = |k: &str| at(&[key("parameters"), Step::Index(j), key(k)]);
        let setter = setter_name(p);
        if let Some(first) = seen.insert(setter.clone(), j) {
            cx.push(
                pat("name"),
                format!(
                    "parameter `{}` has the same setter name `{setter}` as parameters[{first}]",
                    p.name
                ),
                "rename one with `rust_name:`",
            );
        }
        let param = parameter(cx, op, p, &pat);
        if let Some(b) = &p.batch {
            let checked = check_batch(cx, op, p, b, &pat, j);
            if let Some(first) = batched.replace(j) {
                cx.push(
                    pat("batch"),
                    format!("a second batched keyword (also parameters[{first}])"),
                    "mark one keyword per operation with `batch:`",
                );
            }
            if op.pagination.is_some() {
                cx.push(
                    pat("batch"),
                    "an operation cannot be both paginated and batched (both give `items()`)",
                    "remove `batch:` or the operation's `pagination:`",
                );
            }
            if let Some(bulk) = &b.setter {
                if let Some(other) = seen.get(bulk.as_str()) {
                    cx.push(
                        pat("batch"),
                        format!("bulk setter `{bulk}` is also the setter of parameters[{other}]"),
                        "give `batch.setter` another name",
                    );
                }
            }
            batch = checked.map(Some);
        }
        built.push(param);
    }
    Some((all(built)?, batch?))
}
