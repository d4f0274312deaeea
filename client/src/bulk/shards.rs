//! Splitting an export's query into disjoint shards, so that several
//! cursor chains read its ids at once.
//!
//! A chain gets one page per round trip, so at 100 ids a page one chain
//! brings about 667 ids a second at 150 ms, whatever the rate budget
//! allows; several chains over disjoint parts of the query multiply that.
//! The parts are ranges of a date field the manifest names (`shard_by:`),
//! planned from the API's own counts:
//!
//! 1. at once: the field's lowest and highest value (a `min` and a `max`
//!    aggregate), the query's total, and how many items lack the field
//!    (the query with `field:null`, one id a page);
//! 2. an aggregate of [`FINE_BUCKETS`] `date_range` buckets between the two
//!    (the first open below, the last open above, so that an item first
//!    seen during the export still falls in one);
//! 3. the buckets' counts plus the items without the field must add up to
//!    the total, else the export reads one chain and logs why.
//!
//! The export then reads a first shard of about a [`MAX_CHAINS`]th of the
//! items alone until its first page has come (the page size the API
//! accepts is then known), and splits the rest into as many shards of
//! equal counts as the rate budget calls for (see
//! [`chains`]). A filter that already names the field, or that does not
//! parse, is read as one chain.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::bulk::paginate::PageQuery;
use crate::bulk::resume::Shard;
use crate::client::Client;
use crate::fql::{MAX_PROPERTIES, fields_named, write_rfc3339};
use crate::model::lenient;
use crate::request::operation::Operation;

/// The date field an export may be sharded by, and the aggregate operation
/// that counts its values, from the manifest's `shard_by:` key. Generated
/// export methods pass it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShardSpec {
    /// The date field (`first_seen`).
    pub(crate) field: &'static str,
    /// The query keyword of the filter.
    pub(crate) filter: &'static str,
    /// The aggregate operation (its body a list of aggregations).
    pub(crate) aggregate: &'static Operation,
}

/// Most chains an export reads at once.
pub(crate) const MAX_CHAINS: usize = 16;

/// Buckets of the planning aggregate: the grain at which shards are cut.
const FINE_BUCKETS: i64 = 128;

/// Below this many items an export reads one chain: planning would cost
/// more round trips than it saves.
const MIN_SHARDED: u64 = 2_000;

/// Earliest and latest date believed from an aggregate (1990 to 2200), in
/// seconds since the epoch: a value outside is not a date of this field.
const PLAUSIBLE: std::ops::RangeInclusive<i64> = 631_152_000..=7_258_118_400;

/// Why an export reads one chain; logged at info level when it is
/// something to know (planning failed, the counts did not add up), at debug
/// level when it is the query's nature (a small one, a filter on the field).
#[derive(Debug)]
pub(crate) struct OneChain {
    why: String,
    notable: bool,
}

impl OneChain {
    pub(crate) fn quiet(why: impl Into<String>) -> Self {
        OneChain {
            why: why.into(),
            notable: false,
        }
    }

    fn notable(why: impl Into<String>) -> Self {
        OneChain {
            why: why.into(),
            notable: true,
        }
    }

    pub(crate) fn log(&self, operation: &str) {
        let why = self.why.as_str();
        if self.notable {
            tracing::info!(operation, why, "reading the ids through one cursor chain");
        } else {
            tracing::debug!(operation, why, "reading the ids through one cursor chain");
        }
    }
}

/// How an export's query divides: the fine buckets' bounds (seconds) and
/// counts, and the items without the field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// The inner bounds: bucket `i` is `[bounds[i-1], bounds[i])`, the
    /// first open below and the last open above.
    bounds: Vec<i64>,
    counts: Vec<u64>,
    missing: u64,
}

/// One aggregation of an aggregate reply, as far as planning reads it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Aggregation {
    name: Option<String>,
    #[serde(deserialize_with = "lenient::list")]
    buckets: Option<Vec<Bucket>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Bucket {
    #[serde(deserialize_with = "lenient::int")]
    count: Option<i64>,
    #[serde(deserialize_with = "lenient::float")]
    value: Option<f64>,
}

