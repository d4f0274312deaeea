//! Counts of a bulk operation, for progress bars.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a stream of pages, batches or an export stands. Every count is
/// from the start of the stream. Read through its methods, so that a count
/// can be added without breaking anyone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    ids_found: u64,
    fetched: u64,
    failed: u64,
    total: Option<u64>,
    requests: u64,
    concurrency: u64,
}

impl Progress {
    /// Ids (or items) the query pages have returned so far.
    pub fn ids_found(&self) -> u64 {
        self.ids_found
    }

    /// Items a batch has returned (reads) or ids a batch has applied (writes).
    pub fn fetched(&self) -> u64 {
        self.fetched
    }

    /// Ids reported not found, refused, or lost in a failed request.
    pub fn failed(&self) -> u64 {
        self.failed
    }

    /// How many there are in all: the query's `meta.pagination.total`, or
    /// the number of ids given to a batch. `None` until known.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Requests that got a reply.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Requests the stream allows in flight now: the adaptive in-flight
    /// limit of a batched read or write, or of an export's detail requests
    /// (whose id pages, one per cursor chain, come on top); 1 for a
    /// paginator, whose pages follow one another. See
    /// [`DEFAULT_MAX_CONCURRENCY`](crate::DEFAULT_MAX_CONCURRENCY).
    pub fn concurrency(&self) -> u64 {
        self.concurrency
    }

    /// Items done (fetched or failed), out of [`Progress::total`].
    pub fn done(&self) -> u64 {
        self.fetched + self.failed
    }
}

/// The callback a stream reports its [`Progress`] to.
pub(crate) type Callback = Arc<dyn Fn(Progress) + Send + Sync>;

/// Shared counters of one stream and the callback they are reported to.
#[derive(Default)]
pub(crate) struct Tracker {
    ids_found: AtomicU64,
    fetched: AtomicU64,
    failed: AtomicU64,
    /// `u64::MAX`: not known yet.
    total: AtomicU64,
    requests: AtomicU64,
    concurrency: AtomicU64,
    callback: Option<Callback>,
}

impl fmt::Debug for Tracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracker")
            .field("progress", &self.snapshot())
            .field("callback", &self.callback.is_some())
            .finish()
    }
}

impl Tracker {
    pub(crate) fn new(callback: Option<Callback>) -> Arc<Self> {
        Arc::new(Tracker {
            total: AtomicU64::new(u64::MAX),
            concurrency: AtomicU64::new(1),
            callback,
            ..Tracker::default()
        })
    }

    pub(crate) fn snapshot(&self) -> Progress {
        let total = self.total.load(Ordering::Relaxed);
        Progress {
            ids_found: self.ids_found.load(Ordering::Relaxed),
            fetched: self.fetched.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            total: (total != u64::MAX).then_some(total),
            requests: self.requests.load(Ordering::Relaxed),
            concurrency: self.concurrency.load(Ordering::Relaxed),
        }
    }

    /// Adds to the counters and reports the new figures.
    pub(crate) fn add(&self, ids_found: u64, fetched: u64, failed: u64, total: Option<u64>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.ids_found.fetch_add(ids_found, Ordering::Relaxed);
        self.fetched.fetch_add(fetched, Ordering::Relaxed);
        self.failed.fetch_add(failed, Ordering::Relaxed);
        if let Some(t) = total {
            self.total.store(t, Ordering::Relaxed);
        }
        if let Some(cb) = &self.callback {
            cb(self.snapshot());
        }
    }

    /// Sets the total without counting a request.
    pub(crate) fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// Sets the requests allowed in flight, reported with the next request.
    pub(crate) fn set_concurrency(&self, n: u64) {
        self.concurrency.store(n, Ordering::Relaxed);
    }
}
