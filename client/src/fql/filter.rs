//! The typed filter: built from the field constants or parsed from a
//! string, and the builder methods on fields.

use std::fmt;

use super::ast::{Comparison, Node, Op, Operand, join};
use super::error::FqlError;
use super::field::{Caps, Field, FilterTable, Text};
use super::value::{IntoValue, Value};

/// An FQL filter: built from the typed field constants in
/// [`crate::fields`] or parsed (and validated) from a string.
///
/// `Display` renders the exact FQL string. `+` (and) and `,` (or) are never
/// mixed without parentheses, so the meaning never depends on precedence.
///
/// ```
/// use falcon_exposure::fields::external_assets as f;
/// use falcon_exposure::fql::{Filter, RelativeTime};
///
/// let filter = f::ASSET_TYPE
///     .equals("ip")
///     .and(f::CRITICALITY.equals("Critical").or(f::CRITICALITY.equals("High")))
///     .and(f::LAST_SEEN.greater_than(RelativeTime::days_ago(7)));
/// assert_eq!(
///     filter.to_string(),
///     "asset_type:'ip'+(criticality:'Critical',criticality:'High')+last_seen:>'now-7d'"
/// );
/// assert_eq!(filter, Filter::parse(&filter.to_string()).unwrap());
/// ```
///
/// Two filters are equal when they render the same FQL: a parsed
/// `'2024-01-01T00:00:00Z'` equals the same instant built from a
/// [`time::OffsetDateTime`].
#[derive(Debug, Clone)]
pub struct Filter {
    pub(crate) node: Node,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.node == other.node || self.to_string() == other.to_string()
    }
}

impl Eq for Filter {}

impl std::hash::Hash for Filter {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.to_string().hash(state);
    }
}

impl Filter {
    pub(crate) fn cmp(field: &str, op: Op, operand: Operand) -> Self {
        Self {
            node: Node::Cmp(Comparison {
                field: field.to_owned(),
                op,
                operand,
            }),
        }
    }

    /// Parses an FQL string and checks it against the filter table of the
    /// external assets operations (`query_assets`, `aggregate_assets`):
    /// every field must exist and support its operation, values must suit
    /// the field's type, and there may be at most [`MAX_PROPERTIES`](crate::fql::MAX_PROPERTIES)
    /// properties. Errors carry the byte position.
    ///
    /// Accepted beyond the canonical form that `Display` renders: spaces
    /// between tokens, double-quoted values (`"it's"`), a leading `!` on a
    /// comparison (`!field:'v'`, read as `field:!'v'`), redundant
    /// parentheses, and quoted integers or booleans for integer or boolean
    /// fields. Rejected although the grammar allows it: `+` and `,` mixed at
    /// one level without parentheses ([`FqlErrorKind::MixedOperators`]),
    /// because FQL documents no precedence between them.
    ///
    /// [`FqlErrorKind::MixedOperators`]: crate::fql::FqlErrorKind::MixedOperators
    ///
    /// ```
    /// use falcon_exposure::fql::{Filter, FqlErrorKind};
    ///
    /// let f = Filter::parse("asset_type:'ip'+last_seen:>'now-7d'").unwrap();
    /// assert_eq!(f.to_string(), "asset_type:'ip'+last_seen:>'now-7d'");
    ///
    /// let e = Filter::parse("last_sen:>'now-7d'").unwrap_err();
    /// assert_eq!(e.kind(), FqlErrorKind::UnknownField);
    /// assert_eq!(e.to_string(), "unknown field `last_sen` at byte 0; did you mean `last_seen`?");
    /// ```
    pub fn parse(s: &str) -> Result<Filter, FqlError> {
        Filter::parse_with(s, crate::fields::DEFAULT_TABLE)
    }

    /// Parses an FQL string, checking fields and operations against `table`
    /// when one is given; with `None` only the syntax, empty values and the
    /// property limit are checked.
    pub fn parse_with(s: &str, table: Option<&FilterTable>) -> Result<Filter, FqlError> {
        super::parse::parse(s, table).map(|node| Filter { node })
    }