/// Plans the shards of `query`, or says why it is read as one chain.
pub(crate) async fn plan<R: serde::de::DeserializeOwned + Send + 'static>(
    query: &PageQuery<R>,
    spec: &ShardSpec,
) -> Result<Plan, OneChain> {
    if let Some(filter) = query.parts.query_values(spec.filter).next() {
        let fields = fields_named(filter).ok_or(OneChain::quiet("the filter does not parse"))?;
        if fields.iter().any(|f| f == spec.field) {
            let why = format!("the filter already names `{}`", spec.field);
            return Err(OneChain::quiet(why));
        }
        if fields.len() + 2 > MAX_PROPERTIES {
            return Err(OneChain::quiet(format!(
                "the filter has {} properties; a shard adds 2 and FQL allows {MAX_PROPERTIES}",
                fields.len()
            )));
        }
    }
    count(query, spec)
        .await
        .map_err(OneChain::notable)?
        .ok_or_else(|| OneChain::quiet("fewer items than are worth several chains"))
}

/// The plan from the API's counts; `None` for a query too small to shard.
async fn count<R: serde::de::DeserializeOwned + Send + 'static>(
    query: &PageQuery<R>,
    spec: &ShardSpec,
) -> Result<Option<Plan>, String> {
    let bounds = aggregate(
        query,
        spec,
        json!([
            {"name": "min", "type": "min", "field": spec.field},
            {"name": "max", "type": "max", "field": spec.field},
        ]),
    );
    let total = query.count(None);
    let missing = query.count(Some((spec.filter, Shard::Missing.filter(spec.field))));
    let (bounds, total, missing) = tokio::join!(bounds, total, missing);
    let total = total
        .map_err(|e| format!("counting the query's items failed: {e}"))?
        .ok_or("the query's reply gave no total")?;
    if total < MIN_SHARDED {
        return Ok(None);
    }
    let missing = missing
        .map_err(|e| format!("counting the items without `{}` failed: {e}", spec.field))?
        .ok_or("the reply counting the items without the field gave no total")?;
    let bounds = bounds.map_err(|e| format!("the `min`/`max` aggregate failed: {e}"))?;
    let (lo, hi) = (seconds(&bounds, "min")?, seconds(&bounds, "max")?);
    if lo > hi {
        return Err(format!(
            "the aggregate's `min` {lo} is above its `max` {hi}"
        ));
    }
    // Bounds one second apart at the least: the API's dates have seconds.
    let step = ((hi - lo) / FINE_BUCKETS).max(1);
    let inner: Vec<i64> = (1..FINE_BUCKETS)
        .map(|i| lo + i * step)
        .filter(|&b| b <= hi)
        .collect();
    if inner.is_empty() {
        return Err(format!("every item has the same `{}`", spec.field));
    }
    let ranges: Vec<Value> = (0..=inner.len())
        .map(|i| {
            let mut r = serde_json::Map::new();
            if i > 0 {
                r.insert("from".into(), rfc3339(inner[i - 1]).into());
            }
            if i < inner.len() {
                r.insert("to".into(), rfc3339(inner[i]).into());
            }
            Value::Object(r)
        })
        .collect();
    let reply = aggregate(
        query,
        spec,
        json!([
            {"name": "shards", "type": "date_range", "field": spec.field, "date_ranges": ranges},
        ]),
    )
    .await
    .map_err(|e| format!("the `date_range` aggregate failed: {e}"))?;
    let buckets = named(&reply, "shards")?;
    if buckets.len() != ranges.len() {
        return Err(format!(
            "the `date_range` aggregate gave {} buckets for {} ranges",
            buckets.len(),
            ranges.len()
        ));
    }
    let counts = buckets
        .iter()
        .map(|b| b.count.and_then(|c| u64::try_from(c).ok()))
        .collect::<Option<Vec<u64>>>()
        .ok_or("a `date_range` bucket has no count")?;
    let sum = counts.iter().try_fold(missing, |a, &c| a.checked_add(c));
    if sum != Some(total) {
        return Err(format!(
            "the shards' counts and the {missing} items without `{}` add up to {}, not the query's total {total}",
            spec.field,
            sum.map_or("more than can be counted".into(), |s| s.to_string())
        ));
    }
    Ok(Some(Plan {
        bounds: inner,
        counts,
        missing,
    }))
}

