//! Operations: their keywords, pages and batches.

use std::collections::{BTreeMap, BTreeSet};

use super::names::{RESERVED_SETTERS, is_keyword, setter_name};
use super::{Ctx, all, key, under};
use crate::ir::{self, BatchMode, HttpMethod, ItemKey, Location, ParamKind, Place, Type};
use crate::locate::Step;
use crate::manifest::{Batch, Operation, Pagination, Parameter};
use crate::types::{self, ParamType, TypeExpr};

pub(super) fn operations<'m>(cx: &mut Ctx<'m>) -> Option<Vec<ir::Operation<'m>>> {
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

fn operation<'m>(cx: &mut Ctx<'m>, op: &'m Operation, i: usize) -> Option<ir::Operation<'m>> {
    let base = [key("operations"), Step::Index(i)];
    let at = |rest: &[Step]| under(&base, rest);
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
    let body_type = match &op.body_type {
        Some(t) => cx.check_type(at(&[key("body_type")]), t).map(Some),
        None => Some(None),
    };
    let reply = reply(cx, op, &at);
    let pagination = pagination(cx, op, &at);
    let (params, batch) = params(cx, op, &at);
    let bulk = match (pagination?, batch?) {
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
    Some(ir::Operation {
        id: &op.id,
        method_name: &op.method_name,
        builder: crate::emit::pascal(&op.method_name),
        summary: &op.summary,
        description: op.description.as_deref(),
        http_method,
        route: &op.route,
        scope: &op.scope,
        consumes: &op.consumes,
        produces: &op.produces,
        retry_safe: op
            .retry_safe
            .unwrap_or(matches!(http_method, HttpMethod::Get | HttpMethod::Delete)),
        body_type: body_type?,
        reply,
        params: params?,
        aliases: &op.aliases,
    })
}

fn reply<'m>(
    cx: &mut Ctx<'m>,
    op: &'m Operation,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> Option<ir::Reply<'m>> {
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
                resources_text: t,
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

/// The keywords, and the batched one if any (`Some(None)`: none).
#[allow(clippy::type_complexity)]
fn params<'m>(
    cx: &mut Ctx<'m>,
    op: &'m Operation,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> (Option<Vec<ir::Param<'m>>>, Option<Option<ir::Batch<'m>>>) {
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
    (all(built), batch)
}

/// The page parameters of an operation (`Some(None)`: not paginated).
fn pagination<'m>(
    cx: &mut Ctx<'m>,
    op: &'m Operation,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
) -> Option<Option<ir::Pagination<'m>>> {
    let Some(pg) = &op.pagination else {
        return Some(None);
    };
    let here = |k: &str| at(&[key("pagination"), key(k)]);
    let mut ok = query_param(cx, op, &here, "limit", &pg.limit, "page size");
    let style = match pg.style.as_str() {
        "offset" => offset_style(cx, op, pg, &here, &mut ok),
        "cursor" => {
            if let Some(c) = &pg.cursor {
                ok &= query_param(cx, op, &here, "cursor", c, "cursor");
            } else {
                cx.push(
                    here("style"),
                    "cursor pagination needs the `cursor` parameter",
                    "add `cursor:` naming the query parameter of the cursor (e.g. `after`)",
                );
            }
            for (k, set) in [
                ("offset", pg.offset.is_some()),
                ("max_offset", pg.max_offset.is_some()),
                ("alternative", pg.alternative.is_some()),
            ] {
                if set {
                    cx.push(
                        here(k),
                        format!("`{k}` applies to offset pagination only"),
                        format!("remove `{k}` or set `style: offset`"),
                    );
                }
            }
            pg.cursor
                .as_deref()
                .map(|cursor| ir::PageStyle::Cursor { cursor })
        }
        other => {
            cx.push(
                here("style"),
                format!("unknown pagination style `{other}`"),
                "use one of offset, cursor",
            );
            None
        }
    };
    if pg.page_size == 0 {
        ok = false;
        cx.push(
            here("page_size"),
            "the page size is 0",
            "give the number of items to ask for per page",
        );
    }
    let alternative = alternative(cx, pg, &here);
    if op.response.binary {
        ok = false;
        cx.push(
            at(&[key("pagination")]),
            "a binary reply has no pages",
            "remove `pagination`",
        );
    }
    let mut style = style?;
    if let ir::PageStyle::Offset {
        alternative: alt, ..
    } = &mut style
    {
        *alt = alternative?;
    }
    ok.then_some(Some(ir::Pagination {
        style,
        limit: &pg.limit,
        page_size: pg.page_size,
    }))
}

