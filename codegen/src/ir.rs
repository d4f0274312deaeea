//! The validated manifest: every value parsed into its enum, every name
//! resolved into a reference, every Rust name derived. Built only by
//! [`crate::validate::validate`]; the emitters read nothing else, so a case
//! the validation refuses cannot reach them. It owns its text, so that
//! [`crate::load`] can return it without the manifest it was read from.

use crate::manifest::AllowedValue;
use crate::types::TypeExpr;

/// A model, by its place in [`Api::models`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ModelId(pub(crate) usize);
/// An operation, by its place in [`Api::operations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpId(pub(crate) usize);
/// A filter table, by its place in [`Api::tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableId(pub(crate) usize);
/// A vocabulary, by its place in [`Api::vocabularies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VocabId(pub(crate) usize);

/// A data type whose models are resolved.
pub type Type = TypeExpr<ModelId>;

/// The whole validated manifest.
#[derive(Debug)]
pub struct Api {
    /// Human title.
    pub title: String,
    /// Filter tables, sorted by name.
    pub tables: Vec<Table>,
    /// The table `Filter::parse` and `Sort::parse` check against.
    pub default_table: Option<TableId>,
    /// Operations, in manifest order.
    pub operations: Vec<Operation>,
    /// Models, sorted by manifest name.
    pub models: Vec<Model>,
    /// Full exports, in manifest order.
    pub exports: Vec<Export>,
    /// Vocabularies, sorted by name.
    pub vocabularies: Vec<Vocabulary>,
}

impl Api {
    /// The model `id` refers to.
    pub fn model(&self, id: ModelId) -> &Model {
        &self.models[id.0]
    }
    /// The operation `id` refers to.
    pub fn operation(&self, id: OpId) -> &Operation {
        &self.operations[id.0]
    }
    /// The table `id` refers to.
    pub fn table(&self, id: TableId) -> &Table {
        &self.tables[id.0]
    }
    /// The vocabulary `id` refers to.
    pub fn vocabulary(&self, id: VocabId) -> &Vocabulary {
        &self.vocabularies[id.0]
    }
}

/// The value type of a filter field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValueType {
    /// `text` (the default).
    Text,
    /// `integer`.
    Integer,
    /// `timestamp`.
    Timestamp,
    /// `ip_address`.
    IpAddress,
    /// `boolean`.
    Boolean,
}

impl ValueType {
    /// Every value type with its manifest word.
    pub const ALL: [(&'static str, ValueType); 5] = [
        ("text", ValueType::Text),
        ("integer", ValueType::Integer),
        ("timestamp", ValueType::Timestamp),
        ("ip_address", ValueType::IpAddress),
        ("boolean", ValueType::Boolean),
    ];
    /// The name of the runtime's marker type and `ValueType` variant.
    pub fn rust_name(self) -> &'static str {
        match self {
            ValueType::Text => "Text",
            ValueType::Integer => "Integer",
            ValueType::Timestamp => "Timestamp",
            ValueType::IpAddress => "IpAddress",
            ValueType::Boolean => "Boolean",
        }
    }
}

/// What a filter field supports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Caps {
    /// Exact match.
    pub exact: bool,
    /// Wildcards.
    pub wildcard: bool,
    /// `[v1, v2]` lists.
    pub list: bool,
    /// Range comparisons.
    pub range: bool,
}

