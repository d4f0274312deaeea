//! Streams over paginated operations: every result across pages.
//!
//! The builder of an operation the manifest marks with `pagination:` has a
//! `items()` method returning [`Paginator`], a [`futures::Stream`] of the
//! reply's `resources` items across every page:
//!
//! ```no_run
//! # async fn f(client: falcon_exposure::Client) -> falcon_exposure::Result<()> {
//! use futures::TryStreamExt;
//!
//! let ids: Vec<String> = client
//!     .query_assets()
//!     .filter("asset_type:'ip'")
//!     .items()
//!     .try_collect()
//!     .await?;
//! println!("{} ids", ids.len());
//! # Ok(()) }
//! ```
//!
//! The stream holds one page at a time (plus the keys of the items seen, to
//! drop repeats). It ends after the last page, and fails with a typed
//! error instead of looping when the API repeats a page, gives an offset
//! that does not advance or a cursor it gave before
//! ([`Error::Pagination`]), or when the results lie past the offset limit of
//! offset pagination ([`Error::OffsetLimit`], raised before the first item
//! when the reply's total says so).

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::bulk::lazy::Lazy;
use serde::de::DeserializeOwned;

use crate::bulk::progress::{Callback, Progress, Tracker};
use crate::client::Client;
use crate::error::{Error, PaginationProblem, Result};
use crate::model::response::Offset;
use crate::request::RequestParts;
use crate::request::operation::Operation;

/// How many empty pages in a row, each with a new cursor, are accepted.
const MAX_EMPTY_PAGES: usize = 3;

/// The key of an item, by which repeats are recognised (an id).
pub(crate) type KeyFn<R> = fn(&R) -> Option<&str>;

/// The key of a `String` item: the string itself.
#[allow(clippy::ptr_arg)] // it must match `KeyFn<String>`
pub(crate) fn string_key(s: &String) -> Option<&str> {
    Some(s.as_str())
}

/// How an operation's pages follow each other, as the manifest's
/// `pagination:` key describes it. Generated code passes it to [`Paginator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageSpec {
    /// The request names a starting `offset`; the reply's
    /// `meta.pagination` gives `offset` and `total`.
    Offset {
        /// Query parameter of the offset.
        offset: &'static str,
        /// Query parameter of the page size.
        limit: &'static str,
        /// Page size used when the request sets none.
        page_size: u32,
        /// The first offset the API refuses, if it has such a limit.
        max_offset: Option<u64>,
        /// Method name of an operation that pages with a cursor instead.
        alternative: Option<&'static str>,
    },
    /// The request names a cursor (`after`) from the previous reply's
    /// `meta.pagination.after`; an empty or absent cursor ends the results.
    Cursor {
        /// Query parameter of the cursor.
        cursor: &'static str,
        /// Query parameter of the page size.
        limit: &'static str,
        /// Page size used when the request sets none.
        page_size: u32,
    },
}

impl PageSpec {
    fn limit(&self) -> (&'static str, u32) {
        match *self {
            PageSpec::Offset {
                limit, page_size, ..
            }
            | PageSpec::Cursor {
                limit, page_size, ..
            } => (limit, page_size),
        }
    }
}

/// Every item of a paginated operation, page after page, as a
/// [`futures::Stream`] of `Result<R>`. Returned by the `items()` method of
/// a paginated operation's builder; configure it before polling it.
///
/// After an error the stream ends.
#[must_use = "streams do nothing unless polled"]
pub struct Paginator<R> {
    inner: Lazy<PagesConfig<R>, Result<R>>,
}

struct PagesConfig<R> {
    client: Client,
    op: &'static Operation,
    spec: PageSpec,
    parts: RequestParts,
    key: Option<KeyFn<R>>,
    page_size: Option<u32>,
    tracker: Option<Arc<Tracker>>,
    callback: Option<Callback>,
}

impl<R> fmt::Debug for Paginator<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Paginator");
        if let Some(c) = self.inner.config() {
            d.field("operation", &c.op.id)
                .field("spec", &c.spec)
                .field("page_size", &c.page_size);
        }
        d.field("started", &self.inner.is_started())
            .finish_non_exhaustive()
    }
}