/// Sends the aggregations `body` with the query's filter.
async fn aggregate<R: serde::de::DeserializeOwned + Send + 'static>(
    query: &PageQuery<R>,
    spec: &ShardSpec,
    mut body: Value,
) -> crate::Result<Vec<Aggregation>> {
    let filter = query
        .parts
        .query_values(spec.filter)
        .next()
        .map(str::to_owned);
    if let (Some(f), Some(list)) = (filter, body.as_array_mut()) {
        for a in list {
            a["filter"] = f.clone().into();
        }
    }
    let mut parts = crate::request::RequestParts::default();
    parts.set_body(body);
    let reply = query
        .client
        .execute::<Aggregation>(spec.aggregate, parts)
        .await?;
    Ok(reply.resources)
}

/// The buckets of the aggregation `name`.
fn named<'a>(reply: &'a [Aggregation], name: &str) -> Result<&'a [Bucket], String> {
    reply
        .iter()
        .find(|a| a.name.as_deref() == Some(name))
        .and_then(|a| a.buckets.as_deref())
        .ok_or_else(|| format!("the aggregate's reply has no `{name}` buckets"))
}

/// The date a `min` or `max` aggregation gives, in whole seconds (its
/// `value` is in epoch milliseconds), if it is a plausible date.
fn seconds(reply: &[Aggregation], name: &str) -> Result<i64, String> {
    let ms = named(reply, name)?
        .first()
        .and_then(|b| b.value)
        .ok_or_else(|| format!("the `{name}` aggregate gave no value"))?;
    let s = (ms / 1000.0).floor();
    // A finite value in the plausible range fits an i64 exactly.
    if !s.is_finite() || !(*PLAUSIBLE.start() as f64..=*PLAUSIBLE.end() as f64).contains(&s) {
        return Err(format!(
            "the `{name}` aggregate's value {ms} is not a date in milliseconds"
        ));
    }
    Ok(s as i64)
}

/// A time as the API's filters and aggregates take it (RFC 3339, UTC).
fn rfc3339(secs: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let mut s = String::new();
    let _ = write_rfc3339(&mut s, t);
    s
}

impl Plan {
    /// Every item the plan counted.
    pub(crate) fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.missing
    }

    /// The first shard, read alone until its first page arrives: the
    /// first buckets up to about a [`MAX_CHAINS`]th of the items; and the
    /// index of the first bucket after it.
    pub(crate) fn first(&self) -> (Shard, usize) {
        let want = self.total().div_ceil(MAX_CHAINS as u64);
        let mut sum = 0;
        let mut end = self.counts.len().saturating_sub(1);
        for (i, c) in self.counts.iter().enumerate() {
            sum += c;
            if sum >= want {
                end = i;
                break;
            }
        }
        let end = end.min(self.bounds.len().saturating_sub(1));
        let shard = self.range(0, end + 1);
        (shard, end + 1)
    }

    /// The buckets from `from` on, in one shard.
    pub(crate) fn rest(&self, from: usize) -> Shard {
        self.range(from, self.counts.len())
    }

    /// The buckets from `from` on, cut into at most `n` shards of about
    /// equal counts (at least one).
    pub(crate) fn split(&self, from: usize, n: usize) -> Vec<Shard> {
        // In u128: the counts come from the API (their sum was checked to
        // fit a u64 when the plan was made).
        let counts = self.counts.get(from..).unwrap_or_default();
        let sum: u128 = counts.iter().map(|&c| u128::from(c)).sum();
        let n = n.max(1) as u128;
        let mut out = Vec::new();
        let (mut start, mut acc, mut cut) = (from, 0u128, 1u128);
        for (i, &c) in counts.iter().enumerate() {
            acc += u128::from(c);
            let end = from + i + 1;
            if cut < n && acc * n >= sum * cut && end < self.counts.len() {
                out.push(self.range(start, end));
                start = end;
                cut += 1;
            }
        }
        out.push(self.range(start, self.counts.len()));
        out
    }

    /// The shard of the items without the field, if there are any.
    pub(crate) fn missing(&self) -> Option<Shard> {
        (self.missing > 0).then_some(Shard::Missing)
    }

    /// Buckets `[start, end)` as one range; the first bucket is open
    /// below, the last open above.
    fn range(&self, start: usize, end: usize) -> Shard {
        let bound = |i: usize| {
            i.checked_sub(1)
                .and_then(|i| self.bounds.get(i))
                .map(|&s| rfc3339(s))
        };
        Shard::Range {
            from: bound(start),
            to: (end < self.counts.len()).then(|| bound(end)).flatten(),
        }
    }
}

