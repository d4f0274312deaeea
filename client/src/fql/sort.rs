//! Sort orders: typed (`Sort::desc(fields::LAST_SEEN)`) or parsed.

use std::fmt;

use super::error::{FqlError, FqlErrorKind as K};
use super::field::{FieldName, FilterTable, unknown_field};

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Ascending (`|asc`).
    Asc,
    /// Descending (`|desc`).
    Desc,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }
}

/// A sort order: one or more fields, each ascending or descending. Fields
/// are typed constants or field-enum variants
/// (`Sort::desc(ExternalAssetField::LastSeen)`).
///
/// Rendered as `field|desc` (the form the FEM API documents); parsing also
/// accepts `field.desc`, and a bare `field` (the API's default direction).
/// Several keys are joined with `,`; the FEM API documents only one.
///
/// ```
/// use falcon_exposure::fields::external_assets as f;
/// use falcon_exposure::fql::Sort;
///
/// assert_eq!(Sort::desc(f::LAST_SEEN).to_string(), "last_seen|desc");
/// assert_eq!("last_seen.desc".parse::<Sort>().unwrap(), Sort::desc(f::LAST_SEEN));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sort {
    keys: Vec<(String, Option<Direction>)>,
}

impl Sort {
    /// Ascending by `field` (`field|asc`).
    pub fn asc(field: impl FieldName) -> Sort {
        Sort {
            keys: vec![(field.field_name().to_owned(), Some(Direction::Asc))],
        }
    }

    /// Descending by `field` (`field|desc`).
    pub fn desc(field: impl FieldName) -> Sort {
        Sort {
            keys: vec![(field.field_name().to_owned(), Some(Direction::Desc))],
        }
    }

    /// Then ascending by `field`, for ties (`a|desc,b|asc`).
    pub fn then_asc(mut self, field: impl FieldName) -> Sort {
        self.keys
            .push((field.field_name().to_owned(), Some(Direction::Asc)));
        self
    }

    /// Then descending by `field`, for ties.
    pub fn then_desc(mut self, field: impl FieldName) -> Sort {
        self.keys
            .push((field.field_name().to_owned(), Some(Direction::Desc)));
        self
    }

    /// The keys: field name and direction (`None` when none was given).
    pub fn keys(&self) -> impl Iterator<Item = (&str, Option<Direction>)> + '_ {
        self.keys.iter().map(|(n, d)| (n.as_str(), *d))
    }

    /// Parses `field|asc`, `field|desc`, `field.asc`, `field.desc` or
    /// `field` (comma-separated for several keys) and checks every field
    /// against the external assets filter table.
    pub fn parse(s: &str) -> Result<Sort, FqlError> {
        Sort::parse_with(s, crate::fields::DEFAULT_TABLE)
    }

    /// Parses like [`Sort::parse`], checking fields against `table` when
    /// one is given.
    pub fn parse_with(s: &str, table: Option<&FilterTable>) -> Result<Sort, FqlError> {
        if s.trim().is_empty() {
            return Err(FqlError::new(K::Empty, Some(0), "the sort is empty"));
        }
        let mut keys = Vec::new();
        let mut offset = 0;
        for part in s.split(',') {
            let lead = part.len() - part.trim_start().len();
            let at = offset + lead;
            offset += part.len() + 1;
            let key = part.trim();
            let (name, dir) = if let Some((name, dir)) = key.split_once('|') {
                let dir = match dir.trim() {
                    "asc" => Direction::Asc,
                    "desc" => Direction::Desc,
                    other => {
                        return Err(FqlError::new(
                            K::InvalidSort,
                            Some(at + name.len() + 1),
                            format!(
                                "sort direction `{other}` at byte {} is neither `asc` nor `desc`",
                                at + name.len() + 1
                            ),
                        ));
                    }
                };
                (name.trim_end(), Some(dir))
            } else if let Some(name) = key.strip_suffix(".asc") {
                (name, Some(Direction::Asc))
            } else if let Some(name) = key.strip_suffix(".desc") {
                (name, Some(Direction::Desc))
            } else {
                (key, None)
            };
            let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                && !name.ends_with('.')
                && !name.contains("..");
            if !valid {
                return Err(FqlError::new(
                    K::InvalidSort,
                    Some(at),
                    format!(
                        "`{key}` at byte {at} is not a sort key (`field|asc`, `field|desc`, `field.desc`)"
                    ),
                ));
            }
            if let Some(t) = table {
                if t.field(name).is_none() {
                    return Err(unknown_field(t, name, at));
                }
            }
            keys.push((name.to_owned(), dir));
        }
        Ok(Sort { keys })
    }

    /// Checks every field against `table`.
    pub fn validate(&self, table: Option<&FilterTable>) -> Result<(), FqlError> {
        Sort::parse_with(&self.to_string(), table).map(|_| ())
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, dir)) in self.keys.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(name)?;
            if let Some(d) = dir {
                write!(f, "|{}", d.as_str())?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Sort {
    type Err = FqlError;

    /// Same as [`Sort::parse`].
    fn from_str(s: &str) -> Result<Self, FqlError> {
        Sort::parse(s)
    }
}
