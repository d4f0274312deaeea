//! The runtime items that generated code uses, and the only path by which
//! it reaches the runtime's internals. The runtime may move its modules
//! freely; only these re-exports follow.

pub(crate) use crate::bulk::batch::{BatchPlace, BatchSpec};
pub(crate) use crate::bulk::export::matches_all;
pub(crate) use crate::bulk::paginate::{KeyFn, PageSpec, string_key};
pub(crate) use crate::bulk::shards::ShardSpec;
pub(crate) use crate::fql::{
    Caps, Field, FieldSpec, FilterTable, KnownValues, ValueType, field_enum_impls,
};
pub(crate) use crate::model::decode;
pub(crate) use crate::model::shape::{Shape, Visitor};
pub(crate) use crate::model::vocabulary::vocabulary_impls;
// Public: `vocabularies` re-exports it, its one public path.
pub use crate::model::vocabulary::UnknownVariantValue;
pub(crate) use crate::request::RequestParts;
pub(crate) use crate::request::operation::{HttpMethod, Operation, ParamLocation, ParamSpec};