/// How many chains read an export's ids at once: as many id pages in
/// flight as their part of the allowed rate needs at the measured round
/// trip (the rate module's in-flight target). Per item, an export sends
/// `1 / page` id pages and `1 / batch` detail requests, so the id pages
/// need `batch / (page + batch)` of the rate; each chain has one page in
/// flight. While the budget or the round trip is not known yet: 4.
pub(crate) fn chains(client: &Client, page: u32, batch: usize, cap: usize) -> usize {
    let (page, batch) = (f64::from(page.max(1)), batch.max(1) as f64);
    let cap = cap.max(1);
    client
        .rate()
        .in_flight_for(batch / (page + batch), cap)
        .unwrap_or(4)
        .clamp(1, cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(counts: &[u64], missing: u64) -> Plan {
        Plan {
            bounds: (1..counts.len() as i64)
                .map(|i| 1_700_000_000 + i * 3600)
                .collect(),
            counts: counts.to_vec(),
            missing,
        }
    }

    fn ends(s: &Shard) -> (Option<String>, Option<String>) {
        match s {
            Shard::Range { from, to } => (from.clone(), to.clone()),
            Shard::Missing => panic!("a range"),
        }
    }

    #[test]
    fn shards_cover_every_bucket_once_with_open_ends() {
        let p = plan(&[10; 32], 5);
        let (first, next) = p.first();
        // 325 items: the first shard holds at least 325 / 16 = 21, 3 buckets.
        assert_eq!(next, 3);
        assert_eq!(
            ends(&first),
            (None, Some(rfc3339(1_700_000_000 + 3 * 3600)))
        );
        let rest = p.split(next, 4);
        assert_eq!(rest.len(), 4);
        assert_eq!(
            ends(&rest[0]).0,
            ends(&first).1,
            "the rest starts where the first ends"
        );
        for w in rest.windows(2) {
            assert_eq!(ends(&w[0]).1, ends(&w[1]).0, "no gap, no overlap");
        }
        assert_eq!(ends(rest.last().unwrap()).1, None, "the last is open-ended");
        assert_eq!(ends(&p.rest(next)), (ends(&rest[0]).0, None));
        assert_eq!(p.missing(), Some(Shard::Missing));
        assert_eq!(plan(&[10; 4], 0).missing(), None);
    }

    #[test]
    fn splits_follow_the_counts() {
        // Most items in the last buckets: the cuts come late.
        let p = plan(&[1, 1, 1, 1, 1, 1, 50, 50], 0);
        let shards = p.split(0, 2);
        assert_eq!(shards.len(), 2);
        assert_eq!(ends(&shards[0]).1, Some(rfc3339(1_700_000_000 + 7 * 3600)));
        // Never more shards than buckets, never none.
        assert_eq!(plan(&[5, 5], 0).split(0, 10).len(), 2);
        assert_eq!(plan(&[5, 5], 0).split(2, 3).len(), 1);
    }

    #[test]
    fn dates_are_written_as_the_api_reads_them() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn an_aggregate_value_must_be_a_plausible_date_in_milliseconds() {
        let agg = |v: f64| {
            vec![Aggregation {
                name: Some("min".into()),
                buckets: Some(vec![Bucket {
                    count: Some(1),
                    value: Some(v),
                }]),
            }]
        };
        assert_eq!(seconds(&agg(1_700_000_000_500.0), "min"), Ok(1_700_000_000));
        assert!(
            seconds(&agg(1_700_000_000.0), "min").is_err(),
            "seconds, not ms"
        );
        assert!(seconds(&agg(f64::NAN), "min").is_err());
        assert!(seconds(&agg(f64::MAX), "min").is_err());
        assert!(seconds(&agg(1.0), "max").is_err(), "no `max` aggregation");
    }
}
