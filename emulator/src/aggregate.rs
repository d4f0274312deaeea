//! `aggregate_external_assets`: terms, date_histogram, date_range, range,
//! cardinality, max, min, avg, sum and percentiles over the filtered
//! inventory, with nested sub-aggregations.

use crate::fields::{self, Field, Kind, Val};
use crate::fql;
use crate::model::Asset;
use crate::store::Store;
use crate::time::{civil_from_days, days_from_civil, format_rfc3339, parse_time};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most sub-aggregations one aggregation may have.
pub const MAX_SUB_AGGREGATES: usize = 3;
/// How many levels an aggregation tree may have, the top aggregation
/// included. The API documents no limit; every level multiplies the work by
/// up to `MAX_SUB_AGGREGATES` times the bucket count, and validation and
/// evaluation recurse once per level.
pub const MAX_AGG_DEPTH: usize = 4;
const MAX_BUCKETS: usize = 10_000;
const DEFAULT_PERCENTS: &[f64] = &[1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0];

/// `msa.AggregateQueryRequest` (fields the emulator reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AggRequest {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    field: Option<String>,
    filter: Option<String>,
    q: Option<String>,
    size: Option<i64>,
    sort: Option<String>,
    min_doc_count: Option<i64>,
    max_doc_count: Option<i64>,
    missing: Option<String>,
    from: Option<i64>,
    time_zone: Option<String>,
    interval: Option<String>,
    include: Option<String>,
    exclude: Option<String>,
    ranges: Option<Vec<RangeSpec>>,
    date_ranges: Option<Vec<DateRangeSpec>>,
    percents: Option<Vec<f64>>,
    extended_bounds: Option<ExtendedBounds>,
    sub_aggregates: Option<Vec<AggRequest>>,
}

/// `msa.RangeSpec`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RangeSpec {
    #[serde(rename = "From", alias = "from", default)]
    from: Option<f64>,
    #[serde(rename = "To", alias = "to", default)]
    to: Option<f64>,
}

/// `msa.DateRangeSpec`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DateRangeSpec {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// `msa.ExtendedBoundsSpec`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExtendedBounds {
    #[serde(default)]
    min: Option<String>,
    #[serde(default)]
    max: Option<String>,
}

/// `msa.AggregationResult`.
#[derive(Debug, Clone, Serialize)]
pub struct AggResult {
    name: String,
    buckets: Vec<Bucket>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sum_other_doc_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc_count_error_upper_bound: Option<i64>,
}

/// `msa.AggregationResultItem`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Bucket {
    label: Value,
    count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_as_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_as_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_to: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sub_aggregates: Vec<AggResult>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks the shape of a request tree before running it.
pub fn validate(req: &AggRequest, now: i64) -> Result<(), String> {
    validate_at(req, now, 1)
}

fn validate_at(req: &AggRequest, now: i64, depth: usize) -> Result<(), String> {
    let name = nonempty(&req.name).unwrap_or("(unnamed)");
    let kind =
        nonempty(&req.kind).ok_or_else(|| format!("aggregation '{name}': 'type' is required"))?;
    let field =
        nonempty(&req.field).ok_or_else(|| format!("aggregation '{name}': 'field' is required"))?;
    let f = fields::lookup_aggregate(field)
        .ok_or_else(|| format!("aggregation '{name}': unknown field '{field}'"))?;
    validate_kind(req, name, kind, &f, now)?;
    if let Some(tz) = nonempty(&req.time_zone) {
        tz_offset(tz)
            .ok_or_else(|| format!("aggregation '{name}': unsupported time_zone '{tz}'"))?;
    }
    if let Some(sort) = nonempty(&req.sort) {
        bucket_sort(sort).ok_or_else(|| {
            format!("aggregation '{name}': invalid sort '{sort}' (_count|desc, _count|asc, _term|asc, _term|desc)")
        })?;
    }
    if let Some(filter) = nonempty(&req.filter) {
        fql::parse(filter, now).map_err(|e| format!("aggregation '{name}': {e}"))?;
    }
    let subs = req.sub_aggregates.as_deref().unwrap_or_default();
    if subs.len() > MAX_SUB_AGGREGATES {
        return Err(format!(
            "aggregation '{name}': at most {MAX_SUB_AGGREGATES} sub_aggregates are allowed"
        ));
    }
    if !subs.is_empty() && depth >= MAX_AGG_DEPTH {
        return Err(format!(
            "aggregation '{name}': sub_aggregates nest deeper than {MAX_AGG_DEPTH} levels; at most {MAX_AGG_DEPTH} levels are allowed"
        ));
    }
    for s in subs {
        validate_at(s, now, depth + 1)?;
    }
    Ok(())
}

