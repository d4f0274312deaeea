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
//! drop repeats). It ends after the last page. It goes on through pages
//! that repeat items of earlier ones while the position advances (the
//! repeats are dropped), and stops, with a warning in the log, after
//! [`MAX_STALE_PAGES`] pages in a row that bring no new item. It fails with
//! a typed error instead of looping when the API gives an offset that does
//! not advance or a cursor it gave before ([`Error::Pagination`]), or when
//! the results lie past the offset limit of offset pagination
//! ([`Error::OffsetLimit`], raised before the first item when the reply's
//! total says so). When it ends with fewer distinct items than the API's
//! last total, its last item is [`Error::Incomplete`].
//!
//! Unless the request or [`Paginator::page_size`] sets the page size, the
//! stream finds the largest the API accepts (see `bulk::page_size`): it
//! starts at the size this client last found for the query, else at the
//! manifest's `page_size`, and asks for less on a refusal.
//!
//! [`Paginator::resume_point`] tells where the stream stands, as a
//! [`ResumePoint`] a job can save; a later stream of the same query started
//! with [`Paginator::resume_from`] carries on from there.

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::bulk::lazy::Lazy;
use crate::bulk::page_size::{Accepted, PageSize};
use serde::de::DeserializeOwned;

use crate::bulk::progress::{Callback, Progress, Tracker};
use crate::bulk::resume::{self, Ledger, ResumePoint};
use crate::client::Client;
use crate::error::{Error, PaginationProblem, Result};
use crate::model::response::{ApiResponse, Offset};
use crate::request::RequestParts;
use crate::request::operation::Operation;

/// Pages in a row that bring no new item (empty, or only repeats) after
/// which a stream stops, although the API gives a next position.
pub(crate) const MAX_STALE_PAGES: usize = 3;

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

    /// The query parameter of the position (offset or cursor).
    fn position(&self) -> &'static str {
        match *self {
            PageSpec::Offset { offset, .. } => offset,
            PageSpec::Cursor { cursor, .. } => cursor,
        }
    }
}

