//! Falcon Query Language (FQL): typed filters and sorts, checked before a
//! request is sent.
//!
//! The field constants in [`crate::fields`] are generated from the
//! manifest's filter tables. Each carries its value type and capabilities as
//! types, so an operation a field does not support does not compile:
//!
//! | method | FQL | fields |
//! |---|---|---|
//! | [`equals`](Field::equals), [`not_equals`](Field::not_equals) | `f:'v'`, `f:!'v'` | exact match |
//! | [`is_null`](Field::is_null), [`is_not_null`](Field::is_not_null) | `f:null`, `f:!null` | exact match |
//! | `matches`, `not_matches` | `f:~'v'`, `f:!~'v'` | text fields with exact match or wildcard (the FEM lists do not mention text match; this is this crate's choice) |
//! | [`wildcard`](Field::wildcard), [`not_wildcard`](Field::not_wildcard) | `f:*'v*'`, `f:!*'v*'` | wildcard |
//! | [`any_of`](Field::any_of), [`none_of`](Field::none_of) | `f:['a','b']`, `f:!['a','b']` | list |
//! | [`greater_than`](Field::greater_than), [`greater_or_equal`](Field::greater_or_equal), [`less_than`](Field::less_than), [`less_or_equal`](Field::less_or_equal) | `f:>v`, `f:>=v`, `f:<v`, `f:<=v` | range |
//!
//! Filters combine with [`Filter::and`] (`+`), [`Filter::or`] (`,`) and
//! `!` ([`Filter::negate`]); parentheses are emitted wherever `+` and `,`
//! meet. Values: text is single-quoted with `'` and `\` escaped by a
//! backslash (CrowdStrike documents no escaping rule; this one is not
//! verified against the API), integers, booleans and `null` are unquoted,
//! timestamps ([`time::OffsetDateTime`]) are quoted RFC 3339 UTC, relative
//! times come from [`RelativeTime`], and IP fields take
//! [`std::net::IpAddr`] or text for partial addresses.
//!
//! The query and aggregate builders take a [`Filter`] or a string. A string
//! is parsed and checked against the operation's filter table before
//! sending (an error becomes [`Error::InvalidRequest`](crate::Error) and
//! nothing is sent); [`FilterArg::unchecked`] sends a filter as it is, for
//! fields newer than the manifest. Sorts work the same way with [`Sort`]
//! and [`SortArg::unchecked`].
//!
//! # Examples
//!
//! Internet-exposed IPs seen in the last 7 days, most recent first:
//!
//! ```no_run
//! use falcon_exposure::fields::external_assets as f;
//! use falcon_exposure::fql::{RelativeTime, Sort};
//! use falcon_exposure::vocabularies::{AssetType, internet_exposure};
//!
//! # async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {
//! let filter = f::ASSET_TYPE
//!     .equals(AssetType::Ip)
//!     .and(f::INTERNET_EXPOSURE.equals(internet_exposure::YES))
//!     .and(f::LAST_SEEN.greater_or_equal(RelativeTime::days_ago(7)));
//! assert_eq!(
//!     filter.to_string(),
//!     "asset_type:'ip'+internet_exposure:'Yes'+last_seen:>='now-7d'"
//! );
//! let ids = client.query_assets().filter(filter).sort(Sort::desc(f::LAST_SEEN)).send().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Assets with a service on port 3389 or 22 (a list, or the same as an `or`):
//!
//! ```
//! use falcon_exposure::fields::external_assets as f;
//!
//! let rdp_or_ssh = f::IP_SERVICES_PORT.any_of([3389, 22]);
//! assert_eq!(rdp_or_ssh.to_string(), "ip.services.port:[3389,22]");
//! let same = f::IP_SERVICES_PORT.equals(3389).or(f::IP_SERVICES_PORT.equals(22));
//! assert_eq!(same.to_string(), "ip.services.port:3389,ip.services.port:22");
//! ```
//!
//! Assets of criticality Critical or High in one subsidiary:
//!
//! ```
//! use falcon_exposure::fields::external_assets as f;
//!
//! use falcon_exposure::vocabularies::Criticality;
//!
//! let filter = f::CRITICALITY
//!     .equals(Criticality::Critical)
//!     .or(f::CRITICALITY.equals("High"))
//!     .and(f::SUBSIDIARIES_NAME.equals("Northwind Traders"));
//! assert_eq!(
//!     filter.to_string(),
//!     "(criticality:'Critical',criticality:'High')+subsidiaries.name:'Northwind Traders'"
//! );
//! ```
//!
//! Unassigned triage: assets nobody is assigned to triage, and how many of
//! them are internet-exposed, by an aggregate:
//!
//! ```no_run
//! use falcon_exposure::fields::external_assets as f;
//!
//! # async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {
//! let unassigned = f::TRIAGE_ASSIGNED_TO.is_null();
//! assert_eq!(unassigned.to_string(), "triage.assigned_to:null");
//! let ids = client.query_assets().filter(&unassigned).send().await?;
//! let counts = client
//!     .aggregate_assets()
//!     .filter(unassigned.and(f::INTERNET_EXPOSURE.equals("Yes")))
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! A string filter is checked before it is sent:
//!
//! ```
//! use falcon_exposure::fql::Filter;
//!
//! let e = Filter::parse("criticality:>'High'").unwrap_err();
//! assert_eq!(
//!     e.to_string(),
//!     "field `criticality` at byte 0 does not support range comparisons (`>`); \
//!      it supports exact match, wildcard, list"
//! );
//! ```

