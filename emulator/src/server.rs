//! HTTP layer: routing, the gate every request passes (statistics, auth,
//! rate limit, faults, headers) and the operation handlers.

// Handlers return ready error responses from helpers; they are cold paths.
#![allow(clippy::result_large_err)]

use crate::aggregate::{self, AggRequest};
use crate::config::{EmulatorConfig, Fault, FaultConfig, SCOPE_READ, SCOPE_WRITE};
use crate::data::SubsidiaryInfo;
use crate::model::{Asset, Str, Subsidiary, Triage, Ts};
use crate::rng::Rng;
use crate::store::{QueryCache, Store};
use crate::time::now_secs;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The most ids one entity request may carry.
pub const MAX_IDS: usize = 100;
/// Results beyond this position are not reachable with offset pagination.
pub const MAX_RESULT_WINDOW: usize = 10_000;
/// Default page size of the query operations.
pub const DEFAULT_LIMIT: usize = 100;
const POWERED_BY: &str = "crowdstrike-api-gateway";
const REAL_DEFAULT_LIMIT: u32 = 6_000;
const OAUTH_LIMIT: u32 = 300;
/// Requests with a missing, malformed or expired bearer token allowed per
/// minute and source IP (the API's documented class limit).
pub const BAD_TOKEN_LIMIT: u32 = 15;
/// Source addresses whose bad-token windows are kept before idle ones are
/// dropped.
const BAD_TOKEN_SOURCES: usize = 4096;

/// The routes the emulator counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Token,
    Revoke,
    QueryAssets,
    QueryAssetsV2,
    GetAssets,
    PatchAssets,
    DeleteAssets,
    AggregateAssets,
    BlobDownload,
    BlobPreview,
    InventoryPost,
    QuerySubsidiaries,
    GetSubsidiaries,
    CombinedSubsidiaries,
    Unknown,
}

/// Every route, in counter order.
pub const ROUTES: [Route; 15] = [
    Route::Token,
    Route::Revoke,
    Route::QueryAssets,
    Route::QueryAssetsV2,
    Route::GetAssets,
    Route::PatchAssets,
    Route::DeleteAssets,
    Route::AggregateAssets,
    Route::BlobDownload,
    Route::BlobPreview,
    Route::InventoryPost,
    Route::QuerySubsidiaries,
    Route::GetSubsidiaries,
    Route::CombinedSubsidiaries,
    Route::Unknown,
];

impl Route {
    /// The operation id (or `oauth2_token` / `oauth2_revoke` / `unknown`).
    pub fn name(self) -> &'static str {
        match self {
            Route::Token => "oauth2_token",
            Route::Revoke => "oauth2_revoke",
            Route::QueryAssets => "query_external_assets",
            Route::QueryAssetsV2 => "query_external_assets_v2",
            Route::GetAssets => "get_external_assets",
            Route::PatchAssets => "patch_external_assets",
            Route::DeleteAssets => "delete_external_assets",
            Route::AggregateAssets => "aggregate_external_assets",
            Route::BlobDownload => "blob_download_external_assets",
            Route::BlobPreview => "blob_preview_external_assets",
            Route::InventoryPost => "post_external_assets_inventory_v1",
            Route::QuerySubsidiaries => "query_ecosystem_subsidiaries",
            Route::GetSubsidiaries => "get_ecosystem_subsidiaries",
            Route::CombinedSubsidiaries => "combined_ecosystem_subsidiaries",
            Route::Unknown => "unknown",
        }
    }

    fn of(method: &Method, path: &str) -> Route {
        let path = path.trim_end_matches('/');
        match (method.as_str(), path) {
            ("POST", "/oauth2/token") => Route::Token,
            ("POST", "/oauth2/revoke") => Route::Revoke,
            ("GET", "/fem/queries/external-assets/v1") => Route::QueryAssets,
            ("GET", "/fem/queries/external-assets/v2") => Route::QueryAssetsV2,
            ("GET", "/fem/entities/external-assets/v1") => Route::GetAssets,
            ("PATCH", "/fem/entities/external-assets/v1") => Route::PatchAssets,
            ("DELETE", "/fem/entities/external-assets/v1") => Route::DeleteAssets,
            ("POST", "/fem/aggregates/external-assets/v1") => Route::AggregateAssets,
            ("GET", "/fem/entities/blobs-download/v1") => Route::BlobDownload,
            ("GET", "/fem/entities/blobs-preview/v1") => Route::BlobPreview,
            ("POST", "/fem/entities/external-asset-inventory/v1") => Route::InventoryPost,
            ("GET", "/fem/queries/ecosystem-subsidiaries/v1") => Route::QuerySubsidiaries,
            ("GET", "/fem/entities/ecosystem-subsidiaries/v1") => Route::GetSubsidiaries,
            ("GET", "/fem/combined/ecosystem-subsidiaries/v1") => Route::CombinedSubsidiaries,
            _ => Route::Unknown,
        }
    }

    fn scope(self) -> Option<&'static str> {
        match self {
            Route::Token | Route::Revoke | Route::Unknown => None,
            Route::PatchAssets | Route::DeleteAssets | Route::InventoryPost => Some(SCOPE_WRITE),
            _ => Some(SCOPE_READ),
        }
    }

    fn is_oauth(self) -> bool {
        matches!(self, Route::Token | Route::Revoke)
    }
}

struct Token {
    client_id: String,
    scopes: Vec<String>,
    issued: Instant,
    expires: Instant,
}

/// A sliding one-minute window of request counts, in one-second buckets.
struct Window {
    counts: [u32; 60],
    stamps: [i64; 60],
}

impl Default for Window {
    fn default() -> Self {
        Window {
            counts: [0; 60],
            stamps: [i64::MIN; 60],
        }
    }
}

impl Window {
    fn used(&self, now: i64) -> u32 {
        (0..60)
            .filter(|&i| self.stamps[i] > now - 60 && self.stamps[i] <= now)
            .map(|i| self.counts[i])
            .sum()
    }

