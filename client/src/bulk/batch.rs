//! Batched requests: any number of ids, split into requests the API
//! accepts, sent a few at a time (as many as the stream's adaptive window
//! allows: see the `window` module).
//!
//! A keyword the manifest marks with `batch:` gives its operation's builder
//! an `items()` (read) or `send_all()` (write) method. For a read (`batch: {mode: read}`) it returns a
//! [`BatchReader`], a stream of the reply items; for a write (`batch: {mode:
//! write}`) a [`BatchWriter`], a stream of one [`WriteResult`] per id.
//!
//! ```no_run
//! # async fn f(client: falcon_exposure::Client, ids: Vec<String>) -> falcon_exposure::Result<()> {
//! use futures::StreamExt;
//!
//! // Any number of ids: requests of 100, at most four at a time, in input order.
//! let mut assets = client.get_assets().ids(ids.clone()).items().concurrency(4).keep_order(true);
//! while let Some(asset) = assets.next().await {
//!     match asset {
//!         Ok(asset) => println!("{:?}", asset.id),
//!         Err(falcon_exposure::Error::NotFound { id, .. }) => println!("{id}: gone"),
//!         Err(e) => return Err(e),
//!     }
//! }
//!
//! // A triage for every id, with an outcome per id.
//! let results: Vec<_> = client
//!     .update_assets()
//!     .action("acknowledge")
//!     .ids(ids)
//!     .send_all()
//!     .collect()
//!     .await;
//! let failed = results.iter().filter(|r| !r.is_applied()).count();
//! println!("{failed} not applied");
//! # Ok(()) }
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::bulk::lazy::Lazy;
use crate::bulk::paginate::KeyFn;
use crate::bulk::progress::{Callback, Progress, Tracker};
use crate::bulk::window::{DEFAULT_MAX_CONCURRENCY, Permit, Window};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::response::ApiError;
use crate::request::operation::Operation;
use crate::request::{RequestParts, place_at};

/// Where the batched values go in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchPlace {
    /// A repeated query parameter (`ids=a&ids=b`).
    Query(&'static str),
    /// A JSON array of strings in the body, at this path.
    // Part of what the generator may emit; today's manifest has none.
    #[allow(dead_code)]
    BodyList(&'static str),
    /// The field `field` of the elements of the body array at `array`: one
    /// element per value, each a copy of the element the other keywords
    /// built (`assets[].id`: `array` `assets`, `field` `id`).
    BodyElement {
        /// Path of the array in the body.
        array: &'static str,
        /// Path of the value inside one element.
        field: &'static str,
    },
}

/// A batched keyword, as the manifest's `batch:` key describes it.
/// Generated code passes it to [`BatchReader`] and [`BatchWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchSpec {
    /// Where the values go.
    pub(crate) place: BatchPlace,
    /// Most values per request (the keyword's `max_items`).
    pub(crate) size: usize,
}

/// What every batch of one stream shares.
pub(crate) struct Core<R> {
    pub(crate) client: Client,
    op: &'static Operation,
    pub(crate) spec: BatchSpec,
    /// The request without the batched values.
    parts: RequestParts,
    /// For [`BatchPlace::BodyElement`]: the element the other keywords built.
    element: Value,
    pub(crate) key: Option<KeyFn<R>>,
}

impl<R> Clone for Core<R> {
    fn clone(&self) -> Self {
        Core {
            client: self.client.clone(),
            op: self.op,
            spec: self.spec,
            parts: self.parts.clone(),
            element: self.element.clone(),
            key: self.key,
        }
    }
}

fn push_unique(out: &mut Vec<String>, seen: &mut HashSet<String>, v: &str) {
    let v = v.trim();
    if !v.is_empty() && seen.insert(v.to_owned()) {
        out.push(v.to_owned());
    }
}

