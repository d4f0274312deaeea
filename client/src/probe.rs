//! A read-only probe of what the API's documents leave open, so that
//! anyone with credentials can settle it for every user: the page sizes
//! the queries accept and how they refuse larger ones, how the v2 cursor
//! behaves and ends, whether aggregates add up to the query's total, the
//! header names the API sends, and whether it compresses its replies.
//!
//! [`run`] only reads (every operation it calls has a `:read` scope) and
//! sends at most [`MAX_REQUESTS`] requests. Its [`ProbeReport`] displays as
//! an anonymised text, with no id, no field value and no host name, to
//! paste into an issue.
//!
//! ```no_run
//! # async fn f() -> falcon_exposure::Result<()> {
//! let client = falcon_exposure::Client::from_env()?;
//! let report = falcon_exposure::probe::run(&client).await?;
//! println!("{report}");
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::fmt;

use serde_json::{Value, json};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::generated::OPERATIONS;
use crate::model::response::RawResponse;
use crate::request::operation::{HttpMethod, Operation};

/// The `limit` values tried on each query.
pub const LIMITS: [u32; 4] = [10_000, 1_000, 500, 100];

/// Most pages read by the cursor walk.
pub const MAX_WALK_PAGES: u32 = 20;

/// Most requests [`run`] sends: the limits of the four paginated
/// queries, two aggregates, one to narrow the walk, the walk and one for
/// the headers.
pub const MAX_REQUESTS: u32 = 4 * LIMITS.len() as u32 + 3 + MAX_WALK_PAGES + 1;

/// The paginated queries: the reads that take a `limit`.
fn queries() -> impl Iterator<Item = &'static Operation> {
    OPERATIONS.iter().filter(|op| {
        op.http_method() == HttpMethod::Get && is_read(op) && op.param("limit").is_some()
    })
}

/// The cursor query: the paginated query that takes an `after` cursor.
fn cursor_query() -> Option<&'static Operation> {
    queries().find(|op| op.param("after").is_some())
}

/// The aggregate operation: the read sent with POST.
fn aggregate() -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|op| op.http_method() == HttpMethod::Post && is_read(op))
}

fn is_read(op: &Operation) -> bool {
    op.scope().ends_with(":read")
}

/// Longest refusal message kept.
const MAX_MESSAGE: usize = 200;

/// What the probe found. `Display` gives the anonymised text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProbeReport {
    /// How each query answered each of [`LIMITS`].
    pub limits: Vec<LimitAnswer>,
    /// The walk through the v2 cursor (`None`: no page size was accepted).
    pub walk: Option<CursorWalk>,
    /// Whether the aggregates' bucket counts add up to the query's total.
    pub aggregates: Vec<AggregateSum>,
    /// The header names of an API reply, lower-cased by the HTTP stack
    /// (HTTP/2 sends them so; HTTP/1.1 names compare case-insensitively).
    pub api_headers: Vec<String>,
    /// The header names of the last token reply.
    pub token_headers: Vec<String>,
    /// The HTTP version of the API reply.
    pub http_version: String,
    /// The `Content-Encoding` of an API reply to a request that accepts
    /// gzip (`None`: uncompressed).
    pub content_encoding: Option<String>,
    /// The API's clock (its reply's `Date`) less the local clock, in
    /// seconds, when the reply had a valid `Date`. The reply's transit
    /// makes it up to a second off.
    pub clock_skew_seconds: Option<i64>,
    /// Requests sent.
    pub requests: u32,
}

/// How one query answered one `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitAnswer {
    /// Operation ID of the query.
    pub operation: &'static str,
    /// The `limit` sent.
    pub limit: u32,
    /// The answer.
    pub answer: Answer,
}

/// The answer of a query to a `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// A page of `items`, no more than asked; `more`: the reply gives a
    /// next position.
    Accepted {
        /// Items in the page.
        items: usize,
        /// Whether more results follow.
        more: bool,
    },
    /// Fewer items than asked although more results follow: a silent cap.
    Capped {
        /// Items in the page: the largest page.
        items: usize,
    },
    /// No item, although the reply's total says there are results.
    Empty,
    /// An error status, with the API's message, anonymised.
    Refused {
        /// HTTP status.
        status: u16,
        /// The messages of the reply's `errors`, anonymised.
        message: String,
    },
}

impl Answer {
    /// Items a page of this answer holds, when it is a usable page.
    fn page(&self) -> Option<usize> {
        match *self {
            Answer::Accepted { items, .. } | Answer::Capped { items } => Some(items),
            _ => None,
        }
    }
}

