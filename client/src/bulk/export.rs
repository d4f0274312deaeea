//! Full exports: every item matching a filter, with its details, in one
//! stream.

use std::fmt;
use std::sync::{Arc, Mutex};

use futures::stream::{self, BoxStream, StreamExt};
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::bulk::IdSet;
use crate::bulk::batch::{BatchReader, Core, run_reads};
use crate::bulk::engine::{Options, Work};
use crate::bulk::paginate::{ChainSetup, Items, OnSettled, PageQuery, Paginator};
use crate::bulk::progress::{Progress, Tracker};
use crate::bulk::resume::{self, ChainStart, Ledger, ResumePoint, Shard};
use crate::bulk::shards::{self, MAX_CHAINS, OneChain, Plan, ShardSpec};
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
    matches!(filter, FilterArg::Checked(s) if s.trim().is_empty())
}

/// Every item matching a query, with its details: the ids of a paginated
/// query operation fed into the batches of a batched get operation.
/// Returned, configured with the defaults, by the export methods the
/// manifest's `exports:` key generates (`Client::export_assets`); its
/// [`items`](Self::items) starts it, as an [`Items`] stream of `Result<R>`.
///
/// The two are pipelined: details of the first ids are fetched while the
/// next id pages arrive, several detail requests at once (see
/// [Concurrency](Self#concurrency)). Only the id pages and the batches in
/// flight are held, so the memory used does not grow with the number of
/// results (apart from the ids seen, kept to drop repeats). An id whose
/// details are not found yields an [`Error::NotFound`] and a failed detail
/// request an [`Error::Batch`], and the export goes on; a chain's
/// pagination error ends that chain, after its ids.
///
/// # Id pages
///
/// The pages of one cursor chain come one after the other (each needs the
/// cursor of the one before), so at one round trip per page a chain brings
/// page size ÷ round trip ids a second: 667 for pages of 100 at 150 ms,
/// 66,667 for pages of 10,000. So unless [`page_size`](Self::page_size) is
/// set, the export starts with pages of 10,000 ids (or the size this client
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
/// # Cursor chains
///
/// When the manifest names a date field to shard by (`shard_by:`,
/// `first_seen` for assets), the export splits its query into disjoint
/// ranges of that field, planned from the API's own counts (an aggregate's
/// buckets), and reads their ids through several cursor chains at once:
/// as many as the id pages' share of the rate budget needs at the measured
/// round trip, at most [`max_chains`](Self::max_chains) (16). The last
/// range is open-ended, so an item first seen during the export is read
/// too, and items without the field have a chain of their own. Before
/// reading that way the export checks that the ranges' counts and the
/// items without the field add up to the query's total; when they do not,
/// or planning fails, it reads one chain and logs why at info level. A
/// filter that already names the field, one that does not parse, and a
/// query of fewer than 2,000 items are read as one chain (logged at debug
/// level). Each id comes out once: the ranges are disjoint, and ids are
/// deduplicated across chains as a guard. Planning costs four requests:
/// two aggregates and two counts.
///
/// # Repeated pages and the total
///
/// Ids that a page repeats from earlier ones are dropped (with a warning
/// in the log), and a chain goes on while the cursor advances; it stops
/// after three pages in a row that bring no new id. A cursor the API gave
/// before ends the chain with [`Error::Pagination`] naming the cursor,
/// after the ids before it.
///
/// When a chain's ids end, their number is checked against the last total
/// the API gave it (`meta.pagination.total`): if fewer distinct ids came,
/// the export's last item, after every asset, is [`Error::Incomplete`]
/// naming the expected and received counts (summed over the chains that
/// came short). The last total counts because the total may change while
/// an export runs (assets found or deleted meanwhile): a shortfall then may
/// mean deletions rather than missed ids, which the error says. A total
/// below the ids received (capped or approximate) is no shortfall; without
/// a total there is no check; a chain resumed from a saved point is not
/// checked (the ids of its first run are not counted).
///
/// # Concurrency
///
/// The detail requests in flight follow the client's adaptive in-flight
/// limit (the crate's rate control: what the account's budget allows this
/// client at the measured round trip, halved on overload), up to
/// [`concurrency`](Self::concurrency); [`Progress::concurrency`] reports
/// it. Batched reads and writes ([`BatchReader`],
/// [`BatchWriter`](crate::BatchWriter)) run on the same engine.
///
/// # Resuming
///
/// [`Items::resume_point`] gives the point that covers every item yielded
/// so far, and [`resume_from`](Self::resume_from) starts an export of the
/// same query there. For each chain the point holds its range and the
/// cursor of its first id page whose ids are not all accounted for (no
/// page whose ids were all yielded is read again), plus the ids of that
/// page and later ones already yielded, which a resumed export does not
/// fetch again; the resumed export reads the same ranges. An id counts as
/// yielded once the stream has returned its item, its
/// [`Error::NotFound`], or the [`Error::Batch`] naming it (retry those ids
/// yourself: they are not fetched again on resume). Ids whose detail
/// requests were in flight when the stream was dropped are fetched again.
/// So a job that saves the point after each item it has processed and
/// resumes from the last one saved processes each asset exactly once
/// across the runs.
#[must_use = "nothing is sent until `items()` is polled"]
pub struct Export<R> {
    ids: PageQuery<String>,
    details: Core<R>,
    shard_by: Option<ShardSpec>,
    options: Options,
    page_size: Option<u32>,
    max_chains: usize,
    resume: Option<ResumePoint>,
}