impl<R: DeserializeOwned + Send + 'static> Core<R> {
    /// Takes the batched values out of `parts`: what remains is the
    /// template of every request. Values are trimmed, empty ones dropped
    /// and repeats sent once.
    fn new(
        client: Client,
        op: &'static Operation,
        spec: BatchSpec,
        mut parts: RequestParts,
        key: Option<KeyFn<R>>,
    ) -> (Self, Vec<String>) {
        let mut values = Vec::new();
        let mut seen = HashSet::new();
        let mut element = Value::Null;
        match spec.place {
            BatchPlace::Query(name) => {
                let (taken, kept) = std::mem::take(&mut parts.query)
                    .into_iter()
                    .partition::<Vec<_>, _>(|(n, _)| n == name);
                parts.query = kept;
                for (_, v) in taken {
                    for one in v.split(',') {
                        push_unique(&mut values, &mut seen, one);
                    }
                }
            }
            BatchPlace::BodyList(path) => {
                if let Some(Value::Array(items)) = parts.take_body_field(path) {
                    for item in items {
                        if let Value::String(s) = item {
                            push_unique(&mut values, &mut seen, &s);
                        }
                    }
                }
            }
            BatchPlace::BodyElement { array, field } => {
                if let Some(Value::Array(mut items)) = parts.take_body_field(array) {
                    if !items.is_empty() {
                        element = items.swap_remove(0);
                    }
                }
                let mut probe = RequestParts {
                    body: Some(element.clone()),
                    ..RequestParts::default()
                };
                if let Some(Value::String(s)) = probe.take_body_field(field) {
                    push_unique(&mut values, &mut seen, &s);
                }
            }
        }
        for v in std::mem::take(&mut parts.bulk_values) {
            push_unique(&mut values, &mut seen, &v);
        }
        let core = Core {
            client,
            op,
            spec,
            parts,
            element,
            key,
        };
        (core, values)
    }

    /// The request of one batch.
    fn request(&self, ids: &[String]) -> RequestParts {
        let mut parts = self.parts.clone();
        match self.spec.place {
            BatchPlace::Query(name) => {
                for id in ids {
                    parts.push_query(name, id.clone());
                }
            }
            BatchPlace::BodyList(path) => {
                let list = ids.iter().cloned().map(Value::String).collect();
                parts.set_body_field(path, Value::Array(list));
            }
            BatchPlace::BodyElement { array, field } => {
                let mut elements = Vec::with_capacity(ids.len());
                for id in ids {
                    let mut e = self.element.clone();
                    if let Err(at) = place_at(&mut e, field, Value::String(id.clone())) {
                        parts.invalid = Some(format!(
                            "cannot place a batched value at `{field}` of `{array}`: non-object value at `{at}`"
                        ));
                    }
                    elements.push(e);
                }
                parts.set_body_field(array, Value::Array(elements));
            }
        }
        parts
    }

    /// Fetches one batch of a read, holding `permit` while the request
    /// runs; the items, then an error per id that did not come back.
    async fn read(
        self,
        ids: Vec<String>,
        ordered: bool,
        tracker: Arc<Tracker>,
        permit: Permit,
    ) -> Vec<Result<R>> {
        let op = self.op;
        let reply = self.client.execute::<R>(op, self.request(&ids)).await;
        drop(permit);
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                tracker.add(0, 0, ids.len() as u64, None);
                return vec![Err(Error::Batch {
                    operation: op.id,
                    ids,
                    source: Arc::new(e),
                })];
            }
        };
        let mut errors = reply.errors;
        let position: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut found = vec![false; ids.len()];
        let mut out: Vec<(usize, Result<R>)> = Vec::with_capacity(reply.resources.len());
        for item in reply.resources {
            let at = self
                .key
                .and_then(|k| k(&item))
                .and_then(|k| position.get(k).copied());
            if let Some(i) = at {
                if std::mem::replace(&mut found[i], true) {
                    continue; // the same id twice in one reply
                }
            }
            out.push((at.unwrap_or(usize::MAX), Ok(item)));
        }
        let fetched = out.len() as u64;
        let mut missing = 0u64;
        for (i, id) in ids.iter().enumerate() {
            let errored = errors.iter().position(|e| e.id.as_deref() == Some(id));
            // Without a key, only the ids the API names as errors are known missing.
            if found[i] || (self.key.is_none() && errored.is_none()) {
                continue;
            }
            missing += 1;
            out.push((
                i,
                Err(Error::NotFound {
                    operation: op.id,
                    id: id.clone(),
                    error: errored.map(|j| errors.swap_remove(j)),
                }),
            ));
        }
        if ordered {
            out.sort_by_key(|(i, _)| *i);
        }
        tracker.add(0, fetched, missing, None);
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// Sends one batch of a write, once, holding `permit` while the
    /// request runs; an outcome per id.
    async fn write(
        self,
        ids: Vec<String>,
        tracker: Arc<Tracker>,
        permit: Permit,
    ) -> Vec<WriteResult<R>> {
        let mut parts = self.request(&ids);
        parts.at_most_once = true;
        let reply = self.client.execute::<R>(self.op, parts).await;
        drop(permit);
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                tracker.add(0, 0, ids.len() as u64, None);
                let may_have_applied = e.may_have_applied();
                let error = Arc::new(e);
                return ids
                    .into_iter()
                    .map(|id| WriteResult {
                        id,
                        outcome: WriteOutcome::Failed {
                            error: error.clone(),
                            may_have_applied,
                        },
                    })
                    .collect();
            }
        };
        let mut by_key: HashMap<String, R> = HashMap::new();
        if let Some(key) = self.key {
            for item in reply.resources {
                if let Some(k) = key(&item) {
                    by_key.insert(k.to_owned(), item);
                }
            }
        }
        let general = reply.errors.iter().find(|e| e.id.is_none()).cloned();
        let (mut applied, mut refused) = (0, 0);
        let out = ids
            .into_iter()
            .map(|id| {
                let outcome = if let Some(e) = reply
                    .errors
                    .iter()
                    .find(|e| e.id.as_deref() == Some(id.as_str()))
                {
                    WriteOutcome::Rejected(e.clone())
                } else if let Some(item) = by_key.remove(&id) {
                    WriteOutcome::Applied(Some(item))
                } else if let Some(e) = &general {
                    WriteOutcome::Rejected(e.clone())
                } else {
                    WriteOutcome::Applied(None)
                };
                match outcome {
                    WriteOutcome::Applied(_) => applied += 1,
                    _ => refused += 1,
                }
                WriteResult { id, outcome }
            })
            .collect();
        tracker.add(0, applied, refused, None);
        out
    }
}

