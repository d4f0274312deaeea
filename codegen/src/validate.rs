//! Checks the meaning of a parsed manifest; every problem is collected.

use std::collections::{BTreeMap, BTreeSet};

use crate::locate::Step;
use crate::manifest::{Manifest, Operation, Parameter};
use crate::types::{self, ParamType, TypeExpr};

/// A problem before it is placed in the file: key path, message, fix.
pub type Problem = (Vec<Step>, String, String);

const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];
const VALUE_TYPES: [&str; 5] = ["text", "integer", "timestamp", "ip_address", "boolean"];
/// Setter names every builder has already.
pub const RESERVED_SETTERS: [&str; 8] = [
    "body",
    "raw_body",
    "raw_query",
    "timeout",
    "retry_writes",
    "send",
    "items",
    "send_all",
];

fn key(k: &str) -> Step {
    Step::Key(k.to_owned())
}

/// Every problem of the manifest, in file order.
pub fn validate(m: &Manifest) -> Vec<Problem> {
    let mut out = Vec::new();
    let models: BTreeSet<&str> = m.models.keys().map(String::as_str).collect();
    check_ident(&mut out, vec![key("service")], &m.service, "service");
    check_tables(m, &mut out);
    if let Some(t) = &m.default_filter_table {
        if !m.filter_tables.contains_key(t) {
            out.push((
                vec![key("default_filter_table")],
                format!("filter table `{t}` is not defined"),
                "define it under `filter_tables:` or fix the name".into(),
            ));
        }
    }
    let mut ids = BTreeMap::new();
    let mut names = BTreeMap::new();
    for (i, op) in m.operations.iter().enumerate() {
        let at = |k: &str| vec![key("operations"), Step::Index(i), key(k)];
        if let Some(first) = ids.insert(op.id.as_str(), i) {
            out.push((
                at("id"),
                format!(
                    "duplicate operation ID `{}` (also operations[{first}])",
                    op.id
                ),
                "give each operation its own ID".into(),
            ));
        }
        if let Some(first) = names.insert(op.method_name.as_str(), i) {
            out.push((
                at("method_name"),
                format!(
                    "duplicate method name `{}` (also operations[{first}])",
                    op.method_name
                ),
                "give each operation its own PEP8 method name".into(),
            ));
        }
        check_operation(m, &models, op, i, &mut out);
    }
    check_exports(m, &names, &mut out);
    check_vocabularies(m, &mut out);
    for (name, model) in &m.models {
        let at = |rest: &[Step]| {
            let mut p = vec![key("models"), key(name)];
            p.extend_from_slice(rest);
            p
        };
        if !types::is_model_name(name) {
            out.push((
                at(&[]),
                format!("model name `{name}` is not PascalCase"),
                "start with a capital letter and use only letters and digits".into(),
            ));
        }
        for (field, def) in &model.fields {
            if model.runtime_type.is_none() && snake_case(field) == crate::emit::EXTRA_FIELD {
                out.push((
                    at(&[key("fields"), key(field)]),
                    format!("field `{field}` takes the name of the map of unknown members"),
                    "rename the Rust field: the generated `extra` keeps members the model does not name".into(),
                ));
            }
            check_type(
                &mut out,
                at(&[key("fields"), key(field)]),
                def.ty(),
                &models,
            );
        }
    }
    out
}

fn check_ident(out: &mut Vec<Problem>, path: Vec<Step>, value: &str, what: &str) {
    let ok = value.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        out.push((
            path,
            format!("{what} `{value}` is not snake_case"),
            "use lowercase letters, digits and `_`, starting with a letter".into(),
        ));
    }
}

fn check_type(out: &mut Vec<Problem>, path: Vec<Step>, ty: &str, models: &BTreeSet<&str>) {
    match types::parse(ty) {
        Err(e) => out.push((path, e, format!("use one of {}", types::SCALARS))),
        Ok(t) => check_refs(out, path, &t, models),
    }
}

