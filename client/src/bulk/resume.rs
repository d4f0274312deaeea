//! Points from which a paginated stream or an export restarts.
//!
//! A stream keeps a ledger of the pages it has read whose items it has not
//! all yielded yet. Its [`ResumePoint`] is the position of the first such
//! page (the `after` cursor or the offset it was asked with) and the keys
//! of the items of that page and later ones already yielded: restarting
//! there re-reads no page whose items were all yielded, and skips the items
//! already yielded.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::bulk::IdSet;
use crate::error::{Error, Result};
use crate::request::RequestParts;

/// The version of the saved form; a point of another version is refused.
/// Version 2 holds a position per cursor chain.
const FORMAT: u32 = 2;

/// Longest position (cursor or offset) accepted from a saved point.
const MAX_POSITION_LEN: usize = 4096;

/// Most chains a saved point may hold.
const MAX_CHAINS: usize = 256;

/// Where a paginated stream or an [`Export`](crate::Export) stands, saved
/// so that a later stream of the same operation and query carries on from
/// there (`resume_from`).
///
/// It covers every item yielded before it was taken: a stream resumed from
/// it yields each item the first stream had not yet yielded, and no item
/// the first stream had (items are recognised by their id). Save it after
/// each item you have processed; it serialises with serde (JSON, for
/// instance). An export that reads its ids through several cursor chains
/// at once saves the position of each, and the shard of the query each
/// reads: the resumed export reads the same shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumePoint {
    version: u32,
    operation: String,
    /// The query's keywords other than the position and page size.
    query: String,
    /// Where each chain stands; none before the stream read anything.
    #[serde(default)]
    chains: Vec<ChainPoint>,
}

/// Where one cursor chain stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ChainPoint {
    /// The part of the query the chain reads (`None`: all of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shard: Option<Shard>,
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

/// A disjoint part of an export's query: the items whose date field lies
/// in `[from, to)` (either end open), or those without the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Shard {
    Range {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    Missing,
}

impl Shard {
    /// The FQL that selects this shard on `field`, to add to the query's
    /// filter.
    pub(crate) fn filter(&self, field: &str) -> String {
        match self {
            Shard::Range { from, to } => {
                let mut parts = Vec::new();
                if let Some(f) = from {
                    parts.push(format!("{field}:>='{f}'"));
                }
                if let Some(t) = to {
                    parts.push(format!("{field}:<'{t}'"));
                }
                parts.join("+")
            }
            Shard::Missing => format!("{field}:null"),
        }
    }

    /// Whether the bounds are plain timestamps (a saved point is input).
    fn is_well_formed(&self) -> bool {
        let ok = |t: &Option<String>| {
            t.as_deref().is_none_or(|t| {
                !t.is_empty()
                    && t.len() <= 40
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-:.+".contains(&b))
            })
        };
        match self {
            Shard::Range { from, to } => ok(from) && ok(to) && (from.is_some() || to.is_some()),
            Shard::Missing => true,
        }
    }
}

impl ResumePoint {
    /// Operation ID of the paginated query the point belongs to.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The cursor (`after`) or offset of the first page a resumed stream
    /// reads, in its first chain; `None` for the first page.
    pub fn position(&self) -> Option<&str> {
        self.chains.first().and_then(|c| c.position.as_deref())
    }

    /// How many cursor chains the point holds a position for: 1 for a
    /// paginated stream, the shards of an export read through several
    /// chains, 0 before a stream has read anything.
    pub fn chains(&self) -> usize {
        self.chains.len()
    }

    /// Whether the stream had yielded everything: resuming yields nothing.
    pub fn is_finished(&self) -> bool {
        !self.chains.is_empty() && self.chains.iter().all(|c| c.finished)
    }

    /// How many items of the pages from the positions on a resumed stream
    /// skips.
    pub fn skipped(&self) -> usize {
        self.chains.iter().map(|c| c.done.len()).sum()
    }

