//! Streams over paginated operations: every result across pages.
//!
//! The builder of an operation the manifest marks with `pagination:` has a
//! `paginate()` method returning a [`Paginator`] (the page size, progress
//! and resume point to start from), whose `items()` is an [`Items`], a
//! [`futures::Stream`] of the reply's `resources` items across every page.
//! The builder's own `items()` does the same with the defaults:
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
//! [`Items::resume_point`] tells where the stream stands, as a
//! [`ResumePoint`] a job can save; a later stream of the same query started
//! with [`Paginator::resume_from`] carries on from there.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::bulk::IdSet;
use crate::bulk::page_size::{Accepted, PageSize};
use crate::bulk::progress::{Callback, Progress, Tracker};
use crate::bulk::resume::{self, ChainStart, Ledger, PageRead, ResumePoint};
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

/// A paginated query as the generated builder made it: what every walk
/// through its pages shares (an export walks several, one per shard).
pub(crate) struct PageQuery<R> {
    pub(crate) client: Client,
    pub(crate) op: &'static Operation,
    spec: PageSpec,
    pub(crate) parts: RequestParts,
    key: Option<KeyFn<R>>,
}

impl<R> Clone for PageQuery<R> {
    fn clone(&self) -> Self {
        PageQuery {
            client: self.client.clone(),
            op: self.op,
            spec: self.spec,
            parts: self.parts.clone(),
            key: self.key,
        }
    }
}