/// Every item of a paginated operation, page after page, as a
/// [`futures::Stream`] of `Result<R>`. Returned by the `items()` method of
/// a paginated operation's builder; configure it before polling it.
///
/// After an error the stream ends. Unless the request or
/// [`page_size`](Self::page_size) sets one, the page size is found as the
/// stream reads, as an [export](crate::Export#id-pages) finds it. Repeated
/// items are dropped, and a stream that ends with fewer distinct items than
/// the API's last total yields [`Error::Incomplete`] last (see
/// [repeated pages](crate::Export#repeated-pages-and-the-total)).
///
/// [`resume_point`](Self::resume_point) gives, at any time, the point that
/// covers every item yielded so far; [`resume_from`](Self::resume_from)
/// starts a new stream of the same query there. Items are recognised by
/// their id: a resumed stream yields each item the first one had not
/// yielded, once. (Items without an id are counted instead; those of the
/// page being read when the point was taken are yielded again.)
#[must_use = "streams do nothing unless polled"]
pub struct Paginator<R> {
    inner: Lazy<PagesConfig<R>, Result<R>>,
    ledger: Arc<Mutex<Ledger>>,
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
    ledger: Arc<Mutex<Ledger>>,
    /// Keys of items a resumed stream skips (yielded by an earlier run).
    skip: HashSet<String>,
    /// Whether the stream records its yields in the ledger (an export
    /// records its own).
    record_yields: bool,
    /// The point resumed from says everything was yielded.
    finished: bool,
    /// Page size to try first when none is set (default: the manifest's).
    first_size: Option<u32>,
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
        let (limit, _) = spec.limit();
        let query = resume::fingerprint(&parts, spec.position(), limit);
        let ledger = Arc::new(Mutex::new(Ledger::new(op.id, query)));
        let config = PagesConfig {
            client,
            op,
            spec,
            parts,
            key,
            page_size: None,
            tracker: None,
            callback: None,
            ledger: ledger.clone(),
            skip: HashSet::new(),
            record_yields: true,
            finished: false,
            first_size: None,
        };
        Paginator {
            inner: Lazy::new(config, Self::start),
            ledger,
        }
    }

    /// Starts the stream from `point`, saved by
    /// [`resume_point`](Self::resume_point) of a stream of the same
    /// operation and query. Call it before the first poll.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResumePoint`] when the point belongs to another
    /// operation or query, is malformed, or the stream has already started.
    ///
    /// ```no_run
    /// # async fn f(client: falcon_exposure::Client, saved: String) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::StreamExt;
    ///
    /// let point: falcon_exposure::ResumePoint = serde_json::from_str(&saved)?;
    /// let mut ids = client.query_assets_v2().items().resume_from(&point)?;
    /// while let Some(id) = ids.next().await {
    ///     println!("{}", id?);
    ///     let _save = serde_json::to_string(&ids.resume_point())?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn resume_from(mut self, point: &ResumePoint) -> Result<Self> {
        self.resume_at(point)?;
        Ok(self)
    }

    /// [`resume_from`](Self::resume_from) in place.
    pub(crate) fn resume_at(&mut self, point: &ResumePoint) -> Result<()> {
        let Some(c) = self.inner.config_mut() else {
            return Err(Error::InvalidResumePoint {
                operation: self.ledger_op(),
                reason: "the stream has already started; call resume_from before polling it".into(),
            });
        };
        point.check(c.op.id, resume::lock(&c.ledger).query())?;
        if let Some(p) = point.position() {
            c.parts.set_query(c.spec.position(), p);
        } else {
            let position = c.spec.position();
            c.parts.query.retain(|(n, _)| n != position);
        }
        c.skip = resume::skip_set(point);
        c.finished = point.is_finished();
        resume::lock(&c.ledger).start_at(point);
        Ok(())
    }

    /// The point that covers every item yielded so far: the position of
    /// the first page whose items are not all yielded (the `after` cursor
    /// of the last page fully yielded, or the offset), and the ids of the
    /// items of that page and later ones already yielded. Save it after
    /// each item processed; [`resume_from`](Self::resume_from) carries on
    /// from it.
    pub fn resume_point(&self) -> ResumePoint {
        resume::lock(&self.ledger).point()
    }

    fn ledger_op(&self) -> &'static str {
        resume::lock(&self.ledger).operation()
    }

    /// The ledger, for an export that records its own yields.
    pub(crate) fn ledger_for_export(mut self) -> (Self, Arc<Mutex<Ledger>>) {
        self.inner.configure(|c| c.record_yields = false);
        let ledger = self.ledger.clone();
        (self, ledger)
    }

    /// Asks first for pages of `first` items, unless the request or
    /// [`page_size`](Self::page_size) sets a size or the client has found a
    /// smaller one for the query.
    pub(crate) fn first_page_size(mut self, first: u32) -> Self {
        self.inner.configure(|c| c.first_size = Some(first.max(1)));
        self
    }

    /// Items per request, when the request itself sets no page size: the
    /// stream then asks for exactly this many, and fails if the API refuses
    /// it. Default: found as the stream reads, starting at the manifest's
    /// `page_size` (the refusals recognised are those of an
    /// [export](crate::Export#id-pages)).
    pub fn page_size(mut self, n: u32) -> Self {
        self.inner.configure(|c| c.page_size = Some(n.max(1)));
        self
    }

    /// Calls `f` after every page with the counts so far
    /// ([`Progress::ids_found`] and [`Progress::total`]).
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.inner.configure(|c| c.callback = Some(Arc::new(f)));
        self
    }

    /// Shares the counters of an export.
    pub(crate) fn with_tracker(mut self, tracker: Arc<Tracker>) -> Self {
        self.inner.configure(|c| c.tracker = Some(tracker));
        self
    }

    fn start(c: PagesConfig<R>) -> BoxStream<'static, Result<R>> {
        if c.finished {
            return stream::empty().boxed();
        }
        let tracker = c.tracker.unwrap_or_else(|| Tracker::new(c.callback));
        let (limit, default_size) = c.spec.limit();
        // A limit the request sets is sent as it is and never changed.
        let size = match (c.parts.query_values(limit).next(), c.page_size) {
            (Some(_), _) => None,
            (None, Some(n)) => Some(PageSize::fixed(n)),
            (None, None) => {
                let first = c.first_size.unwrap_or(default_size);
                let found = c.client.page_size_found(c.op.id);
                Some(PageSize::find_from(found.map_or(first, |n| n.min(first))))
            }
        };
        let from_start = c.parts.query_values(c.spec.position()).next().is_none();
        let (key, ledger, record) = (c.key, c.ledger.clone(), c.record_yields);
        let walk = Walk {
            client: c.client,
            op: c.op,
            spec: c.spec,
            parts: c.parts,
            key: c.key,
            tracker,
            ledger: c.ledger,
            skip: c.skip,
            size,
            seen: HashSet::new(),
            cursors: HashSet::new(),
            stale_pages: 0,
            found: 0,
            total: None,
            from_start,
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
        .inspect(move |item| {
            if let (true, Ok(item)) = (record, item) {
                resume::lock(&ledger).yielded(key.and_then(|k| k(item)));
            }
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
    ledger: Arc<Mutex<Ledger>>,
    /// Keys yielded by an earlier run, dropped without counting as repeats.
    skip: HashSet<String>,
    /// The page size, found as the pages come (`None`: the request's own).
    size: Option<PageSize>,
    seen: HashSet<String>,
    cursors: HashSet<String>,
    /// Pages in a row that brought no new item.
    stale_pages: usize,
    /// Items yielded so far.
    found: u64,
    /// The total the last reply gave.
    total: Option<u64>,
    /// Whether the walk started at the first page (not resumed from a
    /// position), so that its items can be checked against the total.
    from_start: bool,
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
        let reply = self.read_page(start.unwrap_or(0)).await?;
        let first = std::mem::replace(&mut self.first, false);
        let pagination = reply.meta.pagination.unwrap_or_default();
        let total = pagination.total.and_then(|t| u64::try_from(t).ok());
        if total.is_some() {
            self.total = total;
        }
        if let (Some(max), Some(t)) = (max_offset, total) {
            if first && t > max && start.unwrap_or(0) < max {
                return Err(self.ceiling(Some(t), max));
            }
        }
        let count = reply.resources.len();
        let (items, skipped) = self.drop_repeats(reply.resources);
        self.found += items.len() as u64;
        self.tracker.add(items.len() as u64, 0, 0, total);
        let stale = items.is_empty() && skipped.is_empty();
        let items = match self.spec {
            PageSpec::Offset { .. } if count == 0 => {
                self.done = true;
                items
            }
            PageSpec::Offset { offset, .. } => {
                let page = Page {
                    sent: sent.clone(),
                    count,
                    total,
                };
                self.next_offset(items, offset, page, pagination.offset)
            }
            PageSpec::Cursor { cursor, .. } => self.next_cursor(items, cursor, pagination.after),
        };
        self.count_stale(stale);
        self.record(sent, &items, skipped);
        if self.done && self.pending.is_none() {
            self.pending = self.incomplete();
        }
        Ok(items)
    }

    /// Reads the page at the current position, starting at offset `start`
    /// (0 for a cursor), asking again with fewer items while the API
    /// refuses the page size (see `bulk::page_size`).
    async fn read_page(&mut self, start: u64) -> Result<ApiResponse<R>> {
        let limit = self.spec.limit().0;
        loop {
            if let Some(size) = &self.size {
                self.parts.set_query(limit, size.current().to_string());
            }
            let reply = match self.client.execute::<R>(self.op, self.parts.clone()).await {
                Ok(reply) => reply,
                Err(e) if self.size.as_mut().is_some_and(|s| s.refused(&e)) => continue,
                Err(e) => return Err(e),
            };
            let received = self.received();
            let Some(size) = self.size.as_mut() else {
                return Ok(reply);
            };
            let pagination = reply.meta.pagination.as_ref();
            let count = reply.resources.len() as u64;
            let total = pagination
                .and_then(|p| p.total)
                .and_then(|t| u64::try_from(t).ok());
            let has_next = match self.spec {
                PageSpec::Cursor { .. } => pagination
                    .and_then(|p| p.after.as_deref())
                    .is_some_and(|a| !a.trim().is_empty()),
                PageSpec::Offset { .. } => total.is_some_and(|t| start.saturating_add(count) < t),
            };
            let more = total.is_some_and(|t| t > received);
            match size.accepted(count as usize, has_next, more) {
                Accepted::Retry => continue,
                Accepted::Keep { found } => {
                    if let Some(n) = found {
                        self.client.remember_page_size(self.op.id, n);
                    }
                    return Ok(reply);
                }
            }
        }
    }

    /// Counts a page that brought no new item; after [`MAX_STALE_PAGES`]
    /// of them in a row the walk ends.
    fn count_stale(&mut self, stale: bool) {
        if !stale {
            self.stale_pages = 0;
            return;
        }
        self.stale_pages += 1;
        if self.stale_pages >= MAX_STALE_PAGES && !self.done {
            tracing::warn!(
                operation = self.op.id,
                pages = self.stale_pages,
                "pages in a row brought no new item although the API gave a next position: stopping"
            );
            self.done = true;
        }
    }

    /// The distinct items received so far (by key; counted when unkeyed).
    fn received(&self) -> u64 {
        match self.key {
            Some(_) => self.seen.len() as u64,
            None => self.found,
        }
    }

    /// [`Error::Incomplete`] when a walk from the first page ended with
    /// fewer distinct items than the last total the API gave. No total, no
    /// check; a total below the items received (capped or approximate) is
    /// not a shortfall.
    fn incomplete(&self) -> Option<Error> {
        let expected = self.total.filter(|_| self.from_start)?;
        let received = self.received();
        if received >= expected {
            return None;
        }
        tracing::warn!(
            operation = self.op.id,
            expected,
            received,
            "the results ended short of the API's total"
        );
        Some(Error::Incomplete {
            operation: self.op.id,
            expected,
            received,
        })
    }

    /// Notes the page just read in the ledger.
    fn record(&self, sent: Option<String>, items: &[R], skipped: Vec<String>) {
        let mut keys = Vec::with_capacity(items.len());
        let mut unkeyed = 0;
        for item in items {
            match self.key.and_then(|k| k(item)) {
                Some(k) => keys.push(k.to_owned()),
                None => unkeyed += 1,
            }
        }
        let next = self
            .parts
            .query_values(self.spec.position())
            .next()
            .map(str::to_owned);
        let finished = self.done && self.pending.is_none();
        resume::lock(&self.ledger).read(sent, keys, unkeyed, skipped, next, finished);
    }

    /// Drops the items whose key an earlier page gave (logged), and the
    /// items a resumed stream skips, returned apart.
    fn drop_repeats(&mut self, mut items: Vec<R>) -> (Vec<R>, Vec<String>) {
        let Some(key) = self.key else {
            return (items, Vec::new());
        };
        let mut skipped = Vec::new();
        let mut repeated = 0usize;
        items.retain(|item| match key(item) {
            Some(k) if self.skip.remove(k) => {
                self.seen.insert(k.to_owned());
                skipped.push(k.to_owned());
                false
            }
            Some(k) if !self.seen.insert(k.to_owned()) => {
                repeated += 1;
                false
            }
            _ => true,
        });
        if repeated > 0 {
            tracing::warn!(
                operation = self.op.id,
                repeated,
                "a page repeats items of earlier pages: dropping the repeats"
            );
        }
        (items, skipped)
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
                    start.saturating_add(page.count as u64)
                } else {
                    return self.defer(items, not_advancing(op, &page.sent, &o.to_string()));
                }
            }
            None => start.saturating_add(page.count as u64),
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
    fn next_cursor(&mut self, items: Vec<R>, param: &'static str, after: Option<String>) -> Vec<R> {
        let Some(after) = after.filter(|a| !a.trim().is_empty()) else {
            self.done = true;
            return items;
        };
        if !self.cursors.insert(after.clone()) {
            let e = Error::Pagination {
                operation: self.op.id,
                problem: PaginationProblem::RepeatedCursor { cursor: after },
            };
            return self.defer(items, e);
        }
        self.parts.set_query(param, after);
        items
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
