//! Batched requests: any number of ids, split into requests the API
//! accepts, sent on the bulk engine (`bulk::engine`): a few at a time, as
//! many as the adaptive in-flight limit allows.
//!
//! A keyword the manifest marks with `batch:` gives its operation's builder
//! a `batch()` method: for a read (`batch: {mode: read}`) it returns a
//! [`BatchReader`], whose `items()` is a stream of the reply items; for a
//! write (`batch: {mode: write}`) a [`BatchWriter`], whose `send_all()` is a
//! stream of one [`WriteResult`] per id. The builder's own `items()` or
//! `send_all()` does the same with the default options.
//!
//! ```no_run
//! # async fn f(client: falcon_exposure::Client, ids: Vec<String>) -> falcon_exposure::Result<()> {
//! use futures::StreamExt;
//!
//! // Any number of ids: requests of 100, at most four at a time, in input order.
//! let mut assets = client
//!     .get_assets()
//!     .ids(ids.clone())
//!     .batch()
//!     .concurrency(4)
//!     .keep_order(true)
//!     .items();
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

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::bulk::IdSet;
use crate::bulk::engine::{self, Matched, Options, Work, match_reply};
use crate::bulk::paginate::KeyFn;
use crate::bulk::progress::{Progress, Tracker};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::response::ApiError;
use crate::rate::Permit;
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