    /// The shards of the point's chains, when it was saved by an export
    /// read through several (`None`: one chain over the whole query).
    pub(crate) fn shards(&self) -> Option<Vec<Shard>> {
        if self.chains.is_empty() {
            return None;
        }
        self.chains.iter().map(|c| c.shard.clone()).collect()
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
        if self.chains.len() > MAX_CHAINS {
            return fail(format!("it holds more than {MAX_CHAINS} chains"));
        }
        let sharded = self.chains.iter().filter(|c| c.shard.is_some()).count();
        if sharded != 0 && sharded != self.chains.len() || sharded == 0 && self.chains.len() > 1 {
            return fail("its chains must all read a shard, or be one chain over the query".into());
        }
        for c in &self.chains {
            if let Some(p) = &c.position {
                if p.trim().is_empty() || p.len() > MAX_POSITION_LEN {
                    return fail(format!(
                        "its position must be a non-empty cursor or offset of at most {MAX_POSITION_LEN} bytes"
                    ));
                }
            }
            if c.done.iter().any(|k| k.trim().is_empty()) {
                return fail("it lists an empty id among the items already yielded".into());
            }
            if c.finished && (c.position.is_some() || !c.done.is_empty()) {
                return fail("it is marked finished but names a position or items".into());
            }
            if c.shard.as_ref().is_some_and(|s| !s.is_well_formed()) {
                return fail("a shard's bounds must be timestamps".into());
            }
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
    remaining: IdSet,
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

/// What one cursor chain has read and yielded.
#[derive(Debug, Default)]
struct Chain {
    shard: Option<Shard>,
    pages: VecDeque<PageRecord>,
    /// The position of the next page to read.
    next: Option<String>,
    /// No page is left to read.
    finished: bool,
    /// Keys a resumed stream skips that no page read so far held: they
    /// belong to pages not read yet, and stay in the point until then.
    carried: IdSet,
}

impl Chain {
    /// Marks `key` (or an item without a key) yielded in the first page
    /// holding it; whether one did.
    fn yielded(&mut self, key: Option<&str>) -> bool {
        let found = match key {
            // The page's own copy of the key moves to `done`: no new one.
            Some(k) => self.pages.iter_mut().any(|p| match p.remaining.take(k) {
                Some(k) => {
                    p.done.push(k);
                    true
                }
                None => false,
            }),
            None => self.pages.iter_mut().any(|p| {
                let holds = p.unkeyed > 0;
                if holds {
                    p.unkeyed -= 1;
                }
                holds
            }),
        };
        if found {
            self.drop_complete();
        }
        found
    }

    fn drop_complete(&mut self) {
        while self.pages.front().is_some_and(PageRecord::is_complete) {
            self.pages.pop_front();
        }
    }

    fn point(&self) -> ChainPoint {
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
        ChainPoint {
            shard: self.shard.clone(),
            position,
            done,
            finished,
        }
    }
}

/// What a stream has read and yielded, chain by chain, from which its
/// [`ResumePoint`] is taken. Shared between the running stream's chains
/// and its handle.
#[derive(Debug)]
pub(crate) struct Ledger {
    operation: &'static str,
    query: String,
    chains: Vec<Chain>,
}

impl Ledger {
    /// The ledger of a stream of `operation` with `query`, before any page.
    pub(crate) fn new(operation: &'static str, query: String) -> Self {
        Ledger {
            operation,
            query,
            chains: Vec::new(),
        }
    }

    /// Operation ID of the stream.
    pub(crate) fn operation(&self) -> &'static str {
        self.operation
    }

    /// Opens a chain reading `shard` (`None`: the whole query), from the
    /// chain of `point` at the same index when resumed; returns its index
    /// and what it skips.
    pub(crate) fn open(&mut self, shard: Option<Shard>, point: Option<&ResumePoint>) -> ChainStart {
        let index = self.chains.len();
        let mut chain = Chain {
            shard,
            ..Chain::default()
        };
        let saved = point.and_then(|p| p.chains.get(index));
        if let Some(saved) = saved {
            chain.next = saved.position.clone();
            chain.finished = saved.finished;
            chain.carried = saved.done.iter().cloned().collect();
        }
        let start = ChainStart {
            index,
            position: chain.next.clone(),
            skip: chain.carried.clone(),
            finished: chain.finished,
            resumed: saved.is_some(),
        };
        self.chains.push(chain);
        start
    }

    /// Replaces chain `index`, which has read no page, by chains reading
    /// `shards` (the first in its place, the others added at the end);
    /// their starts, in the order of `shards`.
    pub(crate) fn replace_unread(&mut self, index: usize, shards: Vec<Shard>) -> Vec<ChainStart> {
        let mut starts = Vec::with_capacity(shards.len());
        for (i, shard) in shards.into_iter().enumerate() {
            let chain = Chain {
                shard: Some(shard),
                ..Chain::default()
            };
            let at = if i == 0 && index < self.chains.len() {
                self.chains[index] = chain;
                index
            } else {
                self.chains.push(chain);
                self.chains.len() - 1
            };
            starts.push(ChainStart {
                index: at,
                position: None,
                skip: IdSet::default(),
                finished: false,
                resumed: false,
            });
        }
        starts
    }

    /// Records a page of chain `chain` read with `sent`: the keys of the
    /// items it will yield, how many have no key, the keys skipped as
    /// already yielded, and where the walk goes next.
    pub(crate) fn read(&mut self, chain: usize, page: PageRead) {
        let Some(c) = self.chains.get_mut(chain) else {
            return;
        };
        for k in &page.skipped {
            c.carried.remove(k);
        }
        c.pages.push_back(PageRecord {
            sent: page.sent,
            remaining: page.keys.into_iter().collect(),
            unkeyed: page.unkeyed,
            done: page.skipped,
        });
        c.next = page.next;
        c.finished = page.finished;
        c.drop_complete();
    }

    /// Records that the item with `key` (or an item without a key) was
    /// yielded.
    pub(crate) fn yielded(&mut self, key: Option<&str>) {
        for c in &mut self.chains {
            if c.yielded(key) {
                return;
            }
        }
    }

    /// Records that chain `chain` read `key` again after another chain
    /// had: it is done there too.
    pub(crate) fn yielded_in(&mut self, chain: usize, key: &str) {
        if let Some(c) = self.chains.get_mut(chain) {
            c.yielded(Some(key));
        }
    }

    /// The point covering every item yielded so far.
    pub(crate) fn point(&self) -> ResumePoint {
        ResumePoint {
            version: FORMAT,
            operation: self.operation.to_owned(),
            query: self.query.clone(),
            chains: self.chains.iter().map(Chain::point).collect(),
        }
    }
}

/// How a chain starts: from the first page, or where a saved point left it.
#[derive(Debug, Clone)]
pub(crate) struct ChainStart {
    /// The chain's index in the ledger.
    pub(crate) index: usize,
    /// The position of its first page (`None`: the query's first page).
    pub(crate) position: Option<String>,
    /// Keys an earlier run yielded.
    pub(crate) skip: IdSet,
    /// The earlier run had read and yielded all of it.
    pub(crate) finished: bool,
    /// Whether it carries on from a saved point.
    pub(crate) resumed: bool,
}

/// One page as a chain records it.
pub(crate) struct PageRead {
    pub(crate) sent: Option<String>,
    pub(crate) keys: Vec<String>,
    pub(crate) unkeyed: usize,
    pub(crate) skipped: Vec<String>,
    pub(crate) next: Option<String>,
    pub(crate) finished: bool,
}

/// Locks a ledger; a panic elsewhere while it was held leaves it usable.
pub(crate) fn lock(ledger: &std::sync::Mutex<Ledger>) -> std::sync::MutexGuard<'_, Ledger> {
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    fn page(sent: Option<&str>, k: &[&str], skipped: &[&str], next: Option<&str>) -> PageRead {
        PageRead {
            sent: sent.map(str::to_owned),
            keys: keys(k),
            unkeyed: 0,
            skipped: keys(skipped),
            next: next.map(str::to_owned),
            finished: next.is_none(),
        }
    }

    fn at(p: &ResumePoint, chain: usize) -> (Option<&str>, Vec<String>) {
        let c = &p.chains[chain];
        (c.position.as_deref(), c.done.clone())
    }

    #[test]
    fn the_point_stays_on_the_first_page_with_items_not_yielded() {
        let mut l = Ledger::new("op", "filter=x".into());
        assert_eq!(l.point().chains(), 0);
        l.open(None, None);
        assert_eq!(l.point().position(), None);
        l.read(0, page(None, &["a", "b"], &[], Some("c1")));
        l.read(0, page(Some("c1"), &["c", "d"], &[], Some("c2")));
        l.yielded(Some("c"));
        assert_eq!(at(&l.point(), 0), (None, keys(&["c"])));
        l.yielded(Some("a"));
        l.yielded(Some("b"));
        assert_eq!(at(&l.point(), 0), (Some("c1"), keys(&["c"])));
        l.yielded(Some("d"));
        assert_eq!(at(&l.point(), 0), (Some("c2"), keys(&[])));
        l.read(0, page(Some("c2"), &[], &[], None));
        assert!(l.point().is_finished());
        assert!(l.point().check("op", "filter=x").is_ok());
    }

    #[test]
    fn each_chain_keeps_its_own_position_and_a_resumed_one_its_skipped_keys() {
        let range = |f: &str| Shard::Range {
            from: Some(f.into()),
            to: None,
        };
        let mut first = Ledger::new("op", String::new());
        first.open(Some(range("2024-01-01T00:00:00Z")), None);
        first.open(Some(Shard::Missing), None);
        first.read(0, page(None, &["a", "b"], &[], Some("c1")));
        first.read(1, page(None, &["m"], &[], Some("m1")));
        first.read(0, page(Some("c1"), &["c", "d"], &[], None));
        first.yielded(Some("b"));
        first.yielded(Some("d"));
        first.yielded(Some("m"));
        let saved = first.point();
        assert_eq!(saved.chains(), 2);
        assert_eq!(at(&saved, 0), (None, keys(&["b", "d"])));
        assert_eq!(at(&saved, 1), (Some("m1"), keys(&[])));
        assert_eq!(
            saved.shards(),
            Some(vec![range("2024-01-01T00:00:00Z"), Shard::Missing])
        );
        assert!(saved.check("op", "").is_ok());

        // A second run: before any page, and after the first page only.
        let mut second = Ledger::new("op", String::new());
        for shard in saved.shards().unwrap() {
            second.open(Some(shard), Some(&saved));
        }
        assert_eq!(second.point(), saved);
        second.read(0, page(None, &["a"], &["b"], Some("c1")));
        second.yielded(Some("a"));
        assert_eq!(at(&second.point(), 0), (Some("c1"), keys(&["d"])));
    }

    #[test]
    fn an_id_two_chains_read_is_done_in_the_repeating_chain_only_when_dropped_there() {
        let mut l = Ledger::new("op", String::new());
        l.open(Some(Shard::Missing), None);
        l.open(
            Some(Shard::Range {
                from: Some("2024-01-01T00:00:00Z".into()),
                to: None,
            }),
            None,
        );
        l.read(0, page(None, &["x"], &[], Some("a1")));
        l.read(1, page(None, &["x"], &[], Some("b1")));
        // Chain 1's copy is dropped: its page is done, chain 0's is not
        // until its item is yielded.
        l.yielded_in(1, "x");
        assert_eq!(at(&l.point(), 1), (Some("b1"), keys(&[])));
        assert_eq!(at(&l.point(), 0), (None, keys(&[])));
        l.yielded(Some("x"));
        assert_eq!(at(&l.point(), 0), (Some("a1"), keys(&[])));
    }

    #[test]
    fn a_shard_selects_its_range_or_the_items_without_the_field() {
        let s = Shard::Range {
            from: Some("2024-01-01T00:00:00Z".into()),
            to: Some("2024-02-01T00:00:00Z".into()),
        };
        assert_eq!(
            s.filter("first_seen"),
            "first_seen:>='2024-01-01T00:00:00Z'+first_seen:<'2024-02-01T00:00:00Z'"
        );
        assert_eq!(Shard::Missing.filter("first_seen"), "first_seen:null");
    }

    #[test]
    fn foreign_or_malformed_points_are_refused() {
        let mut l = Ledger::new("op", "filter=x".into());
        l.open(None, None);
        let good = l.point();
        assert!(good.check("other", "filter=x").is_err());
        assert!(good.check("op", "filter=y").is_err());
        let mut bad = good.clone();
        bad.chains[0].position = Some(" ".into());
        assert!(bad.check("op", "filter=x").is_err());
        let mut bad = good.clone();
        bad.version = 1;
        assert!(bad.check("op", "filter=x").is_err());
        let mut bad = good.clone();
        bad.chains[0].shard = Some(Shard::Range {
            from: Some("x'+name:'y".into()),
            to: None,
        });
        assert!(bad.check("op", "filter=x").is_err());
        let mut bad = good.clone();
        bad.chains.push(bad.chains[0].clone());
        assert!(
            bad.check("op", "filter=x").is_err(),
            "two chains without shards"
        );
        let mut bad = good;
        bad.chains[0].finished = true;
        bad.chains[0].done = keys(&["a"]);
        assert!(matches!(
            bad.check("op", "filter=x"),
            Err(Error::InvalidResumePoint {
                operation: "op",
                ..
            })
        ));
    }
}