/// Checks that the type is known and has what it needs (an interval and a
/// date field, ranges, date ranges).
fn validate_kind(
    req: &AggRequest,
    name: &str,
    kind: &str,
    f: &Field,
    now: i64,
) -> Result<(), String> {
    let field = f.name;
    match kind {
        "terms" | "cardinality" | "max" | "min" | "avg" | "sum" | "percentiles" => {}
        "date_histogram" => {
            let interval = nonempty(&req.interval).ok_or_else(|| {
                format!("aggregation '{name}': date_histogram requires 'interval' (year, month, week, day, hour or minute)")
            })?;
            interval_of(interval).ok_or_else(|| {
                format!("aggregation '{name}': unsupported interval '{interval}'")
            })?;
            if f.kind != Kind::Time {
                return Err(format!(
                    "aggregation '{name}': date_histogram needs a date field, '{field}' is not one"
                ));
            }
        }
        "date_range" => {
            let ranges = req.date_ranges.as_deref().unwrap_or_default();
            if ranges.is_empty() {
                return Err(format!(
                    "aggregation '{name}': date_range requires 'date_ranges'"
                ));
            }
            for r in ranges {
                for s in [&r.from, &r.to].into_iter().flatten() {
                    if !s.trim().is_empty() && parse_time(s, now).is_none() {
                        return Err(format!(
                            "aggregation '{name}': invalid date '{s}' in date_ranges"
                        ));
                    }
                }
            }
        }
        "range" => {
            if req.ranges.as_deref().unwrap_or_default().is_empty() {
                return Err(format!("aggregation '{name}': range requires 'ranges'"));
            }
        }
        other => {
            return Err(format!(
                "aggregation '{name}': unsupported type '{other}' (terms, date_histogram, date_range, range, cardinality, max, min, avg, sum, percentiles)"
            ));
        }
    }
    Ok(())
}

fn interval_of(s: &str) -> Option<&'static str> {
    Some(match s {
        "year" | "1y" | "yearly" => "year",
        "quarter" | "1q" => "quarter",
        "month" | "1M" | "monthly" => "month",
        "week" | "1w" | "weekly" => "week",
        "day" | "1d" | "daily" => "day",
        "hour" | "1h" | "hourly" => "hour",
        "minute" | "1m" => "minute",
        _ => return None,
    })
}

