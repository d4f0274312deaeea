//! Full exports: every item matching a filter, with its details, in one
//! stream.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::bulk::batch::{BatchReader, run_reads};
use crate::bulk::lazy::Lazy;
use crate::bulk::paginate::Paginator;
use crate::bulk::progress::{Callback, Progress, Tracker};
use crate::bulk::resume::{self, Ledger, ResumePoint};
use crate::bulk::window::DEFAULT_MAX_CONCURRENCY;
use crate::error::{Error, Result};
use crate::fql::FilterArg;

/// Ids asked for on the first query page when neither the request nor
/// [`Export::page_size`] sets a size and the client has found none for the
/// query. The API documents no largest `limit`; 10,000 is the largest
/// result window any of its documents names (the offset query's). If the
/// API refuses it, in whatever way, the export asks for less (see
/// [`Export`]).
const FIRST_ID_PAGE: u32 = 10_000;

/// Whether an export's filter is empty (the text `""`): it then exports
/// everything, sending no filter.
pub(crate) fn matches_all(filter: &FilterArg) -> bool {
    matches!(filter, FilterArg::Raw(s) if s.trim().is_empty())
}

/// Every item matching a query, with its details: the ids of a paginated
/// query operation fed into the batches of a batched get operation, as a
/// [`futures::Stream`] of `Result<R>`. Returned by the export methods the
/// manifest's `exports:` key generates (`Client::export_assets`); configure it
/// before polling it.
///
/// The two are pipelined: details of the first ids are fetched while the
/// next id pages arrive, several detail requests at once (see
/// [Concurrency](Self#concurrency)). Only a page of ids and the batches in flight are held, so the
/// memory used does not grow with the number of results (apart from the
/// ids seen, kept to drop repeats). A pagination error ends the stream; an
/// id whose details are not found yields an [`Error::NotFound`] and a
/// failed detail request an [`Error::Batch`], and the export goes on.
///
/// # Id pages
///
/// The query's pages come one after the other (each needs the cursor of
/// the one before), so at one round trip per page they cap the export at
/// page size ÷ round trip: 667 ids/s for pages of 100 at 150 ms, 66,667
/// for pages of 10,000. So unless [`page_size`](Self::page_size) is set,
/// the export starts with pages of 10,000 ids (or the size this client
/// found before for the query) and finds the largest the API accepts,
/// whatever way it refuses a larger one:
///
/// - a 400 whose message names the limit: the export asks for that many;
/// - a 400 that does not: the export asks for a page of one, to learn
///   whether the API refuses the size or the query itself. If the page of
///   one is refused too, the export fails with the API's error (a bad
///   filter, say); if not, it goes on with 5,000, 1,000, 500, 100, 50, 10,
///   5 and 1 ids until one is accepted;
/// - fewer ids than asked while the reply gives a next cursor (a silent
///   cap): the export asks for that many from then on;
/// - an empty page while the total says results remain: the export asks
///   again with the next smaller size.
///
/// The size found is remembered for the query by this client (and its
/// clones) and logged once at info level: the next export starts there.
/// [`page_size`](Self::page_size) asks for exactly that many and fails if
/// the API refuses it.
///
/// # Repeated pages and the total
///
/// Ids that a page repeats from earlier ones are dropped (with a warning
/// in the log), and the export goes on while the cursor advances; it stops
/// after three pages in a row that bring no new id. A cursor the API gave
/// before ends it with [`Error::Pagination`] naming the cursor, after the
/// ids before it.
///
/// When the ids end, their number is checked against the last total the
/// API gave (`meta.pagination.total`): if fewer distinct ids came, the
/// export's last item, after every asset, is [`Error::Incomplete`] naming
/// the expected and received counts. The last total counts because the
/// total may change while an export runs (assets found or deleted
/// meanwhile): a shortfall then may mean deletions rather than missed
/// ids, which the error says. A total below the ids received (capped or
/// approximate) is no shortfall; without a total there is no check; an
/// export resumed from a saved point is not checked (the ids of its
/// first run are not counted).
///
/// # Concurrency
///
/// The detail requests in flight adapt to what the account's rate budget
/// allows this client ([`ClientBuilder::budget_share`](crate::ClientBuilder::budget_share),
/// less what other integrations use) and to the measured round trip: by
/// Little's law, ⌈allowed requests per second × smoothed round trip ×
/// 1.25⌉ + 1 keeps the budget busy without requests piling up in the
/// pacer. The window starts at that number when the client knows both at
/// the stream's first request (an export learns them from its first id
/// page), else at 1, grows by one per completed request (up to
/// [`concurrency`](Self::concurrency) while the limit is unknown), falls at
/// once when the number falls, and halves, at most once per round trip, on
/// a 429, a server error, a timeout or a lost connection, growing back by
/// one per round trip. [`Progress::concurrency`] reports it. Batched reads
/// and writes ([`BatchReader`], [`BatchWriter`](crate::BatchWriter)) adapt
/// the same way; the id pages follow one another.
///
/// # Resuming
///
/// [`resume_point`](Self::resume_point) gives the point that covers every
/// item yielded so far, and [`resume_from`](Self::resume_from) starts an
/// export of the same query there. The point is the cursor of the first
/// id page whose ids are not all accounted for (no page whose ids were all
/// yielded is read again) plus the ids of that page and later ones already
/// yielded, which a resumed export does not fetch again. An id counts as
/// yielded once the stream has returned its item, its
/// [`Error::NotFound`], or the [`Error::Batch`] naming it (retry those ids
/// yourself: they are not fetched again on resume). Ids whose detail
/// requests were in flight when the stream was dropped are fetched again.
/// So a job that saves the point after each item it has processed and
/// resumes from the last one saved processes each asset exactly once
/// across the runs. The point holds at most the ids of the pages in
/// flight (a page and the detail batches running).
#[must_use = "streams do nothing unless polled"]
pub struct Export<R> {
    inner: Lazy<ExportConfig<R>, Result<R>>,
    ledger: Arc<Mutex<Ledger>>,
}

