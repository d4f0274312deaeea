//! The manifest's schema, as serde types. Unknown keys are rejected; the
//! meaning of values is checked by [`crate::validate`].

use std::collections::BTreeMap;

use serde::Deserialize;

/// A whole manifest file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Service collection name, snake_case.
    pub service: String,
    /// Human title.
    pub title: String,
    /// FQL filter-field tables, by name.
    #[serde(default)]
    pub filter_tables: BTreeMap<String, FilterTable>,
    /// The table `Filter::parse` and `Sort::parse` check against.
    #[serde(default)]
    pub default_filter_table: Option<String>,
    /// The operations, in documentation order.
    pub operations: Vec<Operation>,
    /// Request and response models, by Rust name.
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// Client methods streaming every item of a filter with its details.
    #[serde(default)]
    pub exports: Vec<Export>,
    /// Known values of fields, each with its evidence, by PascalCase name.
    #[serde(default)]
    pub vocabularies: BTreeMap<String, Vocabulary>,
}

/// The known values of a field, and where each is documented.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    /// What the values describe.
    pub description: String,
    /// The values are the documented, complete set: a Rust enum is generated
    /// and used by the fields it applies to. Otherwise only constants are.
    pub closed: bool,
    /// Values are recognised whatever their case.
    #[serde(default)]
    pub case_insensitive: bool,
    /// The known values.
    pub values: Vec<VocabularyValue>,
    /// Model fields that take these values (`Model.field`).
    #[serde(default)]
    pub model_fields: Vec<String>,
    /// Keywords that take these values (`operation_id.keyword`).
    #[serde(default)]
    pub parameters: Vec<String>,
    /// FQL filter fields that take these values (`table.field`).
    #[serde(default)]
    pub filter_fields: Vec<String>,
}

/// One known value and its evidence.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VocabularyValue {
    /// The value, as the API sends it.
    pub value: String,
    /// Where the value is documented: a short source note.
    pub evidence: String,
}

/// A full export: a paginated query of ids fed into a batched get.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// The client method's name.
    pub method_name: String,
    /// One-line summary.
    pub summary: String,
    /// Further description.
    #[serde(default)]
    pub description: Option<String>,
    /// Operation ID of the paginated query returning ids.
    pub query: String,
    /// Operation ID of the get with a batched read keyword.
    pub get: String,
    /// The date field by which the export splits its query into shards
    /// read at once, and the aggregate that counts them.
    #[serde(default)]
    pub shard_by: Option<ShardBy>,
}

/// How an export splits its query: ranges of a date field, counted by an
/// aggregate operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardBy {
    /// A timestamp field of the query's filter table with range comparisons.
    pub field: String,
    /// Operation ID of the aggregate (a body list of aggregations).
    pub aggregate: String,
}

/// How an operation's pages follow each other.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// `offset` or `cursor`.
    pub style: String,
    /// Offset style: the offset parameter.
    #[serde(default)]
    pub offset: Option<String>,
    /// Cursor style: the cursor parameter.
    #[serde(default)]
    pub cursor: Option<String>,
    /// The page-size parameter.
    pub limit: String,
    /// Page size sent when the caller sets none.
    pub page_size: u32,
    /// Offset style: the first offset the API refuses.
    #[serde(default)]
    pub max_offset: Option<u64>,
    /// Offset style: operation ID of a cursor-paginated operation to suggest
    /// past `max_offset`.
    #[serde(default)]
    pub alternative: Option<String>,
}

/// A keyword whose values may be split into several requests.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// `read` (stream of the reply's items) or `write` (a result per id).
    pub mode: String,
    /// For a keyword that takes one value: name of the setter taking many.
    #[serde(default)]
    pub setter: Option<String>,
}

