//! How an export splits its query into shards read by several cursor
//! chains, against a mock API whose items have a `first_seen` (some have
//! none): the shards cover every id once, the last is open-ended and the
//! items without the field have their own; counts that do not add up, a
//! filter on the field and hostile aggregate replies all fall back to one
//! chain, and no reply makes the export lose or repeat an id.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use falcon_exposure::Client;
use futures::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::export_page_size::{details_and_client, token_server};

const IDS: usize = 3_000;
/// `first_seen` of item `i`: a minute apart from here.
const BASE: i64 = 1_700_000_000;

/// Item `i`'s `first_seen` in seconds; every 40th has none.
fn first_seen(i: usize, with_missing: bool) -> Option<i64> {
    (!with_missing || i % 40 != 7).then(|| BASE + 60 * i as i64)
}

/// Seconds of `YYYY-MM-DDTHH:MM:SSZ`.
fn parse_time(s: &str) -> i64 {
    let n = |a: usize, b: usize| -> i64 { s[a..b].parse().unwrap() };
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
}

/// What part of the items a filter selects: `first_seen` bounds, or only
/// the items without it.
#[derive(Debug, Default, Clone, Copy)]
struct Selection {
    from: Option<i64>,
    to: Option<i64>,
    missing: bool,
}

impl Selection {
    fn of(filter: Option<&str>) -> Self {
        let mut s = Selection::default();
        let Some(f) = filter else { return s };
        let quoted =
            |rest: &str| parse_time(rest.trim_start_matches('\'').split('\'').next().unwrap());
        for part in f.split('+') {
            let part = part.trim_matches(|c| c == '(' || c == ')');
            if let Some(v) = part.strip_prefix("first_seen:>=") {
                s.from = Some(quoted(v));
            } else if let Some(v) = part.strip_prefix("first_seen:<") {
                s.to = Some(quoted(v));
            } else if part == "first_seen:null" {
                s.missing = true;
            }
        }
        s
    }

    fn holds(&self, seen: Option<i64>) -> bool {
        match seen {
            None => self.missing || (self.from.is_none() && self.to.is_none()),
            Some(t) => {
                !self.missing && self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|to| t < to)
            }
        }
    }
}

/// How the mock answers the planning aggregates.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Plan {
    /// True counts.
    Honest,
    /// One `date_range` bucket counts 5 more than it holds.
    Skewed,
    /// `min` is not a number.
    MinNotANumber,
    /// `max` is far beyond any date.
    MaxHuge,
    /// A negative bucket count.
    NegativeCount,
    /// Fewer buckets than ranges asked.
    FewerBuckets,
    /// The aggregate fails.
    ServerError,
}

#[derive(Clone)]
struct Api {
    with_missing: bool,
    plan: Plan,
    /// Every filter the query was sent with.
    filters: Arc<Mutex<Vec<String>>>,
    aggregates: Arc<Mutex<usize>>,
}

fn param(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

fn envelope(resources: Value, pagination: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "meta": {"query_time": 0.01, "trace_id": "t", "pagination": pagination},
        "resources": resources,
        "errors": [],
    }))
}

impl Api {
    fn selected(&self, sel: Selection) -> Vec<usize> {
        (0..IDS)
            .filter(|&i| sel.holds(first_seen(i, self.with_missing)))
            .collect()
    }
}

/// The cursor query: pages of at most 100, the cursor an offset.
struct Query(Api);

impl Respond for Query {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let filter = param(req, "filter");
        self.0
            .filters
            .lock()
            .unwrap()
            .push(filter.clone().unwrap_or_default());
        let ids = self.0.selected(Selection::of(filter.as_deref()));
        let limit: usize = param(req, "limit").unwrap().parse().unwrap();
        if limit > 100 {
            return ResponseTemplate::new(400).set_body_json(json!({
                "meta": {}, "resources": [],
                "errors": [{"code": 400, "message": "limit must be between 1 and 100"}],
            }));
        }
        let start: usize = param(req, "after").map_or(0, |a| a.parse().unwrap());
        let end = (start + limit).min(ids.len());
        let page: Vec<String> = ids[start..end].iter().map(|i| format!("a{i}")).collect();
        let after = if end < ids.len() {
            end.to_string()
        } else {
            String::new()
        };
        envelope(
            json!(page),
            json!({"after": after, "limit": limit, "total": ids.len()}),
        )
    }
}

