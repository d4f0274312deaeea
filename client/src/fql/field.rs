//! Filter fields and their capabilities, as types and as a runtime table.

use std::marker::PhantomData;

/// What an FQL filter field supports, as const parameters: exact match,
/// wildcard (`*`), any-of lists (`[v1, v2]`), range comparisons
/// (`>`, `>=`, `<`, `<=`). Comparisons are only implemented where the
/// matching parameter is `true`, so misuse fails to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Caps<const EXACT: bool, const WILDCARD: bool, const LIST: bool, const RANGE: bool>;

/// Value type of a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text;
/// Value type of an integer field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Integer;
/// Value type of a timestamp field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp;
/// Value type of an IP address field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpAddress;
/// Value type of a boolean field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Boolean;

/// A filterable field: its FQL name, value type `V` and capabilities `C`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Field<V, C> {
    name: &'static str,
    _types: PhantomData<fn() -> (V, C)>,
}

impl<V, C> Clone for Field<V, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V, C> Copy for Field<V, C> {}

impl<V, C> Field<V, C> {
    /// A field named `name` (dotted for nested fields).
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            _types: PhantomData,
        }
    }

    /// The FQL name, e.g. `ip.services.port`.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// Value type of a field, at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// Text.
    Text,
    /// Integer.
    Integer,
    /// Timestamp (RFC 3339 or relative such as `now-7d`).
    Timestamp,
    /// IP address.
    IpAddress,
    /// Boolean.
    Boolean,
}

/// A filterable field and its capabilities, at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldSpec {
    /// FQL name.
    pub name: &'static str,
    /// Value type.
    pub value_type: ValueType,
    /// Supports exact match.
    pub exact: bool,
    /// Supports wildcard (`*`).
    pub wildcard: bool,
    /// Supports any-of lists (`[v1, v2]`).
    pub list: bool,
    /// Supports range comparisons.
    pub range: bool,
}

/// The filter fields of one group of operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterTable {
    /// Name of the table in the manifest.
    pub name: &'static str,
    /// Whether every field and operation supports negation (`!`).
    pub negation: bool,
    /// The fields, sorted by name.
    pub fields: &'static [FieldSpec],
}

impl FilterTable {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields
            .binary_search_by(|f| f.name.cmp(name))
            .ok()
            .map(|i| &self.fields[i])
    }
}
