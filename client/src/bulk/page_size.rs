//! The page size of a query: the largest `limit` it accepts, found while
//! reading, whatever way the API refuses a larger one.
//!
//! No document gives the largest `limit` of the asset queries, and APIs
//! refuse a larger one in several ways: a 400 that names the limit, a 400
//! that does not, fewer items than asked with a cursor to go on (a silent
//! cap), or an empty page although the total says there are results. Each
//! is recognised here and answered with a smaller size, so that a read
//! never fails on the size alone. A 400 that names no limit cannot be told
//! from a refusal of the query itself (a bad filter), so the query is
//! first tried with a page of one: if that is refused too, the read fails
//! with the API's message; if not, the sizes of [`LADDER`] are tried
//! below the one refused.

use crate::error::Error;

/// Sizes tried, largest first, after a refusal that does not name the
/// limit: the page sizes APIs commonly allow. Reaching 100 from 10,000
/// costs four refusals and the page of one.
const LADDER: [u32; 9] = [10_000, 5_000, 1_000, 500, 100, 50, 10, 5, 1];

/// Where the discovery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The caller set the size: it is never changed.
    Fixed,
    /// Looking for a size the API accepts. `works`: the API has accepted a
    /// request of this query, so a 400 is about the size.
    Finding { works: bool },
    /// Asking for a page of one to learn whether the API refuses the size
    /// or the query; `refused` is the size it refused.
    Checking { refused: u32 },
    /// The API accepted `current`.
    Found,
}

/// The page size of one read, and what the API's answers teach about it.
#[derive(Debug, Clone)]
pub(crate) struct PageSize {
    current: u32,
    phase: Phase,
    /// Whether the size was lowered after a refusal or a short page: the
    /// size accepted is then the API's largest, worth remembering.
    lowered: bool,
}

/// What a page the API accepted says about the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Keep the page. `found`: the largest size the API gives, newly learnt.
    Keep { found: Option<u32> },
    /// The page is a refusal in disguise (empty, while the total says more
    /// results remain): drop it and ask again with the smaller size.
    Retry,
}

impl PageSize {
    /// A size set by the caller.
    pub(crate) fn fixed(n: u32) -> Self {
        PageSize {
            current: n.max(1),
            phase: Phase::Fixed,
            lowered: false,
        }
    }

    /// A size to find, trying `first` first.
    pub(crate) fn find_from(first: u32) -> Self {
        PageSize {
            current: first.max(1),
            phase: Phase::Finding { works: false },
            lowered: false,
        }
    }

    /// The size to ask for.
    pub(crate) fn current(&self) -> u32 {
        self.current
    }

    /// The size, once the API has accepted it (or the caller set it); `None`
    /// while it is still being found.
    pub(crate) fn settled(&self) -> Option<u32> {
        matches!(self.phase, Phase::Found | Phase::Fixed).then_some(self.current)
    }

    /// After `e`, the answer to a request of [`current`](Self::current)
    /// items: whether to ask again (with the new `current`). `false`: the
    /// read fails with `e`.
    pub(crate) fn refused(&mut self, e: &Error) -> bool {
        let sent = self.current;
        let works = match self.phase {
            Phase::Finding { works } => works,
            Phase::Fixed | Phase::Found | Phase::Checking { .. } => return false,
        };
        let Error::Api { status, errors, .. } = e else {
            return false;
        };
        if *status != http::StatusCode::BAD_REQUEST || sent <= 1 {
            return false;
        }
        let named = errors
            .iter()
            .filter_map(|e| e.message.as_deref())
            .filter(|m| m.to_ascii_lowercase().contains("limit"))
            .filter_map(|m| named_limit(m, sent))
            .max();
        let next = match (named, works) {
            (Some(n), _) => n,
            (None, true) => rung_below(sent),
            (None, false) => {
                self.phase = Phase::Checking { refused: sent };
                1
            }
        };
        tracing::debug!(sent, next, "page size refused: asking for less");
        self.lower(next);
        true
    }

    /// After a page the API accepted: `count` items (repeats included),
    /// whether the reply gives a next position, and whether the total says
    /// results remain beyond the ones read so far.
    pub(crate) fn accepted(&mut self, count: usize, has_next: bool, more: bool) -> Accepted {
        let sent = self.current;
        match self.phase {
            Phase::Fixed | Phase::Found => Accepted::Keep { found: None },
            Phase::Checking { refused } => {
                // The query works: the size was refused. Go on below it.
                self.phase = Phase::Finding { works: true };
                self.lower(rung_below(refused));
                self.settle_at_one()
            }
            Phase::Finding { .. } if count == 0 && more && sent > 1 => {
                tracing::debug!(sent, "an empty page while results remain: asking for less");
                self.phase = Phase::Finding { works: true };
                self.lower(rung_below(sent));
                Accepted::Retry
            }
            Phase::Finding { .. } if count > 0 && (count as u64) < u64::from(sent) && has_next => {
                // A silent cap: fewer than asked, yet more to come.
                self.phase = Phase::Found;
                self.lower(count as u32);
                Accepted::Keep {
                    found: Some(self.current),
                }
            }
            Phase::Finding { .. } => {
                self.phase = Phase::Found;
                Accepted::Keep {
                    found: self.lowered.then_some(sent),
                }
            }
        }
    }

    /// Asks for `n` items next.
    fn lower(&mut self, n: u32) {
        self.current = n.max(1);
        self.lowered = true;
    }