    fn record(&mut self, now: i64) {
        let i = now.rem_euclid(60) as usize;
        if self.stamps[i] != now {
            self.stamps[i] = now;
            self.counts[i] = 0;
        }
        self.counts[i] += 1;
    }

    /// Epoch second at which the oldest counted request leaves the window.
    fn frees_at(&self, now: i64) -> i64 {
        (0..60)
            .filter(|&i| self.stamps[i] > now - 60 && self.counts[i] > 0)
            .map(|i| self.stamps[i] + 60)
            .min()
            .unwrap_or(now + 1)
    }
}

struct FaultState {
    cfg: FaultConfig,
    counter: u64,
    rng: Rng,
}

impl FaultState {
    fn decide(&mut self) -> Option<Fault> {
        self.counter += 1;
        let n = self.counter;
        if let Some(s) = self.cfg.schedule.iter().find(|s| s.request == n) {
            return Some(s.fault);
        }
        if self.cfg.kinds.is_empty() {
            return None;
        }
        if let Some(every) = self.cfg.every.filter(|e| *e > 0) {
            if n % every == 0 {
                let k = ((n / every - 1) % self.cfg.kinds.len() as u64) as usize;
                return Some(self.cfg.kinds[k]);
            }
        }
        if self.cfg.rate > 0.0 && self.rng.chance(self.cfg.rate) {
            return Some(*self.rng.pick(&self.cfg.kinds));
        }
        None
    }
}

/// State shared by every request.
pub struct Shared {
    pub cfg: EmulatorConfig,
    /// The inventory's time anchor.
    pub anchor: i64,
    pub store: RwLock<Store>,
    cache: QueryCache,
    tokens: RwLock<HashMap<String, Token>>,
    window: Mutex<Window>,
    oauth_window: Mutex<Window>,
    bad_token_windows: Mutex<HashMap<IpAddr, Window>>,
    rate_limit: Mutex<Option<u32>>,
    faults: Mutex<FaultState>,
    counts: [AtomicU64; ROUTES.len()],
    seq: AtomicU64,
    pub subsidiaries: Vec<SubsidiaryInfo>,
    /// Version of the subsidiary set (ecosystem-subsidiaries `version_id`).
    pub subsidiaries_version: String,
}

impl Shared {
    pub fn new(
        cfg: EmulatorConfig,
        anchor: i64,
        store: Store,
        subsidiaries: Vec<SubsidiaryInfo>,
    ) -> Self {
        let faults = FaultState {
            cfg: cfg.faults.clone(),
            counter: 0,
            rng: Rng::new(cfg.seed ^ 0xFA17),
        };
        let mut r = Rng::new(cfg.seed ^ 0x5EB5);
        Shared {
            rate_limit: Mutex::new(cfg.rate_limit_per_minute),
            anchor,
            store: RwLock::new(store),
            cache: QueryCache::default(),
            tokens: RwLock::new(HashMap::new()),
            window: Mutex::new(Window::default()),
            oauth_window: Mutex::new(Window::default()),
            bad_token_windows: Mutex::new(HashMap::new()),
            faults: Mutex::new(faults),
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            seq: AtomicU64::new(now_nanos()),
            subsidiaries,
            subsidiaries_version: r.hex(8),
            cfg,
        }
    }

    /// Request counts per route.
    pub fn counts(&self) -> Vec<(Route, u64)> {
        ROUTES
            .iter()
            .zip(&self.counts)
            .map(|(r, c)| (*r, c.load(Relaxed)))
            .collect()
    }

    /// Replaces the fault configuration and restarts its request counter.
    pub fn set_faults(&self, cfg: FaultConfig) {
        if let Ok(mut f) = self.faults.lock() {
            f.cfg = cfg;
            f.counter = 0;
        }
    }

    /// Changes the per-minute budget.
    pub fn set_rate_limit(&self, limit: Option<u32>) {
        if let Ok(mut l) = self.rate_limit.lock() {
            *l = limit;
        }
    }

    /// Invalidates every issued token.
    pub fn expire_tokens(&self) {
        if let Ok(mut t) = self.tokens.write() {
            t.clear();
        }
    }

    /// Counts a request with a bad token from `ip`: the budget left, and
    /// when the request is refused, the epoch second a slot frees.
    fn bad_token(&self, ip: IpAddr, now: i64) -> (u32, Option<i64>) {
        let Ok(mut windows) = self.bad_token_windows.lock() else {
            return (0, None);
        };
        if windows.len() >= BAD_TOKEN_SOURCES && !windows.contains_key(&ip) {
            windows.retain(|_, w| w.used(now) > 0);
        }
        let w = windows.entry(ip).or_default();
        if self.cfg.enforce_bad_token_limit && w.used(now) >= BAD_TOKEN_LIMIT {
            return (0, Some(w.frees_at(now)));
        }
        w.record(now);
        (BAD_TOKEN_LIMIT.saturating_sub(w.used(now)), None)
    }

    fn mix(&self) -> u64 {
        let mut r = Rng::new(self.seq.fetch_add(1, Relaxed));
        r.next_u64()
    }

    fn trace_id(&self) -> String {
        let a = self.mix();
        let b = self.mix();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFF,
            0x8000 | (b >> 48) & 0x3FFF,
            b & 0xFFFF_FFFF_FFFF
        )
    }

    fn new_token(&self) -> String {
        format!(
            "{:016x}{:016x}{:016x}{:016x}",
            self.mix(),
            self.mix(),
            self.mix(),
            self.mix()
        )
    }
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Per-request context the gate hands to handlers.
#[derive(Clone)]
pub struct Ctx {
    trace_id: Arc<str>,
    start: Instant,
    client_id: Arc<str>,
}

/// Closes the connection a request arrived on, without a response.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

