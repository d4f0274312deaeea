//! Sending a request: validation, token, pacing, retries, decoding.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use crate::body::{ERROR_BODY_LIMIT, read_limited};
use crate::client::Client;
use crate::cloud;
use crate::download::Download;
use crate::error::{Error, Result};
use crate::operation::{HttpMethod, Operation};
use crate::request::RequestParts;
use crate::response::{ApiError, ApiResponse, Meta, RateLimit, RawResponse, trace_header};
use crate::retry::wait_for_429;
use crate::validate::validate;

/// How many bytes of an undecodable body errors quote.
const EXCERPT: usize = 256;

#[derive(Deserialize)]
struct Envelope<R> {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default = "Option::default")]
    resources: Option<Vec<R>>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

/// A reply with a success status (or a non-retried failure status), with
/// its headers read.
pub(crate) struct Reply {
    pub(crate) body: Body,
    pub(crate) status: u16,
    pub(crate) rate_limit: RateLimit,
    pub(crate) trace_id: Option<String>,
    pub(crate) attempts: u32,
}

/// A reply's body: read (bounded), or left to stream.
pub(crate) enum Body {
    /// Read in full (a JSON reply, or any failure reply).
    Read(Bytes),
    /// A successful binary reply, not read yet.
    Stream(reqwest::Response),
}

impl Body {
    fn bytes(&self) -> &[u8] {
        match self {
            Body::Read(b) => b,
            Body::Stream(_) => &[],
        }
    }
}

/// Whether the reply body is read within the retry loop or streamed later.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Json,
    Stream,
}

/// The `Location` header, shortened for error messages.
pub(crate) fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get(reqwest::header::LOCATION)
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(256)
                .collect()
        })
        .unwrap_or_default()
}

fn method(m: HttpMethod) -> reqwest::Method {
    match m {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Patch => reqwest::Method::PATCH,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Delete => reqwest::Method::DELETE,
    }
}

pub(crate) fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT)]).into_owned()
}

impl Client {
    /// Sends `op` with `parts` and decodes the JSON envelope, with
    /// `resources` as `R`. Generated request builders call this; it is
    /// public so that an [`Operation`] described by hand can be sent too.
    ///
    /// A 2xx reply whose `errors` is non-empty is returned as `Ok` with
    /// [`ApiResponse::errors`] filled (and a warning logged); see
    /// [`ApiResponse::error_for_errors`].
    pub async fn execute<R: DeserializeOwned>(
        &self,
        op: &'static Operation,
        parts: RequestParts,
    ) -> Result<ApiResponse<R>> {
        let reply = self.send(op, &parts, Mode::Json).await?;
        let (status, attempts) = (reply.status, reply.attempts);
        let bytes = reply.body.bytes();
        if !(200..300).contains(&status) {
            return Err(api_error(op, status, bytes, reply.trace_id, attempts));
        }
        let env: Envelope<R> = if bytes.iter().all(u8::is_ascii_whitespace) {
            Envelope {
                meta: None,
                resources: None,
                errors: None,
            }
        } else {
            decode(op, status, bytes)?
        };
        let meta = env.meta.unwrap_or_default();
        let errors = env.errors.unwrap_or_default();
        let trace_id = reply.trace_id.or_else(|| meta.trace_id.clone());
        if !errors.is_empty() {
            tracing::warn!(
                operation = op.id,
                status,
                trace_id = trace_id.as_deref().unwrap_or_default(),
                errors = errors.len(),
                first = errors[0].message.as_deref().unwrap_or_default(),
                "successful reply carries errors"
            );
        }
        Ok(ApiResponse {
            status,
            meta,
            resources: env.resources.unwrap_or_default(),
            errors,
            rate_limit: reply.rate_limit,
            trace_id,
        })
    }

    /// Sends `op`, whose reply is a binary body, and returns the body
    /// unread so that it can be streamed.
    pub async fn execute_download(
        &self,
        op: &'static Operation,
        parts: RequestParts,
    ) -> Result<Download> {
        let reply = self.send(op, &parts, Mode::Stream).await?;
        match reply.body {
            Body::Stream(response) => Ok(Download::new(
                op,
                response,
                reply.status,
                reply.rate_limit,
                reply.trace_id,
            )),
            Body::Read(bytes) => Err(api_error(
                op,
                reply.status,
                &bytes,
                reply.trace_id,
                reply.attempts,
            )),
        }
    }