impl<R: DeserializeOwned + Send + 'static> PageQuery<R> {
    /// The query's keywords that identify it across runs.
    pub(crate) fn fingerprint(&self) -> String {
        let (limit, _) = self.spec.limit();
        resume::fingerprint(&self.parts, self.spec.position(), limit)
    }

    /// The page size of a walk: `None` when the request sets its own limit
    /// (sent as it is); else `fixed`, or found from the size this client
    /// found before for the query, at most `first` (default: the
    /// manifest's page size).
    pub(crate) fn page_size(&self, fixed: Option<u32>, first: Option<u32>) -> Option<PageSize> {
        let (limit, default_size) = self.spec.limit();
        if self.parts.query_values(limit).next().is_some() {
            return None;
        }
        Some(match fixed {
            Some(n) => PageSize::fixed(n),
            None => {
                let first = first.unwrap_or(default_size);
                let found = self.client.page_size_found(self.op.id);
                PageSize::find_from(found.map_or(first, |n| n.min(first)))
            }
        })
    }

    /// The query with `fql` added to its filter (the query keyword
    /// `param`): `(filter)+fql`, or `fql` alone.
    pub(crate) fn with_filter(&self, param: &str, fql: &str) -> Self {
        let mut q = self.clone();
        let filter = match q.parts.query_values(param).next() {
            Some(f) => format!("({f})+{fql}"),
            None => fql.to_owned(),
        };
        q.parts.set_query(param, filter);
        q
    }

    /// The query's total (`meta.pagination.total`), from a page of one id,
    /// with `extra` (a keyword and FQL) added to its filter.
    pub(crate) async fn count(&self, extra: Option<(&str, String)>) -> Result<Option<u64>> {
        let q = match extra {
            Some((param, fql)) => self.with_filter(param, &fql),
            None => self.clone(),
        };
        let mut parts = q.parts;
        let position = self.spec.position();
        parts.query.retain(|(n, _)| n != position);
        parts.set_query(self.spec.limit().0, "1".to_owned());
        let reply = self
            .client
            .execute::<serde::de::IgnoredAny>(self.op, parts)
            .await?;
        let total = reply.meta.pagination.and_then(|p| p.total);
        Ok(total.and_then(|t| u64::try_from(t).ok()))
    }

    /// The items of one cursor chain, read as `setup` says (its yields are
    /// the caller's to record).
    pub(crate) fn walk(mut self, setup: ChainSetup) -> BoxStream<'static, Result<R>> {
        let ChainSetup {
            size,
            tracker,
            ledger,
            start,
            report_total,
            on_settled,
        } = setup;
        if start.finished {
            return stream::empty().boxed();
        }
        // A resumed chain starts where its point says; a new one where the
        // request says (an `offset` or `after` the caller set).
        let position = self.spec.position();
        match &start.position {
            Some(p) => self.parts.set_query(position, p.clone()),
            None if start.resumed => self.parts.query.retain(|(n, _)| n != position),
            None => {}
        }
        let check_total = !start.resumed && self.parts.query_values(position).next().is_none();
        let walk = Walk {
            query: self,
            chain: start.index,
            tracker,
            ledger,
            skip: start.skip,
            size,
            seen: IdSet::default(),
            cursors: IdSet::default(),
            stale_pages: 0,
            pages: 0,
            found: 0,
            total: None,
            check_total,
            report_total,
            on_settled,
            state: State::Reading,
        };
        stream::unfold(walk, |mut walk| async move {
            match std::mem::replace(&mut walk.state, State::Done) {
                State::Done => return None,
                State::Failing(e) => return Some((Err(e), walk)),
                State::Reading => walk.state = State::Reading,
            }
            let page = walk.next_page().await;
            if page.is_err() {
                walk.state = State::Done;
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

/// A query over every page of a paginated operation, configured: its
/// [`items`](Self::items) starts it. Returned by the `paginate()` method of
/// a paginated operation's builder (whose own `items()` starts it with the
/// defaults).
///
/// Unless the request or [`page_size`](Self::page_size) sets one, the page
/// size is found as the stream reads, as an
/// [export](crate::Export#id-pages) finds it. Repeated items are dropped,
/// and a stream that ends with fewer distinct items than the API's last
/// total yields [`Error::Incomplete`] last (see
/// [repeated pages](crate::Export#repeated-pages-and-the-total)). After an
/// error the stream ends.
#[must_use = "nothing is sent until `items()` is polled"]
pub struct Paginator<R> {
    query: PageQuery<R>,
    page_size: Option<u32>,
    callback: Option<Callback>,
    resume: Option<ResumePoint>,
}

impl<R> fmt::Debug for Paginator<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.query.op.id)
            .field("spec", &self.query.spec)
            .field("page_size", &self.page_size)
            .field("resumed", &self.resume.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: DeserializeOwned + Send + 'static> Paginator<R> {
    /// A query over the pages of `op`, starting from the request `parts`.
    /// Items whose `key` was seen on an earlier page are dropped. Generated
    /// builders call this.
    pub(crate) fn new(
        client: Client,
        op: &'static Operation,
        spec: PageSpec,
        parts: RequestParts,
        key: Option<KeyFn<R>>,
    ) -> Self {
        Paginator {
            query: PageQuery {
                client,
                op,
                spec,
                parts,
                key,
            },
            page_size: None,
            callback: None,
            resume: None,
        }
    }

    /// Starts the stream from `point`, saved by
    /// [`Items::resume_point`] of a stream of the same operation and query.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResumePoint`] when the point belongs to another
    /// operation or query, is malformed, or was saved by an export read
    /// through several chains.
    ///
    /// ```no_run
    /// # async fn f(client: falcon_exposure::Client, saved: String) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::StreamExt;
    ///
    /// let point: falcon_exposure::ResumePoint = serde_json::from_str(&saved)?;
    /// let mut ids = client.query_assets_v2().paginate().resume_from(&point)?.items();
    /// while let Some(id) = ids.next().await {
    ///     println!("{}", id?);
    ///     let _save = serde_json::to_string(&ids.resume_point())?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn resume_from(mut self, point: &ResumePoint) -> Result<Self> {
        let op = self.query.op.id;
        point.check(op, &self.query.fingerprint())?;
        if point.shards().is_some() {
            return Err(Error::InvalidResumePoint {
                operation: op,
                reason: "it was saved by an export read through several chains; resume that export"
                    .into(),
            });
        }
        self.resume = Some(point.clone());
        Ok(self)
    }

    /// Items per request, when the request itself sets no page size: the
    /// stream then asks for exactly this many, and fails if the API refuses
    /// it. Default: found as the stream reads, starting at the manifest's
    /// `page_size` (the refusals recognised are those of an
    /// [export](crate::Export#id-pages)).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n.max(1));
        self
    }

    /// Calls `f` after every page with the counts so far
    /// ([`Progress::ids_found`] and [`Progress::total`]).
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.callback = Some(Arc::new(f));
        self
    }

    /// The query, for an export (which has its own page size, progress and
    /// resume point).
    pub(crate) fn into_query(self) -> PageQuery<R> {
        self.query
    }

    /// Starts reading the pages: a stream of every item.
    pub fn items(self) -> Items<R> {
        let q = self.query;
        let ledger = Arc::new(Mutex::new(Ledger::new(q.op.id, q.fingerprint())));
        let start = resume::lock(&ledger).open(None, self.resume.as_ref());
        let size = q.page_size(self.page_size, None);
        let key = q.key;
        let tracker = Tracker::new(self.callback);
        let record = ledger.clone();
        let setup = ChainSetup {
            size,
            tracker,
            ledger: ledger.clone(),
            start,
            report_total: true,
            on_settled: None,
        };
        let stream = q
            .walk(setup)
            .inspect(move |item| {
                if let Ok(item) = item {
                    resume::lock(&record).yielded(key.and_then(|k| k(item)));
                }
            })
            .boxed();
        Items { stream, ledger }
    }
}