impl Caps {
    /// Human list of what a field supports.
    pub fn describe(&self) -> String {
        let parts: Vec<&str> = [
            (self.exact, "exact match"),
            (self.wildcard, "wildcard"),
            (self.list, "list"),
            (self.range, "range comparisons"),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        parts.join(", ")
    }
}

/// A filter table.
#[derive(Debug)]
pub struct Table {
    /// Name, also the module name.
    pub name: String,
    /// Name of the generated field enum.
    pub enum_name: String,
    /// What the fields belong to.
    pub description: String,
    /// Every field and operation supports `!`.
    pub negation: bool,
    /// Fields, sorted by name.
    pub fields: Vec<FilterField>,
}

/// One field of a filter table.
#[derive(Debug)]
pub struct FilterField {
    /// Dotted name.
    pub name: String,
    /// Its variant of the table's field enum (`IpServicesPort`).
    pub variant: String,
    /// Its constant in the table's module (`IP_SERVICES_PORT`).
    pub const_name: String,
    /// Value type.
    pub value_type: ValueType,
    /// Capabilities.
    pub caps: Caps,
    /// The values it takes, when a vocabulary says.
    pub vocabulary: Option<VocabId>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PATCH`.
    Patch,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
}

impl HttpMethod {
    /// Every method with its manifest word.
    pub const ALL: [(&'static str, HttpMethod); 5] = [
        ("GET", HttpMethod::Get),
        ("POST", HttpMethod::Post),
        ("PATCH", HttpMethod::Patch),
        ("PUT", HttpMethod::Put),
        ("DELETE", HttpMethod::Delete),
    ];
    /// The method as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }
    /// The runtime's `HttpMethod` variant.
    pub fn variant(self) -> &'static str {
        match self {
            HttpMethod::Get => "Get",
            HttpMethod::Post => "Post",
            HttpMethod::Patch => "Patch",
            HttpMethod::Put => "Put",
            HttpMethod::Delete => "Delete",
        }
    }
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    /// Operation ID.
    pub id: String,
    /// The client method's name.
    pub method_name: String,
    /// The builder's type name (the method name in PascalCase).
    pub builder: String,
    /// The operation ID in PascalCase, when it differs from the builder's
    /// name: a doc alias of the builder.
    pub builder_alias: Option<String>,
    /// The constant of its entry in the operation table (`GET_EXTERNAL_ASSETS`).
    pub table_const: String,
    /// One-line summary.
    pub summary: String,
    /// Further description.
    pub description: Option<String>,
    /// HTTP method.
    pub http_method: HttpMethod,
    /// Route.
    pub route: String,
    /// OAuth2 scope.
    pub scope: String,
    /// Request content types.
    pub consumes: Vec<String>,
    /// Response content types.
    pub produces: Vec<String>,
    /// Whether the request may be sent again.
    pub retry_safe: bool,
    /// Type of the whole JSON body, for `body(model)`.
    pub body_type: Option<Type>,
    /// What the reply holds.
    pub reply: Reply,
    /// Keyword arguments, in documentation order.
    pub params: Vec<Param>,
    /// Other names users search for.
    pub aliases: Vec<String>,
}

/// What an operation's reply holds.
#[derive(Debug)]
pub enum Reply {
    /// A binary body, streamed.
    Binary,
    /// A JSON envelope.
    Json {
        /// Type of each element of `resources`.
        resources: Type,
        /// The manifest's text of that type, for the docs.
        resources_text: String,
        /// How an item is told apart from the others.
        key: ItemKey,
        /// The bulk method over every page or batch, if any.
        bulk: Option<Bulk>,
    },
}

impl Operation {
    /// The bulk method over every page or batch, if any.
    pub fn bulk(&self) -> Option<&Bulk> {
        match &self.reply {
            Reply::Json { bulk, .. } => bulk.as_ref(),
            Reply::Binary => None,
        }
    }
}

/// The key of a reply item, by which repeats and missing ids are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKey {
    /// Items have no key.
    None,
    /// Items are strings, their own key.
    Itself,
    /// Items are models with a `string` `id` field.
    IdField,
}

/// An operation's bulk method: pages or batches, never both.
#[derive(Debug)]
pub enum Bulk {
    /// `items()` over every page.
    Pages(Pagination),
    /// `items()` or `send_all()` over batches of one keyword's values.
    Batches(Batch),
}

/// How an operation's pages follow each other.
#[derive(Debug)]
pub struct Pagination {
    /// Offset or cursor, and the parameters of each.
    pub style: PageStyle,
    /// The page-size parameter.
    pub limit: String,
    /// Page size sent when the caller sets none.
    pub page_size: u32,
}

/// Offset or cursor pagination.
#[derive(Debug)]
pub enum PageStyle {
    /// The offset advances by each page.
    Offset {
        /// The offset parameter.
        offset: String,
        /// The first offset the API refuses.
        max_offset: Option<u64>,
        /// A cursor-paginated operation to suggest past `max_offset`.
        alternative: Option<OpId>,
    },
    /// The reply gives the next page's cursor.
    Cursor {
        /// The cursor parameter.
        cursor: String,
    },
}

/// Whether a batched operation reads items or writes a result per id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchMode {
    /// The stream yields the reply's items.
    Read,
    /// The stream yields a result per id.
    Write,
}

impl BatchMode {
    /// Every mode with its manifest word.
    pub const ALL: [(&'static str, BatchMode); 2] =
        [("read", BatchMode::Read), ("write", BatchMode::Write)];
    /// The builder's bulk method.
    pub fn verb(self) -> &'static str {
        match self {
            BatchMode::Read => "items",
            BatchMode::Write => "send_all",
        }
    }
}

/// A keyword whose values may be split into several requests.
#[derive(Debug)]
pub struct Batch {
    /// The keyword, by its place in [`Operation::params`].
    pub param: usize,
    /// Read or write.
    pub mode: BatchMode,
    /// Most values per request.
    pub size: usize,
    /// Where each batch's values go.
    pub place: BatchPlace,
    /// For a keyword that takes one value: the setter taking many.
    pub bulk_setter: Option<String>,
}

impl Batch {
    /// The setter that takes the many values.
    pub fn many<'a>(&'a self, op: &'a Operation) -> &'a str {
        self.bulk_setter
            .as_deref()
            .unwrap_or(op.params[self.param].setter.as_str())
    }
}

/// Where a batch's values go.
#[derive(Debug)]
pub enum BatchPlace {
    /// Repeated query parameter.
    Query(String),
    /// An array of strings in the body.
    BodyList(String),
    /// One array element per value, the value at `field` inside it.
    BodyElement {
        /// The array (`[]` for a body that is an array).
        array: String,
        /// The field inside each element.
        field: String,
    },
}

/// Where a keyword is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The query string.
    Query,
    /// The JSON body.
    Body,
}

impl Location {
    /// Every location with its manifest word.
    pub const ALL: [(&'static str, Location); 2] =
        [("query", Location::Query), ("body", Location::Body)];
    /// The manifest word.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Query => "query",
            Location::Body => "body",
        }
    }
}

/// What a keyword argument is, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamKind {
    /// A value of a plain type.
    Value(Type, Place),
    /// One or more strings: repeated in a query, an array in a body.
    StringList(Place),
    /// An FQL filter, checked against a table when one is named.
    Fql(Option<TableId>, Place),
    /// A sort order, checked against a table when one is named.
    Sort(Option<TableId>, Place),
    /// The whole JSON body.
    RawBody,
    /// Extra query parameters.
    RawQuery,
}

/// Where a keyword's value is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The query parameter of the keyword's name.
    Query,
    /// The JSON body, at this path (`assets[].id`, `[].field`).
    Body(String),
}

/// One keyword argument.
#[derive(Debug)]
pub struct Param {
    /// Keyword and wire name.
    pub name: String,
    /// Rust setter name.
    pub setter: String,
    /// The documentation's data-type column, verbatim.
    pub seed_type: String,
    /// The manifest's `type`, verbatim, for the operation table.
    pub type_text: String,
    /// What the keyword is, and where it goes.
    pub kind: ParamKind,
    /// Takes many values (a `string_list` or a `list<T>`): checked for
    /// empty values and `max_items` before sending.
    pub list: bool,
    /// FalconPy's Service-class support.
    pub service: bool,
    /// FalconPy's Uber-class support.
    pub uber: bool,
    /// Required by the API.
    pub required: bool,
    /// Most values a list may hold.
    pub max_items: Option<usize>,
    /// Description.
    pub description: String,
    /// Closed list of accepted values.
    pub allowed_values: Vec<AllowedValue>,
    /// Example value, for the docs.
    pub example: Option<String>,
    /// The values it takes, when a vocabulary says.
    pub vocabulary: Option<VocabId>,
}

impl Param {
    /// Where the keyword is sent, and its place in the JSON body.
    pub fn location(&self) -> (Location, Option<&str>) {
        let place = match &self.kind {
            ParamKind::Value(_, place)
            | ParamKind::StringList(place)
            | ParamKind::Fql(_, place)
            | ParamKind::Sort(_, place) => place,
            ParamKind::RawBody => return (Location::Body, None),
            ParamKind::RawQuery => return (Location::Query, None),
        };
        match place {
            Place::Query => (Location::Query, None),
            Place::Body(path) => (Location::Body, Some(path.as_str())),
        }
    }
}

/// A model.
#[derive(Debug)]
pub struct Model {
    /// The manifest's name, which type expressions use.
    pub name: String,
    /// The Rust name (acronyms as words: `FemDnsDomain`).
    pub rust_name: String,
    /// The schema's name.
    pub wire_name: String,
    /// Description.
    pub description: Option<String>,
    /// Generated, or a runtime type.
    pub kind: ModelKind,
}

/// Whether a model is generated.
#[derive(Debug)]
pub enum ModelKind {
    /// The runtime's type of this name stands for it.
    Runtime(String),
    /// A generated struct.
    Generated {
        /// Fields, sorted by wire name.
        fields: Vec<Field>,
        /// A reply can hold it: it keeps members it does not name.
        keeps_extra: bool,
    },
}

/// A model field.
#[derive(Debug)]
pub struct Field {
    /// Wire name.
    pub wire: String,
    /// Rust name.
    pub rust: String,
    /// Data type.
    pub ty: Type,
    /// Description.
    pub description: Option<String>,
    /// The values it takes, when a vocabulary says.
    pub vocabulary: Option<VocabId>,
}

/// A full export.
#[derive(Debug)]
pub struct Export {
    /// The client method's name.
    pub method_name: String,
    /// One-line summary.
    pub summary: String,
    /// Further description.
    pub description: Option<String>,
    /// The paginated query of ids.
    pub query: OpId,
    /// The type of the items exported (the get's `resources`).
    pub items: Type,
    /// The setter of the query's filter.
    pub filter_setter: String,
    /// The get with a batched read keyword.
    pub get: OpId,
    /// How the export splits its query, if it does.
    pub shard_by: Option<ShardBy>,
}

/// An export's shards: ranges of a date field of the query's filter.
#[derive(Debug)]
pub struct ShardBy {
    /// The timestamp field.
    pub field: String,
    /// The wire name of the query's filter keyword.
    pub filter: String,
    /// The aggregate operation counting the field's values.
    pub aggregate: OpId,
}

/// The known values of a field.
#[derive(Debug)]
pub struct Vocabulary {
    /// PascalCase name.
    pub name: String,
    /// The Rust item in `vocabularies`: the enum of a closed vocabulary
    /// (`Criticality`), the module of an open one's constants (`discovered_by`).
    pub rust_name: String,
    /// What the values describe.
    pub description: String,
    /// An enum (closed) or constants (open).
    pub closed: bool,
    /// Values are recognised whatever their case.
    pub case_insensitive: bool,
    /// The known values.
    pub values: Vec<VocabularyValue>,
    /// Every field, keyword and filter field it applies to, as written.
    pub used_by: Vec<String>,
}

/// One known value of a vocabulary.
#[derive(Debug)]
pub struct VocabularyValue {
    /// The value, as the API sends it.
    pub value: String,
    /// The source that documents it.
    pub evidence: String,
    /// Its enum variant (closed: `DnsDomain`) or constant (open: `DNS_DOMAIN`).
    pub rust_name: String,
}
