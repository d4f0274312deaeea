//! Errors found in an FQL filter or sort before a request is sent.

/// What went wrong in an FQL filter or sort string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FqlErrorKind {
    /// The filter or sort has nothing in it.
    Empty,
    /// A character that cannot appear where it was found.
    UnexpectedChar,
    /// The input ends where more was expected (e.g. after a trailing `+`).
    UnexpectedEnd,
    /// A quoted value is not closed.
    UnterminatedString,
    /// A `(` without its `)`, or a `)` without its `(`.
    UnbalancedParenthesis,
    /// `+` and `,` at the same level without parentheses: the meaning would
    /// depend on a precedence FQL does not document.
    MixedOperators,
    /// An empty value: `''` or `[]`.
    EmptyValue,
    /// A text value written without quotes.
    UnquotedValue,
    /// A field the filter table does not have.
    UnknownField,
    /// An operation the field does not support (e.g. a range comparison on
    /// an exact-match field, or a list on a field without lists).
    UnsupportedOperation,
    /// A value of the wrong type for the field (e.g. text for an integer).
    ValueType,
    /// More than [`MAX_PROPERTIES`](crate::fql::MAX_PROPERTIES) comparisons.
    TooManyProperties,
    /// Parentheses nested too deep.
    NestingTooDeep,
    /// A sort key that is neither `field`, `field|asc|desc` nor `field.asc|desc`.
    InvalidSort,
}

/// An error in an FQL filter or sort, found before anything is sent.
///
/// `Display` is one line naming the problem and, for input that was parsed,
/// the byte position where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FqlError {
    kind: FqlErrorKind,
    message: String,
    position: Option<usize>,
    suggestions: Vec<String>,
}

impl FqlError {
    pub(crate) fn new(
        kind: FqlErrorKind,
        position: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            position,
            suggestions: Vec::new(),
        }
    }

    pub(crate) fn with_suggestions(mut self, suggestions: Vec<String>) -> Self {
        self.suggestions = suggestions;
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> FqlErrorKind {
        self.kind
    }

    /// Byte offset in the filter or sort string where the problem was found.
    /// For a filter built with the typed API the offset is into its
    /// rendering (its `Display`).
    pub fn position(&self) -> Option<usize> {
        self.position
    }

    /// For an unknown field, the nearest field names, best first.
    pub fn suggestions(&self) -> &[String] {
        &self.suggestions
    }

    /// The one-line message, as `Display` shows it.
    pub fn message(&self) -> &str {
        &self.message
    }
}