/// A walk through the v2 cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CursorWalk {
    /// The `limit` of its pages.
    pub limit: u32,
    /// Whether it was narrowed to one criticality so as to reach the end
    /// within [`MAX_WALK_PAGES`].
    pub narrowed: bool,
    /// Pages read.
    pub pages: u32,
    /// Ids received, repeats included.
    pub ids: u64,
    /// Distinct ids received.
    pub distinct: u64,
    /// The pages (1-based) that held ids of earlier pages.
    pub pages_with_repeats: Vec<u32>,
    /// Whether the last page was the one before it again.
    pub last_page_again: bool,
    /// How it ended.
    pub end: WalkEnd,
    /// The last total the replies gave.
    pub total: Option<u64>,
}

/// How a cursor walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WalkEnd {
    /// A reply whose `after` was empty.
    EmptyCursor,
    /// A reply with no `after`.
    NoCursor,
    /// A reply that gave a cursor given before.
    RepeatedCursor,
    /// [`MAX_WALK_PAGES`] pages without an end.
    NotReached,
}

/// The bucket counts of one aggregate against the query's total.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AggregateSum {
    /// The aggregate, as `type field`.
    pub aggregate: &'static str,
    /// Buckets returned.
    pub buckets: usize,
    /// Their counts added, plus `sum_other_doc_count`.
    pub sum: u64,
    /// The query's total.
    pub total: u64,
}

/// Runs the probe. Fails only on what ends it early (authentication,
/// transport); refusals are part of the report.
pub async fn run(client: &Client) -> Result<ProbeReport> {
    let missing = |what: &str| Error::Config(format!("the operation table has no {what}"));
    let mut probe = Probe {
        client,
        cursor: cursor_query().ok_or_else(|| missing("cursor query"))?,
        aggregate: aggregate().ok_or_else(|| missing("aggregate operation"))?,
        requests: 0,
    };
    let mut limits = Vec::new();
    let mut total = None;
    for op in queries() {
        for limit in LIMITS {
            let (answer, t) = probe.limit(op, limit).await?;
            if op.id() == probe.cursor.id() {
                total = total.or(t);
            }
            limits.push(LimitAnswer {
                operation: op.id(),
                limit,
                answer,
            });
        }
    }
    let total = total.unwrap_or(0);
    let aggregates = vec![
        probe
            .sum(
                "terms asset_type",
                json!({"type": "terms", "field": "asset_type", "size": 100}),
                total,
            )
            .await?,
        probe
            .sum(
                "date_histogram first_seen",
                json!({"type": "date_histogram", "field": "first_seen", "interval": "month"}),
                total,
            )
            .await?,
    ];
    let walk = probe.walk(&limits, total).await?;
    let path = format!("{}?limit={}", probe.cursor.route(), LIMITS[3]);
    let (_, version, headers) = client
        .inner
        .auth
        .raw_headers(probe.cursor.id(), &path)
        .await?;
    probe.requests += 1;
    let mut api_headers: Vec<String> = headers.keys().map(|k| k.to_string()).collect();
    api_headers.sort();
    api_headers.dedup();
    let mut token_headers = client.inner.auth.token_header_names();
    token_headers.sort();
    token_headers.dedup();
    let content_encoding = headers
        .get(http::header::CONTENT_ENCODING)
        .map(|v| clean(&String::from_utf8_lossy(v.as_bytes())));
    let clock_skew_seconds = headers
        .get(http::header::DATE)
        .and_then(|v| httpdate::parse_http_date(v.to_str().ok()?).ok())
        .map(skew_seconds);
    Ok(ProbeReport {
        limits,
        walk,
        aggregates,
        api_headers,
        token_headers,
        http_version: format!("{version:?}"),
        content_encoding,
        clock_skew_seconds,
        requests: probe.requests,
    })
}

/// `server` less now, in whole seconds.
fn skew_seconds(server: std::time::SystemTime) -> i64 {
    let now = std::time::SystemTime::now();
    let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    match server.duration_since(now) {
        Ok(ahead) => secs(ahead),
        Err(behind) => -secs(behind.duration()),
    }
}

struct Probe<'a> {
    client: &'a Client,
    cursor: &'static Operation,
    aggregate: &'static Operation,
    requests: u32,
}

/// A reply's total, when it gives one.
fn total_of(raw: &RawResponse) -> Option<u64> {
    raw.body["meta"]["pagination"]["total"].as_u64()
}