    /// Sends `op` and returns the reply's JSON as is.
    pub async fn execute_raw(
        &self,
        op: &'static Operation,
        parts: RequestParts,
    ) -> Result<RawResponse> {
        let reply = self.send(op, &parts, Mode::Json).await?;
        let (status, attempts) = (reply.status, reply.attempts);
        let bytes = reply.body.bytes();
        if !(200..300).contains(&status) {
            return Err(api_error(op, status, bytes, reply.trace_id, attempts));
        }
        let body: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            serde_json::Value::Null
        } else {
            decode(op, status, bytes)?
        };
        let trace_id = reply.trace_id.or_else(|| {
            body.pointer("/meta/trace_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        });
        Ok(RawResponse {
            status,
            body,
            rate_limit: reply.rate_limit,
            trace_id,
        })
    }

    /// Waits for a shared 429 cooldown and slows down when the rate-limit
    /// budget runs low.
    async fn pace(&self) {
        let until = self.inner.cooldown.lock().ok().and_then(|g| *g);
        if let Some(until) = until {
            if until > Instant::now() {
                tracing::debug!(
                    wait_ms = (until - Instant::now()).as_millis() as u64,
                    "waiting for rate-limit cooldown"
                );
                tokio::time::sleep_until(until).await;
            }
        }
        let remaining = self.inner.remaining.load(Ordering::Relaxed);
        let delay = self.inner.retry.pace(remaining);
        if !delay.is_zero() {
            tracing::debug!(
                remaining,
                delay_ms = delay.as_millis() as u64,
                "few requests left in the rate-limit window: slowing down"
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn note_rate_limit(&self, rl: &RateLimit) {
        if let Some(r) = rl.remaining {
            self.inner.remaining.store(r, Ordering::Relaxed);
        }
        if rl.limit.is_some() || rl.remaining.is_some() {
            if let Ok(mut g) = self.inner.last_rate_limit.lock() {
                *g = rl.clone();
            }
        }
    }

    fn set_cooldown(&self, wait: Duration) {
        let until = Instant::now() + wait;
        if let Ok(mut g) = self.inner.cooldown.lock() {
            if g.is_none_or(|u| u < until) {
                *g = Some(until);
            }
        }
    }

    /// Sends the request, retrying as the policy allows. Returns the
    /// reply when its status is final (success, or an error not retried).
    async fn send(
        &self,
        op: &'static Operation,
        parts: &RequestParts,
        mode: Mode,
    ) -> Result<Reply> {
        validate(op, parts)?;
        let span = tracing::info_span!(
            "falcon.request",
            operation = op.id,
            method = op.http_method.as_str(),
            route = op.route,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        self.send_loop(op, parts, mode).instrument(span).await
    }

    async fn send_loop(
        &self,
        op: &'static Operation,
        parts: &RequestParts,
        mode: Mode,
    ) -> Result<Reply> {
        let policy = &self.inner.retry;
        let writes_ok =
            !parts.at_most_once && (op.retry_safe || parts.retry_writes || policy.retry_writes);
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 0;
        // Token renewals after a 401, and the newest token generation at
        // the last one: a token issued after it and refused at once points
        // at the credentials, not at the token's age.
        let mut renewals: u32 = 0;
        let mut renewed_after: Option<u64> = None;
        let span = tracing::Span::current();
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            self.pace().await;
            let session = self.inner.auth.session().await?;
            let mut url = cloud::join(&session.base, op.route);
            if !parts.query.is_empty() {
                let mut q = url.query_pairs_mut();
                for (k, v) in &parts.query {
                    q.append_pair(k, v);
                }
            }
            let origin = url.origin();
            let accept = op.produces.first().copied().unwrap_or("application/json");
            let mut req = self
                .inner
                .http
                .request(method(op.http_method), url)
                .bearer_auth(session.token.expose())
                .header(reqwest::header::ACCEPT, accept);
            req = match &parts.body {
                Some(body) => req.json(body),
                // The gateway wants a JSON content type on bodyless requests too.
                None => req.header(reqwest::header::CONTENT_TYPE, "application/json"),
            };
            if let Some(t) = parts.timeout {
                req = req.timeout(t);
            }
            let budget_left = policy.max_total_wait.saturating_sub(waited);
            // The sends after a 401 renewal do not use up the budget.
            let can_retry = attempt < policy.max_attempts + renewals;
            let failure = match req.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let rate_limit = RateLimit::from_headers(response.headers());
                    let trace_id = trace_header(response.headers());
                    span.record("status", status);
                    if let Some(t) = &trace_id {
                        span.record("trace_id", t.as_str());
                    }
                    self.note_rate_limit(&rate_limit);
                    tracing::debug!(status, attempt, "reply");
                    let fresh_refused = renewed_after.is_some_and(|g| session.generation > g);
                    if status == 401 && !fresh_refused && renewals < policy.max_attempts {
                        // The token was refused (revoked, expired early):
                        // renew it and send again. A token that was
                        // already in use and dies later in the retries is
                        // renewed again; a new token refused at once is not.
                        renewals += 1;
                        self.inner.auth.invalidate(session.generation);
                        renewed_after = Some(self.inner.auth.latest_generation());
                        tracing::debug!("401: renewing the token and retrying");
                        continue;
                    }
                    renewed_after = None;
                    if status == 429 {
                        let wait = wait_for_429(
                            rate_limit.retry_after,
                            SystemTime::now(),
                            policy.backoff(attempt),
                        );
                        self.set_cooldown(wait);
                        if !can_retry || wait > budget_left {
                            let body = read_limited(response, ERROR_BODY_LIMIT)
                                .await
                                .map(|l| l.bytes)
                                .unwrap_or_default();
                            let trace_id = trace_id.or_else(|| body_trace(&body));
                            return Err(Error::RateLimited {
                                operation: op.id,
                                retry_after: rate_limit.retry_after,
                                trace_id,
                                attempts: attempt,
                            });
                        }
                        tracing::warn!(
                            attempt,
                            wait_ms = wait.as_millis() as u64,
                            "429: waiting before retrying"
                        );
                        drop(response);
                        tokio::time::sleep(wait).await;
                        waited += wait;
                        continue;
                    }
                    if matches!(status, 500 | 502 | 503 | 504) && writes_ok && can_retry {
                        let wait = policy.backoff(attempt);
                        if wait <= budget_left {
                            tracing::warn!(
                                attempt,
                                status,
                                wait_ms = wait.as_millis() as u64,
                                "server error: retrying"
                            );
                            drop(response);
                            tokio::time::sleep(wait).await;
                            waited += wait;
                            continue;
                        }
                    }
                    if (300..400).contains(&status) {
                        return Err(redirect_error(op, &response, &origin));
                    }
                    let reply = |body| Reply {
                        body,
                        status,
                        rate_limit,
                        trace_id,
                        attempts: attempt,
                    };
                    if mode == Mode::Stream && (200..300).contains(&status) {
                        return Ok(reply(Body::Stream(response)));
                    }
                    // Read here, so that a body cut short (timeout, reset)
                    // is retried like a failed send.
                    match self.read_body(op, response, status).await {
                        Ok(bytes) => return Ok(reply(Body::Read(bytes))),
                        Err(BodyError::Final(e)) => return Err(e),
                        Err(BodyError::Transport(e)) => e,
                    }
                }
                Err(e) => e,
            };
            renewed_after = None;
            // A connection that never opened carried nothing: any
            // operation may be sent again.
            let retryable = !failure.is_builder() && (writes_ok || failure.is_connect());
            if retryable && can_retry {
                let wait = policy.backoff(attempt);
                if wait <= budget_left {
                    tracing::warn!(attempt, error = %failure, wait_ms = wait.as_millis() as u64, "transport error: retrying");
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    continue;
                }
            }
            return Err(Error::from_reqwest(op.id, attempt, failure));
        }
    }

    /// Reads a reply body within the limit: the client's for a success,
    /// [`ERROR_BODY_LIMIT`] for a failure (whose first bytes are enough for
    /// its message).
    async fn read_body(
        &self,
        op: &'static Operation,
        response: reqwest::Response,
        status: u16,
    ) -> std::result::Result<Bytes, BodyError> {
        let ok = (200..300).contains(&status);
        let max = self.inner.max_response_bytes;
        let limit = if ok { max } else { ERROR_BODY_LIMIT.min(max) };
        let body = read_limited(response, limit)
            .await
            .map_err(BodyError::Transport)?;
        if body.exceeded && ok {
            return Err(BodyError::Final(Error::TooLarge {
                operation: op.id,
                limit,
                setting: "ClientBuilder::max_response_bytes",
            }));
        }
        Ok(body.bytes)
    }
}

/// Why a reply body could not be read.
enum BodyError {
    /// Not to be retried.
    Final(Error),
    /// The connection failed while reading: retried like a failed send.
    Transport(reqwest::Error),
}

/// The error for a redirect the client did not follow.
fn redirect_error(
    op: &'static Operation,
    response: &reqwest::Response,
    origin: &url::Origin,
) -> Error {
    let target = location(response.headers());
    let same_origin = response
        .url()
        .join(&target)
        .is_ok_and(|u| u.origin() == *origin);
    Error::Redirect {
        operation: op.id,
        status: response.status().as_u16(),
        location: target,
        reason: if same_origin {
            "too many redirects"
        } else {
            "it leads to another origin (scheme, host, port) than the request's, where the token must not go"
        },
    }
}

fn body_trace(bytes: &[u8]) -> Option<String> {
    let env: Envelope<serde_json::Value> = serde_json::from_slice(bytes).ok()?;
    env.meta.and_then(|m| m.trace_id)
}

fn decode<T: DeserializeOwned>(op: &'static Operation, status: u16, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode {
        operation: op.id,
        status,
        message: e.to_string(),
        body_start: excerpt(bytes),
    })
}

/// The error for a non-success reply: every `errors[]` entry and the trace
/// ID when the body is an envelope, else the start of the body.
pub(crate) fn api_error(
    op: &'static Operation,
    status: u16,
    bytes: &[u8],
    header_trace: Option<String>,
    attempts: u32,
) -> Error {
    match serde_json::from_slice::<Envelope<serde_json::Value>>(bytes) {
        Ok(env) => Error::Api {
            operation: op.id,
            status,
            errors: env.errors.unwrap_or_default(),
            trace_id: header_trace.or_else(|| env.meta.and_then(|m| m.trace_id)),
            body_start: None,
            attempts,
        },
        Err(_) => Error::Api {
            operation: op.id,
            status,
            errors: Vec::new(),
            trace_id: header_trace,
            body_start: (!bytes.is_empty()).then(|| excerpt(bytes)),
            attempts,
        },
    }
}