/// The address a request's connection comes from.
#[derive(Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// `msa.APIError`.
#[derive(Debug, Clone, Serialize)]
pub struct ApiError {
    code: u16,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

impl ApiError {
    fn new(code: u16, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            id: None,
        }
    }

    fn not_found(id: &str) -> Self {
        ApiError {
            code: 404,
            message: format!("asset not found: {id}"),
            id: Some(id.to_string()),
        }
    }
}

#[derive(Serialize, Default)]
struct Writes {
    resources_affected: usize,
}

#[derive(Serialize)]
struct Meta<'a> {
    query_time: f64,
    powered_by: &'static str,
    trace_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagination: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    writes: Option<Writes>,
}

#[derive(Serialize)]
struct Envelope<'a, R: Serialize> {
    meta: Meta<'a>,
    resources: R,
    errors: Vec<ApiError>,
}

fn meta(trace_id: &str, start: Instant) -> Meta<'_> {
    Meta {
        query_time: (start.elapsed().as_secs_f64() * 1e6).round() / 1e6,
        powered_by: POWERED_BY,
        trace_id,
        pagination: None,
        writes: None,
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn envelope_response<R: Serialize>(
    ctx: &Ctx,
    status: StatusCode,
    resources: R,
    errors: Vec<ApiError>,
    pagination: Option<Value>,
    writes: Option<usize>,
) -> Response {
    let mut m = meta(&ctx.trace_id, ctx.start);
    m.pagination = pagination;
    m.writes = writes.map(|resources_affected| Writes { resources_affected });
    let env = Envelope {
        meta: m,
        resources,
        errors,
    };
    match serde_json::to_vec(&env) {
        Ok(body) => json_response(status, body),
        Err(e) => error_response(ctx, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

fn error_response(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    error_parts(&ctx.trace_id, ctx.start, status, message)
}

fn error_parts(trace_id: &str, start: Instant, status: StatusCode, message: &str) -> Response {
    let errors = vec![ApiError::new(status.as_u16(), message)];
    let body = if status == StatusCode::TOO_MANY_REQUESTS {
        // 429 replies are `msa.ReplyMetaOnly`: meta and errors, no resources.
        #[derive(Serialize)]
        struct MetaOnly<'a> {
            meta: Meta<'a>,
            errors: Vec<ApiError>,
        }
        serde_json::to_vec(&MetaOnly {
            meta: meta(trace_id, start),
            errors,
        })
    } else {
        serde_json::to_vec(&Envelope {
            meta: meta(trace_id, start),
            resources: [(); 0],
            errors,
        })
    };
    json_response(status, body.unwrap_or_default())
}

fn bad_request(ctx: &Ctx, message: &str) -> Response {
    error_response(ctx, StatusCode::BAD_REQUEST, message)
}

fn set_header(r: &mut Response, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        r.headers_mut().insert(name, v);
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The gate every request passes before its handler.
pub async fn gate(State(st): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = Route::of(req.method(), req.uri().path());
    st.counts[ROUTES
        .iter()
        .position(|r| *r == route)
        .unwrap_or(ROUTES.len() - 1)]
    .fetch_add(1, Relaxed);
    let trace_id: Arc<str> = st.trace_id().into();
    let now = now_secs();
    let configured = st.rate_limit.lock().map(|l| *l).unwrap_or(None);
    let (limit, window) = if route.is_oauth() || route == Route::Unknown {
        (OAUTH_LIMIT, &st.oauth_window)
    } else {
        (configured.unwrap_or(REAL_DEFAULT_LIMIT), &st.window)
    };
    let mut ctx = Ctx {
        trace_id: trace_id.clone(),
        start,
        client_id: Arc::from(""),
    };
    let stamp = |mut r: Response, limit: u32, remaining: u32| {
        set_header(&mut r, "x-cs-traceid", &trace_id);
        set_header(&mut r, "x-ratelimit-limit", limit);
        set_header(&mut r, "x-ratelimit-remaining", remaining);
        r
    };
    let finish = |r: Response, remaining: u32| stamp(r, limit, remaining);
    let used = window.lock().map(|w| w.used(now)).unwrap_or(0);
    let remaining_now = limit.saturating_sub(used);

    // Authentication and scopes for API routes.
    if let Some(scope) = route.scope() {
        let token = bearer(req.headers()).map(str::to_string);
        let lifetime = st.faults.lock().ok().and_then(|f| f.cfg.token_lifetime);
        let verdict = match token {
            None => Err(StatusCode::UNAUTHORIZED),
            Some(t) => {
                let tokens = st
                    .tokens
                    .read()
                    .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR);
                match tokens {
                    Err(s) => Err(s),
                    Ok(tokens) => match tokens.get(&t) {
                        None => Err(StatusCode::UNAUTHORIZED),
                        Some(tok) if Instant::now() >= tok.expires => Err(StatusCode::UNAUTHORIZED),
                        Some(tok) if lifetime.is_some_and(|l| tok.issued.elapsed() >= l) => {
                            Err(StatusCode::UNAUTHORIZED)
                        }
                        Some(tok) if !tok.scopes.iter().any(|s| s == scope) => {
                            Err(StatusCode::FORBIDDEN)
                        }
                        Some(tok) => Ok(tok.client_id.clone()),
                    },
                }
            }
        };
        match verdict {
            Ok(client) => ctx.client_id = client.into(),
            Err(StatusCode::UNAUTHORIZED) => {
                // Bad tokens fall in their own class: a budget per source IP.
                let ip = req
                    .extensions()
                    .get::<Peer>()
                    .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |p| p.0.ip());
                let (remaining, retry) = st.bad_token(ip, now);
                let r = match retry {
                    Some(at) => {
                        let mut r = error_response(
                            &ctx,
                            StatusCode::TOO_MANY_REQUESTS,
                            "API rate limit exceeded.",
                        );
                        set_header(&mut r, "x-ratelimit-retryafter", at);
                        r
                    }
                    None => error_response(
                        &ctx,
                        StatusCode::UNAUTHORIZED,
                        "access denied, invalid bearer token",
                    ),
                };
                return stamp(r, BAD_TOKEN_LIMIT, remaining);
            }
            Err(StatusCode::FORBIDDEN) => {
                let r = error_response(
                    &ctx,
                    StatusCode::FORBIDDEN,
                    "access denied, authorization failed",
                );
                return finish(r, remaining_now);
            }
            Err(s) => return finish(error_response(&ctx, s, "internal error"), remaining_now),
        }
    }

    // Rate limit: the budget is shared by all clients of the account.
    let mut remaining = remaining_now;
    if route != Route::Unknown {
        let enforce = if route.is_oauth() { None } else { configured };
        if let Ok(mut w) = window.lock() {
            if let Some(limit) = enforce {
                if w.used(now) >= limit {
                    let retry = w.frees_at(now);
                    drop(w);
                    let mut r = error_response(
                        &ctx,
                        StatusCode::TOO_MANY_REQUESTS,
                        "API rate limit exceeded.",
                    );
                    set_header(&mut r, "x-ratelimit-retryafter", retry);
                    return finish(r, 0);
                }
            }
            w.record(now);
            remaining = limit.saturating_sub(w.used(now));
        }
    }

    // Faults.
    let faultable = route != Route::Unknown
        && (!route.is_oauth() || st.faults.lock().is_ok_and(|f| f.cfg.include_oauth));
    if faultable {
        let (fault, latency) = match st.faults.lock() {
            Ok(mut f) => (f.decide(), f.cfg.latency),
            Err(_) => (None, None),
        };
        if let Some(l) = latency {
            tokio::time::sleep(l).await;
        }
        match fault {
            None => {}
            Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
            Some(Fault::TooManyRequests) => {
                let mut r = error_response(
                    &ctx,
                    StatusCode::TOO_MANY_REQUESTS,
                    "API rate limit exceeded.",
                );
                set_header(&mut r, "x-ratelimit-retryafter", now + 1);
                return finish(r, 0);
            }
            Some(Fault::InternalServerError) => {
                let msg = format!(
                    "Internal Server Error: Please provide trace-id='{trace_id}' to support"
                );
                return finish(
                    error_response(&ctx, StatusCode::INTERNAL_SERVER_ERROR, &msg),
                    remaining,
                );
            }
            Some(Fault::BadGateway) => {
                return finish(
                    error_response(&ctx, StatusCode::BAD_GATEWAY, "Bad Gateway"),
                    remaining,
                );
            }
            Some(Fault::ServiceUnavailable) => {
                return finish(
                    error_response(&ctx, StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
                    remaining,
                );
            }
            Some(Fault::MalformedJson) => {
                let body = format!(
                    "{{\"meta\":{{\"query_time\":0.001,\"powered_by\":\"{POWERED_BY}\",\"trace_id\":\"{trace_id}\"}},\"resources\":[\"trunc"
                );
                return finish(json_response(StatusCode::OK, body.into_bytes()), remaining);
            }
            Some(Fault::DropConnection) => {
                if let Some(kill) = req.extensions().get::<ConnKill>() {
                    kill.0.notify_one();
                    // The connection is torn down; this future is dropped with it.
                    std::future::pending::<()>().await;
                }
                return finish(
                    error_response(&ctx, StatusCode::BAD_GATEWAY, "connection dropped"),
                    remaining,
                );
            }
        }
    }

    req.extensions_mut().insert(ctx);
    let r = next.run(req).await;
    finish(r, remaining)
}

/// Fallback for unknown routes.
pub async fn not_found(Extension(ctx): Extension<Ctx>, req: Request) -> Response {
    error_response(
        &ctx,
        StatusCode::NOT_FOUND,
        &format!("no route for {} {}", req.method(), req.uri().path()),
    )
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// `POST /oauth2/token`.
pub async fn token(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let f = form(&body);
    let (Some(id), Some(secret)) = (
        f.get("client_id").filter(|s| !s.is_empty()),
        f.get("client_secret").filter(|s| !s.is_empty()),
    ) else {
        return bad_request(&ctx, "client_id and client_secret are required form fields");
    };
    let member = f.get("member_cid").filter(|s| !s.is_empty());
    let client = st
        .cfg
        .clients
        .iter()
        .find(|c| &c.client_id == id && &c.client_secret == secret);
    let Some(client) = client else {
        return error_response(
            &ctx,
            StatusCode::FORBIDDEN,
            "Failed to issue access token - Not Authorized",
        );
    };
    if let Some(m) = member {
        if !client.member_cids.iter().any(|c| c.eq_ignore_ascii_case(m)) {
            return error_response(
                &ctx,
                StatusCode::FORBIDDEN,
                "Failed to issue access token - Not Authorized",
            );
        }
    }
    let token = st.new_token();
    let now = Instant::now();
    if let Ok(mut t) = st.tokens.write() {
        t.retain(|_, tok| tok.expires > now);
        t.insert(
            token.clone(),
            Token {
                client_id: client.client_id.clone(),
                scopes: client.scopes.clone(),
                issued: now,
                expires: now + st.cfg.token_ttl,
            },
        );
    }
    let body = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": st.cfg.token_ttl.as_secs(),
    });
    let mut r = json_response(StatusCode::CREATED, body.to_string().into_bytes());
    if let Some(region) = &st.cfg.region {
        set_header(&mut r, "x-cs-region", region);
    }
    r
}

/// `POST /oauth2/revoke`.
pub async fn revoke(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b)| decode_base64(b))
        .and_then(|b| String::from_utf8(b).ok());
    let client = basic
        .as_deref()
        .and_then(|b| b.split_once(':'))
        .and_then(|(id, secret)| {
            st.cfg
                .clients
                .iter()
                .find(|c| c.client_id == id && c.client_secret == secret)
        });
    let Some(client) = client else {
        return error_response(
            &ctx,
            StatusCode::FORBIDDEN,
            "access denied, authorization failed",
        );
    };
    let f = form(&body);
    let Some(token) = f.get("token").filter(|t| !t.is_empty()) else {
        return bad_request(&ctx, "token is a required form field");
    };
    if let Ok(mut t) = st.tokens.write() {
        if t.get(token)
            .is_some_and(|tok| tok.client_id == client.client_id)
        {
            t.remove(token);
        }
    }
    envelope_response(&ctx, StatusCode::OK, [(); 0], Vec::new(), None, None)
}