fn tz_offset(tz: &str) -> Option<i64> {
    match tz {
        "UTC" | "Z" | "utc" | "GMT" | "Etc/UTC" | "Etc/GMT" => return Some(0),
        _ => {}
    }
    let (sign, rest) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

fn bucket_sort(s: &str) -> Option<(bool, bool)> {
    let (key, dir) = s.split_once(['|', '.']).unwrap_or((s, "desc"));
    let by_term = match key {
        "_count" | "count" => false,
        "_term" | "_key" | "term" => true,
        _ => return None,
    };
    let desc = match dir {
        "asc" => false,
        "desc" => true,
        _ => return None,
    };
    Some((by_term, desc))
}

/// Runs a validated request over `docs`.
pub fn run(store: &Store, req: &AggRequest, docs: &[u32], now: i64) -> AggResult {
    let field =
        fields::lookup_aggregate(nonempty(&req.field).unwrap_or_default()).expect("validated");
    let kind = nonempty(&req.kind).unwrap_or_default();
    let name = nonempty(&req.name).unwrap_or(kind).to_string();
    let docs = selected(store, req, docs, now);
    let mut result = AggResult {
        name,
        buckets: Vec::new(),
        sum_other_doc_count: None,
        doc_count_error_upper_bound: None,
    };
    // Bucket aggregations, whose buckets carry their members for the
    // sub-aggregations; metrics have one bucket per value and none.
    let grouped = match kind {
        "terms" => {
            let (buckets, other) = terms(store, req, &field, &docs);
            result.doc_count_error_upper_bound = Some(0);
            result.sum_other_doc_count = Some(other);
            buckets
        }
        "date_histogram" => histogram(store, req, &field, &docs, now),
        "date_range" => date_ranges(store, req, &field, &docs, now),
        "range" => ranges(store, req, &field, &docs),
        "cardinality" => {
            result.buckets.push(cardinality(store, &field, &docs));
            Vec::new()
        }
        _ => {
            result.buckets = metrics(store, req, kind, &field, &docs);
            Vec::new()
        }
    };
    let subs = req.sub_aggregates.as_deref().unwrap_or_default();
    result
        .buckets
        .extend(grouped.into_iter().map(|(mut b, members)| {
            b.sub_aggregates = subs.iter().map(|s| run(store, s, &members, now)).collect();
            b
        }));
    result
}

/// The documents of `docs` that match the request's `filter` and `q`.
fn selected(store: &Store, req: &AggRequest, docs: &[u32], now: i64) -> Vec<u32> {
    let mut docs: Vec<u32> = docs.to_vec();
    if let Some(filter) = nonempty(&req.filter) {
        let expr = fql::parse(filter, now).expect("validated");
        docs.retain(|i| store.at(*i).is_some_and(|a| expr.matches(a)));
    }
    if let Some(q) = nonempty(&req.q) {
        let q = q.to_lowercase();
        docs.retain(|i| store.at(*i).is_some_and(|a| full_text(a, &q)));
    }
    docs
}

/// One bucket per `date_ranges` entry: the documents with a date in
/// `[from, to)`.
fn date_ranges(
    store: &Store,
    req: &AggRequest,
    field: &Field,
    docs: &[u32],
    now: i64,
) -> Vec<(Bucket, Vec<u32>)> {
    let bound = |s: &Option<String>| {
        nonempty(s)
            .and_then(|s| parse_time(s, now))
            .map(|t| t.start)
    };
    let mut out = Vec::new();
    for r in req.date_ranges.as_deref().unwrap_or_default() {
        let (lo, hi) = (bound(&r.from), bound(&r.to));
        let members = members_where(store, field, docs, |v| match v {
            Val::T(t) => lo.is_none_or(|lo| *t >= lo) && hi.is_none_or(|hi| *t < hi),
            _ => false,
        });
        let sf = lo.map(format_rfc3339);
        let st = hi.map(format_rfc3339);
        let key = format!(
            "{}-{}",
            sf.as_deref().unwrap_or("*"),
            st.as_deref().unwrap_or("*")
        );
        let b = Bucket {
            label: json!(key),
            count: members.len() as i64,
            key_as_string: Some(key),
            from: lo.map(|t| t as f64 * 1000.0),
            to: hi.map(|t| t as f64 * 1000.0),
            string_from: sf,
            string_to: st,
            ..Bucket::default()
        };
        out.push((b, members));
    }
    out
}

/// One bucket per `ranges` entry: the documents with a number in
/// `[From, To)`.
fn ranges(store: &Store, req: &AggRequest, field: &Field, docs: &[u32]) -> Vec<(Bucket, Vec<u32>)> {
    let fmt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_else(|| "*".into());
    let mut out = Vec::new();
    for r in req.ranges.as_deref().unwrap_or_default() {
        let members = members_where(store, field, docs, |v| {
            v.number()
                .is_some_and(|x| r.from.is_none_or(|lo| x >= lo) && r.to.is_none_or(|hi| x < hi))
        });
        let key = format!("{}-{}", fmt(r.from), fmt(r.to));
        let b = Bucket {
            label: json!(key),
            count: members.len() as i64,
            key_as_string: Some(key),
            from: r.from,
            to: r.to,
            ..Bucket::default()
        };
        out.push((b, members));
    }
    out
}

/// Calls `each` with the values of the field in every document; returns
/// how many documents have one.
fn each_values<'a>(
    store: &'a Store,
    field: &Field,
    docs: &[u32],
    mut each: impl FnMut(Vec<Val<'a>>),
) -> i64 {
    let mut count = 0;
    for &i in docs {
        let Some(a) = store.at(i) else { continue };
        let vals = fields::values(a, field.path);
        count += !vals.is_empty() as i64;
        each(vals);
    }
    count
}

/// The number of distinct values.
fn cardinality(store: &Store, field: &Field, docs: &[u32]) -> Bucket {
    let mut distinct = HashSet::new();
    let count = each_values(store, field, docs, |vals| {
        distinct.extend(vals.iter().map(|v| v.text().into_owned()));
    });
    Bucket {
        label: json!("cardinality"),
        count,
        value: Some(distinct.len() as f64),
        ..Bucket::default()
    }
}

/// Numeric metrics (max, min, avg, sum, percentiles); timestamps are
/// reported in epoch milliseconds.
fn metrics(
    store: &Store,
    req: &AggRequest,
    kind: &str,
    field: &Field,
    docs: &[u32],
) -> Vec<Bucket> {
    let is_time = field.kind == Kind::Time;
    let scale = if is_time { 1000.0 } else { 1.0 };
    let mut nums = Vec::new();
    let count = each_values(store, field, docs, |vals| {
        nums.extend(vals.iter().filter_map(|v| v.number()).map(|x| x * scale));
    });
    let as_string = |x: f64| is_time.then(|| format_rfc3339((x / 1000.0) as i64));
    let bucket = |label: Value, value: Option<f64>, with_string: bool| Bucket {
        label,
        count,
        value,
        value_as_string: value.filter(|_| with_string).and_then(as_string),
        ..Bucket::default()
    };
    if kind == "percentiles" {
        nums.sort_by(f64::total_cmp);
        let percents = req
            .percents
            .clone()
            .unwrap_or_else(|| DEFAULT_PERCENTS.to_vec());
        return percents
            .into_iter()
            .map(|p| bucket(json!(format!("{p:.1}")), percentile(&nums, p), true))
            .collect();
    }
    let v = match kind {
        "max" => nums.iter().copied().reduce(f64::max),
        "min" => nums.iter().copied().reduce(f64::min),
        "sum" => Some(nums.iter().sum()),
        _ => (!nums.is_empty()).then(|| nums.iter().sum::<f64>() / nums.len() as f64),
    };
    vec![bucket(json!(kind), v, kind != "sum")]
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p.clamp(0.0, 100.0) / 100.0) * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64))
}

