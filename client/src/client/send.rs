//! Sending a request: validation, token, pacing, the retry loop and
//! decoding. What to do after each attempt is decided by
//! [`retry::decide`]; this module carries the decision out. When a request
//! may go, and what a reply's rate headers mean, is the `rate` module's
//! ([`RateControl`](crate::rate::RateControl)), called before and after
//! each attempt.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::Client;
use crate::cloud;
use crate::error::{Error, Result};
use crate::model::response::{ApiResponse, RateLimit, RawResponse, trace_header};
use crate::request::RequestParts;
use crate::request::operation::{HttpMethod, Operation};
use crate::request::validate::validate;
use crate::transport::body::{ERROR_BODY_LIMIT, read_limited};
use crate::transport::download::Download;
use crate::transport::reply::{Body, Expecting, Reply, api_error, redirect_error, throttled};
use crate::transport::retry::{self, Attempt, Decision, Failure, Outcome};

/// Whether the reply body is read within the retry loop or streamed later.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Json,
    Stream,
}

/// How an attempt that got a reply ends the loop, or that it goes on.
// Lives for one return on the stack: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
enum Step {
    /// Return this.
    Done(Result<Reply>),
    /// The token was refused: renew it and send again.
    Renew,
    /// Send again after this wait.
    Again(Duration),
    /// Reading the body failed like a failed send.
    Failed(reqwest::Error),
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

impl Client {
    /// Sends `op` with `parts` and decodes the JSON envelope, with
    /// `resources` as `R`. Generated request builders call this.
    ///
    /// A 2xx reply whose `errors` is non-empty is returned as `Ok` with
    /// [`ApiResponse::errors`] filled (and a warning logged); see
    /// [`ApiResponse::error_for_errors`].
    pub(crate) async fn execute<R: DeserializeOwned>(
        &self,
        op: &'static Operation,
        parts: RequestParts,
    ) -> Result<ApiResponse<R>> {
        let reply = self.send(op, &parts, Mode::Json).await?;
        let (head, env) = reply.json_with(op, Expecting::<R>::items(parts.expected_items))?;
        let meta = env.meta.unwrap_or_default();
        let errors = env.errors.unwrap_or_default();
        let trace_id = head.trace_id.or_else(|| meta.trace_id.clone());
        if let Some(first) = errors.first() {
            tracing::warn!(
                operation = op.id,
                status = head.status.as_u16(),
                trace_id = trace_id.as_deref().unwrap_or_default(),
                errors = errors.len(),
                first = first.message.as_deref().unwrap_or_default(),
                "successful reply carries errors"
            );
        }
        Ok(ApiResponse {
            status: head.status,
            meta,
            resources: env.resources.unwrap_or_default(),
            errors,
            rate_limit: head.rate_limit,
            trace_id,
            operation: op.id,
        })
    }