struct Params(Vec<(String, String)>);

impl Params {
    fn parse(q: Option<String>) -> Self {
        Params(
            q.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the repeated `ids` parameters; commas inside one
    /// value also separate ids.
    fn id_values(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(|(k, _)| k == "ids" || k == "ids[]")
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The distinct ids, in order of first appearance, or when there are
    /// more than `max` of them, the number of values given. Linear: one
    /// hash lookup per value, and no id is copied past the limit.
    fn ids(&self, max: usize) -> Result<Vec<String>, usize> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for id in self.id_values() {
            if seen.insert(id) {
                if out.len() == max {
                    return Err(self.id_values().count());
                }
                out.push(id.to_string());
            }
        }
        Ok(out)
    }
}

fn parse_limit(ctx: &Ctx, p: &Params, max: usize) -> Result<usize, Response> {
    match p.get("limit").map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(DEFAULT_LIMIT.min(max)),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 1 && n as usize <= max => Ok(n as usize),
            _ => Err(bad_request(
                ctx,
                &format!("invalid limit '{s}': must be an integer between 1 and {max}"),
            )),
        },
    }
}

fn select<'a>(
    st: &'a Shared,
    ctx: &Ctx,
    p: &Params,
) -> Result<(std::sync::RwLockReadGuard<'a, Store>, Arc<Vec<u32>>), Response> {
    let store = st
        .store
        .read()
        .map_err(|_| error_response(ctx, StatusCode::INTERNAL_SERVER_ERROR, "store poisoned"))?;
    let hits = st
        .cache
        .query(
            &store,
            p.get("filter").unwrap_or(""),
            p.get("sort").unwrap_or(""),
            now_secs(),
        )
        .map_err(|e| bad_request(ctx, &e))?;
    Ok((store, hits))
}