/// The number of `resources` of a reply.
fn resources(raw: &RawResponse) -> &[Value] {
    raw.body["resources"].as_array().map_or(&[], Vec::as_slice)
}

impl Probe<'_> {
    /// Sends a read of `operation` with `query`; an error status is `Err`
    /// of the answer to report.
    async fn read(
        &mut self,
        op: &'static Operation,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Result<std::result::Result<RawResponse, Answer>> {
        if !is_read(op) {
            return Err(Error::InvalidRequest {
                operation: op.id(),
                message: "the probe only reads".into(),
            });
        }
        let mut command = self.client.command_for(op);
        for (name, value) in query {
            command = command.query(name, value);
        }
        if let Some(body) = body {
            command = command.body(body);
        }
        self.requests += 1;
        match command.send().await {
            Ok(raw) => Ok(Ok(raw)),
            Err(Error::Api { status, errors, .. }) => {
                let messages: Vec<String> = errors
                    .iter()
                    .filter_map(|e| e.message.as_deref())
                    .map(anonymise)
                    .collect();
                Ok(Err(Answer::Refused {
                    status: status.as_u16(),
                    message: messages.join("; "),
                }))
            }
            Err(e) => Err(e),
        }
    }

    /// How `operation` answers `limit`, and the total its reply gives.
    async fn limit(&mut self, op: &'static Operation, limit: u32) -> Result<(Answer, Option<u64>)> {
        let raw = match self.read(op, &[("limit", limit.to_string())], None).await? {
            Ok(raw) => raw,
            Err(answer) => return Ok((answer, None)),
        };
        let items = resources(&raw).len();
        let total = total_of(&raw);
        let pagination = &raw.body["meta"]["pagination"];
        let more = match pagination["after"].as_str() {
            Some(after) => !after.trim().is_empty(),
            None => total.is_some_and(|t| t > items as u64),
        };
        let answer = if items == 0 && total.is_some_and(|t| t > 0) {
            Answer::Empty
        } else if (items as u64) < u64::from(limit) && more {
            Answer::Capped { items }
        } else {
            Answer::Accepted { items, more }
        };
        Ok((answer, total))
    }

    /// The bucket counts of the aggregate `spec` against `total`.
    async fn sum(
        &mut self,
        name: &'static str,
        mut spec: Value,
        total: u64,
    ) -> Result<AggregateSum> {
        spec["name"] = json!("probe");
        let raw = self.read(self.aggregate, &[], Some(json!([spec]))).await?;
        let mut sum = AggregateSum {
            aggregate: name,
            buckets: 0,
            sum: 0,
            total,
        };
        let Ok(raw) = raw else {
            return Ok(sum);
        };
        for result in resources(&raw) {
            let buckets = result["buckets"].as_array().map_or(&[][..], Vec::as_slice);
            sum.buckets += buckets.len();
            let counts = buckets.iter().filter_map(|b| b["count"].as_u64());
            let other = result["sum_other_doc_count"].as_u64();
            sum.sum = counts.chain(other).fold(sum.sum, u64::saturating_add);
        }
        Ok(sum)
    }

    /// The page size and filter of the walk: pages the API accepts, and a
    /// result set that fits in [`MAX_WALK_PAGES`] pages but not in one.
    async fn plan(
        &mut self,
        limits: &[LimitAnswer],
        total: u64,
    ) -> Result<Option<(u32, Option<String>)>> {
        let sizes: Vec<(u32, u64)> = limits
            .iter()
            .filter(|l| l.operation == self.cursor.id())
            .filter_map(|l| Some((l.limit, l.answer.page()? as u64)))
            .filter(|(_, page)| *page > 0)
            .collect();
        let fits = |page: u64, n: u64| n > page && n <= page * u64::from(MAX_WALK_PAGES - 2);
        if let Some(&(limit, _)) = sizes.iter().find(|(_, page)| fits(*page, total)) {
            return Ok(Some((limit, None)));
        }
        let Some(&(limit, page)) = sizes.first() else {
            return Ok(None);
        };
        if total <= page {
            return Ok(Some((limit, None)));
        }
        // Too many results: narrow to the one criticality that fits best.
        let spec = json!([{"name": "probe", "type": "terms", "field": "criticality", "size": 50}]);
        let Ok(raw) = self.read(self.aggregate, &[], Some(spec)).await? else {
            return Ok(Some((limit, None)));
        };
        let buckets = resources(&raw)
            .iter()
            .filter_map(|r| r["buckets"].as_array())
            .flatten();
        let best = buckets
            .filter_map(|b| Some((b["label"].as_str()?, b["count"].as_u64()?)))
            .filter(|(label, n)| fits(page, *n) && !label.contains(['\'', '\\']))
            .max_by_key(|(_, n)| *n);
        Ok(Some((
            limit,
            best.map(|(label, _)| format!("criticality:'{label}'")),
        )))
    }

    /// Walks the v2 cursor.
    async fn walk(&mut self, limits: &[LimitAnswer], total: u64) -> Result<Option<CursorWalk>> {
        let Some((limit, filter)) = self.plan(limits, total).await? else {
            return Ok(None);
        };
        let mut walk = CursorWalk {
            limit,
            narrowed: filter.is_some(),
            pages: 0,
            ids: 0,
            distinct: 0,
            pages_with_repeats: Vec::new(),
            last_page_again: false,
            end: WalkEnd::NotReached,
            total: None,
        };
        let mut seen: HashSet<String> = HashSet::new();
        let mut cursors: HashSet<String> = HashSet::new();
        let mut previous: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        while walk.pages < MAX_WALK_PAGES {
            let mut query = vec![("limit", limit.to_string())];
            query.extend(filter.clone().map(|f| ("filter", f)));
            query.extend(after.clone().map(|a| ("after", a)));
            let Ok(raw) = self.read(self.cursor, &query, None).await? else {
                break;
            };
            walk.pages += 1;
            walk.total = total_of(&raw).or(walk.total);
            let ids: Vec<String> = resources(&raw)
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            walk.ids += ids.len() as u64;
            let repeats = ids.iter().filter(|id| !seen.insert((*id).clone())).count();
            if repeats > 0 {
                walk.pages_with_repeats.push(walk.pages);
            }
            walk.last_page_again = !ids.is_empty() && ids == previous;
            previous = ids;
            let next = raw.body["meta"]["pagination"]["after"]
                .as_str()
                .map(str::to_owned);
            match next {
                None => walk.end = WalkEnd::NoCursor,
                Some(a) if a.trim().is_empty() => walk.end = WalkEnd::EmptyCursor,
                Some(a) if !cursors.insert(a.clone()) => walk.end = WalkEnd::RepeatedCursor,
                Some(a) => {
                    after = Some(a);
                    continue;
                }
            }
            break;
        }
        walk.distinct = seen.len() as u64;
        Ok(Some(walk))
    }
}

