//! Points from which a paginated stream or an export restarts.
//!
//! A stream keeps a ledger of the pages it has read whose items it has not
//! all yielded yet. Its [`ResumePoint`] is the position of the first such
//! page (the `after` cursor or the offset it was asked with) and the keys
//! of the items of that page and later ones already yielded: restarting
//! there re-reads no page whose items were all yielded, and skips the items
//! already yielded.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::request::RequestParts;

/// The version of the saved form; a point of another version is refused.
const FORMAT: u32 = 1;

/// Longest position (cursor or offset) accepted from a saved point.
const MAX_POSITION_LEN: usize = 4096;

/// Where a [`Paginator`](crate::Paginator) or an [`Export`](crate::Export)
/// stands, saved so that a later stream of the same operation and query
/// carries on from there (`resume_from`).
///
/// It covers every item yielded before it was taken: a stream resumed from
/// it yields each item the first stream had not yet yielded, and no item
/// the first stream had (items are recognised by their id). Save it after
/// each item you have processed; it serialises with serde (JSON, for
/// instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumePoint {
    version: u32,
    operation: String,
    /// The query's keywords other than the position and page size.
    query: String,
    /// What to send as the position of the first page to read (`None`:
    /// the first page).
    position: Option<String>,
    /// Keys of the items from that page on that were already yielded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    done: Vec<String>,
    /// Every page was read and every item yielded.
    #[serde(default)]
    finished: bool,
}

impl ResumePoint {
    /// Operation ID of the paginated query the point belongs to.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The cursor (`after`) or offset of the first page a resumed stream
    /// reads; `None` for the first page.
    pub fn position(&self) -> Option<&str> {
        self.position.as_deref()
    }

    /// Whether the stream had yielded everything: resuming yields nothing.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// How many items of the pages from [`position`](Self::position) on a
    /// resumed stream skips.
    pub fn skipped(&self) -> usize {
        self.done.len()
    }

    /// Checks that the point fits a stream of `operation` with `query`.
    pub(crate) fn check(&self, operation: &'static str, query: &str) -> Result<()> {
        let fail = |reason: String| Err(Error::InvalidResumePoint { operation, reason });
        if self.version != FORMAT {
            return fail(format!(
                "its format version is {}, this client reads version {FORMAT}",
                self.version
            ));
        }
        if self.operation != operation {
            return fail(format!(
                "it was saved by a stream of `{}`; resume a stream of that operation",
                self.operation
            ));
        }
        if self.query != query {
            return fail(format!(
                "it was saved for the query `{}`, not `{query}`; resume with the same filter and sort",
                self.query
            ));
        }
        if let Some(p) = &self.position {
            if p.trim().is_empty() || p.len() > MAX_POSITION_LEN {
                return fail(format!(
                    "its position must be a non-empty cursor or offset of at most {MAX_POSITION_LEN} bytes"
                ));
            }
        }
        if self.done.iter().any(|k| k.trim().is_empty()) {
            return fail("it lists an empty id among the items already yielded".into());
        }
        if self.finished && (self.position.is_some() || !self.done.is_empty()) {
            return fail("it is marked finished but names a position or items".into());
        }
        Ok(())
    }
}

/// The keywords of a query that identify it across runs: every query
/// parameter but the position and the page size, in a fixed order.
pub(crate) fn fingerprint(parts: &RequestParts, position: &str, limit: &str) -> String {
    let mut pairs: Vec<String> = parts
        .query
        .iter()
        .filter(|(n, _)| n != position && n != limit)
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    pairs.sort();
    pairs.join("&")
}

/// A page read whose items are not all yielded.
#[derive(Debug)]
struct PageRecord {
    /// The position it was asked with.
    sent: Option<String>,
    /// Keys of its items not yet yielded.
    remaining: HashSet<String>,
    /// Its items without a key not yet yielded.
    unkeyed: usize,
    /// Keys of its items already yielded (in this run or an earlier one).
    done: Vec<String>,
}

impl PageRecord {
    fn is_complete(&self) -> bool {
        self.remaining.is_empty() && self.unkeyed == 0
    }
}

/// What a stream has read and yielded, from which its [`ResumePoint`] is
/// taken. Shared between the stream and its handle.
#[derive(Debug)]
pub(crate) struct Ledger {
    operation: &'static str,
    query: String,
    pages: VecDeque<PageRecord>,
    /// The position of the next page to read.
    next: Option<String>,
    /// No page is left to read.
    finished: bool,
    /// Keys a resumed stream skips that no page read so far held: they
    /// belong to pages not read yet, and stay in the point until then.
    carried: HashSet<String>,
}

impl Ledger {
    /// The ledger of a stream of `operation` with `query`, before any page.
    pub(crate) fn new(operation: &'static str, query: String) -> Self {
        Ledger {
            operation,
            query,
            pages: VecDeque::new(),
            next: None,
            finished: false,
            carried: HashSet::new(),
        }
    }