impl<R: DeserializeOwned + Send + 'static> Paginator<R> {
    /// A stream over the pages of `op`, starting from the request `parts`.
    /// Items whose `key` was seen on an earlier page are dropped. Generated
    /// builders call this.
    pub(crate) fn new(
        client: Client,
        op: &'static Operation,
        spec: PageSpec,
        parts: RequestParts,
        key: Option<KeyFn<R>>,
    ) -> Self {
        let config = PagesConfig {
            client,
            op,
            spec,
            parts,
            key,
            page_size: None,
            tracker: None,
            callback: None,
        };
        Paginator {
            inner: Lazy::new(config, Self::start),
        }
    }

    /// Items per request, when the request itself sets no page size.
    /// Default: the manifest's `page_size`.
    pub fn page_size(mut self, n: u32) -> Self {
        if let Some(c) = self.inner.config_mut() {
            c.page_size = Some(n.max(1));
        }
        self
    }

    /// Calls `f` after every page with the counts so far
    /// ([`Progress::ids_found`] and [`Progress::total`]).
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        if let Some(c) = self.inner.config_mut() {
            c.callback = Some(Arc::new(f));
        }
        self
    }

    /// Shares the counters of an export.
    pub(crate) fn with_tracker(mut self, tracker: Arc<Tracker>) -> Self {
        if let Some(c) = self.inner.config_mut() {
            c.tracker = Some(tracker);
        }
        self
    }

    fn start(c: PagesConfig<R>) -> BoxStream<'static, Result<R>> {
        let tracker = c.tracker.unwrap_or_else(|| Tracker::new(c.callback));
        let mut parts = c.parts;
        let (limit, default_size) = c.spec.limit();
        if parts.query_values(limit).next().is_none() {
            let size = c.page_size.unwrap_or(default_size);
            parts.set_query(limit, size.to_string());
        }
        let walk = Walk {
            client: c.client,
            op: c.op,
            spec: c.spec,
            parts,
            key: c.key,
            tracker,
            seen: HashSet::new(),
            cursors: HashSet::new(),
            empty_pages: 0,
            found: 0,
            pending: None,
            first: true,
            done: false,
        };
        stream::unfold(walk, |mut walk| async move {
            if walk.done && walk.pending.is_none() {
                return None;
            }
            let page = walk.next_page().await;
            if page.is_err() {
                walk.done = true;
            }
            Some((page, walk))
        })
        .flat_map(|page| match page {
            Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
            Err(e) => stream::once(async { Err(e) }).right_stream(),
        })
        .boxed()
    }
}

impl<R: DeserializeOwned + Send + 'static> Stream for Paginator<R> {
    type Item = Result<R>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_next_unpin(cx)
    }
}

/// The state of a walk through the pages.
struct Walk<R> {
    client: Client,
    op: &'static Operation,
    spec: PageSpec,
    /// The request of the next page.
    parts: RequestParts,
    key: Option<KeyFn<R>>,
    tracker: Arc<Tracker>,
    seen: HashSet<String>,
    cursors: HashSet<String>,
    empty_pages: usize,
    /// Items yielded so far.
    found: u64,
    /// An error found after a page was read, reported after its items.
    pending: Option<Error>,
    first: bool,
    done: bool,
}

/// An offset parsed as a number, when it is one.
fn numeric(s: &str) -> Option<u64> {
    s.trim().parse().ok()
}

