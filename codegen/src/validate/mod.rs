//! Checks the meaning of a parsed manifest and builds its [`ir::Api`]:
//! every problem is collected, and the IR exists only when there is none.

mod operation;
mod pagination;
mod parameter;
mod tables;

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{self, ModelId, OpId, TableId, Type, VocabId};
use crate::locate::Step;
use crate::manifest::Manifest;
use crate::names::{self, model_rust_name, setter_name, snake_case};
use crate::types::{self, TypeExpr};

/// A problem of the manifest, before it is placed in the file: the loader
/// turns it into a [`crate::Diagnostic`] with a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key path of the value at fault.
    pub path: Vec<Step>,
    /// What is wrong, naming the value.
    pub message: String,
    /// What would fix it.
    pub fix: String,
}

fn key(k: &str) -> Step {
    Step::Key(k.to_owned())
}

/// `base` followed by `rest`.
fn under(base: &[Step], rest: &[Step]) -> Vec<Step> {
    let mut p = base.to_vec();
    p.extend_from_slice(rest);
    p
}

/// What the checks share: the manifest, its names resolved to references,
/// and the problems found so far.
struct Ctx<'m> {
    m: &'m Manifest,
    models: BTreeMap<&'m str, ModelId>,
    tables: BTreeMap<&'m str, TableId>,
    operations: BTreeMap<&'m str, OpId>,
    /// `Model.field`, `operation_id.keyword` and `table.field` references
    /// claimed by a vocabulary.
    vocabulary_of: BTreeMap<&'m str, VocabId>,
    out: Vec<Problem>,
}

impl<'m> Ctx<'m> {
    fn push(&mut self, path: Vec<Step>, message: impl Into<String>, fix: impl Into<String>) {
        self.out.push(Problem {
            path,
            message: message.into(),
            fix: fix.into(),
        });
    }

    /// The vocabulary claiming `owner.member`.
    fn vocabulary(&self, owner: &str, member: &str) -> Option<VocabId> {
        self.vocabulary_of
            .get(format!("{owner}.{member}").as_str())
            .copied()
    }

    fn check_ident(&mut self, path: Vec<Step>, value: &str, what: &str) {
        if !names::is_snake_case(value) {
            self.push(
                path,
                format!("{what} `{value}` is not snake_case"),
                "use lowercase letters, digits and `_`, starting with a letter",
            );
        }
    }

    /// Parses and resolves a type expression.
    fn check_type(&mut self, path: Vec<Step>, text: &str) -> Option<Type> {
        match types::parse(text) {
            Err(e) => {
                self.push(path, e, format!("use one of {}", types::SCALARS));
                None
            }
            Ok(t) => self.resolve(path, &t),
        }
    }

    /// Resolves the models of a parsed type, reporting each one not defined.
    fn resolve(&mut self, path: Vec<Step>, t: &TypeExpr) -> Option<Type> {
        for name in t.models() {
            if !self.models.contains_key(name.as_str()) {
                self.push(
                    path.clone(),
                    format!("model `{name}` is referenced but not defined"),
                    format!("define `{name}` under `models:` or fix the name"),
                );
            }
        }
        t.try_map(&|name: &String| self.models.get(name.as_str()).copied())
    }
}

/// Every problem of the manifest, or its IR when there is none.
pub fn validate(m: &Manifest) -> Result<ir::Api, Vec<Problem>> {
    let mut cx = Ctx {
        m,
        models: m
            .models
            .keys()
            .enumerate()
            .map(|(i, name)| (name.as_str(), ModelId(i)))
            .collect(),
        tables: m
            .filter_tables
            .keys()
            .enumerate()
            .map(|(i, name)| (name.as_str(), TableId(i)))
            .collect(),
        operations: BTreeMap::new(),
        vocabulary_of: BTreeMap::new(),
        out: Vec::new(),
    };
    for (i, op) in m.operations.iter().enumerate().rev() {
        cx.operations.insert(op.id.as_str(), OpId(i));
    }
    cx.check_ident(vec![key("service")], &m.service, "service");
    let vocabularies = tables::vocabularies(&mut cx);
    let tables = tables::tables(&mut cx);
    let default_table = m.default_filter_table.as_ref().and_then(|t| {
        let id = cx.tables.get(t.as_str()).copied();
        if id.is_none() {
            cx.push(
                vec![key("default_filter_table")],
                format!("filter table `{t}` is not defined"),
                "define it under `filter_tables:` or fix the name",
            );
        }
        id
    });
    let operations = operation::operations(&mut cx);
    let exports = exports(&mut cx, &operations);
    let models = models(&mut cx, &operations);
    let (Some(operations), Some(exports), Some(models)) = (operations, exports, models) else {
        return Err(cx.out);
    };
    if !cx.out.is_empty() {
        return Err(cx.out);
    }
    Ok(ir::Api {
        title: m.title.clone(),
        tables,
        default_table,
        operations,
        models,
        exports,
        vocabularies,
    })
}

