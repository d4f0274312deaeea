//! Full exports: every item matching a filter, with its details, in one
//! stream.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::bulk::batch::{BatchReader, DEFAULT_CONCURRENCY, run_reads};
use crate::bulk::lazy::Lazy;
use crate::bulk::paginate::Paginator;
use crate::bulk::progress::{Callback, Progress, Tracker};
use crate::error::{Error, Result};
use crate::fql::FilterArg;

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
/// next id pages arrive, [`concurrency`](Self::concurrency) detail requests
/// at once. Only a page of ids and the batches in flight are held, so the
/// memory used does not grow with the number of results (apart from the
/// ids seen, kept to drop repeats). A pagination error ends the stream; an
/// id whose details are not found yields an [`Error::NotFound`] and a
/// failed detail request an [`Error::Batch`], and the export goes on.
#[must_use = "streams do nothing unless polled"]
pub struct Export<R> {
    inner: Lazy<ExportConfig<R>, Result<R>>,
}

/// An export before it starts.
struct ExportConfig<R> {
    ids: Paginator<String>,
    details: BatchReader<R>,
    concurrency: usize,
    ordered: bool,
    page_size: Option<u32>,
    callback: Option<Callback>,
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
        let config = ExportConfig {
            ids,
            details,
            concurrency: DEFAULT_CONCURRENCY,
            ordered: false,
            page_size: None,
            callback: None,
        };
        Export {
            inner: Lazy::new(config, Self::start),
        }
    }

    /// Detail requests in flight at once (at least 1). Default:
    /// [`DEFAULT_CONCURRENCY`].
    pub fn concurrency(mut self, n: usize) -> Self {
        if let Some(c) = self.inner.config_mut() {
            c.concurrency = n.max(1);
        }
        self
    }

    /// Yields the items in the order of the query's ids (default: as the
    /// detail replies arrive).
    pub fn keep_order(mut self, yes: bool) -> Self {
        if let Some(c) = self.inner.config_mut() {
            c.ordered = yes;
        }
        self
    }

    /// Ids per query page. Default: the query's `page_size` in the manifest.
    pub fn page_size(mut self, n: u32) -> Self {
        if let Some(c) = self.inner.config_mut() {
            c.page_size = Some(n.max(1));
        }
        self
    }

    /// Calls `f` after every request with the counts so far: ids found by
    /// the query pages, items fetched, ids failed, and the query's total.
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        if let Some(c) = self.inner.config_mut() {
            c.callback = Some(Arc::new(f));
        }
        self
    }

    fn start(c: ExportConfig<R>) -> BoxStream<'static, Result<R>> {
        let tracker = Tracker::new(c.callback);
        let Some((core, _)) = c.details.into_template() else {
            return futures::stream::empty().boxed();
        };
        let mut ids = c.ids.with_tracker(tracker.clone());
        if let Some(n) = c.page_size {
            ids = ids.page_size(n);
        }
        let size = core.spec.size;
        // Group the ids into batches as they arrive; a pagination error
        // ends the ids and is passed on after the ids before it.
        let batches = ids.chunks(size).flat_map(|chunk| {
            let mut ok = Vec::with_capacity(chunk.len());
            let mut failed: Option<Error> = None;
            for id in chunk {
                match id {
                    Ok(id) => ok.push(id),
                    Err(e) => failed = Some(e),
                }
            }
            let mut out = vec![Ok(ok)];
            if let Some(e) = failed {
                out.push(Err(e));
            }
            futures::stream::iter(out)
        });
        run_reads(core, batches, c.concurrency, c.ordered, tracker)
    }
}

impl<R: DeserializeOwned + Send + 'static> Stream for Export<R> {
    type Item = Result<R>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_next_unpin(cx)
    }
}