fn check_refs(out: &mut Vec<Problem>, path: Vec<Step>, t: &TypeExpr, models: &BTreeSet<&str>) {
    for m in t.models() {
        if !models.contains(m) {
            out.push((
                path.clone(),
                format!("model `{m}` is referenced but not defined"),
                format!("define `{m}` under `models:` or fix the name"),
            ));
        }
    }
}

fn check_operation(
    m: &Manifest,
    models: &BTreeSet<&str>,
    op: &Operation,
    i: usize,
    out: &mut Vec<Problem>,
) {
    let at = |rest: &[Step]| {
        let mut p = vec![key("operations"), Step::Index(i)];
        p.extend_from_slice(rest);
        p
    };
    check_ident(out, at(&[key("id")]), &op.id, "operation ID");
    check_ident(
        out,
        at(&[key("method_name")]),
        &op.method_name,
        "method name",
    );
    for (k, alias) in op.aliases.iter().enumerate() {
        check_ident(out, at(&[key("aliases"), Step::Index(k)]), alias, "alias");
        if *alias == op.method_name {
            out.push((
                at(&[key("aliases"), Step::Index(k)]),
                format!("alias `{alias}` is the method's own name"),
                "remove it: the method is found by its name already".into(),
            ));
        }
    }
    if !METHODS.contains(&op.http_method.as_str()) {
        out.push((
            at(&[key("http_method")]),
            format!("unknown HTTP method `{}`", op.http_method),
            format!("use one of {}", METHODS.join(", ")),
        ));
    }
    if !op.route.starts_with('/') {
        out.push((
            at(&[key("route")]),
            format!("route `{}` does not start with `/`", op.route),
            format!(
                "write it from the API root, e.g. `/{}`",
                op.route.trim_start_matches('/')
            ),
        ));
    }
    let scope_ok = op.scope.split_once(':').is_some_and(|(name, access)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_')
            && (access == "read" || access == "write")
    });
    if !scope_ok {
        out.push((
            at(&[key("scope")]),
            format!(
                "scope `{}` is not of the form `name:read` or `name:write`",
                op.scope
            ),
            "write it in lowercase, e.g. `assets:read`".into(),
        ));
    }
    if op.produces.is_empty() {
        out.push((
            at(&[key("produces")]),
            "no response content type".into(),
            "list at least one, e.g. `[application/json]`".into(),
        ));
    }
    if let Some(t) = &op.body_type {
        check_type(out, at(&[key("body_type")]), t, models);
    }
    let r = &op.response;
    match (r.binary, &r.resources) {
        (true, Some(_)) => out.push((
            at(&[key("response")]),
            "a binary reply has no `resources`".into(),
            "remove `resources` or `binary`".into(),
        )),
        (false, None) => out.push((
            at(&[key("response")]),
            "the reply's `resources` type is missing".into(),
            "set `resources:` (e.g. `string` or a model) or `binary: true`".into(),
        )),
        (false, Some(t)) => check_type(out, at(&[key("response"), key("resources")]), t, models),
        (true, None) => {}
    }
    check_pagination(m, op, &at, out);
    let mut batched = None;
    let mut seen = BTreeMap::new();
    for (j, p) in op.parameters.iter().enumerate() {
        let pat = |k: &str| at(&[key("parameters"), Step::Index(j), key(k)]);
        let setter = setter_name(p);
        if let Some(first) = seen.insert(setter.clone(), j) {
            out.push((
                pat("name"),
                format!(
                    "parameter `{}` has the same setter name `{setter}` as parameters[{first}]",
                    p.name
                ),
                "rename one with `rust_name:`".into(),
            ));
        }
        check_parameter(m, models, p, &pat, out);
        if let Some(b) = &p.batch {
            check_batch(op, p, b, &pat, out);
            if let Some(first) = batched.replace(j) {
                out.push((
                    pat("batch"),
                    format!("a second batched keyword (also parameters[{first}])"),
                    "mark one keyword per operation with `batch:`".into(),
                ));
            }
            if op.pagination.is_some() {
                out.push((
                    pat("batch"),
                    "an operation cannot be both paginated and batched (both give `items()`)"
                        .into(),
                    "remove `batch:` or the operation's `pagination:`".into(),
                ));
            }
            if let Some(bulk) = &b.setter {
                if let Some(other) = seen.get(bulk.as_str()) {
                    out.push((
                        pat("batch"),
                        format!("bulk setter `{bulk}` is also the setter of parameters[{other}]"),
                        "give `batch.setter` another name".into(),
                    ));
                }
            }
        }
    }
}