/// `message` with no id, value or host name: the text from its first
/// quote to its last becomes `<value>` unless it is a number, long
/// hexadecimal runs become `<id>`, words with a dot or an `@` between
/// letters (and dotted quads) `<host>`; control and non-ASCII characters
/// become `?`; at most 200 characters.
pub fn anonymise(message: &str) -> String {
    let message = clean(message);
    let quotes = ['\'', '"'];
    let mut out = match (message.find(quotes), message.rfind(quotes)) {
        (Some(i), Some(j)) if j > i => {
            let inner = &message[i + 1..j];
            let kept = !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit());
            let inner = if kept { inner } else { "<value>" };
            format!(
                "{}{}{inner}{}{}",
                words(&message[..i]),
                &message[i..=i],
                &message[j..=j],
                words(&message[j + 1..])
            )
        }
        _ => words(&message),
    };
    if out.len() > MAX_MESSAGE {
        out = out.chars().take(MAX_MESSAGE).collect();
    }
    out
}

/// Printable ASCII only.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// The words of unquoted text, ids and host names replaced.
fn words(text: &str) -> String {
    let word = |w: &str| -> String {
        let core = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let hex = core.chars().filter(char::is_ascii_hexdigit).count();
        let is_id = core.len() >= 16 && hex * 10 >= core.len() * 8;
        let parts = |sep: char| core.split(sep).filter(|p| !p.is_empty()).count();
        let lettered = core.chars().any(|c| c.is_ascii_alphabetic());
        // A name with a dot or an `@` between parts, or a dotted quad.
        let host = (lettered && (parts('@') > 1 || parts('.') > 1)) || parts('.') == 4;
        if is_id {
            "<id>".into()
        } else if host {
            "<host>".into()
        } else {
            w.into()
        }
    };
    let mut out = String::new();
    for (i, w) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&word(w));
    }
    out
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "falcon-exposure probe {} (read-only, {} requests)",
            env!("CARGO_PKG_VERSION"),
            self.requests
        )?;
        writeln!(f, "== page limits")?;
        for l in &self.limits {
            writeln!(f, "{:<32} limit {:>6}: {}", l.operation, l.limit, l.answer)?;
        }
        writeln!(f, "== v2 cursor")?;
        match &self.walk {
            Some(w) => writeln!(f, "{w}")?,
            None => writeln!(f, "not walked: no page size was accepted")?,
        }
        writeln!(f, "== aggregates against the query's total")?;
        for a in &self.aggregates {
            writeln!(f, "{a}")?;
        }
        writeln!(f, "== headers")?;
        writeln!(
            f,
            "API reply ({}): {}",
            self.http_version,
            self.api_headers.join(", ")
        )?;
        writeln!(f, "token reply: {}", self.token_headers.join(", "))?;
        match &self.content_encoding {
            Some(e) => writeln!(f, "compression: Content-Encoding {e} when gzip is accepted")?,
            None => writeln!(f, "compression: none, although gzip is accepted")?,
        }
        match self.clock_skew_seconds {
            Some(s) => writeln!(f, "clock: the API's is {s:+} s from this machine's"),
            None => writeln!(f, "clock: the reply had no valid Date header"),
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Accepted { items, more } => {
                let more = if *more {
                    ", more follow"
                } else {
                    ", the last page"
                };
                write!(f, "accepted ({items} items{more})")
            }
            Answer::Capped { items } => write!(f, "capped: {items} items although more follow"),
            Answer::Empty => write!(f, "empty: no item although the total says there are"),
            Answer::Refused { status, message } => write!(f, "refused: HTTP {status} {message:?}"),
        }
    }
}