    /// Both `self` and `other` (`self+other`).
    pub fn and(self, other: Filter) -> Filter {
        Filter {
            node: join([self.node, other.node], true),
        }
    }

    /// Either `self` or `other` (`self,other`).
    pub fn or(self, other: Filter) -> Filter {
        Filter {
            node: join([self.node, other.node], false),
        }
    }

    /// Every one of `filters` (joined by `+`). With none, the filter is
    /// empty, renders as `""` and is rejected when validated or sent.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter {
            node: join(filters.into_iter().map(|f| f.node), true),
        }
    }

    /// Any one of `filters` (joined by `,`). With none, the filter is empty,
    /// renders as `""` and is rejected when validated or sent.
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter {
            node: join(filters.into_iter().map(|f| f.node), false),
        }
    }

    /// The negation of the whole filter; the same as `!filter`.
    ///
    /// FQL documents negation only on a single comparison (`field:!'v'`), so
    /// a group is negated by De Morgan's laws: `and` becomes `or` and each
    /// comparison flips (`:` ↔ `:!`, `~` ↔ `!~`, `*` ↔ `!*`, `>` ↔ `<=`,
    /// `>=` ↔ `<`). A flipped range comparison is the exact complement only
    /// for a field with one value per asset: on a multi-valued field such as
    /// `ip.services.port`, `!(port > 1000)` becomes "some port <= 1000".
    ///
    /// ```
    /// use falcon_exposure::fields::external_assets as f;
    /// use falcon_exposure::vocabularies::Criticality;
    /// let urgent = f::CRITICALITY.equals(Criticality::Critical).or(f::CRITICALITY.equals(Criticality::High));
    /// assert_eq!((!urgent).to_string(), "criticality:!'Critical'+criticality:!'High'");
    /// ```
    pub fn negate(self) -> Filter {
        Filter {
            node: self.node.negate(),
        }
    }

    /// How many properties (comparisons) the filter has; FQL allows at most
    /// [`MAX_PROPERTIES`](crate::fql::MAX_PROPERTIES).
    pub fn properties(&self) -> usize {
        self.node.count()
    }

    /// Checks the filter as it would be checked before sending: not empty,
    /// at most [`MAX_PROPERTIES`](crate::fql::MAX_PROPERTIES) properties, no empty values, and, with a
    /// `table`, every field known and every operation supported by its field.
    /// Positions in the error are byte offsets into the rendered filter.
    pub fn validate(&self, table: Option<&FilterTable>) -> Result<(), FqlError> {
        super::parse::parse(&self.to_string(), table).map(|_| ())
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;

    /// See [`Filter::negate`].
    fn not(self) -> Filter {
        self.negate()
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.write(f, false)
    }
}

impl std::str::FromStr for Filter {
    type Err = FqlError;

    /// Same as [`Filter::parse`].
    fn from_str(s: &str) -> Result<Self, FqlError> {
        Filter::parse(s)
    }
}

fn single<V, C>(field: Field<V, C>, op: Op, value: Value) -> Filter {
    Filter::cmp(field.name(), op, Operand::One(value))
}

fn list<V, C, T: IntoValue<V>>(
    field: Field<V, C>,
    op: Op,
    values: impl IntoIterator<Item = T>,
) -> Filter {
    Filter::cmp(
        field.name(),
        op,
        Operand::List(values.into_iter().map(IntoValue::into_value).collect()),
    )
}

fn with_pattern<V, C>(field: Field<V, C>, op: Op, p: String) -> Filter {
    single(field, op, Value::Text(p))
}

/// Exact match, on fields that support it.
impl<V, const W: bool, const L: bool, const R: bool> Field<V, Caps<true, W, L, R>> {
    /// `field:value`. A text value containing `*` is read by the API as a
    /// wildcard pattern; use [`wildcard`](Self::wildcard) for that.
    pub fn equals(self, value: impl IntoValue<V>) -> Filter {
        single(self, Op::Eq, value.into_value())
    }