/// Splits `values` into groups of `size`.
fn chunks(values: Vec<String>, size: usize) -> Vec<Vec<String>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(values.len().div_ceil(size));
    let mut it = values.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(size).collect());
    }
    out
}

/// Options every batch stream shares.
pub(crate) struct Options {
    /// The cap of the adaptive window.
    pub(crate) concurrency: usize,
    pub(crate) ordered: bool,
    pub(crate) callback: Option<Callback>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: DEFAULT_MAX_CONCURRENCY,
            ordered: false,
            callback: None,
        }
    }
}

/// A batched request before it starts: the template, the ids and the
/// options.
pub(crate) struct Batch<R> {
    core: Core<R>,
    values: Vec<String>,
    options: Options,
}

impl<R: DeserializeOwned + Send + 'static> Batch<R> {
    /// A batched request of `op`: the values of the batched keyword are
    /// taken out of `parts`, the rest is sent with every batch.
    fn new(
        client: Client,
        op: &'static Operation,
        spec: BatchSpec,
        parts: RequestParts,
        key: Option<KeyFn<R>>,
    ) -> Self {
        let (core, values) = Core::new(client, op, spec, parts, key);
        Batch {
            core,
            values,
            options: Options::default(),
        }
    }

    /// The batches of the values, and a tracker counting them.
    fn split(self) -> (Core<R>, Vec<Vec<String>>, Options, Arc<Tracker>) {
        let tracker = Tracker::new(self.options.callback.clone());
        tracker.set_total(self.values.len() as u64);
        let batches = chunks(self.values, self.core.spec.size);
        (self.core, batches, self.options, tracker)
    }

    fn read(self) -> BoxStream<'static, Result<R>> {
        let (core, batches, options, tracker) = self.split();
        let batches = stream::iter(batches).map(Ok);
        run_reads(core, batches, options.concurrency, options.ordered, tracker)
    }

    fn write(self) -> BoxStream<'static, WriteResult<R>> {
        let (core, batches, options, tracker) = self.split();
        let window = Window::new(core.client.clone(), options.concurrency, tracker.clone());
        let writes = stream::iter(batches).map(move |ids| {
            let (core, tracker, window) = (core.clone(), tracker.clone(), window.clone());
            async move {
                let permit = window.acquire().await;
                core.write(ids, tracker, permit).await
            }
        });
        if options.ordered {
            writes
                .buffered(options.concurrency)
                .flat_map(stream::iter)
                .boxed()
        } else {
            writes
                .buffer_unordered(options.concurrency)
                .flat_map(stream::iter)
                .boxed()
        }
    }
}