fn members_where(
    store: &Store,
    field: &Field,
    docs: &[u32],
    pred: impl Fn(&Val) -> bool,
) -> Vec<u32> {
    docs.iter()
        .copied()
        .filter(|i| {
            store
                .at(*i)
                .is_some_and(|a| fields::visit(a, field.path, &mut |v| pred(&v)))
        })
        .collect()
}

fn full_text(a: &Asset, q: &str) -> bool {
    fields::all_names().into_iter().any(|name| {
        fields::lookup(name)
            .is_some_and(|f| fields::visit(a, f.path, &mut |v| v.text().to_lowercase().contains(q)))
    })
}

fn label_of(field: &Field, text: &str) -> Value {
    match field.kind {
        Kind::Int => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(text)),
        Kind::Bool => json!(text == "true"),
        _ => json!(text),
    }
}

fn terms(
    store: &Store,
    req: &AggRequest,
    field: &Field,
    docs: &[u32],
) -> (Vec<(Bucket, Vec<u32>)>, i64) {
    let list = ranked_terms(req, term_groups(store, req, field, docs));
    let from = req.from.unwrap_or(0).max(0) as usize;
    let size = req.size.filter(|s| *s > 0).unwrap_or(10) as usize;
    let total: usize = list.iter().map(|(_, m)| m.len()).sum();
    let page: Vec<(String, Vec<u32>)> = list.into_iter().skip(from).take(size).collect();
    let shown: usize = page.iter().map(|(_, m)| m.len()).sum();
    let buckets = page
        .into_iter()
        .map(|(t, m)| {
            (
                Bucket {
                    label: label_of(field, &t),
                    count: m.len() as i64,
                    ..Bucket::default()
                },
                m,
            )
        })
        .collect();
    (buckets, total.saturating_sub(shown) as i64)
}