/// `GET /fem/queries/external-assets/v1`.
pub async fn query_assets(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    let limit = match parse_limit(&ctx, &p, MAX_RESULT_WINDOW) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let offset = match p.get("offset").map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n >= 0 => n as usize,
            _ => {
                return bad_request(
                    &ctx,
                    &format!("invalid offset '{s}': must be a non-negative integer"),
                );
            }
        },
    };
    if offset >= MAX_RESULT_WINDOW {
        return bad_request(
            &ctx,
            &format!(
                "offset {offset} is out of range: offset pagination is limited to the first {MAX_RESULT_WINDOW} results; narrow the filter or use the v2 query with the after cursor"
            ),
        );
    }
    let (store, hits) = match select(&st, &ctx, &p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let end = (offset + limit).min(hits.len()).min(MAX_RESULT_WINDOW);
    let page: Vec<&str> = hits
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| store.at(*i).map(|a| a.id.as_ref()))
        .collect();
    let pagination = json!({"offset": offset, "limit": limit, "total": hits.len()});
    envelope_response(
        &ctx,
        StatusCode::OK,
        page,
        Vec::new(),
        Some(pagination),
        None,
    )
}

/// `GET /fem/queries/external-assets/v2`: cursor pagination with `after`.
pub async fn query_assets_v2(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    let limit = match parse_limit(&ctx, &p, MAX_RESULT_WINDOW) {
        Ok(l) => l,
        Err(r) => return r,
    };
    // The cursor is the position after the last returned result, encoded.
    let start = match p.get("after").map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => match decode_cursor(s) {
            Some(n) => n,
            None => return bad_request(&ctx, &format!("invalid after cursor '{s}'")),
        },
    };
    let (store, hits) = match select(&st, &ctx, &p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let end = (start + limit).min(hits.len());
    let page: Vec<&str> = hits
        .get(start.min(end)..end)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| store.at(*i).map(|a| a.id.as_ref()))
        .collect();
    let after = if end < hits.len() {
        encode_cursor(end)
    } else {
        String::new()
    };
    let pagination = json!({"after": after, "limit": limit, "total": hits.len()});
    envelope_response(
        &ctx,
        StatusCode::OK,
        page,
        Vec::new(),
        Some(pagination),
        None,
    )
}

fn encode_cursor(n: usize) -> String {
    format!("c{:x}", (n as u64) ^ 0x5A5A_5A5A)
}

fn decode_cursor(s: &str) -> Option<usize> {
    let v = u64::from_str_radix(s.strip_prefix('c')?, 16).ok()?;
    Some((v ^ 0x5A5A_5A5A) as usize)
}

fn ids_or_400(ctx: &Ctx, p: &Params) -> Result<Vec<String>, Response> {
    match p.ids(MAX_IDS) {
        Ok(ids) if ids.is_empty() => Err(bad_request(
            ctx,
            "ids is required: pass one or more ids parameters",
        )),
        Ok(ids) => Ok(ids),
        Err(given) => Err(bad_request(
            ctx,
            &format!("too many ids: {given} given, at most {MAX_IDS} are allowed"),
        )),
    }
}

/// `GET /fem/entities/external-assets/v1`.
pub async fn get_assets(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    let ids = match ids_or_400(&ctx, &p) {
        Ok(ids) => ids,
        Err(r) => return r,
    };
    let Ok(store) = st.store.read() else {
        return error_response(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "store poisoned");
    };
    let mut found: Vec<&Asset> = Vec::with_capacity(ids.len());
    let mut errors = Vec::new();
    for id in &ids {
        match store.get(id) {
            Some(a) => found.push(a),
            None => errors.push(ApiError::not_found(id)),
        }
    }
    envelope_response(&ctx, StatusCode::OK, found, errors, None, None)
}

