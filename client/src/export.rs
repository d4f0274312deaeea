//! Full exports: every item matching a filter, with its details, in one
//! stream.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::batch::{BatchReader, DEFAULT_CONCURRENCY, run_reads};
use crate::error::{Error, Result};
use crate::fql::FilterArg;
use crate::paginate::Paginator;
use crate::progress::{Callback, Progress, Tracker};

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
    config: Option<(Paginator<String>, BatchReader<R>)>,
    concurrency: usize,
    ordered: bool,
    page_size: Option<u32>,
    callback: Option<Callback>,
    running: Option<BoxStream<'static, Result<R>>>,
}

impl<R> fmt::Debug for Export<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Export")
            .field("concurrency", &self.concurrency)
            .field("ordered", &self.ordered)
            .field("page_size", &self.page_size)
            .field("started", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: DeserializeOwned + Send + 'static> Export<R> {
    /// An export of the ids of `ids` through the batched get `details`
    /// (whose own ids, if any, are ignored). Generated export methods call
    /// this.
    pub fn new(ids: Paginator<String>, details: BatchReader<R>) -> Self {
        Export {
            config: Some((ids, details)),
            concurrency: DEFAULT_CONCURRENCY,
            ordered: false,
            page_size: None,
            callback: None,
            running: None,
        }
    }

    /// Detail requests in flight at once (at least 1). Default:
    /// [`DEFAULT_CONCURRENCY`].
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Yields the items in the order of the query's ids (default: as the
    /// detail replies arrive).
    pub fn keep_order(mut self, yes: bool) -> Self {
        self.ordered = yes;
        self
    }

    /// Ids per query page. Default: the query's `page_size` in the manifest.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n.max(1));
        self
    }

    /// Calls `f` after every request with the counts so far: ids found by
    /// the query pages, items fetched, ids failed, and the query's total.
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.callback = Some(Arc::new(f));
        self
    }

    fn start(
        &mut self,
        ids: Paginator<String>,
        details: BatchReader<R>,
    ) -> BoxStream<'static, Result<R>> {
        let tracker = Tracker::new(self.callback.take());
        let Some((core, _)) = details.into_template() else {
            return futures::stream::empty().boxed();
        };
        let mut ids = ids.with_tracker(tracker.clone());
        if let Some(n) = self.page_size {
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
        run_reads(core, batches, self.concurrency, self.ordered, tracker)
    }
}

impl<R: DeserializeOwned + Send + 'static> Stream for Export<R> {
    type Item = Result<R>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some((ids, details)) = this.config.take() {
            let s = this.start(ids, details);
            this.running = Some(s);
        }
        match &mut this.running {
            Some(s) => s.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}