const PAGE_STYLES: [&str; 2] = ["offset", "cursor"];
const BATCH_MODES: [&str; 2] = ["read", "write"];

fn check_pagination(
    m: &Manifest,
    op: &Operation,
    at: &dyn Fn(&[Step]) -> Vec<Step>,
    out: &mut Vec<Problem>,
) {
    let Some(pg) = &op.pagination else {
        return;
    };
    let here = |k: &str| at(&[key("pagination"), key(k)]);
    let param = |name: &str| op.parameters.iter().find(|p| p.name == name);
    let mut query_param = |k: &str, name: &str, want: &str| match param(name) {
        None => out.push((
            here(k),
            format!("`{name}` is not a parameter of this operation"),
            format!("name the query parameter that takes the {want}"),
        )),
        Some(p) if p.location != "query" => out.push((
            here(k),
            format!("`{name}` is not a query parameter"),
            "pagination parameters are sent in the query".into(),
        )),
        Some(p) if k == "limit" && p.ty != "integer" => out.push((
            here(k),
            format!("the page size `{name}` is of type `{}`", p.ty),
            "name an `integer` parameter".into(),
        )),
        Some(_) => {}
    };
    query_param("limit", &pg.limit, "page size");
    let offset_only = |k: &str, set: bool, out: &mut Vec<Problem>| {
        if set {
            out.push((
                here(k),
                format!("`{k}` applies to offset pagination only"),
                format!("remove `{k}` or set `style: offset`"),
            ));
        }
    };
    match pg.style.as_str() {
        "offset" => {
            match &pg.offset {
                Some(o) => query_param("offset", o, "starting offset"),
                None => out.push((
                    here("style"),
                    "offset pagination needs the `offset` parameter".into(),
                    "add `offset:` naming the query parameter of the offset".into(),
                )),
            }
            if pg.cursor.is_some() {
                out.push((
                    here("cursor"),
                    "`cursor` applies to cursor pagination only".into(),
                    "remove `cursor` or set `style: cursor`".into(),
                ));
            }
        }
        "cursor" => {
            match &pg.cursor {
                Some(c) => query_param("cursor", c, "cursor"),
                None => out.push((
                    here("style"),
                    "cursor pagination needs the `cursor` parameter".into(),
                    "add `cursor:` naming the query parameter of the cursor (e.g. `after`)".into(),
                )),
            }
            offset_only("offset", pg.offset.is_some(), out);
            offset_only("max_offset", pg.max_offset.is_some(), out);
            offset_only("alternative", pg.alternative.is_some(), out);
        }
        other => out.push((
            here("style"),
            format!("unknown pagination style `{other}`"),
            format!("use one of {}", PAGE_STYLES.join(", ")),
        )),
    }
    if pg.page_size == 0 {
        out.push((
            here("page_size"),
            "the page size is 0".into(),
            "give the number of items to ask for per page".into(),
        ));
    }
    if let Some(alt) = &pg.alternative {
        match m.operations.iter().find(|o| o.id == *alt) {
            None => out.push((
                here("alternative"),
                format!("operation `{alt}` is not defined"),
                "name the operation ID of a cursor-paginated operation".into(),
            )),
            Some(o) if o.pagination.as_ref().is_none_or(|p| p.style != "cursor") => out.push((
                here("alternative"),
                format!("operation `{alt}` has no cursor pagination"),
                "name an operation with `pagination: {style: cursor, ...}`".into(),
            )),
            Some(_) => {}
        }
    }
    if op.response.binary {
        out.push((
            at(&[key("pagination")]),
            "a binary reply has no pages".into(),
            "remove `pagination`".into(),
        ));
    }
}