#[derive(Deserialize)]
struct PatchBody {
    assets: Option<Vec<PatchItem>>,
}

#[derive(Deserialize)]
struct PatchItem {
    id: Option<String>,
    #[allow(dead_code)]
    cid: Option<String>,
    criticality: Option<String>,
    criticality_description: Option<String>,
    triage: Option<TriagePatch>,
}

#[derive(Deserialize)]
struct TriagePatch {
    action: Option<String>,
    assigned_to: Option<String>,
    description: Option<String>,
    status: Option<String>,
}

/// `PATCH /fem/entities/external-assets/v1`.
pub async fn patch_assets(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let parsed: PatchBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_request(&ctx, &format!("invalid request body: {e}")),
    };
    let items = parsed.assets.unwrap_or_default();
    if items.is_empty() {
        return bad_request(&ctx, "assets is required and must not be empty");
    }
    if items.len() > MAX_IDS {
        return bad_request(
            &ctx,
            &format!("too many assets: at most {MAX_IDS} per request"),
        );
    }
    if items
        .iter()
        .any(|i| i.id.as_deref().is_none_or(|s| s.trim().is_empty()))
    {
        return bad_request(&ctx, "every asset needs an id");
    }
    let now = Ts(now_secs());
    let who: Str = Cow::Owned(ctx.client_id.to_string());
    let Ok(mut store) = st.store.write() else {
        return error_response(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "store poisoned");
    };
    let mut errors = Vec::new();
    let mut updated = Vec::new();
    for item in items {
        let id = item.id.unwrap_or_default();
        let Some(a) = store.get_mut(&id) else {
            errors.push(ApiError::not_found(&id));
            continue;
        };
        if let Some(c) = item.criticality {
            a.criticality = Some(Cow::Owned(c));
            a.criticality_username = Some(who.clone());
            a.criticality_timestamp = Some(now);
        }
        if let Some(d) = item.criticality_description {
            a.criticality_description = Some(Cow::Owned(d));
        }
        if let Some(t) = item.triage {
            let tr = a.triage.get_or_insert_with(Triage::default);
            let set = |slot: &mut Option<Str>, v: Option<String>| {
                if let Some(v) = v {
                    *slot = Some(Cow::Owned(v));
                }
            };
            set(&mut tr.action, t.action);
            set(&mut tr.assigned_to, t.assigned_to);
            set(&mut tr.description, t.description);
            set(&mut tr.status, t.status);
            tr.updated_by = Some(who.clone());
            tr.updated_timestamp = Some(now);
        }
        updated.push(id);
    }
    let resources: Vec<&Asset> = updated.iter().filter_map(|id| store.get(id)).collect();
    let n = resources.len();
    envelope_response(&ctx, StatusCode::OK, resources, errors, None, Some(n))
}

/// `DELETE /fem/entities/external-assets/v1`.
pub async fn delete_assets(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let p = Params::parse(q);
    let ids = match ids_or_400(&ctx, &p) {
        Ok(ids) => ids,
        Err(r) => return r,
    };
    if !body.iter().all(u8::is_ascii_whitespace) {
        #[derive(Deserialize)]
        struct DeleteBody {
            #[allow(dead_code)]
            description: Option<String>,
        }
        if let Err(e) = serde_json::from_slice::<DeleteBody>(&body) {
            return bad_request(&ctx, &format!("invalid request body: {e}"));
        }
    }
    let Ok(mut store) = st.store.write() else {
        return error_response(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "store poisoned");
    };
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        if store.delete(&id) {
            deleted.push(id);
        } else {
            errors.push(ApiError::not_found(&id));
        }
    }
    let n = deleted.len();
    envelope_response(&ctx, StatusCode::OK, deleted, errors, None, Some(n))
}

/// `POST /fem/aggregates/external-assets/v1`.
pub async fn aggregate_assets(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_request(&ctx, &format!("invalid request body: {e}")),
    };
    let list = match value {
        Value::Array(a) => a,
        obj @ Value::Object(_) => vec![obj],
        _ => {
            return bad_request(
                &ctx,
                "the body must be a JSON array of aggregation requests",
            );
        }
    };
    if list.is_empty() {
        return bad_request(&ctx, "at least one aggregation request is required");
    }
    let mut reqs = Vec::with_capacity(list.len());
    for v in list {
        match serde_json::from_value::<AggRequest>(v) {
            Ok(r) => reqs.push(r),
            Err(e) => return bad_request(&ctx, &format!("invalid aggregation request: {e}")),
        }
    }
    let now = now_secs();
    for r in &reqs {
        if let Err(e) = aggregate::validate(r, now) {
            return bad_request(&ctx, &e);
        }
    }
    let Ok(store) = st.store.read() else {
        return error_response(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "store poisoned");
    };
    let docs: Vec<u32> = store.iter().map(|(i, _)| i).collect();
    let results: Vec<_> = reqs
        .iter()
        .map(|r| aggregate::run(&store, r, &docs, now))
        .collect();
    envelope_response(&ctx, StatusCode::OK, results, Vec::new(), None, None)
}

const CHUNK: usize = 64 * 1024;

/// The deterministic content of a blob: a banner line, then the hash repeated.
fn blob_bytes(header: &[u8], filler: &[u8], offset: u64, len: usize) -> Vec<u8> {
    (0..len as u64)
        .map(|k| {
            let i = offset + k;
            if (i as usize) < header.len() {
                header[i as usize]
            } else {
                filler[((i as usize) - header.len()) % filler.len()]
            }
        })
        .collect()
}