fn push_unique(out: &mut Vec<String>, seen: &mut IdSet, v: &str) {
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
        let mut seen = IdSet::default();
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
        parts.expected_items = ids.len();
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

    /// Sends one batch, holding `permit` while the request runs (a write
    /// at most once past the point where it may have reached the API), and
    /// matches the reply to the ids, each outcome through `into` (see
    /// [`match_reply`]); `Err` when the request failed.
    async fn send<T>(
        &self,
        ids: &[String],
        permit: Permit,
        at_most_once: bool,
        into: impl FnMut(Matched<R>) -> Option<T>,
    ) -> Result<Vec<T>> {
        let mut parts = self.request(ids);
        parts.at_most_once = at_most_once;
        let reply = self.client.execute::<R>(self.op, parts).await;
        drop(permit);
        let reply = reply?;
        Ok(match_reply(
            ids,
            reply.resources,
            reply.errors,
            self.key,
            into,
        ))
    }

    /// One batch of a read: the items, then an error per id that did not
    /// come back (in the order of the ids when `ordered`).
    async fn read(
        self,
        ids: Vec<String>,
        permit: Permit,
        ordered: bool,
        tracker: Arc<Tracker>,
    ) -> Vec<Result<R>> {
        let op = self.op;
        let (mut fetched, mut missing) = (0, 0);
        let not_found = |i: usize, error| Error::NotFound {
            operation: op.id,
            id: ids[i].clone(),
            error,
        };
        let mut result = |m: Matched<R>| {
            let result = match m {
                Matched::Item(_, item) | Matched::Extra(item) => Ok(item),
                Matched::Refused(i, e) => Err(not_found(i, Some(e))),
                Matched::Absent(i) => Err(not_found(i, None)),
                Matched::Unknown(_) => return None,
            };
            match result {
                Ok(_) => fetched += 1,
                Err(_) => missing += 1,
            }
            Some(result)
        };
        // Unordered, each item is moved once, from the reply into the list
        // of results (an asset is about 1.7 KB); ordered, once more.
        let results = if ordered {
            self.send(&ids, permit, false, Some).await.map(|mut m| {
                m.sort_by_key(Matched::index);
                m.into_iter().filter_map(&mut result).collect()
            })
        } else {
            self.send(&ids, permit, false, &mut result).await
        };
        match results {
            Ok(results) => {
                tracker.add(0, fetched, missing, None);
                results
            }
            Err(e) => {
                tracker.add(0, 0, ids.len() as u64, None);
                vec![Err(Error::Batch {
                    operation: op.id,
                    ids,
                    source: Arc::new(e),
                })]
            }
        }
    }

    /// One batch of a write, sent once: an outcome per id, in their order.
    async fn write(
        self,
        ids: Vec<String>,
        permit: Permit,
        tracker: Arc<Tracker>,
    ) -> Vec<WriteResult<R>> {
        let matched = match self.send(&ids, permit, true, Some).await {
            Ok(m) => m,
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
        let mut outcomes: Vec<Option<WriteOutcome<R>>> = ids.iter().map(|_| None).collect();
        for m in matched {
            let (i, outcome) = match m {
                Matched::Item(i, item) => (i, WriteOutcome::Applied(Some(item))),
                Matched::Refused(i, e) => (i, WriteOutcome::Rejected(e)),
                Matched::Absent(i) | Matched::Unknown(i) => (i, WriteOutcome::Applied(None)),
                Matched::Extra(_) => continue,
            };
            outcomes[i] = Some(outcome);
        }
        let (mut applied, mut refused) = (0, 0);
        let out = ids
            .into_iter()
            .zip(outcomes)
            .map(|(id, outcome)| {
                let outcome = outcome.unwrap_or(WriteOutcome::Applied(None));
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

/// Reads the batches of `batches` (what the engine passes through comes
/// out in its place) on the engine.
pub(crate) fn run_reads<R: DeserializeOwned + Send + 'static>(
    core: Core<R>,
    batches: impl Stream<Item = Work<Result<R>>> + Send + 'static,
    options: &Options,
    tracker: Arc<Tracker>,
) -> BoxStream<'static, Result<R>> {
    let client = core.client.clone();
    let ordered = options.ordered;
    let t = tracker.clone();
    engine::run(&client, options, tracker, batches, move |ids, permit| {
        core.clone().read(ids, permit, ordered, t.clone())
    })
}

/// The configuration of a batched read or write of any number of ids.
struct Batch<R> {
    core: Core<R>,
    values: Vec<String>,
    options: Options,
}

impl<R: DeserializeOwned + Send + 'static> Batch<R> {
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

    /// The batches to send, and a tracker counting them.
    fn split(
        self,
    ) -> (
        Core<R>,
        impl Stream<Item = Vec<String>> + Send + 'static,
        Options,
        Arc<Tracker>,
    ) {
        let tracker = Tracker::new(self.options.callback.clone());
        tracker.set_total(self.values.len() as u64);
        let batches = chunks(self.values, self.core.spec.size);
        (self.core, stream::iter(batches), self.options, tracker)
    }
}

impl<R> Batch<R> {
    fn debug(&self, f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
        f.debug_struct(name)
            .field("operation", &self.core.op.id)
            .field("spec", &self.core.spec)
            .field("ids", &self.values.len())
            .field("concurrency", &self.options.concurrency)
            .field("ordered", &self.options.ordered)
            .finish_non_exhaustive()
    }
}

/// A batched read of any number of ids, configured: its
/// [`items`](Self::items) sends it. Returned by the `batch()` method of the
/// builder of an operation with a batched read keyword (whose own
/// `items()` sends it with the defaults).
///
/// The ids are split into requests of at most the keyword's `max_items`,
/// as many in flight at once as the account's rate budget and the measured
/// round trip call for, up to [`concurrency`](Self::concurrency) (see
/// [`Export`](crate::Export#concurrency)). Repeated ids are asked for
/// once. Each id that does not come back yields an [`Error::NotFound`]; a
/// request that fails yields one [`Error::Batch`] naming its ids, and the
/// stream goes on with the other batches.
#[must_use = "nothing is sent until `items()` is polled"]
pub struct BatchReader<R> {
    batch: Batch<R>,
}

/// A batched write of any number of ids, configured: its
/// [`send_all`](Self::send_all) sends it. Returned by the `batch()` method
/// of the builder of an operation with a batched write keyword (whose own
/// `send_all()` sends it with the defaults).
///
/// The ids are split into requests of at most the keyword's `max_items`,
/// as many in flight at once as the account's rate budget and the measured
/// round trip call for, up to [`concurrency`](Self::concurrency) (see
/// [`Export`](crate::Export#concurrency)). Repeated ids are sent once.
/// Each request is sent at most once past the point where it may have
/// reached the API: a 429, a refused token or a connection that never
/// opened is retried, a server error or a lost connection is not, so no id
/// is written twice.
#[must_use = "nothing is sent until `send_all()` is polled"]
pub struct BatchWriter<R> {
    batch: Batch<R>,
}

/// The options both batched builders share.
macro_rules! batch_options {
    ($name:ident) => {
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
                $name {
                    batch: Batch::new(client, op, spec, parts, key),
                }
            }

            /// Most requests in flight at once (at least 1): the cap of
            /// the adaptive in-flight limit, which [`Progress::concurrency`]
            /// reports. Default: [`DEFAULT_MAX_CONCURRENCY`](crate::DEFAULT_MAX_CONCURRENCY).
            pub fn concurrency(mut self, n: usize) -> Self {
                self.batch.options.concurrency = n.max(1);
                self
            }

            /// Yields the results in the order of the ids given (default:
            /// as the replies arrive). A read's [`Error::NotFound`] for an
            /// id comes in its place.
            pub fn keep_order(mut self, yes: bool) -> Self {
                self.batch.options.ordered = yes;
                self
            }

            /// Calls `f` after every request with the counts so far (for a
            /// write, [`Progress::fetched`] counts applied ids).
            pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
                self.batch.options.callback = Some(Arc::new(f));
                self
            }

            /// How many distinct ids will be sent.
            pub fn len(&self) -> usize {
                self.batch.values.len()
            }

            /// Whether there are no ids to send.
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }

        impl<R> fmt::Debug for $name<R> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.batch.debug(f, stringify!($name))
            }
        }
    };
}