fn check_batch(
    op: &Operation,
    p: &Parameter,
    b: &crate::manifest::Batch,
    pat: &dyn Fn(&str) -> Vec<Step>,
    out: &mut Vec<Problem>,
) {
    let at = |k: &str| {
        let mut path = pat("batch");
        path.push(key(k));
        path
    };
    if !BATCH_MODES.contains(&b.mode.as_str()) {
        out.push((
            at("mode"),
            format!("unknown batch mode `{}`", b.mode),
            "use `read` (the stream yields the reply's items) or `write` (a result per id)".into(),
        ));
    }
    if p.max_items.is_none() {
        out.push((
            pat("batch"),
            format!("batched keyword `{}` has no `max_items`", p.name),
            "set `max_items:` to the most values the API takes per request".into(),
        ));
    }
    if op.response.binary {
        out.push((
            pat("batch"),
            "a binary reply cannot be batched".into(),
            "remove `batch`".into(),
        ));
    }
    let element = p.body_path.as_deref().is_some_and(|b| b.contains("[]"));
    match types::parse_param(&p.ty) {
        Ok(ParamType::StringList) => {
            if b.setter.is_some() {
                out.push((
                    at("setter"),
                    "a list keyword takes many values through its own setter".into(),
                    "remove `setter`".into(),
                ));
            }
        }
        Ok(ParamType::Value(TypeExpr::String)) if p.location == "body" && element => {
            match &b.setter {
                None => out.push((
                    pat("batch"),
                    format!("keyword `{}` takes one value: its many values need a setter", p.name),
                    "add `setter:` naming the setter that takes many (e.g. `ids`)".into(),
                )),
                Some(s) => {
                    check_ident(out, at("setter"), s, "setter name");
                    if RESERVED_SETTERS.contains(&s.as_str()) || syn_keyword(s) {
                        out.push((
                            at("setter"),
                            format!("setter name `{s}` is taken or a keyword"),
                            "choose another name".into(),
                        ));
                    }
                }
            }
        }
        _ => out.push((
            pat("batch"),
            format!("keyword `{}` cannot be batched", p.name),
            "batch a `string_list`, or a `string` body keyword inside an array element (`assets[].id`)".into(),
        )),
    }
}

fn check_exports(m: &Manifest, methods: &BTreeMap<&str, usize>, out: &mut Vec<Problem>) {
    let mut names = BTreeMap::new();
    for (i, e) in m.exports.iter().enumerate() {
        let at = |k: &str| vec![key("exports"), Step::Index(i), key(k)];
        check_ident(out, at("method_name"), &e.method_name, "method name");
        if methods.contains_key(e.method_name.as_str()) {
            out.push((
                at("method_name"),
                format!("method name `{}` is also an operation's", e.method_name),
                "give the export its own method name".into(),
            ));
        }
        if let Some(first) = names.insert(e.method_name.as_str(), i) {
            out.push((
                at("method_name"),
                format!(
                    "duplicate export method `{}` (also exports[{first}])",
                    e.method_name
                ),
                "give each export its own method name".into(),
            ));
        }
        match m.operations.iter().find(|o| o.id == e.query) {
            None => out.push((
                at("query"),
                format!("operation `{}` is not defined", e.query),
                "name the operation ID of a paginated query".into(),
            )),
            Some(q) => {
                if q.pagination.is_none() {
                    out.push((
                        at("query"),
                        format!("operation `{}` has no `pagination`", e.query),
                        "name a paginated query or add `pagination:` to it".into(),
                    ));
                }
                if q.response.resources.as_deref() != Some("string") {
                    out.push((
                        at("query"),
                        format!(
                            "operation `{}` does not return ids (`resources: string`)",
                            e.query
                        ),
                        "name a query that returns ids".into(),
                    ));
                }
                if !q.parameters.iter().any(|p| p.ty == "fql") {
                    out.push((
                        at("query"),
                        format!("operation `{}` takes no `fql` filter", e.query),
                        "name a query with a filter parameter".into(),
                    ));
                }
            }
        }
        match m.operations.iter().find(|o| o.id == e.get) {
            None => out.push((
                at("get"),
                format!("operation `{}` is not defined", e.get),
                "name the operation ID of a get with a batched read keyword".into(),
            )),
            Some(g) => {
                let read = g
                    .parameters
                    .iter()
                    .any(|p| p.batch.as_ref().is_some_and(|b| b.mode == "read"));
                if !read {
                    out.push((
                        at("get"),
                        format!(
                            "operation `{}` has no keyword with `batch: {{mode: read}}`",
                            e.get
                        ),
                        "mark its ids keyword with `batch: {mode: read}`".into(),
                    ));
                }
            }
        }
    }
}

