//! A row that did not go, and why: found while reading the file, looking
//! the assets up or writing them, and reported by row number.

use crate::output::terminal;

/// A row that did not go, and why.
#[derive(Debug, Clone)]
pub struct RowFailure {
    /// Its row number (the header is row 1).
    pub line: u64,
    /// The asset id, when the row has one.
    pub id: Option<String>,
    /// Why.
    pub reason: String,
}

impl RowFailure {
    /// A failure of row `line`.
    pub fn new(line: u64, id: Option<&str>, reason: impl Into<String>) -> RowFailure {
        RowFailure {
            line,
            id: id.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for RowFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.line)?;
        if let Some(id) = &self.id {
            write!(f, " (id {})", terminal(id))?;
        }
        write!(f, ": {}", terminal(&self.reason))
    }
}