fn find_blob(st: &Shared, ctx: &Ctx, p: &Params) -> Result<(Vec<u8>, Vec<u8>), Response> {
    let (Some(asset_id), Some(hash)) = (
        p.get("assetId").filter(|s| !s.is_empty()),
        p.get("hash").filter(|s| !s.is_empty()),
    ) else {
        return Err(bad_request(ctx, "assetId and hash are required"));
    };
    let store = st
        .store
        .read()
        .map_err(|_| error_response(ctx, StatusCode::INTERNAL_SERVER_ERROR, "store poisoned"))?;
    let Some(a) = store.get(asset_id) else {
        return Err(error_response(
            ctx,
            StatusCode::NOT_FOUND,
            &format!("asset not found: {asset_id}"),
        ));
    };
    let services =
        a.ip.iter()
            .flat_map(|i| &i.services)
            .chain(a.dns_domain.iter().flat_map(|d| &d.services));
    for s in services {
        if let Some(k) = s.blob_hashes.iter().position(|h| h == hash) {
            let what = if k == 0 { "banner" } else { "attributes" };
            let host =
                a.ip.as_ref()
                    .map(|i| i.ip_address.to_string())
                    .or_else(|| a.dns_domain.as_ref().map(|d| d.fqdn.to_string()))
                    .unwrap_or_default();
            let header = format!(
                "{} {what} for {host}:{}/{} ({})\r\n",
                s.protocol,
                s.port,
                s.transport,
                s.applications
                    .first()
                    .map(|x| x.name.as_ref())
                    .unwrap_or("unknown")
            );
            return Ok((header.into_bytes(), format!("{hash}\n").into_bytes()));
        }
    }
    Err(error_response(
        ctx,
        StatusCode::NOT_FOUND,
        &format!("blob not found: {hash}"),
    ))
}