/// The Rust setter name of a parameter.
pub fn setter_name(p: &Parameter) -> String {
    match types::parse_param(&p.ty) {
        Ok(ParamType::RawBody) => "raw_body".into(),
        Ok(ParamType::RawQuery) => "raw_query".into(),
        _ => p.rust_name.clone().unwrap_or_else(|| snake_case(&p.name)),
    }
}

/// `assetId` → `asset_id`, `MaxScore` → `max_score`, `ID` → `id`.
pub fn snake_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Whether `s` is a Rust keyword, which needs `r#` or another name.
pub fn is_keyword(s: &str) -> bool {
    syn_keyword(s)
}

fn check_parameter(
    m: &Manifest,
    models: &BTreeSet<&str>,
    p: &Parameter,
    pat: &dyn Fn(&str) -> Vec<Step>,
    out: &mut Vec<Problem>,
) {
    let ty = match types::parse_param(&p.ty) {
        Ok(t) => t,
        Err(e) => {
            out.push((pat("type"), e, format!("use one of {}", types::PARAM_TYPES)));
            return;
        }
    };
    if let ParamType::Value(t) = &ty {
        check_refs(out, pat("type"), t, models);
    }
    let setter = setter_name(p);
    if !matches!(ty, ParamType::RawBody | ParamType::RawQuery) {
        if RESERVED_SETTERS.contains(&setter.as_str()) {
            out.push((
                pat("name"),
                format!("setter name `{setter}` is taken by every builder"),
                "give the parameter a `rust_name:`".into(),
            ));
        }
        if syn_keyword(&setter) {
            out.push((
                pat("name"),
                format!("`{setter}` is a Rust keyword"),
                "give the parameter a `rust_name:`".into(),
            ));
        }
        check_ident(
            out,
            pat(if p.rust_name.is_some() {
                "rust_name"
            } else {
                "name"
            }),
            &setter,
            "setter name",
        );
    }
    match p.location.as_str() {
        "query" => {
            if p.body_path.is_some() {
                out.push((
                    pat("body_path"),
                    "a query parameter has no body placement".into(),
                    "remove `body_path` or set `location: body`".into(),
                ));
            }
            if ty == ParamType::RawBody {
                out.push((
                    pat("location"),
                    "`raw_body` is the JSON body".into(),
                    "set `location: body`".into(),
                ));
            }
        }
        "body" => {
            if ty == ParamType::RawQuery {
                out.push((
                    pat("location"),
                    "`raw_query` holds query parameters".into(),
                    "set `location: query`".into(),
                ));
            } else if ty != ParamType::RawBody {
                match &p.body_path {
                    None => out.push((pat("name"), format!("body keyword `{}` has no placement in the JSON body", p.name), "add `body_path:` (e.g. `description`, `assets[].triage.action`, `[].field`)".into())),
                    Some(path) if !valid_body_path(path) => out.push((pat("body_path"), format!("body path `{path}` is malformed"), "use dot-separated keys, `[]` for the single element of an array".into())),
                    Some(_) => {}
                }
            }
        }
        other => out.push((
            pat("location"),
            format!("unknown location `{other}`"),
            "use `query` or `body`".into(),
        )),
    }
    if matches!(ty, ParamType::Fql | ParamType::Sort) {
        if let Some(t) = &p.filter_table {
            if !m.filter_tables.contains_key(t) {
                out.push((
                    pat("filter_table"),
                    format!("filter table `{t}` is not defined"),
                    "define it under `filter_tables:` or fix the name".into(),
                ));
            }
        }
    } else if p.filter_table.is_some() {
        out.push((
            pat("filter_table"),
            "only `fql` and `sort` parameters take a filter table".into(),
            "remove `filter_table`".into(),
        ));
    }
    let is_list = matches!(
        ty,
        ParamType::StringList | ParamType::Value(TypeExpr::List(_))
    );
    // A batched keyword inside an array element (`assets[].id`) counts the
    // elements of that array.
    let batched_element =
        p.batch.is_some() && p.body_path.as_deref().is_some_and(|b| b.contains("[]"));
    if p.max_items.is_some() && !is_list && !batched_element {
        out.push((
            pat("max_items"),
            "`max_items` applies to list parameters only".into(),
            "remove it or make the type a list".into(),
        ));
    }
    if p.required && matches!(ty, ParamType::RawBody | ParamType::RawQuery) {
        out.push((
            pat("required"),
            "a raw payload cannot be required".into(),
            "remove `required`".into(),
        ));
    }
    let mut values = BTreeSet::new();
    for (k, v) in p.allowed_values.iter().enumerate() {
        if !values.insert(v.value.as_str()) {
            let mut path = pat("allowed_values");
            path.push(Step::Index(k));
            out.push((
                path,
                format!("allowed value `{}` is listed twice", v.value),
                "remove the duplicate".into(),
            ));
        }
    }
}