batch_options!(BatchReader);
batch_options!(BatchWriter);

impl<R: DeserializeOwned + Send + 'static> BatchReader<R> {
    /// Sends the batches: a stream of the items, then of an error per id
    /// not returned.
    pub fn items(self) -> BatchItems<R> {
        let (core, batches, options, tracker) = self.batch.split();
        let work = batches.map(Work::Batch);
        BatchItems {
            stream: run_reads(core, work, &options, tracker),
        }
    }

    /// The request template and the options, for an export (whose options
    /// these become).
    pub(crate) fn into_parts(self) -> (Core<R>, Options) {
        (self.batch.core, self.batch.options)
    }
}

impl<R: DeserializeOwned + Send + 'static> BatchWriter<R> {
    /// Sends the batches: a stream of one [`WriteResult`] per id.
    pub fn send_all(self) -> WriteResults<R> {
        let (core, batches, options, tracker) = self.batch.split();
        let client = core.client.clone();
        let t = tracker.clone();
        let stream = engine::run(
            &client,
            &options,
            tracker,
            batches.map(Work::Batch),
            move |ids, permit| core.clone().write(ids, permit, t.clone()),
        );
        WriteResults { stream }
    }
}

/// The items of a batched read as they come, as a [`futures::Stream`] of
/// `Result<R>`: from [`BatchReader::items`] or the `items()` method of an
/// operation with a batched read keyword.
#[must_use = "streams do nothing unless polled"]
pub struct BatchItems<R> {
    stream: BoxStream<'static, Result<R>>,
}

/// One [`WriteResult`] per id of a batched write, as a
/// [`futures::Stream`]: from [`BatchWriter::send_all`] or the `send_all()`
/// method of an operation with a batched write keyword.
#[must_use = "streams do nothing unless polled"]
pub struct WriteResults<R> {
    stream: BoxStream<'static, WriteResult<R>>,
}

macro_rules! running_stream {
    ($name:ident, $item:ty) => {
        impl<R> Stream for $name<R> {
            type Item = $item;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                self.get_mut().stream.poll_next_unpin(cx)
            }
        }

        impl<R> fmt::Debug for $name<R> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

running_stream!(BatchItems, Result<R>);
running_stream!(WriteResults, WriteResult<R>);

/// The outcome of one id of a batched write.
#[derive(Debug, Clone)]
#[non_exhaustive]
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

/// What happened to one id of a batched write. The three cases are all
/// there can be, so a `match` on them is exhaustive on purpose.
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