fn offset_style<'m>(
    cx: &mut Ctx<'m>,
    op: &'m Operation,
    pg: &'m Pagination,
    here: &dyn Fn(&str) -> Vec<Step>,
    ok: &mut bool,
) -> Option<ir::PageStyle<'m>> {
    match &pg.offset {
        Some(o) => *ok &= query_param(cx, op, here, "offset", o, "starting offset"),
        None => cx.push(
            here("style"),
            "offset pagination needs the `offset` parameter",
            "add `offset:` naming the query parameter of the offset",
        ),
    }
    if pg.cursor.is_some() {
        cx.push(
            here("cursor"),
            "`cursor` applies to cursor pagination only",
            "remove `cursor` or set `style: cursor`",
        );
    }
    Some(ir::PageStyle::Offset {
        offset: pg.offset.as_deref()?,
        max_offset: pg.max_offset,
        alternative: None,
    })
}

/// The cursor-paginated operation to suggest past `max_offset` (`Some(None)`: none).
fn alternative(
    cx: &mut Ctx<'_>,
    pg: &Pagination,
    here: &dyn Fn(&str) -> Vec<Step>,
) -> Option<Option<ir::OpId>> {
    match &pg.alternative {
        None => Some(None),
        Some(alt) => match cx.operations.get(alt.as_str()).copied() {
            None => {
                cx.push(
                    here("alternative"),
                    format!("operation `{alt}` is not defined"),
                    "name the operation ID of a cursor-paginated operation",
                );
                None
            }
            Some(id)
                if cx.m.operations[id.0]
                    .pagination
                    .as_ref()
                    .is_none_or(|p| p.style != "cursor") =>
            {
                cx.push(
                    here("alternative"),
                    format!("operation `{alt}` has no cursor pagination"),
                    "name an operation with `pagination: {style: cursor, ...}`",
                );
                None
            }
            Some(id) => Some(Some(id)),
        },
    }
}

/// Checks that `name`, given as the pagination's `k`, is a query parameter
/// of the operation (an integer one for the page size).
fn query_param(
    cx: &mut Ctx<'_>,
    op: &Operation,
    here: &dyn Fn(&str) -> Vec<Step>,
    k: &str,
    name: &str,
    want: &str,
) -> bool {
    let problem = match op.parameters.iter().find(|p| p.name == name) {
        None => (
            format!("`{name}` is not a parameter of this operation"),
            format!("name the query parameter that takes the {want}"),
        ),
        Some(p) if p.location != "query" => (
            format!("`{name}` is not a query parameter"),
            "pagination parameters are sent in the query".into(),
        ),
        Some(p) if k == "limit" && p.ty != "integer" => (
            format!("the page size `{name}` is of type `{}`", p.ty),
            "name an `integer` parameter".into(),
        ),
        Some(_) => return true,
    };
    cx.push(here(k), problem.0, problem.1);
    false
}

fn check_batch<'m>(
    cx: &mut Ctx<'m>,
    op: &Operation,
    p: &'m Parameter,
    b: &'m Batch,
    pat: &dyn Fn(&str) -> Vec<Step>,
    index: usize,
) -> Option<ir::Batch<'m>> {
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
        bulk_setter: b.setter.as_deref(),
    })
}

/// Where a batched keyword's values go, and the checks of its setter.
fn batch_place<'m>(
    cx: &mut Ctx<'m>,
    p: &'m Parameter,
    b: &Batch,
    pat: &dyn Fn(&str) -> Vec<Step>,
    at: &dyn Fn(&str) -> Vec<Step>,
) -> Option<ir::BatchPlace<'m>> {
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
                None => ir::BatchPlace::Query(&p.name),
                Some(path) => ir::BatchPlace::BodyList(path),
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
                field,
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

fn parameter<'m>(
    cx: &mut Ctx<'m>,
    op: &Operation,
    p: &'m Parameter,
    pat: &dyn Fn(&str) -> Vec<Step>,
) -> Option<ir::Param<'m>> {
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
        (Location::Body, Some(path)) => Some(Place::Body(path)),
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
        name: &p.name,
        setter,
        seed_type: &p.seed_type,
        type_text: &p.ty,
        kind,
        service: p.service,
        uber: p.uber,
        required: p.required,
        max_items: p.max_items,
        description: &p.description,
        allowed_values: &p.allowed_values,
        example: p.example.as_deref(),
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
