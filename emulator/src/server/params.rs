//! Query-string parameters and the checks several operations share: page
//! size and ids.

use super::error::Error;
use crate::config::LimitRefusal;
use std::collections::HashSet;
use std::num::IntErrorKind;

/// The most ids one entity request may carry.
pub const MAX_IDS: usize = 100;
/// Results beyond this position are not reachable with offset pagination.
pub const MAX_RESULT_WINDOW: usize = 10_000;
/// Default page size of the query operations.
pub const DEFAULT_LIMIT: usize = 100;
/// The message of [`LimitRefusal::Unnamed`]: no number, no parameter name.
const UNNAMED: &str = "The request is invalid.";

/// The page a query serves for the request's `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The most results the page holds (0 for [`LimitRefusal::Empty`]).
    pub size: usize,
    /// What `meta.pagination.limit` reports.
    pub reported: usize,
}

impl Limit {
    fn of(n: usize) -> Self {
        Limit {
            size: n,
            reported: n,
        }
    }
}

/// The decoded query string, in order, repeated keys kept.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Decodes a raw query string (none: no parameters).
    pub fn parse(q: Option<String>) -> Self {
        Params(
            q.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the repeated `ids` parameters; commas inside one
    /// value also separate ids.
    fn id_values(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(|(k, _)| k == "ids" || k == "ids[]")
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The distinct ids, in order of first appearance, or when there are
    /// more than `max` of them, the number of values given. Linear: one
    /// hash lookup per value, and no id is copied past the limit.
    fn ids(&self, max: usize) -> Result<Vec<String>, usize> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for id in self.id_values() {
            if seen.insert(id) {
                if out.len() == max {
                    return Err(self.id_values().count());
                }
                out.push(id.to_string());
            }
        }
        Ok(out)
    }

    /// The ids of an entity request: at least one, at most [`MAX_IDS`].
    pub fn required_ids(&self) -> Result<Vec<String>, Error> {
        match self.ids(MAX_IDS) {
            Ok(ids) if ids.is_empty() => Err(Error::bad_request(
                "ids is required: pass one or more ids parameters",
            )),
            Ok(ids) => Ok(ids),
            Err(given) => Err(Error::bad_request(format!(
                "too many ids: {given} given, at most {MAX_IDS} are allowed"
            ))),
        }
    }

    /// The page size: `limit` between 1 and `max`, by default
    /// [`DEFAULT_LIMIT`] (or `max` when smaller). Anything but an integer
    /// of at least 1 is a 400 naming `max`; a larger integer is answered as
    /// `refusal` says.
    pub fn limit(&self, max: usize, refusal: LimitRefusal) -> Result<Limit, Error> {
        let Some(s) = self.get("limit").map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Limit::of(DEFAULT_LIMIT.min(max)));
        };
        let named = || {
            Error::bad_request(format!(
                "invalid limit '{s}': must be an integer between 1 and {max}"
            ))
        };
        // An integer too large for i64 is still a too-large limit, not garbage.
        let n = match s.parse::<i64>() {
            Ok(n) if n >= 1 => usize::try_from(n).unwrap_or(usize::MAX),
            Err(e) if *e.kind() == IntErrorKind::PosOverflow => usize::MAX,
            _ => return Err(named()),
        };
        if n <= max {
            return Ok(Limit::of(n));
        }
        match refusal {
            LimitRefusal::Named => Err(named()),
            LimitRefusal::Unnamed => Err(Error::bad_request(UNNAMED)),
            LimitRefusal::SilentCap => Ok(Limit::of(max)),
            LimitRefusal::Empty => Ok(Limit {
                size: 0,
                reported: n,
            }),
        }
    }
}