    /// `field:!value`.
    pub fn not_equals(self, value: impl IntoValue<V>) -> Filter {
        single(self, Op::Ne, value.into_value())
    }

    /// `field:null`: the field has no value.
    pub fn is_null(self) -> Filter {
        single(self, Op::Eq, Value::Null)
    }

    /// `field:!null`: the field has a value.
    pub fn is_not_null(self) -> Filter {
        single(self, Op::Ne, Value::Null)
    }
}

/// Text match (`~`, `!~`) on text fields with exact match. The FEM field
/// lists do not mention text match; this crate allows it on every text field
/// that supports exact match or wildcard.
impl<const W: bool, const L: bool, const R: bool> Field<Text, Caps<true, W, L, R>> {
    /// `field:~'value'`: text match, ignoring case, spaces and punctuation.
    pub fn matches(self, value: impl Into<String>) -> Filter {
        single(self, Op::Match, Value::Text(value.into()))
    }

    /// `field:!~'value'`.
    pub fn not_matches(self, value: impl Into<String>) -> Filter {
        single(self, Op::NotMatch, Value::Text(value.into()))
    }
}

/// Text match (`~`, `!~`) on text fields with wildcard but no exact match.
impl<const L: bool, const R: bool> Field<Text, Caps<false, true, L, R>> {
    /// `field:~'value'`: text match, ignoring case, spaces and punctuation.
    pub fn matches(self, value: impl Into<String>) -> Filter {
        single(self, Op::Match, Value::Text(value.into()))
    }

    /// `field:!~'value'`.
    pub fn not_matches(self, value: impl Into<String>) -> Filter {
        single(self, Op::NotMatch, Value::Text(value.into()))
    }
}

/// Wildcard, on fields that support it.
impl<V, const E: bool, const L: bool, const R: bool> Field<V, Caps<E, true, L, R>> {
    /// `field:*'pattern'`, where `*` in `pattern` stands for one or more
    /// characters: `wildcard("*.example.com")`.
    pub fn wildcard(self, pattern: impl Into<String>) -> Filter {
        with_pattern(self, Op::Wildcard, pattern.into())
    }

    /// `field:!*'pattern'`: does not match the pattern. This spelling of a
    /// negated wildcard is not documented by CrowdStrike (the alternative
    /// `field:!'pattern'` is accepted by [`Filter::parse`]).
    pub fn not_wildcard(self, pattern: impl Into<String>) -> Filter {
        with_pattern(self, Op::NotWildcard, pattern.into())
    }
}

/// Any-of lists, on fields that support them.
impl<V, const E: bool, const W: bool, const R: bool> Field<V, Caps<E, W, true, R>> {
    /// `field:['a','b']`: the field equals one of `values`. An empty list is
    /// rejected when the filter is validated or sent.
    pub fn any_of<T: IntoValue<V>>(self, values: impl IntoIterator<Item = T>) -> Filter {
        list(self, Op::Eq, values)
    }

    /// `field:!['a','b']`: the field equals none of `values`.
    pub fn none_of<T: IntoValue<V>>(self, values: impl IntoIterator<Item = T>) -> Filter {
        list(self, Op::Ne, values)
    }
}

/// Range comparisons, on fields that support them.
impl<V, const E: bool, const W: bool, const L: bool> Field<V, Caps<E, W, L, true>> {
    /// `field:>value`.
    pub fn greater_than(self, value: impl IntoValue<V>) -> Filter {
        single(self, Op::Gt, value.into_value())
    }

    /// `field:>=value`.
    pub fn greater_or_equal(self, value: impl IntoValue<V>) -> Filter {
        single(self, Op::Ge, value.into_value())
    }

    /// `field:<value`.
    pub fn less_than(self, value: impl IntoValue<V>) -> Filter {
        single(self, Op::Lt, value.into_value())
    }

    /// `field:<=value`.
    pub fn less_or_equal(self, value: impl IntoValue<V>) -> Filter {
        single(self, Op::Le, value.into_value())
    }
}