impl<R> fmt::Debug for Export<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Export")
            .field("operation", &self.ids.op.id)
            .field("concurrency", &self.options.concurrency)
            .field("ordered", &self.options.ordered)
            .field("page_size", &self.page_size)
            .field("max_chains", &self.max_chains)
            .field("resumed", &self.resume.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: DeserializeOwned + Send + 'static> Export<R> {
    /// An export of the ids of `ids` through the batched get `details`
    /// (whose own ids, if any, are ignored), its query split by
    /// `shard_by` when given. Generated export methods call this.
    pub(crate) fn new(
        ids: Paginator<String>,
        details: BatchReader<R>,
        shard_by: Option<ShardSpec>,
    ) -> Self {
        let (details, options) = details.into_parts();
        Export {
            ids: ids.into_query(),
            details,
            shard_by,
            options,
            page_size: None,
            max_chains: MAX_CHAINS,
            resume: None,
        }
    }

    /// Starts the export from `point`, saved by [`Items::resume_point`] of
    /// an export of the same query (or of the query's own paginated
    /// stream).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResumePoint`] when the point belongs to another
    /// operation or query, or is malformed.
    ///
    /// ```no_run
    /// # async fn f(client: falcon_exposure::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::StreamExt;
    ///
    /// let saved = std::fs::read_to_string("export.point").ok();
    /// let mut export = client.export_assets("");
    /// if let Some(saved) = saved {
    ///     export = export.resume_from(&serde_json::from_str(&saved)?)?;
    /// }
    /// let mut assets = export.items();
    /// while let Some(asset) = assets.next().await {
    ///     println!("{:?}", asset?.id);
    ///     std::fs::write("export.point", serde_json::to_string(&assets.resume_point())?)?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn resume_from(mut self, point: &ResumePoint) -> Result<Self> {
        let op = self.ids.op.id;
        point.check(op, &self.ids.fingerprint())?;
        if point.shards().is_some() && self.shard_by.is_none() {
            return Err(Error::InvalidResumePoint {
                operation: op,
                reason: "it was saved by an export read through shards, which this export has not"
                    .into(),
            });
        }
        self.resume = Some(point.clone());
        Ok(self)
    }

    /// Most detail requests in flight at once (at least 1): the cap of the
    /// adaptive in-flight limit (see [Concurrency](Self#concurrency)).
    /// Default: [`DEFAULT_MAX_CONCURRENCY`](crate::DEFAULT_MAX_CONCURRENCY).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.options.concurrency = n.max(1);
        self
    }

    /// Most cursor chains reading ids at once (at least 1; 1 reads the
    /// query as one chain, without planning). Default and most: 16. See
    /// [Cursor chains](Self#cursor-chains).
    pub fn max_chains(mut self, n: usize) -> Self {
        self.max_chains = n.clamp(1, MAX_CHAINS);
        self
    }

    /// Yields the items in the order of the query's ids (default: as the
    /// detail replies arrive). With several chains, the ids of the chains
    /// interleave as their pages arrive.
    pub fn keep_order(mut self, yes: bool) -> Self {
        self.options.ordered = yes;
        self
    }

    /// Ids per query page: exactly this many, failing if the API refuses
    /// it. Default: found (see [Id pages](Self#id-pages)).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n.max(1));
        self
    }

    /// Calls `f` after every request with the counts so far: ids found by
    /// the query pages, items fetched, ids failed, and the query's total.
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.options.callback = Some(Arc::new(f));
        self
    }

    /// Starts the export: a stream of every item, with its resume point.
    pub fn items(self) -> Items<R> {
        let ledger = Arc::new(Mutex::new(Ledger::new(
            self.ids.op.id,
            self.ids.fingerprint(),
        )));
        let tracker = Tracker::new(self.options.callback.clone());
        let size = self.details.spec.size;
        let key = self.details.key;
        let chains = Chains {
            query: self.ids,
            shard_by: self.shard_by,
            page_size: self.page_size,
            max_chains: self.max_chains,
            batch: size,
            tracker: tracker.clone(),
            ledger: ledger.clone(),
        };
        let ids = stream::once(chains.start(self.resume)).flatten();
        // Ids once across chains; the shortfalls of the chains are told
        // after every asset, so they are held back until the detail
        // requests in flight have all come back.
        let held: Arc<Mutex<Option<Error>>> = Arc::default();
        let hold = held.clone();
        let mut seen = IdSet::default();
        let repeats = ledger.clone();
        let ids = ids.filter_map(move |(chain, id)| {
            let out = match id {
                Ok(id) if seen.insert(id.clone()) => Some(Ok(id)),
                Ok(id) => {
                    // Another chain gave it: done in this one too.
                    resume::lock(&repeats).yielded_in(chain, &id);
                    None
                }
                Err(e @ Error::Incomplete { .. }) => {
                    let mut held = hold.lock().unwrap_or_else(|p| p.into_inner());
                    *held = Some(add_shortfall(held.take(), e));
                    None
                }
                Err(e) => Some(Err(e)),
            };
            futures::future::ready(out)
        });
        // Group the ids into batches as they arrive; an error passes on
        // after the ids before it.
        let work = ids.chunks(size).flat_map(|chunk| {
            let mut ok = Vec::with_capacity(chunk.len());
            let mut out = Vec::new();
            for id in chunk {
                match id {
                    Ok(id) => ok.push(id),
                    Err(e) => out.push(Work::Pass(Err(e))),
                }
            }
            out.insert(0, Work::Batch(ok));
            stream::iter(out)
        });
        let last =
            stream::once(async move { held.lock().unwrap_or_else(|p| p.into_inner()).take() })
                .filter_map(|e| async move { e.map(Err) });
        let record = ledger.clone();
        let stream = run_reads(self.details, work, &self.options, tracker)
            .inspect(move |item| {
                let mut ledger = resume::lock(&record);
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
            .boxed();
        Items::new(stream, ledger)
    }
}

/// Two chains' shortfalls as one: the expected and received counts summed.
fn add_shortfall(before: Option<Error>, e: Error) -> Error {
    match (before, e) {
        (
            Some(Error::Incomplete {
                expected: e1,
                received: r1,
                ..
            }),
            Error::Incomplete {
                operation,
                expected,
                received,
            },
        ) => Error::Incomplete {
            operation,
            expected: expected.saturating_add(e1),
            received: received.saturating_add(r1),
        },
        (_, e) => e,
    }
}

/// Whether the chains after the first may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// The first chain's page size is not settled yet.
    Waiting,
    /// They may: the first chain settled on this page size (`None`: it
    /// ended before).
    Open(Option<u32>),
    /// The first chain's query was refused: they are left unread.
    Closed,
}