/// The aggregate: `min`, `max` and `date_range` over `first_seen`.
struct Aggregate(Api);

impl Respond for Aggregate {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        *self.0.aggregates.lock().unwrap() += 1;
        let plan = self.0.plan;
        if plan == Plan::ServerError {
            return ResponseTemplate::new(500).set_body_json(json!({"errors": [{"code": 500}]}));
        }
        let body: Vec<Value> = serde_json::from_slice(&req.body).unwrap();
        let mut out = Vec::new();
        for agg in body {
            assert_eq!(agg["field"], "first_seen");
            let sel = Selection::of(agg["filter"].as_str());
            let times: Vec<i64> = self
                .0
                .selected(sel)
                .into_iter()
                .filter_map(|i| first_seen(i, self.0.with_missing))
                .collect();
            let name = agg["name"].clone();
            let buckets = match agg["type"].as_str().unwrap() {
                "min" if plan == Plan::MinNotANumber => json!([{"count": 1, "value": "soon"}]),
                "min" => {
                    json!([{"count": times.len(), "value": times.iter().min().unwrap() * 1000}])
                }
                "max" if plan == Plan::MaxHuge => json!([{"count": 1, "value": 1e300}]),
                "max" => {
                    json!([{"count": times.len(), "value": times.iter().max().unwrap() * 1000}])
                }
                "date_range" => {
                    let ranges = agg["date_ranges"].as_array().unwrap();
                    let mut buckets: Vec<Value> = ranges
                        .iter()
                        .map(|r| {
                            let (f, t) = (r["from"].as_str(), r["to"].as_str());
                            let (f, t) = (f.map(parse_time), t.map(parse_time));
                            let n = times
                                .iter()
                                .filter(|&&x| f.is_none_or(|f| x >= f) && t.is_none_or(|t| x < t))
                                .count() as i64;
                            json!({"count": n})
                        })
                        .collect();
                    match plan {
                        Plan::Skewed => {
                            buckets[3]["count"] = json!(buckets[3]["count"].as_i64().unwrap() + 5)
                        }
                        Plan::NegativeCount => buckets[0]["count"] = json!(-1),
                        Plan::FewerBuckets => {
                            buckets.pop();
                        }
                        _ => {}
                    }
                    json!(buckets)
                }
                other => panic!("unexpected aggregation {other}"),
            };
            out.push(json!({"name": name, "buckets": buckets}));
        }
        envelope(json!(out), Value::Null)
    }
}