impl fmt::Display for CursorWalk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let narrowed = if self.narrowed {
            ", narrowed to one criticality"
        } else {
            ""
        };
        write!(
            f,
            "limit {}{narrowed}: {} pages, {} ids, {} distinct",
            self.limit, self.pages, self.ids, self.distinct
        )?;
        if let Some(t) = self.total {
            let rel = match self.distinct.cmp(&t) {
                std::cmp::Ordering::Equal => "= the total",
                std::cmp::Ordering::Less => "< the total",
                std::cmp::Ordering::Greater => "> the total",
            };
            write!(f, " ({rel})")?;
        }
        match self.pages_with_repeats.as_slice() {
            [] => write!(f, "; no page repeats ids")?,
            pages => write!(f, "; pages repeating earlier ids: {pages:?}")?,
        }
        if self.last_page_again {
            write!(f, "; the last page came twice")?;
        }
        let end = match self.end {
            WalkEnd::EmptyCursor => "an empty `after`",
            WalkEnd::NoCursor => "no `after`",
            WalkEnd::RepeatedCursor => "a cursor given before",
            WalkEnd::NotReached => "not reached within the page budget",
        };
        write!(f, "; ended with {end}")
    }
}

impl fmt::Display for AggregateSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rel = if self.total == 0 {
            "the total is unknown or 0".to_owned()
        } else if self.sum == self.total {
            "add up to the total".to_owned()
        } else {
            // A ratio, not the counts: the report holds no tenant figures
            // beyond those of the walk.
            format!(
                "come to {:.3} of the total",
                self.sum as f64 / self.total as f64
            )
        };
        write!(f, "{}: {} buckets {rel}", self.aggregate, self.buckets)
    }
}

#[cfg(test)]
mod tests {
    use super::anonymise;

    #[test]
    fn messages_keep_numbers_and_lose_values_ids_and_hosts() {
        assert_eq!(
            anonymise("invalid limit '10000': must be an integer between 1 and 100"),
            "invalid limit '10000': must be an integer between 1 and 100"
        );
        assert_eq!(
            anonymise("invalid filter 'name:\\'acme\\'' at 3"),
            "invalid filter '<value>' at 3"
        );
        assert_eq!(
            anonymise("limit '500' for \"acme\" too large"),
            "limit '<value>\" too large"
        );
        assert_eq!(
            anonymise("asset 0123456789abcdef0123456789abcdef not found on api.acme.example"),
            "asset <id> not found on <host>"
        );
        assert_eq!(
            anonymise("from 10.1.2.3 by ops@acme.com"),
            "from <host> by <host>"
        );
        assert_eq!(anonymise("bad\u{1b}[31m"), "bad?[31m");
        assert!(anonymise(&"x".repeat(1000)).len() <= 200);
    }
}