    /// After the page of one: a ladder that reaches 1 has found its size.
    fn settle_at_one(&mut self) -> Accepted {
        if self.current == 1 {
            self.phase = Phase::Found;
            return Accepted::Keep { found: Some(1) };
        }
        Accepted::Keep { found: None }
    }
}

/// The first size of [`LADDER`] below `sent` (1 at the bottom).
fn rung_below(sent: u32) -> u32 {
    LADDER.into_iter().find(|&n| n < sent).unwrap_or(1)
}

/// The limit a refusal's `message` names: its largest number below the
/// size `sent` ("invalid limit '20000': must be between 1 and 10000").
fn named_limit(message: &str, sent: u32) -> Option<u32> {
    message
        .split(|c: char| !c.is_ascii_digit())
        .filter(|d| !d.is_empty() && d.len() <= 9)
        .filter_map(|d| d.parse::<u32>().ok())
        .filter(|&n| n >= 1 && n < sent)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::response::ApiError;

    fn bad_request(message: &str) -> Error {
        Error::Api {
            operation: "query",
            status: http::StatusCode::BAD_REQUEST,
            errors: vec![ApiError {
                code: Some(400),
                message: Some(message.into()),
                ..ApiError::default()
            }],
            trace_id: None,
            body_start: None,
            attempts: 1,
        }
    }

    #[test]
    fn the_size_is_settled_once_accepted_not_while_checking_the_query() {
        let unnamed = bad_request("The request is invalid.");
        let mut s = PageSize::find_from(10_000);
        assert_eq!(s.settled(), None);
        assert!(s.refused(&unnamed));
        // The page of one: the query works, the size is still unknown.
        s.accepted(1, true, true);
        assert_eq!(s.settled(), None);
        for _ in 0..3 {
            assert!(s.refused(&unnamed));
        }
        assert_eq!(s.current(), 100);
        s.accepted(100, true, true);
        assert_eq!(s.settled(), Some(100));
        assert_eq!(PageSize::fixed(7).settled(), Some(7));
    }

    #[test]
    fn a_refusal_names_the_largest_limit_below_the_size_sent() {
        let m = "invalid limit '20000': must be an integer between 1 and 10000";
        assert_eq!(named_limit(m, 20_000), Some(10_000));
        assert_eq!(named_limit("limit must be <= 2500", 10_000), Some(2_500));
        assert_eq!(named_limit("limit is too large", 10_000), None);
        assert_eq!(named_limit("limit 99999999999999 too large", 10_000), None);
    }

    #[test]
    fn a_named_limit_is_taken_at_once_and_remembered() {
        let mut size = PageSize::find_from(10_000);
        assert!(size.refused(&bad_request("limit must be between 1 and 100")));
        assert_eq!(size.current(), 100);
        assert_eq!(
            size.accepted(100, true, true),
            Accepted::Keep { found: Some(100) }
        );
        // Found: a later 400 fails the read.
        assert!(!size.refused(&bad_request("limit must be between 1 and 10")));
    }

    #[test]
    fn an_unnamed_refusal_checks_the_query_with_a_page_of_one_then_walks_down() {
        let mut size = PageSize::find_from(10_000);
        assert!(size.refused(&bad_request("The request is invalid.")));
        assert_eq!(size.current(), 1);
        assert_eq!(size.accepted(1, true, true), Accepted::Keep { found: None });
        let mut tried = vec![size.current()];
        while size.refused(&bad_request("The request is invalid.")) {
            tried.push(size.current());
            if size.current() == 100 {
                break;
            }
        }
        assert_eq!(tried, [5_000, 1_000, 500, 100]);
        assert_eq!(
            size.accepted(100, true, true),
            Accepted::Keep { found: Some(100) }
        );
    }

    #[test]
    fn a_query_refused_even_with_a_page_of_one_fails() {
        let mut size = PageSize::find_from(10_000);
        assert!(size.refused(&bad_request("invalid filter")));
        assert_eq!(size.current(), 1);
        assert!(!size.refused(&bad_request("invalid filter")));
    }

    #[test]
    fn a_short_page_with_more_to_come_is_a_silent_cap() {
        let mut size = PageSize::find_from(10_000);
        assert_eq!(
            size.accepted(100, true, true),
            Accepted::Keep { found: Some(100) }
        );
        assert_eq!(size.current(), 100);
        // The last page is short without being a cap.
        let mut size = PageSize::find_from(10_000);
        assert_eq!(
            size.accepted(37, false, false),
            Accepted::Keep { found: None }
        );
        assert_eq!(size.current(), 10_000);
    }

    #[test]
    fn an_empty_page_while_results_remain_is_a_refusal() {
        let mut size = PageSize::find_from(10_000);
        assert_eq!(size.accepted(0, false, true), Accepted::Retry);
        assert_eq!(size.current(), 5_000);
        // An empty result set is just empty.
        let mut size = PageSize::find_from(10_000);
        assert_eq!(
            size.accepted(0, false, false),
            Accepted::Keep { found: None }
        );
    }

    #[test]
    fn a_fixed_size_never_moves() {
        let mut size = PageSize::fixed(500);
        assert!(!size.refused(&bad_request("limit must be at most 100")));
        assert_eq!(
            size.accepted(0, false, true),
            Accepted::Keep { found: None }
        );
        assert_eq!(size.current(), 500);
    }

    #[test]
    fn other_errors_are_not_refusals_of_the_size() {
        let mut size = PageSize::find_from(10_000);
        let e = Error::Api {
            operation: "query",
            status: http::StatusCode::FORBIDDEN,
            errors: Vec::new(),
            trace_id: None,
            body_start: None,
            attempts: 1,
        };
        assert!(!size.refused(&e));
    }
}