impl<R: DeserializeOwned + Send + 'static> Walk<R> {
    /// Yields `items`, then `error` on the next call.
    fn defer(&mut self, items: Vec<R>, error: Error) -> Vec<R> {
        self.pending = Some(error);
        items
    }

    /// The query parameter of the position, the offset limit and the
    /// cursor-paginated alternative.
    fn position(&self) -> (&'static str, Option<u64>, Option<&'static str>) {
        match self.spec {
            PageSpec::Offset {
                offset,
                max_offset,
                alternative,
                ..
            } => (offset, max_offset, alternative),
            PageSpec::Cursor { cursor, .. } => (cursor, None, None),
        }
    }

    /// The error for results past the offset limit `max`.
    fn ceiling(&self, total: Option<u64>, max: u64) -> Error {
        Error::OffsetLimit {
            operation: self.op.id,
            total,
            max_offset: max,
            alternative: self.position().2,
        }
    }

    async fn next_page(&mut self) -> Result<Vec<R>> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        let (position_param, max_offset, _) = self.position();
        let sent: Option<String> = self
            .parts
            .query_values(position_param)
            .next()
            .map(str::to_owned);
        let start = sent.as_deref().and_then(numeric);
        if let (Some(max), Some(n)) = (max_offset, start) {
            if n >= max {
                return Err(self.ceiling(None, max));
            }
        }
        let reply = self
            .client
            .execute::<R>(self.op, self.parts.clone())
            .await?;
        let first = std::mem::replace(&mut self.first, false);
        let pagination = reply.meta.pagination.unwrap_or_default();
        let total = pagination.total.and_then(|t| u64::try_from(t).ok());
        if let (Some(max), Some(t)) = (max_offset, total) {
            if first && t > max && start.unwrap_or(0) < max {
                return Err(self.ceiling(Some(t), max));
            }
        }
        let count = reply.resources.len();
        let items = self.drop_repeats(reply.resources, &sent)?;
        self.found += items.len() as u64;
        self.tracker.add(items.len() as u64, 0, 0, total);
        Ok(match self.spec {
            PageSpec::Offset { .. } if count == 0 => {
                self.done = true;
                items
            }
            PageSpec::Offset { offset, .. } => {
                let page = Page { sent, count, total };
                self.next_offset(items, offset, page, pagination.offset)
            }
            PageSpec::Cursor { cursor, .. } => {
                self.next_cursor(items, cursor, count, pagination.after)
            }
        })
    }

    /// Drops the items whose key an earlier page gave; a page made only of
    /// such items is an error.
    fn drop_repeats(&mut self, mut items: Vec<R>, sent: &Option<String>) -> Result<Vec<R>> {
        let Some(key) = self.key else {
            return Ok(items);
        };
        let count = items.len();
        let mut repeated = 0usize;
        items.retain(|item| match key(item) {
            Some(k) if !self.seen.insert(k.to_owned()) => {
                repeated += 1;
                false
            }
            _ => true,
        });
        if count > 0 && repeated == count {
            return Err(Error::Pagination {
                operation: self.op.id,
                problem: PaginationProblem::RepeatedPage {
                    at: sent.clone(),
                    ids: count,
                },
            });
        }
        if repeated > 0 {
            tracing::warn!(
                operation = self.op.id,
                repeated,
                "a page repeats ids of earlier pages: dropping the repeats"
            );
        }
        Ok(items)
    }

    /// Sets the offset of the next page from a non-empty page's reply, or
    /// ends the walk; returns the page's items.
    fn next_offset(
        &mut self,
        items: Vec<R>,
        param: &'static str,
        page: Page,
        returned: Option<Offset>,
    ) -> Vec<R> {
        let op = self.op;
        let start = page.sent.as_deref().and_then(numeric).unwrap_or(0);
        let next = match &returned {
            Some(Offset::Token(t)) if numeric(t).is_none() => {
                // An opaque token: it must differ from the one sent.
                if page.sent.as_deref() == Some(t.as_str()) {
                    return self.defer(items, not_advancing(op, &page.sent, t));
                }
                if page.total.is_some_and(|t| self.found >= t) {
                    self.done = true;
                }
                self.parts.set_query(param, t.clone());
                return items;
            }
            Some(o) => {
                let n = match o {
                    Offset::Number(n) => u64::try_from(*n).unwrap_or(0),
                    Offset::Token(t) => numeric(t).unwrap_or(0),
                };
                if n > start {
                    // The reply names the next page's offset.
                    n
                } else if n == start {
                    // The reply names this page's offset.
                    start + page.count as u64
                } else {
                    return self.defer(items, not_advancing(op, &page.sent, &o.to_string()));
                }
            }
            None => start + page.count as u64,
        };
        if page.total.is_some_and(|t| next >= t) {
            self.done = true;
        } else if let (_, Some(max), _) = self.position() {
            if next >= max {
                let e = self.ceiling(page.total, max);
                return self.defer(items, e);
            }
        }
        self.parts.set_query(param, next.to_string());
        items
    }

    /// Sets the cursor of the next page from a page's reply, or ends the
    /// walk; returns the page's items.
    fn next_cursor(
        &mut self,
        items: Vec<R>,
        param: &'static str,
        count: usize,
        after: Option<String>,
    ) -> Vec<R> {
        let Some(after) = after.filter(|a| !a.trim().is_empty()) else {
            self.done = true;
            return items;
        };
        let problem = if !self.cursors.insert(after.clone()) {
            Some(PaginationProblem::RepeatedCursor {
                cursor: after.clone(),
            })
        } else if count == 0 {
            self.empty_pages += 1;
            (self.empty_pages >= MAX_EMPTY_PAGES).then_some(PaginationProblem::EmptyPages {
                pages: self.empty_pages,
            })
        } else {
            self.empty_pages = 0;
            None
        };
        match problem {
            Some(problem) => {
                let e = Error::Pagination {
                    operation: self.op.id,
                    problem,
                };
                self.defer(items, e)
            }
            None => {
                self.parts.set_query(param, after);
                items
            }
        }
    }
}

/// What the walk knows of the page just read.
struct Page {
    /// The offset it was asked with (`None`: the first page).
    sent: Option<String>,
    /// How many items it held, repeats included.
    count: usize,
    /// The total the reply gave.
    total: Option<u64>,
}

fn not_advancing(op: &'static Operation, sent: &Option<String>, returned: &str) -> Error {
    Error::Pagination {
        operation: op.id,
        problem: PaginationProblem::OffsetNotAdvancing {
            sent: sent.clone().unwrap_or_else(|| "0".into()),
            returned: returned.to_owned(),
        },
    }
}
