//! The one engine under the batched streams and exports: batches of ids
//! in, requests sent within one in-flight limit, results matched to their
//! ids by one rule, out in the order of the batches or as they finish.
//!
//! The builders ([`Paginator`](crate::Paginator),
//! [`BatchReader`](crate::BatchReader), [`BatchWriter`](crate::BatchWriter),
//! [`Export`](crate::Export)) only hold configuration; their `items()` or
//! `send_all()` starts the work and returns a stream that has no setter
//! left, so an option can no longer be changed once it can no longer take
//! effect. Batches (of a batched read or write, or of an export's ids) run
//! here; the pages of a cursor chain follow one another (`paginate.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::bulk::IdHasher;
use crate::bulk::paginate::KeyFn;
use crate::bulk::progress::{Callback, Tracker};
use crate::client::Client;
use crate::model::response::ApiError;
use crate::rate::{DEFAULT_MAX_CONCURRENCY, Permit};

/// The options every batched stream and export shares.
#[derive(Clone)]
pub(crate) struct Options {
    /// The cap of the adaptive in-flight limit.
    pub(crate) concurrency: usize,
    /// Results in the order of the ids, not as replies arrive.
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

/// What goes into the engine: a batch of ids to send, or an outcome
/// decided upstream (a pagination error) passed on in its place.
pub(crate) enum Work<O> {
    Batch(Vec<String>),
    Pass(O),
}

/// Runs `send` on every batch of `work`, each holding a permit of one
/// in-flight limit (of `client`, capped by `options.concurrency`) while its
/// request runs, and yields the outcomes of each batch together.
pub(crate) fn run<O, F, Fut>(
    client: &Client,
    options: &Options,
    tracker: Arc<Tracker>,
    work: impl Stream<Item = Work<O>> + Send + 'static,
    send: F,
) -> BoxStream<'static, O>
where
    O: Send + 'static,
    F: Fn(Vec<String>, Permit) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<O>> + Send + 'static,
{
    let cap = options.concurrency.max(1);
    let limit = client.rate().in_flight_limit(cap, tracker);
    let send = Arc::new(send);
    let jobs = work.map(move |w| {
        let (limit, send) = (limit.clone(), send.clone());
        async move {
            match w {
                Work::Batch(ids) if ids.is_empty() => Vec::new(),
                Work::Batch(ids) => {
                    let permit = limit.acquire().await;
                    send(ids, permit).await
                }
                Work::Pass(o) => vec![o],
            }
        }
    });
    if options.ordered {
        jobs.buffered(cap).flat_map(stream::iter).boxed()
    } else {
        jobs.buffer_unordered(cap).flat_map(stream::iter).boxed()
    }
}

/// What a reply says of one id sent, or of an item it holds that no id
/// sent accounts for.
#[derive(Debug)]
pub(crate) enum Matched<R> {
    /// The reply holds this item for the id at this index of the batch.
    Item(usize, R),
    /// An item whose key is none of the ids sent (or that has no key).
    Extra(R),
    /// The API's error for the id: one naming it, else the reply's error
    /// that names no id.
    Refused(usize, ApiError),
    /// Neither an item nor an error: not found for a read.
    Absent(usize),
    /// Nothing names the id and the items have no key: unknown.
    Unknown(usize),
}

impl<R> Matched<R> {
    /// The index of the id in the batch; an extra item sorts last.
    pub(crate) fn index(&self) -> usize {
        match self {
            Matched::Item(i, _)
            | Matched::Refused(i, _)
            | Matched::Absent(i)
            | Matched::Unknown(i) => *i,
            Matched::Extra(_) => usize::MAX,
        }
    }
}

/// Matches a reply to the ids of its batch, by one rule for reads and
/// writes alike: an item whose key is the id wins; else the error that
/// names the id; else the reply's error that names none; else the id is
/// absent (when items have keys, by which it would have been found) or
/// unknown. An id given twice in a reply counts once. Each outcome goes
/// through `into` on its way into the list returned (`Some` keeps it as
/// is): an item is moved once, from the reply into that list.
pub(crate) fn match_reply<R, T>(
    ids: &[String],
    items: Vec<R>,
    mut errors: Vec<ApiError>,
    key: Option<KeyFn<R>>,
    mut into: impl FnMut(Matched<R>) -> Option<T>,
) -> Vec<T> {
    // Built at the first item out of the order of the ids: a reply in that
    // order is matched without hashing any id.
    let mut position: Option<HashMap<&str, usize, IdHasher>> = None;
    let mut found = vec![false; ids.len()];
    let mut out = Vec::with_capacity(ids.len().max(items.len()));
    for (j, item) in items.into_iter().enumerate() {
        let at = key.and_then(|k| k(&item)).and_then(|k| match ids.get(j) {
            Some(id) if id == k => Some(j),
            _ => position
                .get_or_insert_with(|| {
                    ids.iter()
                        .enumerate()
                        .map(|(i, id)| (id.as_str(), i))
                        .collect()
                })
                .get(k)
                .copied(),
        });
        let matched = match at {
            Some(i) if std::mem::replace(&mut found[i], true) => continue, // a repeat
            Some(i) => Matched::Item(i, item),
            None => Matched::Extra(item),
        };
        out.extend(into(matched));
    }
    let general = errors.iter().position(|e| e.id.is_none());
    let general = general.map(|j| errors.swap_remove(j));
    for (i, id) in ids.iter().enumerate() {
        if found[i] {
            continue;
        }
        let named = errors
            .iter()
            .position(|e| e.id.as_deref() == Some(id.as_str()));
        out.extend(into(match (named, &general) {
            (Some(j), _) => Matched::Refused(i, errors.swap_remove(j)),
            (None, Some(e)) => Matched::Refused(i, e.clone()),
            (None, None) if key.is_some() => Matched::Absent(i),
            (None, None) => Matched::Unknown(i),
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(id: Option<&str>, code: i64) -> ApiError {
        ApiError {
            code: Some(code),
            message: Some(format!("error {code}")),
            id: id.map(str::to_owned),
        }
    }

    #[allow(clippy::ptr_arg)]
    fn key(s: &String) -> Option<&str> {
        Some(s.as_str())
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn summary(m: &[Matched<String>]) -> Vec<String> {
        m.iter()
            .map(|m| match m {
                Matched::Item(i, s) => format!("item {i} {s}"),
                Matched::Extra(s) => format!("extra {s}"),
                Matched::Refused(i, e) => format!("refused {i} {:?}", e.code),
                Matched::Absent(i) => format!("absent {i}"),
                Matched::Unknown(i) => format!("unknown {i}"),
            })
            .collect()
    }

    #[test]
    fn an_item_wins_then_a_named_error_then_the_general_one() {
        let m = match_reply(
            &ids(&["a", "b", "c", "d"]),
            ids(&["a", "a", "x"]),
            vec![error(Some("a"), 1), error(Some("b"), 2), error(None, 3)],
            Some(key),
            Some,
        );
        assert_eq!(
            summary(&m),
            [
                "item 0 a",
                "extra x",
                "refused 1 Some(2)",
                "refused 2 Some(3)",
                "refused 3 Some(3)"
            ]
        );
    }

    #[test]
    fn items_in_the_order_asked_or_in_any_other_match_alike() {
        let asked = ids(&["a", "b", "c", "d"]);
        let in_order = match_reply(&asked, ids(&["a", "b", "c"]), Vec::new(), Some(key), Some);
        assert_eq!(
            summary(&in_order),
            ["item 0 a", "item 1 b", "item 2 c", "absent 3"]
        );
        // In order up to a point, then shuffled, repeated and foreign.
        let m = match_reply(
            &asked,
            ids(&["a", "d", "b", "d", "y", "c"]),
            Vec::new(),
            Some(key),
            Some,
        );
        assert_eq!(
            summary(&m),
            ["item 0 a", "item 3 d", "item 1 b", "extra y", "item 2 c"]
        );
    }

    #[test]
    fn without_errors_a_missing_id_is_absent_with_keys_and_unknown_without() {
        let m = match_reply(&ids(&["a", "b"]), ids(&["a"]), Vec::new(), Some(key), Some);
        assert_eq!(summary(&m), ["item 0 a", "absent 1"]);
        let m = match_reply(&ids(&["a", "b"]), ids(&["a"]), Vec::new(), None, Some);
        assert_eq!(summary(&m), ["extra a", "unknown 0", "unknown 1"]);
    }
}