/// The `Debug` output of a batched stream.
fn debug_batch<R>(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    inner: &Lazy<Batch<R>, impl Sized>,
) -> fmt::Result {
    let mut d = f.debug_struct(name);
    if let Some(b) = inner.config() {
        d.field("operation", &b.core.op.id)
            .field("spec", &b.core.spec)
            .field("ids", &b.values.len())
            .field("concurrency", &b.options.concurrency)
            .field("ordered", &b.options.ordered);
    }
    d.field("started", &inner.is_started())
        .finish_non_exhaustive()
}

/// The items of a batched read of any number of ids, as a
/// [`futures::Stream`] of `Result<R>`. Returned by the `items()` method of
/// the builder of an operation with a batched read keyword; configure it
/// before polling it.
///
/// The ids are split into requests of at most the keyword's `max_items`,
/// as many in flight at once as the account's rate budget and the measured
/// round trip call for, up to [`concurrency`](Self::concurrency) (see
/// [`Export`](crate::Export#concurrency)). Repeated ids are asked for
/// once. Each id that does not come back yields an [`Error::NotFound`]; a
/// request that fails yields one [`Error::Batch`] naming its ids, and the
/// stream goes on with the other batches.
#[must_use = "streams do nothing unless polled"]
pub struct BatchReader<R> {
    inner: Lazy<Batch<R>, Result<R>>,
}

/// One [`WriteResult`] per id of a batched write of any number of ids, as a
/// [`futures::Stream`]. Returned by the `send_all()` method of the builder
/// of an operation with a batched write keyword; configure it before
/// polling it.
///
/// The ids are split into requests of at most the keyword's `max_items`,
/// as many in flight at once as the account's rate budget and the measured
/// round trip call for, up to [`concurrency`](Self::concurrency) (see
/// [`Export`](crate::Export#concurrency)). Repeated ids are sent once.
/// Each request is sent at most once past the point where it may have
/// reached the API: a 429, a refused token or a connection that never
/// opened is retried, a server error or a lost connection is not, so no id
/// is written twice.
#[must_use = "streams do nothing unless polled"]
pub struct BatchWriter<R> {
    inner: Lazy<Batch<R>, WriteResult<R>>,
}

