//! Filter fields and their capabilities, as types and as a runtime table.

use std::marker::PhantomData;

use super::error::{FqlError, FqlErrorKind};

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
///
/// The generated constants of [`crate::fields`] are the only fields: their
/// types say what the manifest says each field supports, so none can be
/// made by hand with other capabilities.
///
/// ```compile_fail,E0624
/// use falcon_exposure::fql::{Caps, Field, Text};
/// const RANGED: Field<Text, Caps<true, true, true, true>> = Field::new("criticality");
/// ```
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
    /// A field named `name` (dotted for nested fields). Only the generated
    /// constants make fields, so a field's type always says what the
    /// manifest says it supports.
    pub(crate) const fn new(name: &'static str) -> Self {
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

impl<V, C> From<Field<V, C>> for String {
    fn from(f: Field<V, C>) -> String {
        f.name.to_owned()
    }
}

/// Anything that names a filter field: a typed constant of
/// [`crate::fields`] or a variant of a table's field enum. Sorts take it.
pub trait FieldName {
    /// The FQL name, e.g. `ip.services.port`.
    fn field_name(&self) -> &'static str;
}

impl<V, C> FieldName for Field<V, C> {
    fn field_name(&self) -> &'static str {
        self.name
    }
}

/// Implements, for a generated field enum with `spec()`: `as_str`, the
/// capabilities, `Display`, `FromStr` (an unknown name is an
/// [`FqlError`](crate::fql::FqlError) suggesting the closest), conversion
/// to text, [`FieldName`] and conversion from a typed constant.
macro_rules! field_enum_impls {
    ($name:ident, $table:ident) => {
        impl $name {
            /// The FQL name, e.g. `ip.services.port`.
            pub fn as_str(self) -> &'static str {
                self.spec().name
            }
            /// The type of the values the field takes.
            pub fn value_type(self) -> crate::fql::ValueType {
                self.spec().value_type
            }
            /// Whether the field supports exact match (`f:'v'`).
            pub fn supports_exact(self) -> bool {
                self.spec().exact
            }
            /// Whether the field supports wildcards (`f:*'v*'`).
            pub fn supports_wildcard(self) -> bool {
                self.spec().wildcard
            }
            /// Whether the field supports any-of lists (`f:['a','b']`).
            pub fn supports_list(self) -> bool {
                self.spec().list
            }
            /// Whether the field supports range comparisons (`f:>v`).
            pub fn supports_range(self) -> bool {
                self.spec().range
            }
            /// The values the field takes, when a vocabulary of the
            /// manifest says.
            pub fn known_values(self) -> Option<crate::fql::KnownValues> {
                self.spec().known_values
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl std::str::FromStr for $name {
            type Err = crate::fql::FqlError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $table
                    .fields
                    .binary_search_by(|f| f.name.cmp(s))
                    .map(|i| Self::ALL[i])
                    .map_err(|_| crate::fql::unknown_field(&$table, s, 0))
            }
        }
        impl From<$name> for String {
            fn from(f: $name) -> String {
                f.as_str().to_owned()
            }
        }
        impl crate::fql::FieldName for $name {
            fn field_name(&self) -> &'static str {
                self.as_str()
            }
        }
        impl<V, C> TryFrom<crate::fql::Field<V, C>> for $name {
            type Error = crate::fql::FqlError;
            /// The variant of a typed constant; an error when the constant
            /// belongs to another table.
            fn try_from(f: crate::fql::Field<V, C>) -> Result<Self, Self::Error> {
                f.name().parse()
            }
        }
    };
}
pub(crate) use field_enum_impls;

/// Value type of a field, at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

/// A filterable field and its capabilities, at run time: a row of a
/// [`FilterTable`]. Users see the same facts through a table's field enum
/// (such as [`ExternalAssetField`](crate::fields::external_assets::ExternalAssetField)),
/// which reads them from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FieldSpec {
    /// FQL name.
    pub(crate) name: &'static str,
    /// Value type.
    pub(crate) value_type: ValueType,
    /// Supports exact match.
    pub(crate) exact: bool,
    /// Supports wildcard (`*`).
    pub(crate) wildcard: bool,
    /// Supports any-of lists (`[v1, v2]`).
    pub(crate) list: bool,
    /// Supports range comparisons.
    pub(crate) range: bool,
    /// The values it takes, when a vocabulary of the manifest says.
    pub(crate) known_values: Option<KnownValues>,
}

/// The values a field takes, as far as the evidence goes (see
/// [`crate::vocabularies`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct KnownValues {
    /// The values, spelt as the API sends them.
    pub values: &'static [&'static str],
    /// Whether they are every value the field takes (an enum), or only
    /// the ones seen so far (constants).
    pub complete: bool,
    /// Whether the API matches them whatever their case.
    pub case_insensitive: bool,
}

/// The filter fields of one group of operations, as the generated
/// `TABLE` statics hold them (such as
/// [`fields::external_assets::TABLE`](crate::fields::external_assets::TABLE)):
/// what [`Filter::parse_with`](crate::fql::Filter::parse_with) and
/// [`Sort::parse_with`](crate::fql::Sort::parse_with) check against. Only
/// the generator makes tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterTable {
    /// Name of the table in the manifest.
    pub(crate) name: &'static str,
    /// Whether every field and operation supports negation (`!`).
    pub(crate) negation: bool,
    /// The fields, sorted by name.
    pub(crate) fields: &'static [FieldSpec],
}

impl FilterTable {
    /// The table's name in the manifest, e.g. `external_assets`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether every field and operation supports negation (`!`).
    pub fn negation(&self) -> bool {
        self.negation
    }

    /// The names of the table's fields, sorted.
    pub fn field_names(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.fields.iter().map(|f| f.name)
    }

    /// The field named `name`.
    pub(crate) fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields
            .binary_search_by(|f| f.name.cmp(name))
            .ok()
            .map(|i| &self.fields[i])
    }
}

/// The nearest names in `table` to `name`, best first (at most three).
pub(crate) fn suggest(table: &FilterTable, name: &str) -> Vec<String> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let mut scored: Vec<(f64, &str)> = table
        .fields
        .iter()
        .map(|f| {
            let mut score = strsim::jaro_winkler(name, f.name);
            if f.name != name && f.name.rsplit('.').next() == Some(last) {
                score = score.max(0.9);
            }
            (score, f.name)
        })
        .filter(|(score, _)| *score >= 0.85)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_owned())
        .collect()
}

/// The error for a field `name` (at byte `at`) that `table` does not have,
/// suggesting the closest names.
pub(crate) fn unknown_field(table: &FilterTable, name: &str, at: usize) -> FqlError {
    let suggestions = suggest(table, name);
    let hint = match suggestions.as_slice() {
        [] => format!("it is not in the `{}` filter table", table.name),
        [one] => format!("did you mean `{one}`?"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|s| format!("`{s}`")).collect();
            format!("did you mean {} or `{last}`?", init.join(", "))
        }
    };
    FqlError::new(
        FqlErrorKind::UnknownField,
        Some(at),
        format!("unknown field `{name}` at byte {at}; {hint}"),
    )
    .with_suggestions(suggestions)
}