mod ast;
mod error;
mod field;
mod filter;
mod known;
mod parse;
mod sort;
mod value;

pub use ast::MAX_PROPERTIES;
pub use error::{FqlError, FqlErrorKind};
pub(crate) use field::field_enum_impls;
pub use field::{
    Boolean, Caps, Field, FieldName, FilterTable, Integer, IpAddress, KnownValues, Text, Timestamp,
    ValueType,
};
pub(crate) use field::{FieldSpec, unknown_field};
pub use filter::Filter;
pub use known::UnknownValue;
pub use sort::{Direction, Sort};
pub(crate) use value::write_rfc3339;
pub use value::{IntoValue, RelativeTime, Value};

/// The fields an FQL filter names (once per comparison) when it parses.
pub(crate) fn fields_named(filter: &str) -> Option<Vec<String>> {
    fn walk(node: &ast::Node, out: &mut Vec<String>) {
        match node {
            ast::Node::Cmp(c) => out.push(c.field.clone()),
            ast::Node::All(xs) | ast::Node::Any(xs) => xs.iter().for_each(|x| walk(x, out)),
        }
    }
    let node = parse::parse(filter, None).ok()?;
    let mut out = Vec::new();
    walk(&node, &mut out);
    Some(out)
}

/// A filter given to a request builder: built with the typed API or written
/// as an FQL string.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterArg {
    /// An FQL string as written by the caller: parsed and checked against
    /// the operation's filter table, then sent as written.
    Checked(String),
    /// A filter built with the typed API or parsed: checked against the
    /// operation's filter table, then sent as rendered.
    Filter(Filter),
    /// Sent exactly as given, with no check; see [`FilterArg::unchecked`].
    Unchecked(String),
}

impl FilterArg {
    /// A filter sent exactly as given, without checking its syntax, fields
    /// or operations: for fields the API has and the manifest does not yet.
    ///
    /// ```no_run
    /// use falcon_exposure::fql::FilterArg;
    /// # async fn example(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {
    /// client.query_assets().filter(FilterArg::unchecked("new_field:'x'")).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn unchecked(filter: impl std::fmt::Display) -> Self {
        FilterArg::Unchecked(filter.to_string())
    }

    /// The FQL string to send, checked against `table` when one is given.
    pub(crate) fn render(self, table: Option<&'static FilterTable>) -> Result<String, FqlError> {
        match self {
            FilterArg::Checked(s) => {
                parse::parse(&s, table)?;
                Ok(s)
            }
            FilterArg::Filter(f) => {
                let s = f.to_string();
                parse::parse(&s, table)?;
                Ok(s)
            }
            FilterArg::Unchecked(s) => Ok(s),
        }
    }
}

impl From<&str> for FilterArg {
    fn from(s: &str) -> Self {
        FilterArg::Checked(s.to_owned())
    }
}

impl From<String> for FilterArg {
    fn from(s: String) -> Self {
        FilterArg::Checked(s)
    }
}

impl From<Filter> for FilterArg {
    fn from(f: Filter) -> Self {
        FilterArg::Filter(f)
    }
}

impl From<&Filter> for FilterArg {
    fn from(f: &Filter) -> Self {
        FilterArg::Filter(f.clone())
    }
}

/// A sort order given to a request builder (`field|asc`, `field|desc`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SortArg {
    /// A sort string as written by the caller (`field|desc` or
    /// `field.desc`): checked against the operation's filter table and sent
    /// in the `field|desc` form.
    Checked(String),
    /// A typed sort, checked against the operation's filter table.
    Sort(Sort),
    /// Sent exactly as given, with no check; see [`SortArg::unchecked`].
    Unchecked(String),
}

impl SortArg {
    /// A sort sent exactly as given, without checking it: for fields the API
    /// sorts by that are not in the manifest's filter table.
    pub fn unchecked(sort: impl std::fmt::Display) -> Self {
        SortArg::Unchecked(sort.to_string())
    }

    /// The sort string to send, checked against `table` when one is given.
    pub(crate) fn render(self, table: Option<&'static FilterTable>) -> Result<String, FqlError> {
        match self {
            SortArg::Checked(s) => Sort::parse_with(&s, table).map(|s| s.to_string()),
            SortArg::Sort(s) => {
                s.validate(table)?;
                Ok(s.to_string())
            }
            SortArg::Unchecked(s) => Ok(s),
        }
    }
}

impl From<&str> for SortArg {
    fn from(s: &str) -> Self {
        SortArg::Checked(s.to_owned())
    }
}

impl From<String> for SortArg {
    fn from(s: String) -> Self {
        SortArg::Checked(s)
    }
}

impl From<Sort> for SortArg {
    fn from(s: Sort) -> Self {
        SortArg::Sort(s)
    }
}