/// `GET /fem/entities/blobs-download/v1`: streams `blob_size` bytes.
pub async fn blob_download(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    let (header, filler) = match find_blob(&st, &ctx, &p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let size = st.cfg.blob_size;
    let stream = futures::stream::unfold(0u64, move |pos| {
        let header = header.clone();
        let filler = filler.clone();
        async move {
            if pos >= size {
                return None;
            }
            let len = CHUNK.min((size - pos) as usize);
            let chunk = Bytes::from(blob_bytes(&header, &filler, pos, len));
            Some((Ok::<_, std::io::Error>(chunk), pos + len as u64))
        }
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    set_header(&mut r, "content-length", size);
    r
}

/// `GET /fem/entities/blobs-preview/v1`.
pub async fn blob_preview(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    let (header, filler) = match find_blob(&st, &ctx, &p) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let len = (st.cfg.blob_size as usize).min(512);
    let preview = String::from_utf8_lossy(&blob_bytes(&header, &filler, 0, len)).into_owned();
    envelope_response(&ctx, StatusCode::OK, [preview], Vec::new(), None, None)
}

/// `POST /fem/entities/external-asset-inventory/v1`: registers user assets.
pub async fn inventory_post(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Req {
        data: Vec<Group>,
    }
    #[derive(Deserialize)]
    struct Group {
        subsidiary_id: String,
        assets: Vec<Item>,
    }
    #[derive(Deserialize)]
    struct Item {
        id: String,
        value: String,
    }
    let req: Req = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(&ctx, &format!("invalid request body: {e}")),
    };
    let mut results = Vec::new();
    let mut index = 0;
    for g in req.data {
        let sub = st.subsidiaries.iter().find(|s| s.id == g.subsidiary_id);
        for item in g.assets {
            let sub_json =
                json!({"id": g.subsidiary_id, "name": sub.map(|s| s.name.as_str()).unwrap_or("")});
            let value = item.value.trim().to_lowercase();
            let kind = if crate::fields::ip_number(&value).is_some() {
                Some("ip")
            } else if value.contains('.')
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            {
                Some("dns_domain")
            } else {
                None
            };
            let mut r = json!({
                "id": item.id,
                "index": index,
                "raw_value": item.value,
                "subsidiary": sub_json,
            });
            match (sub, kind) {
                (None, _) => {
                    r["error"] = json!({"code": 404, "message": "subsidiary not found", "details": g.subsidiary_id});
                }
                (_, None) => {
                    r["error"] = json!({"code": 400, "message": "value is neither an IP address nor a DNS domain"});
                }
                (Some(sub), Some(kind)) => {
                    let subsidiary = Subsidiary {
                        id: Cow::Owned(sub.id.to_string()),
                        name: Cow::Owned(sub.name.to_string()),
                    };
                    let asset = crate::data::user_asset(
                        &item.id,
                        &value,
                        kind == "ip",
                        subsidiary,
                        &st.cfg.cid,
                        now_secs(),
                    );
                    let Ok(mut store) = st.store.write() else {
                        return error_response(
                            &ctx,
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "store poisoned",
                        );
                    };
                    if store.insert(asset) {
                        r["asset_type"] = json!(kind);
                        r["value"] = json!(value);
                    } else {
                        r["error"] = json!({"code": 409, "message": "an asset with this id exists", "details": item.id});
                    }
                }
            }
            results.push(r);
            index += 1;
        }
    }
    let n = results.iter().filter(|r| r.get("error").is_none()).count();
    envelope_response(&ctx, StatusCode::OK, results, Vec::new(), None, Some(n))
}

fn subsidiary_json(st: &Shared, s: &SubsidiaryInfo) -> Value {
    let store = st.store.read();
    let count = store
        .map(|store| {
            store
                .iter()
                .filter(|(_, a)| a.subsidiaries.iter().any(|x| x.id == s.id))
                .count()
        })
        .unwrap_or(0);
    json!({
        "id": s.id,
        "cid": st.cfg.cid,
        "name": s.name,
        "primary_domain": s.domain,
        "parent_id": s.parent_id,
        "children_count": s.children_count,
        "discovery": s.discovery,
        "asset_count": count,
        "risk_score": ((s.id.len() * 7919 + count) % 100) as f64 / 10.0,
    })
}

fn subsidiary_page(st: &Shared, ctx: &Ctx, p: &Params) -> Result<(Vec<usize>, Value), Response> {
    if let Some(v) = p.get("version_id").filter(|v| !v.is_empty()) {
        if v != st.subsidiaries_version {
            return Err(bad_request(ctx, &format!("unknown version_id '{v}'")));
        }
    }
    let limit = parse_limit(ctx, p, 1000)?;
    let offset: usize = match p.get("offset").filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => s
            .parse()
            .map_err(|_| bad_request(ctx, &format!("invalid offset '{s}'")))?,
    };
    let mut idx: Vec<usize> = (0..st.subsidiaries.len()).collect();
    if let Some(f) = p.get("filter").filter(|s| !s.trim().is_empty()) {
        // Filters on name or primary_domain: `name:'x'`, with `*` wildcards.
        let mut out = Vec::new();
        for clause in f.split('+') {
            let Some((field, value)) = clause.split_once(':') else {
                return Err(bad_request(ctx, &format!("invalid filter '{clause}'")));
            };
            let value = value.trim().trim_start_matches('*').trim_matches('\'');
            let field = field.trim();
            if !matches!(field, "name" | "primary_domain" | "id") {
                return Err(bad_request(
                    ctx,
                    &format!("invalid filter: unknown filter field '{field}'"),
                ));
            }
            out.push((field.to_string(), value.to_string()));
        }
        idx.retain(|&i| {
            let s = &st.subsidiaries[i];
            out.iter().all(|(f, v)| {
                let hay = match f.as_str() {
                    "name" => &s.name,
                    "id" => &s.id,
                    _ => &s.domain,
                };
                crate::fql::wildcard_match(v, hay)
            })
        });
    }
    if let Some(sort) = p.get("sort").map(str::trim).filter(|s| !s.is_empty()) {
        let (by_domain, desc) = subsidiary_sort(sort).map_err(|e| bad_request(ctx, &e))?;
        idx.sort_by(|a, b| {
            let (a, b) = (&st.subsidiaries[*a], &st.subsidiaries[*b]);
            if by_domain {
                a.domain.cmp(&b.domain)
            } else {
                a.name.cmp(&b.name)
            }
        });
        if desc {
            idx.reverse();
        }
    }
    let total = idx.len();
    let page: Vec<usize> = idx.into_iter().skip(offset).take(limit).collect();
    Ok((
        page,
        json!({"offset": offset, "limit": limit, "total": total}),
    ))
}

/// The sorts the subsidiary queries document: `name` or `primary_domain`,
/// bare or with `|asc`, `|desc`, `.asc`, `.desc`. Returns (by domain, descending).
fn subsidiary_sort(sort: &str) -> Result<(bool, bool), String> {
    let (field, dir) = sort.split_once(['|', '.']).unwrap_or((sort, "asc"));
    let by_domain = match field.trim() {
        "name" => false,
        "primary_domain" => true,
        other => {
            return Err(format!(
                "invalid sort: unknown sort field '{other}'; the allowed fields are name and primary_domain"
            ));
        }
    };
    let desc = match dir.trim().to_ascii_lowercase().as_str() {
        "asc" => false,
        "desc" => true,
        _ => {
            return Err(format!(
                "invalid sort: direction '{dir}' must be asc or desc"
            ));
        }
    };
    Ok((by_domain, desc))
}

fn subsidiaries_envelope(
    st: &Shared,
    ctx: &Ctx,
    resources: Value,
    pagination: Option<Value>,
    errors: Vec<ApiError>,
) -> Response {
    let mut m = serde_json::to_value(meta(&ctx.trace_id, ctx.start)).unwrap_or_default();
    if let Some(p) = pagination {
        m["pagination"] = p;
    }
    m["version_id"] = json!(st.subsidiaries_version);
    let body = json!({"meta": m, "resources": resources, "errors": errors});
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

/// `GET /fem/queries/ecosystem-subsidiaries/v1`.
pub async fn query_subsidiaries(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    match subsidiary_page(&st, &ctx, &p) {
        Ok((page, pag)) => {
            let ids: Vec<&str> = page
                .iter()
                .map(|i| st.subsidiaries[*i].id.as_str())
                .collect();
            subsidiaries_envelope(&st, &ctx, json!(ids), Some(pag), Vec::new())
        }
        Err(r) => r,
    }
}

/// `GET /fem/combined/ecosystem-subsidiaries/v1`.
pub async fn combined_subsidiaries(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    match subsidiary_page(&st, &ctx, &p) {
        Ok((page, pag)) => {
            let res: Vec<Value> = page
                .iter()
                .map(|i| subsidiary_json(&st, &st.subsidiaries[*i]))
                .collect();
            subsidiaries_envelope(&st, &ctx, json!(res), Some(pag), Vec::new())
        }
        Err(r) => r,
    }
}

/// `GET /fem/entities/ecosystem-subsidiaries/v1`.
pub async fn get_subsidiaries(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Response {
    let p = Params::parse(q);
    let ids = match ids_or_400(&ctx, &p) {
        Ok(ids) => ids,
        Err(r) => return r,
    };
    if let Some(v) = p.get("version_id").filter(|v| !v.is_empty()) {
        if v != st.subsidiaries_version {
            return bad_request(&ctx, &format!("unknown version_id '{v}'"));
        }
    }
    let mut res = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        match st.subsidiaries.iter().find(|s| s.id == id) {
            Some(s) => res.push(subsidiary_json(&st, s)),
            None => errors.push(ApiError {
                code: 404,
                message: format!("subsidiary not found: {id}"),
                id: Some(id),
            }),
        }
    }
    subsidiaries_envelope(&st, &ctx, json!(res), None, errors)
}

/// Small pause used by shutdown to let in-flight responses finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