fn valid_body_path(path: &str) -> bool {
    path.split('.').all(|seg| {
        let name = seg.strip_suffix("[]").unwrap_or(seg);
        seg == "[]"
            || (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    })
}

fn syn_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
    )
}

fn check_tables(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, t) in &m.filter_tables {
        let at = |rest: &[Step]| {
            let mut p = vec![key("filter_tables"), key(name)];
            p.extend_from_slice(rest);
            p
        };
        let lists = [
            ("exact_match", &t.exact_match),
            ("wildcard", &t.wildcard),
            ("list", &t.list),
            ("range", &t.range),
        ];
        let mut all = BTreeSet::new();
        for (list, fields) in lists {
            let mut seen = BTreeSet::new();
            for (k, f) in fields.iter().enumerate() {
                if !seen.insert(f.as_str()) {
                    out.push((
                        at(&[key(list), Step::Index(k)]),
                        format!("field `{f}` is listed twice in `{list}`"),
                        "list each field once per table".into(),
                    ));
                }
                let ok = !f.is_empty()
                    && f.split('.').all(|s| {
                        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    });
                if !ok {
                    out.push((
                        at(&[key(list), Step::Index(k)]),
                        format!("`{f}` is not a field name"),
                        "use dotted names such as `ip.services.port`".into(),
                    ));
                }
                all.insert(f.as_str());
            }
        }
        if let Some(e) = &t.field_enum {
            if !types::is_model_name(e) {
                out.push((
                    at(&[key("field_enum")]),
                    format!("enum name `{e}` is not PascalCase"),
                    "start with a capital letter and use only letters and digits".into(),
                ));
            }
        }
        let mut variants = BTreeMap::new();
        for f in &all {
            let variant = crate::vocab::variant_name(f);
            if let Some(other) = variants.insert(variant.clone(), *f) {
                out.push((
                    at(&[]),
                    format!("fields `{other}` and `{f}` give the same enum variant `{variant}`"),
                    "rename one of the fields".into(),
                ));
            }
        }
        for (f, vt) in &t.value_types {
            if !all.contains(f.as_str()) {
                out.push((
                    at(&[key("value_types"), key(f)]),
                    format!("field `{f}` has a value type but is in none of the four lists"),
                    "add it to a list or remove its value type".into(),
                ));
            }
            if !VALUE_TYPES.contains(&vt.as_str()) {
                out.push((
                    at(&[key("value_types"), key(f)]),
                    format!("unknown value type `{vt}` for field `{f}`"),
                    format!("use one of {}", VALUE_TYPES.join(", ")),
                ));
            } else if vt == "boolean" && t.range.contains(f) {
                out.push((
                    at(&[key("value_types"), key(f)]),
                    format!("field `{f}` is boolean but listed in `range`"),
                    "a boolean has no order: remove it from `range` or fix its type".into(),
                ));
            }
        }
    }
}