    /// Sends `op` and returns the reply's JSON as is: the same path as
    /// [`Self::execute`], decoding into a JSON value instead of an envelope.
    pub(crate) async fn execute_json(
        &self,
        op: &'static Operation,
        parts: RequestParts,
    ) -> Result<RawResponse> {
        let reply = self.send(op, &parts, Mode::Json).await?;
        let (head, body) = reply.json::<serde_json::Value>(op)?;
        let trace_id = head.trace_id.or_else(|| {
            body.pointer("/meta/trace_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        });
        Ok(RawResponse {
            status: head.status,
            body,
            rate_limit: head.rate_limit,
            trace_id,
        })
    }

    /// Sends `op`, whose reply is a binary body, and returns the body
    /// unread so that it can be streamed.
    pub(crate) async fn execute_download(
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
        let mut attempt = Attempt {
            number: 0,
            renewals: 0,
            fresh_token: false,
            waited: Duration::ZERO,
            resend_ok: !parts.at_most_once
                && (op.retry_safe || parts.retry_writes || policy.retry_writes),
        };
        // The newest token generation at the last 401 renewal.
        let mut renewed_after: Option<u64> = None;
        loop {
            attempt.number += 1;
            tracing::Span::current().record("attempt", attempt.number);
            self.inner.rate.wait_turn().await;
            let session = self.inner.auth.session().await?;
            attempt.fresh_token = renewed_after.is_some_and(|g| session.generation > g);
            let (request, origin) = self.request(op, parts, &session.base, session.token.expose());
            // The round trip starts here: after the pacing and the token.
            let sent_at = Instant::now();
            let step = match request.send().await {
                Ok(response) => {
                    self.on_reply(op, mode, &mut attempt, response, &origin)
                        .await
                }
                Err(e) => Step::Failed(e),
            };
            if !matches!(step, Step::Failed(_)) {
                // A reply: its wire time, before any wait for a retry.
                self.inner.rate.round_trip(sent_at.elapsed());
            }
            let failure = match step {
                Step::Renew => {
                    self.inner.auth.invalidate(session.generation);
                    renewed_after = Some(self.inner.auth.latest_generation());
                    continue;
                }
                Step::Again(wait) => {
                    renewed_after = None;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Step::Done(result) => return result,
                Step::Failed(e) => e,
            };
            renewed_after = None;
            let kind = Failure::of(&failure);
            if kind != Failure::Unsendable {
                // A timeout or a lost connection: the path may be overloaded.
                self.inner.rate.overload();
            }
            let outcome = Outcome::Failed(kind);
            match self.decide(&attempt, outcome) {
                Decision::Backoff(wait) => {
                    tracing::warn!(attempt = attempt.number, error = %failure, wait_ms = wait.as_millis() as u64, "transport error: retrying");
                    attempt.waited += wait;
                    tokio::time::sleep(wait).await;
                }
                _ => return Err(Error::from_reqwest(op.id, attempt.number, failure)),
            }
        }
    }

    /// The retry decision for `outcome`, with this attempt's backoff.
    fn decide(&self, attempt: &Attempt, outcome: Outcome) -> Decision {
        let policy = &self.inner.retry;
        let backoff = policy.backoff(attempt.number);
        retry::decide(policy, attempt, outcome, backoff, SystemTime::now())
    }

    /// Builds one attempt of the request; returns it with its URL's
    /// origin.
    fn request(
        &self,
        op: &'static Operation,
        parts: &RequestParts,
        base: &url::Url,
        token: &str,
    ) -> (reqwest::RequestBuilder, url::Origin) {
        let mut url = cloud::join(base, op.route);
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
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, accept);
        req = match &parts.body {
            Some(body) => req.json(body),
            // The gateway wants a JSON content type on bodyless requests too.
            None => req.header(reqwest::header::CONTENT_TYPE, "application/json"),
        };
        if let Some(t) = parts.timeout {
            req = req.timeout(t);
        }
        (req, origin)
    }

    /// Carries out the retry decision for a reply: waits and asks for
    /// another attempt, or reads the final reply.
    async fn on_reply(
        &self,
        op: &'static Operation,
        mode: Mode,
        attempt: &mut Attempt,
        response: reqwest::Response,
        origin: &url::Origin,
    ) -> Step {
        let status = response.status();
        let (rate_limit, trace_id) = self.observe(&response, attempt.number);
        let outcome = Outcome::reply(status, &rate_limit);
        let wait = match self.decide(attempt, outcome) {
            Decision::RenewToken => {
                attempt.renewals += 1;
                tracing::debug!("401: renewing the token and retrying");
                return Step::Renew;
            }
            Decision::Throttled { cooldown } => {
                self.inner.rate.cool_down(cooldown);
                let error = throttled(op, response, &rate_limit, trace_id, attempt.number).await;
                return Step::Done(Err(error));
            }
            Decision::Cooldown(wait) => {
                self.inner.rate.cool_down(wait);
                tracing::warn!(
                    attempt = attempt.number,
                    wait_ms = wait.as_millis() as u64,
                    "429: waiting before retrying"
                );
                wait
            }
            Decision::Backoff(wait) => {
                tracing::warn!(
                    attempt = attempt.number,
                    status = status.as_u16(),
                    wait_ms = wait.as_millis() as u64,
                    "server error: retrying"
                );
                wait
            }
            Decision::Stop => {
                return self
                    .final_reply(
                        op,
                        mode,
                        attempt.number,
                        response,
                        origin,
                        rate_limit,
                        trace_id,
                    )
                    .await;
            }
        };
        drop(response);
        attempt.waited += wait;
        Step::Again(wait)
    }

    /// Reads a reply's rate-limit figures and trace ID, and records them
    /// (the figures and the status with the rate control).
    fn observe(&self, response: &reqwest::Response, attempt: u32) -> (RateLimit, Option<String>) {
        let status = response.status().as_u16();
        let rate_limit = RateLimit::from_headers(response.headers());
        let trace_id = trace_header(response.headers());
        let span = tracing::Span::current();
        span.record("status", status);
        if let Some(t) = &trace_id {
            span.record("trace_id", t.as_str());
        }
        self.inner.rate.observe(response.status(), &rate_limit);
        tracing::debug!(status, attempt, "reply");
        (rate_limit, trace_id)
    }

    /// The reply the loop ends with: a redirect error, a success left to
    /// stream, or the body read here, so that a body cut short (timeout,
    /// reset) is retried like a failed send.
    #[allow(clippy::too_many_arguments)]
    async fn final_reply(
        &self,
        op: &'static Operation,
        mode: Mode,
        attempts: u32,
        response: reqwest::Response,
        origin: &url::Origin,
        rate_limit: RateLimit,
        trace_id: Option<String>,
    ) -> Step {
        let status = response.status();
        if status.is_redirection() {
            return Step::Done(Err(redirect_error(op, &response, origin)));
        }
        let reply = |body| Reply {
            body,
            status,
            rate_limit,
            trace_id,
            attempts,
        };
        if mode == Mode::Stream && status.is_success() {
            return Step::Done(Ok(reply(Body::Stream(response))));
        }
        match self.read_body(op, response).await {
            Ok(bytes) => Step::Done(Ok(reply(Body::Read(bytes)))),
            Err(BodyError::Final(e)) => Step::Done(Err(e)),
            Err(BodyError::Transport(e)) => Step::Failed(e),
        }
    }

    /// Reads a reply body within the limit: the client's for a success,
    /// [`ERROR_BODY_LIMIT`] for a failure (whose first bytes are enough for
    /// its message).
    async fn read_body(
        &self,
        op: &'static Operation,
        response: reqwest::Response,
    ) -> std::result::Result<Bytes, BodyError> {
        let ok = response.status().is_success();
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