/// An export before it starts.
struct ExportConfig<R> {
    ids: Paginator<String>,
    details: BatchReader<R>,
    concurrency: usize,
    ordered: bool,
    page_size: Option<u32>,
    callback: Option<Callback>,
    ledger: Arc<Mutex<Ledger>>,
}

impl<R> fmt::Debug for Export<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Export");
        if let Some(c) = self.inner.config() {
            d.field("concurrency", &c.concurrency)
                .field("ordered", &c.ordered)
                .field("page_size", &c.page_size);
        }
        d.field("started", &self.inner.is_started())
            .finish_non_exhaustive()
    }
}

impl<R: DeserializeOwned + Send + 'static> Export<R> {
    /// An export of the ids of `ids` through the batched get `details`
    /// (whose own ids, if any, are ignored). Generated export methods call
    /// this.
    pub(crate) fn new(ids: Paginator<String>, details: BatchReader<R>) -> Self {
        let (ids, ledger) = ids.ledger_for_export();
        let config = ExportConfig {
            ids,
            details,
            concurrency: DEFAULT_MAX_CONCURRENCY,
            ordered: false,
            page_size: None,
            callback: None,
            ledger: ledger.clone(),
        };
        Export {
            inner: Lazy::new(config, Self::start),
            ledger,
        }
    }

    /// Starts the export from `point`, saved by
    /// [`resume_point`](Self::resume_point) of an export of the same query
    /// (or by the query's [`Paginator::resume_point`]). Call it before the
    /// first poll.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResumePoint`] when the point belongs to another
    /// operation or query, is malformed, or the export has already started.
    ///
    /// ```no_run
    /// # async fn f(client: falcon_exposure::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::StreamExt;
    ///
    /// let saved = std::fs::read_to_string("export.point").ok();
    /// let mut assets = client.export_assets("");
    /// if let Some(saved) = saved {
    ///     assets = assets.resume_from(&serde_json::from_str(&saved)?)?;
    /// }
    /// while let Some(asset) = assets.next().await {
    ///     println!("{:?}", asset?.id);
    ///     std::fs::write("export.point", serde_json::to_string(&assets.resume_point())?)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn resume_from(mut self, point: &ResumePoint) -> Result<Self> {
        let Some(c) = self.inner.config_mut() else {
            return Err(Error::InvalidResumePoint {
                operation: resume::lock(&self.ledger).operation(),
                reason: "the export has already started; call resume_from before polling it".into(),
            });
        };
        c.ids.resume_at(point)?;
        Ok(self)
    }

    /// The point that covers every item yielded so far (see
    /// [Resuming](Self#resuming)). Save it after each item processed.
    pub fn resume_point(&self) -> ResumePoint {
        resume::lock(&self.ledger).point()
    }

    /// Most detail requests in flight at once (at least 1): the cap of the
    /// adaptive window (see [Concurrency](Self#concurrency)). Default:
    /// [`DEFAULT_MAX_CONCURRENCY`].
    pub fn concurrency(mut self, n: usize) -> Self {
        self.inner.configure(|c| c.concurrency = n.max(1));
        self
    }

    /// Yields the items in the order of the query's ids (default: as the
    /// detail replies arrive).
    pub fn keep_order(mut self, yes: bool) -> Self {
        self.inner.configure(|c| c.ordered = yes);
        self
    }

    /// Ids per query page. Default: the query's `page_size` in the manifest.
    pub fn page_size(mut self, n: u32) -> Self {
        self.inner.configure(|c| c.page_size = Some(n.max(1)));
        self
    }

    /// Calls `f` after every request with the counts so far: ids found by
    /// the query pages, items fetched, ids failed, and the query's total.
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.inner.configure(|c| c.callback = Some(Arc::new(f)));
        self
    }

    fn start(c: ExportConfig<R>) -> BoxStream<'static, Result<R>> {
        let tracker = Tracker::new(c.callback);
        let Some((core, _)) = c.details.into_template() else {
            return futures::stream::empty().boxed();
        };
        let mut ids = c.ids.with_tracker(tracker.clone());
        ids = match c.page_size {
            Some(n) => ids.page_size(n),
            None => ids.first_page_size(FIRST_ID_PAGE),
        };
        let key = core.key;
        let size = core.spec.size;
        // An incomplete id walk is told after every asset, so it is held
        // back until the detail requests in flight have all come back.
        let incomplete: Arc<Mutex<Option<Error>>> = Arc::default();
        let held = incomplete.clone();
        // Group the ids into batches as they arrive; a pagination error
        // ends the ids and is passed on after the ids before it.
        let batches = ids.chunks(size).flat_map(move |chunk| {
            let mut ok = Vec::with_capacity(chunk.len());
            let mut failed: Option<Error> = None;
            for id in chunk {
                match id {
                    Ok(id) => ok.push(id),
                    Err(e @ Error::Incomplete { .. }) => {
                        *held.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    }
                    Err(e) => failed = Some(e),
                }
            }
            let mut out = vec![Ok(ok)];
            if let Some(e) = failed {
                out.push(Err(e));
            }
            futures::stream::iter(out)
        });
        let ledger = c.ledger;
        let last = futures::stream::once(async move {
            incomplete.lock().unwrap_or_else(|p| p.into_inner()).take()
        })
        .filter_map(|e| async move { e.map(Err) });
        run_reads(core, batches, c.concurrency, c.ordered, tracker)
            .inspect(move |item| {
                let mut ledger = resume::lock(&ledger);
                match item {
                    Ok(item) => ledger.yielded(key.and_then(|k| k(item))),
                    Err(Error::NotFound { id, .. }) => ledger.yielded(Some(id)),
                    Err(Error::Batch { ids, .. }) => {
                        for id in ids {
                            ledger.yielded(Some(id));
                        }
                    }
                    Err(_) => {}
                }
            })
            .chain(last)
            .boxed()
    }
}

impl<R: DeserializeOwned + Send + 'static> Stream for Export<R> {
    type Item = Result<R>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_next_unpin(cx)
    }
}