/// Model field types a vocabulary may apply to: text, or lists of text.
const VOCABULARY_TYPES: [&str; 3] = ["string", "list<string>", "one_or_many<string>"];

fn check_vocabularies(m: &Manifest, out: &mut Vec<Problem>) {
    let mut claimed: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, v) in &m.vocabularies {
        let at = |rest: &[Step]| {
            let mut p = vec![key("vocabularies"), key(name)];
            p.extend_from_slice(rest);
            p
        };
        if !types::is_model_name(name) {
            out.push((
                at(&[]),
                format!("vocabulary name `{name}` is not PascalCase"),
                "start with a capital letter and use only letters and digits".into(),
            ));
        }
        if m.models.contains_key(name) {
            out.push((
                at(&[]),
                format!("vocabulary `{name}` has the name of a model"),
                "give the vocabulary another name".into(),
            ));
        }
        if v.values.is_empty() {
            out.push((
                at(&[key("values")]),
                "a vocabulary without values".into(),
                "list the documented values, each with its evidence".into(),
            ));
        }
        let mut seen = BTreeMap::new();
        for (k, x) in v.values.iter().enumerate() {
            let here = |k2: &str| at(&[key("values"), Step::Index(k), key(k2)]);
            if !crate::vocab::valid_value(&x.value) {
                out.push((
                    here("value"),
                    format!("value `{}` cannot name a variant or constant", x.value),
                    "values start with a letter and hold letters, digits, `_`, `-` or spaces"
                        .into(),
                ));
            }
            let variant = crate::vocab::variant_name(&x.value);
            let same = if v.case_insensitive {
                variant.to_ascii_lowercase()
            } else {
                variant.clone()
            };
            if let Some(first) = seen.insert(same, k) {
                out.push((
                    here("value"),
                    format!(
                        "value `{}` names the same variant as values[{first}]",
                        x.value
                    ),
                    "list each value once".into(),
                ));
            }
            if variant == "Unknown" {
                out.push((
                    here("value"),
                    "`Unknown` is the variant of values outside the list".into(),
                    "this value cannot be listed as is; leave the field as text".into(),
                ));
            }
            if x.evidence.trim().is_empty() {
                out.push((
                    here("evidence"),
                    format!("value `{}` has no evidence", x.value),
                    "name the source that documents it; never list a guessed value".into(),
                ));
            }
        }
        let refs = [
            ("model_fields", &v.model_fields),
            ("parameters", &v.parameters),
            ("filter_fields", &v.filter_fields),
        ];
        for (list, items) in refs {
            for (k, r) in items.iter().enumerate() {
                let here = at(&[key(list), Step::Index(k)]);
                if let Some(other) = claimed.insert(r.as_str(), name.as_str()) {
                    if other != name {
                        out.push((
                            here.clone(),
                            format!("`{r}` is also given vocabulary `{other}`"),
                            "a field takes one vocabulary".into(),
                        ));
                    }
                }
                if let Some(problem) = vocabulary_target(m, list, r, v) {
                    out.push((here, problem.0, problem.1));
                }
            }
        }
    }
}

/// What is wrong with a vocabulary's reference `r` in `list`, if anything.
fn vocabulary_target(
    m: &Manifest,
    list: &str,
    r: &str,
    v: &crate::manifest::Vocabulary,
) -> Option<(String, String)> {
    let Some((owner, member)) = crate::vocab::split(r) else {
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
            Some(t) if !crate::emit::fields_of(t).contains_key(member) => Some((
                format!("filter table `{owner}` has no field `{member}`"),
                "fix the field name".into(),
            )),
            Some(_) => None,
        },
    }
}