/// The documents of each distinct value (or of `missing` for documents
/// without one).
fn term_groups(
    store: &Store,
    req: &AggRequest,
    field: &Field,
    docs: &[u32],
) -> HashMap<String, Vec<u32>> {
    let mut groups: HashMap<String, Vec<u32>> = HashMap::new();
    let missing = nonempty(&req.missing);
    for &i in docs {
        let Some(a) = store.at(i) else { continue };
        let mut seen: Vec<String> = fields::values(a, field.path)
            .iter()
            .map(|v| v.text().into_owned())
            .collect();
        seen.sort_unstable();
        seen.dedup();
        if seen.is_empty() {
            if let Some(m) = missing {
                seen.push(m.to_string());
            }
        }
        for term in seen {
            groups.entry(term).or_default().push(i);
        }
    }
    groups
}

/// The groups kept by the document-count bounds and the include/exclude
/// patterns, in the requested order (ties by term).
fn ranked_terms(req: &AggRequest, groups: HashMap<String, Vec<u32>>) -> Vec<(String, Vec<u32>)> {
    let min = req.min_doc_count.unwrap_or(1).max(1) as usize;
    let max = req.max_doc_count.map(|m| m.max(0) as usize);
    let include = nonempty(&req.include);
    let exclude = nonempty(&req.exclude);
    let mut list: Vec<(String, Vec<u32>)> = groups
        .into_iter()
        .filter(|(t, m)| {
            m.len() >= min
                && max.is_none_or(|max| m.len() <= max)
                && include.is_none_or(|p| pattern_match(p, t))
                && !exclude.is_some_and(|p| pattern_match(p, t))
        })
        .collect();
    let (by_term, desc) = nonempty(&req.sort)
        .and_then(bucket_sort)
        .unwrap_or((false, true));
    list.sort_by(|(ta, ma), (tb, mb)| {
        let o = if by_term {
            ta.cmp(tb)
        } else {
            ma.len().cmp(&mb.len())
        };
        let o = if desc { o.reverse() } else { o };
        o.then_with(|| ta.cmp(tb))
    });
    list
}

fn pattern_match(pattern: &str, text: &str) -> bool {
    // `include`/`exclude` accept a `|`-separated list of glob patterns;
    // `.*` (regular-expression style) is read as `*`.
    pattern
        .split('|')
        .any(|p| fql::wildcard_match(&p.replace(".*", "*"), text))
}