/// All of the items, or `None` when one of them could not be built.
fn all<T>(items: Vec<Option<T>>) -> Option<Vec<T>> {
    items.into_iter().collect()
}

fn models(cx: &mut Ctx<'_>, operations: &Option<Vec<ir::Operation>>) -> Option<Vec<ir::Model>> {
    let m = cx.m;
    let mut rust_names = BTreeMap::new();
    let mut built = Vec::new();
    for (name, model) in &m.models {
        let at = |rest: &[Step]| under(&[key("models"), key(name)], rest);
        let rust_name = model_rust_name(name);
        if !types::is_model_name(name) {
            cx.push(
                at(&[]),
                format!("model name `{name}` is not PascalCase"),
                "start with a capital letter and use only letters and digits",
            );
        } else if let Some(other) = rust_names.insert(rust_name.clone(), name) {
            cx.push(
                at(&[]),
                format!("models `{other}` and `{name}` have the same Rust name `{rust_name}`"),
                "rename one of them",
            );
        }
        let mut fields = Vec::new();
        for (field, def) in &model.fields {
            let rust = snake_case(field);
            if model.runtime_type.is_none() && rust == names::EXTRA_FIELD {
                cx.push(
                    at(&[key("fields"), key(field)]),
                    format!("field `{field}` takes the name of the map of unknown members"),
                    "rename the Rust field: the generated `extra` keeps members the model does not name",
                );
            }
            let ty = cx.check_type(at(&[key("fields"), key(field)]), def.ty());
            fields.push(ty.map(|ty| ir::Field {
                wire: field.clone(),
                rust,
                ty,
                description: def.description().map(str::to_owned),
                vocabulary: cx.vocabulary(name, field),
            }));
        }
        let kind = match &model.runtime_type {
            Some(rt) => Some(ir::ModelKind::Runtime(rt.clone())),
            None => all(fields).map(|fields| ir::ModelKind::Generated {
                fields,
                keeps_extra: false,
            }),
        };
        built.push(kind.map(|kind| ir::Model {
            name: name.clone(),
            rust_name,
            wire_name: model.wire_name.clone(),
            description: model.description.clone(),
            kind,
        }));
    }
    let mut models = all(built)?;
    mark_reply_models(&mut models, operations.as_deref()?);
    Some(models)
}

/// Marks the models a reply can hold: those of a `resources` type and every
/// model their fields reach. Only these keep members they do not name; a
/// model only sent in requests has exactly its documented fields, so it can
/// be built with a struct literal.
fn mark_reply_models(models: &mut [ir::Model], operations: &[ir::Operation]) {
    let mut todo: Vec<ModelId> = operations
        .iter()
        .filter_map(|op| match &op.reply {
            ir::Reply::Json { resources, .. } => Some(resources),
            ir::Reply::Binary => None,
        })
        .flat_map(|t| t.models().into_iter().copied())
        .collect();
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let ir::ModelKind::Generated {
            fields,
            keeps_extra,
        } = &mut models[id.0].kind
        {
            *keeps_extra = true;
            todo.extend(
                fields
                    .iter()
                    .flat_map(|f| f.ty.models().into_iter().copied()),
            );
        }
    }
}

fn exports(cx: &mut Ctx<'_>, operations: &Option<Vec<ir::Operation>>) -> Option<Vec<ir::Export>> {
    let m = cx.m;
    let mut names = BTreeMap::new();
    let mut built = Vec::new();
    for (i, e) in m.exports.iter().enumerate() {
        let at = |k: &str| vec![key("exports"), Step::Index(i), key(k)];
        cx.check_ident(at("method_name"), &e.method_name, "method name");
        if m.operations.iter().any(|o| o.method_name == e.method_name) {
            cx.push(
                at("method_name"),
                format!("method name `{}` is also an operation's", e.method_name),
                "give the export its own method name",
            );
        }
        if let Some(first) = names.insert(e.method_name.as_str(), i) {
            cx.push(
                at("method_name"),
                format!(
                    "duplicate export method `{}` (also exports[{first}])",
                    e.method_name
                ),
                "give each export its own method name",
            );
        }
        let query = export_query(cx, &at, &e.query);
        let get = export_get(cx, &at, &e.get);
        let shard_by = match &e.shard_by {
            Some(sb) => query
                .as_ref()
                .and_then(|(q, _)| export_shards(cx, &at, *q, sb))
                .map(Some),
            None => Some(None),
        };
        let items = get.and_then(|id| match &operations.as_ref()?.get(id.0)?.reply {
            ir::Reply::Json { resources, .. } => Some(resources.clone()),
            // A batched get has a JSON reply: a binary one is refused.
            ir::Reply::Binary => None,
        });
        built.push(query.zip(get).zip(items).zip(shard_by).map(
            |((((query, filter_setter), get), items), shard_by)| ir::Export {
                method_name: e.method_name.clone(),
                summary: e.summary.clone(),
                description: e.description.clone(),
                query,
                items,
                filter_setter,
                get,
                shard_by,
            },
        ));
    }
    all(built)
}

