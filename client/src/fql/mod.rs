//! Falcon Query Language (FQL): typed filter fields and filter arguments.
//!
//! The field constants in [`crate::fields`] are generated from the manifest's
//! filter tables. Each carries its value type and its capabilities as types,
//! so an unsupported operation on a field does not compile.

mod field;

pub use field::{Boolean, Caps, Field, FieldSpec, FilterTable, Integer, IpAddress, Text, Timestamp, ValueType};

/// A filter given to a request builder: built with the typed API or written
/// as an FQL string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterArg {
    /// An FQL string as written by the caller.
    Raw(String),
}

impl From<&str> for FilterArg {
    fn from(s: &str) -> Self {
        FilterArg::Raw(s.to_owned())
    }
}

impl From<String> for FilterArg {
    fn from(s: String) -> Self {
        FilterArg::Raw(s)
    }
}

impl FilterArg {
    /// The FQL string to send, checked against `table` when one is given.
    pub(crate) fn render(self, _table: Option<&'static FilterTable>) -> Result<String, String> {
        match self {
            FilterArg::Raw(s) => Ok(s),
        }
    }
}

/// A sort order given to a request builder (`field|asc`, `field|desc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortArg {
    /// A sort string as written by the caller.
    Raw(String),
}

impl From<&str> for SortArg {
    fn from(s: &str) -> Self {
        SortArg::Raw(s.to_owned())
    }
}

impl From<String> for SortArg {
    fn from(s: String) -> Self {
        SortArg::Raw(s)
    }
}

impl SortArg {
    /// The sort string to send, checked against `table` when one is given.
    pub(crate) fn render(self, _table: Option<&'static FilterTable>) -> Result<String, String> {
        match self {
            SortArg::Raw(s) => Ok(s),
        }
    }
}