fn truncate(t: i64, unit: &str) -> i64 {
    let days = t.div_euclid(86_400);
    match unit {
        "minute" => t - t.rem_euclid(60),
        "hour" => t - t.rem_euclid(3600),
        "day" => days * 86_400,
        // Weeks start on Monday; 1970-01-01 was a Thursday.
        "week" => (days - (days + 3).rem_euclid(7)) * 86_400,
        _ => {
            let (y, m, _) = civil_from_days(days);
            let m = match unit {
                "year" => 1,
                "quarter" => (m - 1) / 3 * 3 + 1,
                _ => m,
            };
            days_from_civil(y, m, 1) * 86_400
        }
    }
}

fn next_key(t: i64, unit: &str) -> i64 {
    match unit {
        "minute" => t + 60,
        "hour" => t + 3600,
        "day" => t + 86_400,
        "week" => t + 7 * 86_400,
        _ => {
            let (y, m, _) = civil_from_days(t.div_euclid(86_400));
            let step = match unit {
                "year" => 12,
                "quarter" => 3,
                _ => 1,
            };
            let total = y * 12 + (m as i64 - 1) + step;
            days_from_civil(total.div_euclid(12), (total.rem_euclid(12) + 1) as u32, 1) * 86_400
        }
    }
}

fn histogram(
    store: &Store,
    req: &AggRequest,
    field: &Field,
    docs: &[u32],
    now: i64,
) -> Vec<(Bucket, Vec<u32>)> {
    let unit = nonempty(&req.interval)
        .and_then(interval_of)
        .unwrap_or("day");
    let off = nonempty(&req.time_zone).and_then(tz_offset).unwrap_or(0);
    let mut groups = date_groups(store, field, docs, unit, off);
    let min_doc = req.min_doc_count.unwrap_or(0).max(0) as usize;
    let mut out = Vec::new();
    if let Some((lo, hi)) = histogram_bounds(req, &groups, unit, off, now) {
        let mut k = lo;
        while k <= hi && out.len() < MAX_BUCKETS {
            let members = groups.remove(&k).unwrap_or_default();
            if members.len() >= min_doc && !(members.is_empty() && min_doc > 0) {
                let b = Bucket {
                    label: json!(k * 1000),
                    count: members.len() as i64,
                    key_as_string: Some(format_rfc3339(k)),
                    ..Bucket::default()
                };
                out.push((b, members));
            }
            // Step in local time so month lengths follow the time zone.
            k = next_key(k + off, unit) - off;
        }
    }
    if let Some(max) = req.max_doc_count {
        out.retain(|(b, _)| b.count <= max);
    }
    out
}

/// The documents of each period (`unit` in the zone `off` seconds east),
/// keyed by the period's start.
fn date_groups(
    store: &Store,
    field: &Field,
    docs: &[u32],
    unit: &str,
    off: i64,
) -> BTreeMap<i64, Vec<u32>> {
    let mut groups: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for &i in docs {
        let Some(a) = store.at(i) else { continue };
        let mut keys: Vec<i64> = fields::values(a, field.path)
            .iter()
            .filter_map(|v| match v {
                Val::T(t) => Some(truncate(t + off, unit) - off),
                _ => None,
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            groups.entry(k).or_default().push(i);
        }
    }
    groups
}

/// The first and last period of the histogram: those of the documents,
/// widened to `extended_bounds`.
fn histogram_bounds(
    req: &AggRequest,
    groups: &BTreeMap<i64, Vec<u32>>,
    unit: &str,
    off: i64,
    now: i64,
) -> Option<(i64, i64)> {
    let bound = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| parse_time(s, now))
            .map(|t| truncate(t.start + off, unit) - off)
    };
    let bounds = req.extended_bounds.as_ref();
    let lo = [
        groups.keys().next().copied(),
        bounds.and_then(|b| bound(&b.min)),
    ]
    .into_iter()
    .flatten()
    .min();
    let hi = [
        groups.keys().last().copied(),
        bounds.and_then(|b| bound(&b.max)),
    ]
    .into_iter()
    .flatten()
    .max();
    lo.zip(hi)
}