/// The four capability lists of a group of filter fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterTable {
    /// What the fields belong to.
    pub description: String,
    /// Every field and operation supports `!`.
    #[serde(default)]
    pub negation: bool,
    /// Value type of fields that do not take text.
    #[serde(default)]
    pub value_types: BTreeMap<String, String>,
    /// Fields supporting exact match.
    #[serde(default)]
    pub exact_match: Vec<String>,
    /// Fields supporting wildcards.
    #[serde(default)]
    pub wildcard: Vec<String>,
    /// Fields supporting `[v1, v2]` lists.
    #[serde(default)]
    pub list: Vec<String>,
    /// Fields supporting range comparisons.
    #[serde(default)]
    pub range: Vec<String>,
    /// Name of the generated enum of the table's fields (default: the
    /// table's name in PascalCase followed by `Field`).
    #[serde(default)]
    pub field_enum: Option<String>,
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Operation ID.
    pub id: String,
    /// The client method's name (FalconPy's method name).
    pub method_name: String,
    /// One-line summary.
    pub summary: String,
    /// Further description.
    #[serde(default)]
    pub description: Option<String>,
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
    pub http_method: String,
    /// Route, starting with `/`.
    pub route: String,
    /// OAuth2 scope, `name:read` or `name:write`.
    pub scope: String,
    /// Request content types.
    #[serde(default)]
    pub consumes: Vec<String>,
    /// Response content types.
    pub produces: Vec<String>,
    /// Overrides whether the request may be sent again (default: GET and DELETE).
    #[serde(default)]
    pub retry_safe: Option<bool>,
    /// Type of the whole JSON body, for a typed body setter.
    #[serde(default)]
    pub body_type: Option<String>,
    /// What the reply holds.
    pub response: Response,
    /// Pagination, for an `items()` stream over every page.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// Keyword arguments, in documentation order.
    pub parameters: Vec<Parameter>,
    /// Other names users search for, as `#[doc(alias)]`es of the method.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// What an operation's reply holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The body is binary (streamed), not a JSON envelope.
    #[serde(default)]
    pub binary: bool,
    /// Type of each element of `resources`.
    #[serde(default)]
    pub resources: Option<String>,
    /// Schema name of the whole envelope, for the docs.
    #[serde(default)]
    pub envelope: Option<String>,
}

/// One keyword argument.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Keyword and wire name.
    pub name: String,
    /// Rust setter name when the keyword is not a good one.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// `query` or `body`.
    pub location: String,
    /// The documentation's data-type column, verbatim.
    pub seed_type: String,
    /// The generator's data type.
    #[serde(rename = "type")]
    pub ty: String,
    /// FalconPy parity: its Service class takes the keyword.
    pub service: bool,
    /// FalconPy parity: its Uber class takes the keyword.
    pub uber: bool,
    /// Required by the API.
    #[serde(default)]
    pub required: bool,
    /// Where a body keyword lands in the JSON body.
    #[serde(default)]
    pub body_path: Option<String>,
    /// Filter table of an `fql` or `sort` parameter.
    #[serde(default)]
    pub filter_table: Option<String>,
    /// Most values a list may hold.
    #[serde(default)]
    pub max_items: Option<usize>,
    /// Description.
    pub description: String,
    /// Closed list of accepted values.
    #[serde(default)]
    pub allowed_values: Vec<AllowedValue>,
    /// Example value, for the docs.
    #[serde(default)]
    pub example: Option<String>,
    /// Whether (and how) the values may be split into several requests.
    #[serde(default)]
    pub batch: Option<Batch>,
}

/// One accepted value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedValue {
    /// The value.
    pub value: String,
    /// What it means.
    #[serde(default)]
    pub description: Option<String>,
}

/// A model (struct) of request or response data.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The schema's name.
    pub wire_name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Runtime type that stands for this model (the envelope), instead of generating it.
    #[serde(default)]
    pub runtime_type: Option<String>,
    /// Fields by wire name.
    pub fields: BTreeMap<String, FieldDef>,
}

/// A model field: a bare type, or a type with a description.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum FieldDef {
    /// `name: type`
    Short(String),
    /// `name: {type, description}`
    Full(FullField),
}

/// A field with its description.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullField {
    /// Type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

impl FieldDef {
    /// The field's type expression.
    pub fn ty(&self) -> &str {
        match self {
            FieldDef::Short(t) => t,
            FieldDef::Full(f) => &f.ty,
        }
    }

    /// The field's description, if any.
    pub fn description(&self) -> Option<&str> {
        match self {
            FieldDef::Short(_) => None,
            FieldDef::Full(f) => f.description.as_deref(),
        }
    }
}