/// The export's query and the setter of its filter.
fn export_query(
    cx: &mut Ctx<'_>,
    at: &dyn Fn(&str) -> Vec<Step>,
    id: &str,
) -> Option<(OpId, String)> {
    let Some(&op_id) = cx.operations.get(id) else {
        cx.push(
            at("query"),
            format!("operation `{id}` is not defined"),
            "name the operation ID of a paginated query",
        );
        return None;
    };
    let q = &cx.m.operations[op_id.0];
    if q.pagination.is_none() {
        cx.push(
            at("query"),
            format!("operation `{id}` has no `pagination`"),
            "name a paginated query or add `pagination:` to it",
        );
    }
    if q.response.resources.as_deref() != Some("string") {
        cx.push(
            at("query"),
            format!("operation `{id}` does not return ids (`resources: string`)"),
            "name a query that returns ids",
        );
    }
    let Some(filter) = q.parameters.iter().find(|p| p.ty == "fql") else {
        cx.push(
            at("query"),
            format!("operation `{id}` takes no `fql` filter"),
            "name a query with a filter parameter",
        );
        return None;
    };
    Some((op_id, setter_name(filter)))
}

/// The export's shards: a timestamp field of the query's filter table
/// with range comparisons, and an aggregate operation (a POST whose body
/// is a list of aggregations).
fn export_shards(
    cx: &mut Ctx<'_>,
    at: &dyn Fn(&str) -> Vec<Step>,
    query: OpId,
    sb: &crate::manifest::ShardBy,
) -> Option<ir::ShardBy> {
    let m = cx.m;
    let q = &m.operations[query.0];
    let filter = q.parameters.iter().find(|p| p.ty == "fql")?;
    let table = filter
        .filter_table
        .as_deref()
        .or(m.default_filter_table.as_deref())
        .and_then(|t| m.filter_tables.get(t));
    let ranged = table.is_some_and(|t| {
        t.range.iter().any(|f| f == &sb.field)
            && t.value_types.get(&sb.field).map(String::as_str) == Some("timestamp")
    });
    if !ranged {
        cx.push(
            at("shard_by"),
            format!(
                "field `{}` is not a timestamp with range comparisons in the filter table of `{}`",
                sb.field, q.id
            ),
            "name a timestamp field listed under `range`",
        );
    }
    let aggregate = match cx.operations.get(sb.aggregate.as_str()) {
        Some(&id) if m.operations[id.0].http_method == "POST" => Some(id),
        _ => {
            cx.push(
                at("shard_by"),
                format!("`{}` is not a POST operation", sb.aggregate),
                "name the aggregate operation of the query's items",
            );
            None
        }
    };
    let aggregate = aggregate.filter(|_| ranged)?;
    Some(ir::ShardBy {
        field: sb.field.clone(),
        filter: filter.name.clone(),
        aggregate,
    })
}

/// The export's get.
fn export_get(cx: &mut Ctx<'_>, at: &dyn Fn(&str) -> Vec<Step>, id: &str) -> Option<OpId> {
    let Some(&op_id) = cx.operations.get(id) else {
        cx.push(
            at("get"),
            format!("operation `{id}` is not defined"),
            "name the operation ID of a get with a batched read keyword",
        );
        return None;
    };
    let read = cx.m.operations[op_id.0]
        .parameters
        .iter()
        .any(|p| p.batch.as_ref().is_some_and(|b| b.mode == "read"));
    if !read {
        cx.push(
            at("get"),
            format!("operation `{id}` has no keyword with `batch: {{mode: read}}`"),
            "mark its ids keyword with `batch: {mode: read}`",
        );
        return None;
    }
    Some(op_id)
}