/// Moves the gate from waiting to `to`; later moves change nothing.
fn decide(gate: &watch::Sender<Gate>, to: Gate) {
    gate.send_if_modified(|g| {
        let first = *g == Gate::Waiting;
        if first {
            *g = to;
        }
        first
    });
}

/// An id (or an error) and the index of the chain that read it.
type ChainId = (usize, Result<String>);

/// The cursor chains of one export, before they start.
struct Chains {
    query: PageQuery<String>,
    shard_by: Option<ShardSpec>,
    page_size: Option<u32>,
    max_chains: usize,
    /// Ids per detail request.
    batch: usize,
    tracker: Arc<Tracker>,
    ledger: Arc<Mutex<Ledger>>,
}

impl Chains {
    /// The ids of every chain, merged: from the chains of `resume`, else
    /// from the shards planned now, else from one chain.
    async fn start(self, resume: Option<ResumePoint>) -> BoxStream<'static, ChainId> {
        let this = Arc::new(self);
        if let Some(point) = resume.filter(|p| p.chains() > 0) {
            return this.resume(&point);
        }
        let plan = match (&this.shard_by, this.max_chains) {
            (Some(spec), n) if n > 1 => shards::plan(&this.query, spec).await,
            _ => Err(OneChain::quiet("one chain asked")),
        };
        match plan {
            Ok(plan) => this.planned(plan),
            Err(why) => {
                why.log(this.query.op.id);
                let start = resume::lock(&this.ledger).open(None, None);
                this.walk(None, start, None)
            }
        }
    }

    /// The chains of a resume point, each from where it stopped: the same
    /// ranges, without planning again.
    fn resume(&self, point: &ResumePoint) -> BoxStream<'static, ChainId> {
        let starts: Vec<(Option<Shard>, ChainStart)> = {
            let mut ledger = resume::lock(&self.ledger);
            match point.shards() {
                Some(shards) => shards
                    .into_iter()
                    .map(|s| (Some(s.clone()), ledger.open(Some(s), Some(point))))
                    .collect(),
                None => vec![(None, ledger.open(None, Some(point)))],
            }
        };
        let walks: Vec<_> = starts
            .into_iter()
            .map(|(s, start)| self.walk(s.as_ref(), start, None))
            .collect();
        stream::select_all(walks).boxed()
    }

    /// The chains of `plan`: its first shard at once, the others once the
    /// first has settled its page size.
    fn planned(self: Arc<Self>, plan: Plan) -> BoxStream<'static, ChainId> {
        self.tracker.set_total(plan.total());
        let (first, next) = plan.first();
        let (first_start, rest_start, missing) = {
            let mut ledger = resume::lock(&self.ledger);
            let first_start = ledger.open(Some(first.clone()), None);
            let rest_start = ledger.open(Some(plan.rest(next)), None);
            let missing = plan
                .missing()
                .map(|m| (m.clone(), ledger.open(Some(m), None)));
            (first_start, rest_start, missing)
        };
        // The first shard is read alone until the API has accepted a page
        // size for it: the number of chains follows from that size. A
        // refused query there leaves the others unread.
        let (gate, opened) = watch::channel(Gate::Waiting);
        let gate = Arc::new(gate);
        let (on_settled, on_error, at_end) = (gate.clone(), gate.clone(), gate);
        let settled: OnSettled = Box::new(move |page| decide(&on_settled, Gate::Open(Some(page))));
        let first_walk = self
            .walk(Some(&first), first_start, Some(settled))
            .map(move |(chain, id)| {
                if matches!(&id, Err(e) if !matches!(e, Error::Incomplete { .. })) {
                    decide(&on_error, Gate::Closed);
                }
                (chain, id)
            })
            // A first shard that ends before settling opens the gate too.
            .chain(
                stream::once(async move { decide(&at_end, Gate::Open(None)) })
                    .filter_map(|()| async { None::<ChainId> }),
            )
            .boxed();
        let later = self.clone().later(opened, plan, next, rest_start, missing);
        stream::select(first_walk, stream::once(later).flatten()).boxed()
    }

    /// The chains after the first, once `opened` says the first has
    /// settled its page size: the rest of the plan from bucket `next` cut
    /// into as many shards as the rate allows at that size, and the chain of
    /// the items without the field. None when the first was refused.
    async fn later(
        self: Arc<Self>,
        mut opened: watch::Receiver<Gate>,
        plan: Plan,
        next: usize,
        rest_start: ChainStart,
        missing: Option<(Shard, ChainStart)>,
    ) -> BoxStream<'static, ChainId> {
        let settled = match opened.wait_for(|g| *g != Gate::Waiting).await {
            Ok(g) => match *g {
                Gate::Open(page) => page,
                Gate::Waiting | Gate::Closed => return stream::empty().boxed(),
            },
            Err(_) => None,
        };
        let page = settled
            .or(self.page_size)
            .or_else(|| self.query.client.page_size_found(self.query.op.id))
            .unwrap_or(FIRST_ID_PAGE);
        let n = shards::chains(&self.query.client, page, self.batch, self.max_chains);
        let rest = plan.split(next, n.saturating_sub(1).max(1));
        tracing::debug!(
            operation = self.query.op.id,
            chains = rest.len() + 1 + usize::from(missing.is_some()),
            page,
            "reading the ids through several cursor chains"
        );
        let starts = resume::lock(&self.ledger).replace_unread(rest_start.index, rest.clone());
        let mut walks: Vec<_> = rest
            .iter()
            .zip(starts)
            .map(|(s, start)| self.walk(Some(s), start, None))
            .collect();
        if let Some((m, start)) = missing {
            walks.push(self.walk(Some(&m), start, None));
        }
        stream::select_all(walks).boxed()
    }

    /// The ids of one chain, reading `shard` (`None`: the whole query);
    /// `on_settled` is told its page size once the API accepted one.
    fn walk(
        &self,
        shard: Option<&Shard>,
        start: ChainStart,
        on_settled: Option<OnSettled>,
    ) -> BoxStream<'static, ChainId> {
        let query = match (shard, &self.shard_by) {
            (Some(s), Some(spec)) => self.query.with_filter(spec.filter, &s.filter(spec.field)),
            _ => self.query.clone(),
        };
        let size = query.page_size(self.page_size, Some(FIRST_ID_PAGE));
        let chain = start.index;
        query
            .walk(ChainSetup {
                size,
                tracker: self.tracker.clone(),
                ledger: self.ledger.clone(),
                start,
                // A shard's total is not the query's: the plan's total stands.
                report_total: shard.is_none(),
                on_settled,
            })
            .map(move |id| (chain, id))
            .boxed()
    }
}