/// Every item of a paginated query or an export, as a
/// [`futures::Stream`] of `Result<R>`, from [`Paginator::items`] or
/// [`Export::items`](crate::Export::items) (or a builder's own `items()`).
///
/// [`resume_point`](Self::resume_point) gives, at any time, the point that
/// covers every item yielded so far; `resume_from` on a new
/// [`Paginator`] or [`Export`](crate::Export) of the same query starts
/// there. Items are recognised by their id: a resumed stream yields each
/// item the first one had not yielded, once. (Items without an id are
/// counted instead; those of the page being read when the point was taken
/// are yielded again.)
#[must_use = "streams do nothing unless polled"]
pub struct Items<R> {
    stream: BoxStream<'static, Result<R>>,
    ledger: Arc<Mutex<Ledger>>,
}

impl<R> Items<R> {
    /// A running stream and the ledger its point is taken from.
    pub(crate) fn new(stream: BoxStream<'static, Result<R>>, ledger: Arc<Mutex<Ledger>>) -> Self {
        Items { stream, ledger }
    }

    /// The point that covers every item yielded so far: per cursor chain,
    /// the position of the first page whose items are not all yielded, and
    /// the ids of the items of that page and later ones already yielded.
    /// Save it after each item processed; `resume_from` carries on from it.
    pub fn resume_point(&self) -> ResumePoint {
        resume::lock(&self.ledger).point()
    }
}

impl<R> fmt::Debug for Items<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ledger = resume::lock(&self.ledger);
        f.debug_struct("Items")
            .field("operation", &ledger.operation())
            .finish_non_exhaustive()
    }
}

impl<R> Stream for Items<R> {
    type Item = Result<R>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().stream.poll_next_unpin(cx)
    }
}

/// Told the page size a chain settled on (the API accepted it).
pub(crate) type OnSettled = Box<dyn FnOnce(u32) + Send>;

/// How one cursor chain is read.
pub(crate) struct ChainSetup {
    /// The page size (`None`: the request's own limit).
    pub(crate) size: Option<PageSize>,
    pub(crate) tracker: Arc<Tracker>,
    /// Where its pages are recorded.
    pub(crate) ledger: Arc<Mutex<Ledger>>,
    pub(crate) start: ChainStart,
    /// Whether the replies' totals are the stream's (not a shard's).
    pub(crate) report_total: bool,
    pub(crate) on_settled: Option<OnSettled>,
}

/// Where a walk stands.
enum State {
    /// Reading pages.
    Reading,
    /// The pages are over; this error comes after their items.
    Failing(Error),
    /// Nothing more.
    Done,
}

/// The state of a walk through the pages.
struct Walk<R> {
    /// The query, its request set for the next page.
    query: PageQuery<R>,
    /// The walk's chain in the ledger.
    chain: usize,
    tracker: Arc<Tracker>,
    ledger: Arc<Mutex<Ledger>>,
    /// Keys yielded by an earlier run, dropped without counting as repeats.
    skip: IdSet,
    /// The page size, found as the pages come (`None`: the request's own).
    size: Option<PageSize>,
    seen: IdSet,
    cursors: IdSet,
    /// Pages in a row that brought no new item.
    stale_pages: usize,
    /// Pages read so far.
    pages: u64,
    /// Items yielded so far.
    found: u64,
    /// The total the last reply gave.
    total: Option<u64>,
    /// Whether the walk started at the first page (not resumed from a
    /// position), so that its items can be checked against the total.
    check_total: bool,
    /// Whether the totals of the replies are the stream's (not a shard's).
    report_total: bool,
    /// Told the page size once it is settled.
    on_settled: Option<OnSettled>,
    state: State,
}

/// An offset parsed as a number, when it is one.
fn numeric(s: &str) -> Option<u64> {
    s.trim().parse().ok()
}