/// The options both batched streams share.
macro_rules! batch_options {
    ($name:ident, $start:ident, $item:ty) => {
        impl<R: DeserializeOwned + Send + 'static> $name<R> {
            /// A batched request of `op`: the values of the batched keyword
            /// are taken out of `parts`, the rest is sent with every batch.
            /// Generated builders call this.
            pub(crate) fn new(
                client: Client,
                op: &'static Operation,
                spec: BatchSpec,
                parts: RequestParts,
                key: Option<KeyFn<R>>,
            ) -> Self {
                let batch = Batch::new(client, op, spec, parts, key);
                $name {
                    inner: Lazy::new(batch, Batch::$start),
                }
            }

            /// Most requests in flight at once (at least 1): the cap of
            /// the adaptive window, which [`Progress::concurrency`]
            /// reports. Default: [`DEFAULT_MAX_CONCURRENCY`].
            pub fn concurrency(mut self, n: usize) -> Self {
                self.inner.configure(|b| b.options.concurrency = n.max(1));
                self
            }

            /// Yields the items in the order of the ids given (default: as
            /// the replies arrive). A read's [`Error::NotFound`] for an id
            /// comes in its place.
            pub fn keep_order(mut self, yes: bool) -> Self {
                self.inner.configure(|b| b.options.ordered = yes);
                self
            }

            /// Calls `f` after every request with the counts so far (for a
            /// write, [`Progress::fetched`] counts applied ids).
            pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
                self.inner
                    .configure(|b| b.options.callback = Some(Arc::new(f)));
                self
            }

            /// How many distinct ids will be sent (0 once the stream has
            /// started).
            pub fn len(&self) -> usize {
                self.inner.config().map_or(0, |b| b.values.len())
            }

            /// Whether there are no ids to send.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }

        impl<R> fmt::Debug for $name<R> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                debug_batch(f, stringify!($name), &self.inner)
            }
        }

        impl<R: DeserializeOwned + Send + 'static> Stream for $name<R> {
            type Item = $item;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                self.get_mut().inner.poll_next_unpin(cx)
            }
        }
    };
}

batch_options!(BatchReader, read, Result<R>);
batch_options!(BatchWriter, write, WriteResult<R>);

impl<R> BatchReader<R> {
    /// The template and options, for an export.
    pub(crate) fn into_template(self) -> Option<(Core<R>, Options)> {
        self.inner.into_config().map(|b| (b.core, b.options))
    }
}

/// Fetches the batches of `batches` (an upstream error passes through),
/// at most `concurrency` at once, as many as the adaptive window allows.
pub(crate) fn run_reads<R: DeserializeOwned + Send + 'static>(
    core: Core<R>,
    batches: impl Stream<Item = Result<Vec<String>>> + Send + 'static,
    concurrency: usize,
    ordered: bool,
    tracker: Arc<Tracker>,
) -> BoxStream<'static, Result<R>> {
    let window = Window::new(core.client.clone(), concurrency, tracker.clone());
    let fetches = batches.map(move |batch| {
        let (core, tracker, window) = (core.clone(), tracker.clone(), window.clone());
        async move {
            match batch {
                Ok(ids) if ids.is_empty() => Vec::new(),
                Ok(ids) => {
                    let permit = window.acquire().await;
                    core.read(ids, ordered, tracker, permit).await
                }
                Err(e) => vec![Err(e)],
            }
        }
    });
    if ordered {
        fetches.buffered(concurrency).flat_map(stream::iter).boxed()
    } else {
        fetches
            .buffer_unordered(concurrency)
            .flat_map(stream::iter)
            .boxed()
    }
}

/// The outcome of one id of a batched write.
#[derive(Debug, Clone)]
pub struct WriteResult<R> {
    /// The id.
    pub id: String,
    /// What happened to it.
    pub outcome: WriteOutcome<R>,
}

impl<R> WriteResult<R> {
    /// Whether the API applied the write to this id.
    pub fn is_applied(&self) -> bool {
        matches!(self.outcome, WriteOutcome::Applied(_))
    }
}

/// What happened to one id of a batched write.
#[derive(Debug, Clone)]
pub enum WriteOutcome<R> {
    /// The API applied it; the reply's item for this id, when it sent one.
    Applied(Option<R>),
    /// The API refused it: the reply's error for this id (e.g. not found).
    Rejected(ApiError),
    /// The request of its batch failed. The request is never sent a second
    /// time; `may_have_applied` says whether it may have reached the API
    /// (a server error, a lost connection), in which case the write may or
    /// may not have been applied: check before sending it again.
    Failed {
        /// Why the request failed (shared by every id of the batch).
        error: Arc<Error>,
        /// Whether the request may have reached the API.
        may_have_applied: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_evenly_with_a_short_tail() {
        let v: Vec<String> = (0..250).map(|i| i.to_string()).collect();
        let c = chunks(v, 100);
        assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        assert!(chunks(Vec::new(), 100).is_empty());
    }
}