async fn mock(with_missing: bool, plan: Plan) -> (MockServer, Client, Api) {
    let server = token_server().await;
    let api = Api {
        with_missing,
        plan,
        filters: Arc::default(),
        aggregates: Arc::default(),
    };
    Mock::given(method("GET"))
        .and(path("/fem/queries/external-assets/v2"))
        .respond_with(Query(api.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/fem/aggregates/external-assets/v1"))
        .respond_with(Aggregate(api.clone()))
        .mount(&server)
        .await;
    let client = details_and_client(&server).await;
    (server, client, api)
}

/// Exports `filter`: every id, each checked to come once, and the number
/// of chains the export read.
async fn export(client: &Client, filter: &str) -> (HashSet<String>, usize) {
    let mut items = client.export_assets(filter).items();
    let mut ids = HashSet::new();
    while let Some(asset) = items.next().await {
        let id = asset
            .unwrap_or_else(|e| panic!("export failed: {e}"))
            .id
            .unwrap();
        assert!(ids.insert(id.to_string()), "{id} came twice");
    }
    let point = items.resume_point();
    assert!(point.is_finished());
    (ids, point.chains())
}

fn all_ids() -> HashSet<String> {
    (0..IDS).map(|i| format!("a{i}")).collect()
}

/// The filters of the shards read (the counting pages of one id aside).
fn shard_filters(api: &Api) -> Vec<String> {
    let mut f: Vec<String> = api
        .filters
        .lock()
        .unwrap()
        .iter()
        .filter(|f| f.contains("first_seen") && *f != "first_seen:null")
        .cloned()
        .collect();
    f.sort();
    f.dedup();
    f
}

#[tokio::test]
async fn shards_cover_every_id_once_with_an_open_ended_last_range_and_one_for_the_missing() {
    let (_server, client, api) = mock(true, Plan::Honest).await;
    let (ids, chains) = export(&client, "").await;
    assert_eq!(ids, all_ids());
    // At least the first range, the rest, and the items without the field.
    assert!(chains >= 3, "{chains} chains");
    let filters = shard_filters(&api);
    assert!(
        filters.iter().any(|f| f.starts_with("first_seen:<")),
        "the first range is open below: {filters:?}"
    );
    assert!(
        filters
            .iter()
            .any(|f| f.contains(">=") && !f.contains(":<")),
        "the last range is open above: {filters:?}"
    );
    assert!(
        api.filters
            .lock()
            .unwrap()
            .iter()
            .filter(|f| *f == "first_seen:null")
            .count()
            >= 2,
        "the items without the field are counted, then read"
    );
    assert_eq!(
        *api.aggregates.lock().unwrap(),
        2,
        "min/max, then the buckets"
    );
}

#[tokio::test]
async fn a_filter_is_kept_in_every_shard() {
    let (_server, client, api) = mock(false, Plan::Honest).await;
    let (ids, chains) = export(&client, "asset_type:'ip'").await;
    // The mock ignores other fields: every id matches.
    assert_eq!(ids, all_ids());
    assert!(chains >= 2);
    let filters = shard_filters(&api);
    assert!(!filters.is_empty());
    for f in filters {
        assert!(f.starts_with("(asset_type:'ip')+first_seen:"), "{f}");
    }
}

#[tokio::test]
async fn counts_that_do_not_add_up_fall_back_to_one_chain() {
    let (_server, client, api) = mock(true, Plan::Skewed).await;
    let (ids, chains) = export(&client, "").await;
    assert_eq!((ids, chains), (all_ids(), 1));
    assert!(shard_filters(&api).is_empty(), "no shard read");
}

#[tokio::test]
async fn a_filter_on_the_shard_field_is_read_as_one_chain_without_planning() {
    let (_server, client, api) = mock(false, Plan::Honest).await;
    let (ids, chains) = export(&client, "first_seen:>='2000-01-01T00:00:00Z'").await;
    assert_eq!((ids.len(), chains), (IDS, 1));
    assert_eq!(*api.aggregates.lock().unwrap(), 0);
}

#[tokio::test]
async fn hostile_planning_replies_fall_back_to_one_chain_and_lose_nothing() {
    for plan in [
        Plan::MinNotANumber,
        Plan::MaxHuge,
        Plan::NegativeCount,
        Plan::FewerBuckets,
        Plan::ServerError,
    ] {
        let (_server, client, api) = mock(true, plan).await;
        let (ids, chains) = export(&client, "").await;
        assert_eq!((ids, chains), (all_ids(), 1), "{plan:?}");
        assert!(shard_filters(&api).is_empty(), "{plan:?}");
    }
}

#[tokio::test]
async fn one_chain_asked_sends_no_planning_request() {
    let (_server, client, api) = mock(true, Plan::Honest).await;
    let mut items = client.export_assets("").max_chains(1).items();
    let mut n = 0;
    while let Some(a) = items.next().await {
        a.unwrap();
        n += 1;
    }
    assert_eq!((n, items.resume_point().chains()), (IDS, 1));
    assert_eq!(*api.aggregates.lock().unwrap(), 0);
    assert!(api.filters.lock().unwrap().iter().all(String::is_empty));
}