impl<R: DeserializeOwned + Send + 'static> Walk<R> {
    /// Yields `items`, then `error` on the next call.
    fn defer(&mut self, items: Vec<R>, error: Error) -> Vec<R> {
        self.state = State::Failing(error);
        items
    }

    /// The query parameter of the position, the offset limit and the
    /// cursor-paginated alternative.
    fn position(&self) -> (&'static str, Option<u64>, Option<&'static str>) {
        match self.query.spec {
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
            operation: self.query.op.id,
            total,
            max_offset: max,
            alternative: self.position().2,
        }
    }

    async fn next_page(&mut self) -> Result<Vec<R>> {
        let (position_param, max_offset, _) = self.position();
        let sent: Option<String> = self
            .query
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
        let first = self.pages == 0;
        self.pages += 1;
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
        let reported = total.filter(|_| self.report_total);
        self.tracker.add(items.len() as u64, 0, 0, reported);
        let stale = items.is_empty() && skipped.is_empty();
        let items = match self.query.spec {
            PageSpec::Offset { .. } if count == 0 => {
                self.state = State::Done;
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
        if matches!(self.state, State::Done) {
            if let Some(e) = self.incomplete() {
                self.state = State::Failing(e);
            }
        }
        Ok(items)
    }

    /// Reads the page at the current position, starting at offset `start`
    /// (0 for a cursor), asking again with fewer items while the API
    /// refuses the page size (see `bulk::page_size`).
    async fn read_page(&mut self, start: u64) -> Result<ApiResponse<R>> {
        let limit = self.query.spec.limit().0;
        loop {
            if let Some(size) = &self.size {
                let parts = &mut self.query.parts;
                parts.set_query(limit, size.current().to_string());
                parts.expected_items = usize::try_from(size.current()).unwrap_or(0);
            }
            let reply = match self
                .query
                .client
                .execute::<R>(self.query.op, self.query.parts.clone())
                .await
            {
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
            let has_next = match self.query.spec {
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
                        self.query.client.remember_page_size(self.query.op.id, n);
                    }
                    if let Some(n) = size.settled() {
                        if let Some(tell) = self.on_settled.take() {
                            tell(n);
                        }
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
        if self.stale_pages >= MAX_STALE_PAGES && matches!(self.state, State::Reading) {
            tracing::warn!(
                operation = self.query.op.id,
                pages = self.stale_pages,
                "pages in a row brought no new item although the API gave a next position: stopping"
            );
            self.state = State::Done;
        }
    }

    /// The distinct items received so far (by key; counted when unkeyed).
    fn received(&self) -> u64 {
        match self.query.key {
            Some(_) => self.seen.len() as u64,
            None => self.found,
        }
    }

    /// [`Error::Incomplete`] when a walk from the first page ended with
    /// fewer distinct items than the last total the API gave. No total, no
    /// check; a total below the items received (capped or approximate) is
    /// not a shortfall.
    fn incomplete(&self) -> Option<Error> {
        let expected = self.total.filter(|_| self.check_total)?;
        let received = self.received();
        if received >= expected {
            return None;
        }
        tracing::warn!(
            operation = self.query.op.id,
            expected,
            received,
            "the results ended short of the API's total"
        );
        Some(Error::Incomplete {
            operation: self.query.op.id,
            expected,
            received,
        })
    }

    /// Notes the page just read in the ledger.
    fn record(&self, sent: Option<String>, items: &[R], skipped: Vec<String>) {
        let mut keys = Vec::with_capacity(items.len());
        let mut unkeyed = 0;
        for item in items {
            match self.query.key.and_then(|k| k(item)) {
                Some(k) => keys.push(k.to_owned()),
                None => unkeyed += 1,
            }
        }
        let next = self
            .query
            .parts
            .query_values(self.query.spec.position())
            .next()
            .map(str::to_owned);
        let finished = matches!(self.state, State::Done);
        let page = PageRead {
            sent,
            keys,
            unkeyed,
            skipped,
            next,
            finished,
        };
        resume::lock(&self.ledger).read(self.chain, page);
    }

    /// Drops the items whose key an earlier page gave (logged), and the
    /// items a resumed stream skips, returned apart.
    fn drop_repeats(&mut self, mut items: Vec<R>) -> (Vec<R>, Vec<String>) {
        let Some(key) = self.query.key else {
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
                operation = self.query.op.id,
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
        let op = self.query.op;
        let start = page.sent.as_deref().and_then(numeric).unwrap_or(0);
        let next = match &returned {
            Some(Offset::Token(t)) if numeric(t).is_none() => {
                // An opaque token: it must differ from the one sent.
                if page.sent.as_deref() == Some(t.as_str()) {
                    return self.defer(items, not_advancing(op, &page.sent, t));
                }
                if page.total.is_some_and(|t| self.found >= t) {
                    self.state = State::Done;
                }
                self.query.parts.set_query(param, t.clone());
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
            self.state = State::Done;
        } else if let (_, Some(max), _) = self.position() {
            if next >= max {
                let e = self.ceiling(page.total, max);
                return self.defer(items, e);
            }
        }
        self.query.parts.set_query(param, next.to_string());
        items
    }

    /// Sets the cursor of the next page from a page's reply, or ends the
    /// walk; returns the page's items.
    fn next_cursor(&mut self, items: Vec<R>, param: &'static str, after: Option<String>) -> Vec<R> {
        let Some(after) = after.filter(|a| !a.trim().is_empty()) else {
            self.state = State::Done;
            return items;
        };
        if !self.cursors.insert(after.clone()) {
            let e = Error::Pagination {
                operation: self.query.op.id,
                problem: PaginationProblem::RepeatedCursor { cursor: after },
            };
            return self.defer(items, e);
        }
        self.query.parts.set_query(param, after);
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