    /// Operation ID of the stream.
    pub(crate) fn operation(&self) -> &'static str {
        self.operation
    }

    /// The query's fingerprint.
    pub(crate) fn query(&self) -> &str {
        &self.query
    }

    /// Starts where `point` stands.
    pub(crate) fn start_at(&mut self, point: &ResumePoint) {
        self.next = point.position.clone();
        self.finished = point.finished;
        self.carried = skip_set(point);
    }

    /// Records a page read with `sent`: the keys of the items it will
    /// yield, how many have no key, the keys skipped as already yielded,
    /// and where the walk goes next.
    pub(crate) fn read(
        &mut self,
        sent: Option<String>,
        keys: impl IntoIterator<Item = String>,
        unkeyed: usize,
        skipped: Vec<String>,
        next: Option<String>,
        finished: bool,
    ) {
        for k in &skipped {
            self.carried.remove(k);
        }
        self.pages.push_back(PageRecord {
            sent,
            remaining: keys.into_iter().collect(),
            unkeyed,
            done: skipped,
        });
        self.next = next;
        self.finished = finished;
        self.drop_complete();
    }

    /// Records that the item with `key` (or an item without a key) was
    /// yielded.
    pub(crate) fn yielded(&mut self, key: Option<&str>) {
        match key {
            Some(k) => {
                if let Some(page) = self.pages.iter_mut().find(|p| p.remaining.contains(k)) {
                    page.remaining.remove(k);
                    page.done.push(k.to_owned());
                }
            }
            None => {
                if let Some(page) = self.pages.iter_mut().find(|p| p.unkeyed > 0) {
                    page.unkeyed -= 1;
                }
            }
        }
        self.drop_complete();
    }

    fn drop_complete(&mut self) {
        while self.pages.front().is_some_and(PageRecord::is_complete) {
            self.pages.pop_front();
        }
    }

    /// The point covering every item yielded so far.
    pub(crate) fn point(&self) -> ResumePoint {
        let mut carried: Vec<String> = self.carried.iter().cloned().collect();
        carried.sort();
        let (position, done, finished) = match self.pages.front() {
            Some(head) => {
                let mut done: Vec<String> = self
                    .pages
                    .iter()
                    .flat_map(|p| p.done.iter().cloned())
                    .collect();
                done.extend(carried);
                (head.sent.clone(), done, false)
            }
            None if self.finished => (None, Vec::new(), true),
            None => (self.next.clone(), carried, false),
        };
        ResumePoint {
            version: FORMAT,
            operation: self.operation.to_owned(),
            query: self.query.clone(),
            position,
            done,
            finished,
        }
    }
}

/// Locks a ledger; a panic elsewhere while it was held leaves it usable.
pub(crate) fn lock(ledger: &std::sync::Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

/// The skip set of a resumed stream: the keys a point lists as yielded.
pub(crate) fn skip_set(point: &ResumePoint) -> HashSet<String> {
    point.done.iter().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_point_stays_on_the_first_page_with_items_not_yielded() {
        let mut l = Ledger::new("op", "filter=x".into());
        assert_eq!(l.point().position, None);
        l.read(None, keys(&["a", "b"]), 0, vec![], Some("c1".into()), false);
        l.read(
            Some("c1".into()),
            keys(&["c", "d"]),
            0,
            vec![],
            Some("c2".into()),
            false,
        );
        l.yielded(Some("c"));
        let p = l.point();
        assert_eq!(
            (p.position.as_deref(), p.done.clone()),
            (None, keys(&["c"]))
        );
        l.yielded(Some("a"));
        l.yielded(Some("b"));
        let p = l.point();
        assert_eq!(
            (p.position.as_deref(), p.done.clone()),
            (Some("c1"), keys(&["c"]))
        );
        l.yielded(Some("d"));
        let p = l.point();
        assert_eq!((p.position.as_deref(), p.done.len()), (Some("c2"), 0));
        l.read(Some("c2".into()), keys(&[]), 0, vec![], None, true);
        assert!(l.point().finished);
        assert!(l.point().check("op", "filter=x").is_ok());
    }

    #[test]
    fn a_resumed_point_keeps_the_skipped_keys_of_pages_not_read_yet() {
        let mut first = Ledger::new("op", String::new());
        first.read(None, keys(&["a", "b"]), 0, vec![], Some("c1".into()), false);
        first.read(Some("c1".into()), keys(&["c", "d"]), 0, vec![], None, true);
        first.yielded(Some("b"));
        first.yielded(Some("d"));
        let saved = first.point();
        assert_eq!(saved.done, keys(&["b", "d"]));

        // A second run: before any page, and after the first page only.
        let mut second = Ledger::new("op", String::new());
        second.start_at(&saved);
        assert_eq!(second.point(), saved);
        second.read(
            None,
            keys(&["a"]),
            0,
            keys(&["b"]),
            Some("c1".into()),
            false,
        );
        second.yielded(Some("a"));
        let p = second.point();
        assert_eq!((p.position.as_deref(), p.done), (Some("c1"), keys(&["d"])));
    }

    #[test]
    fn foreign_or_malformed_points_are_refused() {
        let good = Ledger::new("op", "filter=x".into()).point();
        assert!(good.check("other", "filter=x").is_err());
        assert!(good.check("op", "filter=y").is_err());
        let mut bad = good.clone();
        bad.position = Some(" ".into());
        assert!(bad.check("op", "filter=x").is_err());
        let mut bad = good.clone();
        bad.version = 2;
        assert!(bad.check("op", "filter=x").is_err());
        let mut bad = good;
        bad.finished = true;
        bad.done = keys(&["a"]);
        assert!(matches!(
            bad.check("op", "filter=x"),
            Err(Error::InvalidResumePoint {
                operation: "op",
                ..
            })
        ));
    }
}
