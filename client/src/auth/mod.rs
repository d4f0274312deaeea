//! OAuth2 client-credentials tokens: fetching, caching, single-flight
//! renewal ahead of expiry, region autodiscovery and revocation.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::cloud::{self, Cloud};
use crate::error::{Error, Result};
use crate::model::response::ApiError;
use crate::model::response::{Meta, trace_header};
use crate::transport::body::{Limited, read_limited};
use crate::transport::reply::location;

/// Operation ID used in errors about the token endpoint.
pub(crate) const TOKEN_OP: &str = "oauth2AccessToken";
/// Operation ID used in errors about the revoke endpoint.
pub(crate) const REVOKE_OP: &str = "oauth2RevokeToken";

/// Lifetime assumed when the token reply gives none (the API's usual one).
const DEFAULT_TTL_SECS: u64 = 1799;
/// Shortest lifetime believed: a token said to live less (0, negative) is
/// still used for this long, so that the client does not ask for a token
/// on every call. A token that really dies earlier is renewed on its 401.
pub(crate) const MIN_TTL_SECS: u64 = 60;
/// Longest lifetime believed (a day); a token said to live longer is
/// renewed after a day, and no server number reaches clock arithmetic.
pub(crate) const MAX_TTL_SECS: u64 = 24 * 60 * 60;
/// Longest token accepted; real ones are about 1 KiB.
pub(crate) const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Most bytes of a token or revoke reply read: real ones are under 2 KiB.
const MAX_OAUTH_REPLY_BYTES: u64 = 64 * 1024;

/// A secret string (client secret, token, member CID) whose `Debug` and
/// `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself; only for putting it on the wire.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A token and where it is valid.
#[derive(Debug)]
pub(crate) struct Session {
    /// Base URL of the cloud the token belongs to.
    pub(crate) base: Url,
    pub(crate) token: Secret,
    /// When the token is renewed: its expiry less the renewal window.
    renew_at: Instant,
    /// Distinguishes tokens, so that a 401 invalidates only the token that
    /// was refused.
    pub(crate) generation: u64,
}

/// Settings of the token manager.
pub(crate) struct AuthConfig {
    /// Never follows redirects: the requests carry the secret or a token.
    pub(crate) http: reqwest::Client,
    /// Limit on the API's replies; the token reply's is the smaller of
    /// it and [`MAX_OAUTH_REPLY_BYTES`].
    pub(crate) max_reply_bytes: u64,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) member_cid: Option<Secret>,
    pub(crate) renew_window: Duration,
    pub(crate) base: Url,
    pub(crate) autodiscover: bool,
    pub(crate) cloud_urls: HashMap<Cloud, Url>,
}

struct Discovery {
    base: Url,
    pending: bool,
}

/// Caches the token; renews it single-flight.
pub(crate) struct Auth {
    cfg: AuthConfig,
    current: RwLock<Option<Arc<Session>>>,
    /// Held by the one task that renews the token; holds the base URL,
    /// which autodiscovery may change once.
    renew: Mutex<Discovery>,
    generation: AtomicU64,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("client_id", &self.cfg.client_id)
            .field("client_secret", &self.cfg.client_secret)
            .field("member_cid", &self.cfg.member_cid.as_ref().map(|_| "***"))
            .field("renew_window", &self.cfg.renew_window)
            .field("autodiscover", &self.cfg.autodiscover)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct MetaOnly {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

impl Auth {
    pub(crate) fn new(cfg: AuthConfig) -> Self {
        let pending = cfg.autodiscover;
        let base = cfg.base.clone();
        Auth {
            cfg,
            current: RwLock::new(None),
            renew: Mutex::new(Discovery { base, pending }),
            generation: AtomicU64::new(0),
        }
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.cfg.client_id
    }

    /// The base URL requests go to now.
    pub(crate) fn base_url(&self) -> Url {
        if let Some(s) = self.cached() {
            return s.base.clone();
        }
        self.cfg.base.clone()
    }

    fn cached(&self) -> Option<Arc<Session>> {
        self.current.read().ok().and_then(|g| g.clone())
    }

    fn is_fresh(&self, s: &Session) -> bool {
        Instant::now() < s.renew_at
    }

    /// A token that is not within the renewal window of its expiry,
    /// fetching one if needed. Concurrent callers that find the token stale
    /// wait for one renewal instead of each sending their own.
    pub(crate) async fn session(&self) -> Result<Arc<Session>> {
        if let Some(s) = self.cached().filter(|s| self.is_fresh(s)) {
            return Ok(s);
        }
        let mut disc = self.renew.lock().await;
        // Another task may have renewed while this one waited.
        if let Some(s) = self.cached().filter(|s| self.is_fresh(s)) {
            return Ok(s);
        }
        let (mut token, mut ttl, region) = self.fetch(&disc.base).await?;
        if disc.pending {
            if let Some((cloud, target)) = region
                .as_deref()
                .and_then(|r| self.discovered_base(r, &disc.base))
            {
                let (cloud_token, cloud_ttl, _) = self.fetch(&target).await?;
                // The first token is not needed any more; it is revoked
                // where it was issued, the only host that knows it.
                if let Err(e) = self.revoke_token(&disc.base, &token).await {
                    tracing::warn!(error = %e, "could not revoke the token used for autodiscovery");
                }
                tracing::info!(region = cloud.name(), base_url = %target, "autodiscovered cloud");
                token = cloud_token;
                ttl = cloud_ttl;
                disc.base = target;
            }
            disc.pending = false;
        }
        let session = Arc::new(Session {
            base: disc.base.clone(),
            token,
            // `ttl` is at most a day, so this cannot overflow; if it
            // could, renewing at once is the safe side.
            renew_at: Instant::now()
                .checked_add(renew_after(ttl, self.cfg.renew_window))
                .unwrap_or_else(Instant::now),
            generation: self.generation.fetch_add(1, Ordering::Relaxed) + 1,
        });
        if let Ok(mut g) = self.current.write() {
            *g = Some(session.clone());
        }
        Ok(session)
    }

    /// The generation of the newest token issued so far (0: none).
    pub(crate) fn latest_generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Forgets the token of `generation` (refused with 401), so that the
    /// next call renews it. A token renewed meanwhile is kept.
    pub(crate) fn invalidate(&self, generation: u64) {
        if let Ok(mut g) = self.current.write() {
            if g.as_ref().is_some_and(|s| s.generation == generation) {
                *g = None;
            }
        }
    }

    /// Revokes the cached token, if any, and forgets it.
    pub(crate) async fn revoke(&self) -> Result<()> {
        let _guard = self.renew.lock().await;
        let taken = self.current.write().ok().and_then(|mut g| g.take());
        match taken {
            Some(s) => self.revoke_token(&s.base, &s.token).await,
            None => Ok(()),
        }
    }

    /// The cloud `region` names and its base URL, when it differs from
    /// `base`. Only known clouds count: a host name or anything else in the
    /// header is never turned into a URL.
    fn discovered_base(&self, region: &str, base: &Url) -> Option<(Cloud, Url)> {
        let Some(cloud) = Cloud::from_name(region) else {
            let shown: String = region.chars().take(64).collect();
            tracing::warn!(region = ?shown, "token reply names an unknown cloud; staying");
            return None;
        };
        let url = match self.cfg.cloud_urls.get(&cloud) {
            Some(u) => u.clone(),
            None => Url::parse(cloud.base_url()).ok()?,
        };
        (url.origin() != base.origin() || url.path() != base.path()).then_some((cloud, url))
    }

    /// `POST /oauth2/token`; returns the token, its lifetime and the
    /// `X-Cs-Region` header.
    async fn fetch(&self, base: &Url) -> Result<(Secret, Duration, Option<String>)> {
        let span = tracing::info_span!(
            "falcon.oauth2",
            operation = TOKEN_OP,
            method = "POST",
            route = "/oauth2/token",
            host = base.host_str().unwrap_or_default(),
            status = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        async {
            let mut form: Vec<(&str, &str)> = vec![
                ("client_id", self.cfg.client_id.as_str()),
                ("client_secret", self.cfg.client_secret.expose()),
            ];
            if let Some(m) = &self.cfg.member_cid {
                form.push(("member_cid", m.expose()));
            }
            let reply = self
                .cfg
                .http
                .post(cloud::join(base, "/oauth2/token"))
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
                .send()
                .await
                .map_err(|e| transport(TOKEN_OP, e))?;
            let status = reply.status();
            refuse_redirect(&reply)?;
            let trace_id = trace_header(reply.headers());
            let region = reply
                .headers()
                .get("x-cs-region")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let span = tracing::Span::current();
            span.record("status", status.as_u16());
            if let Some(t) = &trace_id {
                span.record("trace_id", t.as_str());
            }
            let body = self.read(reply, TOKEN_OP).await?;
            let (token, ttl) = token_from(status, body, trace_id)?;
            tracing::debug!(expires_in_s = ttl.as_secs(), "token issued");
            Ok((token, ttl, region))
        }
        .instrument(span)
        .await
    }

    /// `POST /oauth2/revoke` with Basic authentication.
    async fn revoke_token(&self, base: &Url, token: &Secret) -> Result<()> {
        let span = tracing::info_span!(
            "falcon.oauth2",
            operation = REVOKE_OP,
            method = "POST",
            route = "/oauth2/revoke",
            host = base.host_str().unwrap_or_default(),
            status = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        async {
            let reply = self
                .cfg
                .http
                .post(cloud::join(base, "/oauth2/revoke"))
                .header(reqwest::header::ACCEPT, "application/json")
                .basic_auth(&self.cfg.client_id, Some(self.cfg.client_secret.expose()))
                .form(&[
                    ("token", token.expose()),
                    ("client_id", self.cfg.client_id.as_str()),
                ])
                .send()
                .await
                .map_err(|e| transport(REVOKE_OP, e))?;
            let status = reply.status();
            refuse_redirect(&reply)?;
            let trace_id = trace_header(reply.headers());
            let span = tracing::Span::current();
            span.record("status", status.as_u16());
            if let Some(t) = &trace_id {
                span.record("trace_id", t.as_str());
            }
            let body = self.read(reply, REVOKE_OP).await?;
            if status.is_success() {
                Ok(())
            } else {
                Err(auth_error(status, &body.bytes, trace_id))
            }
        }
        .instrument(span)
        .await
    }
}

impl Auth {
    /// Reads a token or revoke reply, bounded.
    async fn read(&self, reply: reqwest::Response, operation: &'static str) -> Result<Limited> {
        let limit = self.cfg.max_reply_bytes.min(MAX_OAUTH_REPLY_BYTES);
        read_limited(reply, limit)
            .await
            .map_err(|e| transport(operation, e))
    }
}

/// The token and its lifetime from a token reply, or why there is none.
fn token_from(
    status: StatusCode,
    body: Limited,
    trace_id: Option<String>,
) -> Result<(Secret, Duration)> {
    if status != StatusCode::CREATED && status != StatusCode::OK {
        return Err(auth_error(status, &body.bytes, trace_id));
    }
    if body.exceeded {
        return Err(auth_message(
            status,
            trace_id,
            "the token reply is larger than a token reply can be; check the base URL",
        ));
    }
    let t: TokenReply = serde_json::from_slice(&body.bytes).map_err(|source| Error::Decode {
        operation: TOKEN_OP,
        status,
        source,
        // The body holds a token: never quote it.
        body_start: String::new(),
    })?;
    if let Err(problem) = check_token(&t.access_token) {
        return Err(auth_message(status, trace_id, problem));
    }
    Ok((
        Secret::new(t.access_token),
        token_lifetime(t.expires_in.as_ref()),
    ))
}

/// A redirect on a request that carries the secret or a token is an
/// error: following it could hand them to another host.
fn refuse_redirect(reply: &reqwest::Response) -> Result<()> {
    let status = reply.status();
    if !status.is_redirection() {
        return Ok(());
    }
    let target = location(reply.headers());
    Err(Error::Auth {
        status,
        errors: vec![ApiError {
            code: None,
            message: Some(format!(
                "redirect to {target:?} refused: credentials are sent only to the configured \
                 base URL; point the client at the host that issues tokens"
            )),
            id: None,
        }],
        trace_id: trace_header(reply.headers()),
    })
}

/// Why `token` cannot be used as a bearer token, if it cannot: it must be
/// non-empty, at most [`MAX_TOKEN_BYTES`] long and made of visible ASCII
/// only (anything else would break or smuggle into the header).
pub(crate) fn check_token(token: &str) -> std::result::Result<(), &'static str> {
    if token.is_empty() {
        Err("the token reply's access_token is empty")
    } else if token.len() > MAX_TOKEN_BYTES {
        Err("the token reply's access_token is longer than 8 KiB")
    } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
        Err("the token reply's access_token holds a space, control or non-ASCII character")
    } else {
        Ok(())
    }
}

/// The lifetime `expires_in` announces, clamped to
/// [`MIN_TTL_SECS`]..=[`MAX_TTL_SECS`]. Numbers and numeric strings are
/// read (fractions dropped); anything else gives the usual 1799 s.
pub(crate) fn token_lifetime(expires_in: Option<&serde_json::Value>) -> Duration {
    let secs = match expires_in {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let secs = match secs {
        Some(s) if !s.is_nan() => {
            // The float is clamped first, so the cast is exact and in range.
            s.clamp(MIN_TTL_SECS as f64, MAX_TTL_SECS as f64) as u64
        }
        _ => DEFAULT_TTL_SECS,
    };
    Duration::from_secs(secs)
}

/// How long after issue a token of lifetime `ttl` is renewed: `window`
/// before it expires, or half-way through a lifetime shorter than twice the
/// window (so that a short-lived token is not renewed on every request).
pub(crate) fn renew_after(ttl: Duration, window: Duration) -> Duration {
    ttl - window.min(ttl / 2)
}

fn transport(operation: &'static str, e: reqwest::Error) -> Error {
    Error::from_reqwest(operation, 1, e.without_url())
}

/// An authentication error with the client's own `message`.
fn auth_message(status: StatusCode, trace_id: Option<String>, message: &str) -> Error {
    Error::Auth {
        status,
        errors: vec![ApiError {
            code: None,
            message: Some(message.to_owned()),
            id: None,
        }],
        trace_id,
    }
}

/// A typed authentication error carrying the API's messages.
fn auth_error(status: StatusCode, bytes: &[u8], header_trace: Option<String>) -> Error {
    let parsed: Option<MetaOnly> = serde_json::from_slice(bytes).ok();
    let (mut errors, meta_trace) = match parsed {
        Some(m) => (
            m.errors.unwrap_or_default(),
            m.meta.and_then(|m| m.trace_id),
        ),
        None => (Vec::new(), None),
    };
    if errors.is_empty() && !bytes.is_empty() {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            errors.push(ApiError {
                code: Some(i64::from(status.as_u16())),
                message: Some(text),
                id: None,
            });
        }
    }
    Error::Auth {
        status,
        errors,
        trace_id: header_trace.or(meta_trace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_a_window_before_expiry() {
        let s = Duration::from_secs;
        assert_eq!(renew_after(s(1799), s(120)), s(1679));
        assert_eq!(renew_after(s(1800), s(1200)), s(900));
        assert_eq!(renew_after(s(100), s(120)), s(50));
        assert_eq!(renew_after(s(0), s(120)), s(0));
        assert_eq!(renew_after(s(1799), s(0)), s(1799));
    }

    #[test]
    fn token_lifetimes_are_clamped_to_a_minute_and_a_day() {
        let life = |v: serde_json::Value| token_lifetime(Some(&v)).as_secs();
        assert_eq!(life(serde_json::json!(1799)), 1799);
        assert_eq!(life(serde_json::json!(0)), MIN_TTL_SECS);
        assert_eq!(life(serde_json::json!(-5)), MIN_TTL_SECS);
        assert_eq!(life(serde_json::json!(i64::MIN)), MIN_TTL_SECS);
        assert_eq!(life(serde_json::json!(u64::MAX)), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!(i64::MAX)), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!(1e300)), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!(90.9)), 90);
        assert_eq!(life(serde_json::json!(" 600 ")), 600);
        assert_eq!(life(serde_json::json!("1e30")), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!("inf")), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!("NaN")), 1799);
        assert_eq!(life(serde_json::json!("soon")), 1799);
        assert_eq!(life(serde_json::json!(null)), 1799);
        assert_eq!(life(serde_json::json!([1])), 1799);
        assert_eq!(token_lifetime(None).as_secs(), 1799);
        // The floor keeps a renewal from happening on every call.
        let renew = renew_after(token_lifetime(Some(&serde_json::json!(0))), DEFAULT_WINDOW);
        assert_eq!(renew, Duration::from_secs(MIN_TTL_SECS / 2));
    }

    const DEFAULT_WINDOW: Duration = Duration::from_secs(120);

    #[test]
    fn unusable_tokens_are_refused() {
        assert!(check_token("eyJhbGciOi.J-_~+/=").is_ok());
        assert!(check_token(&"a".repeat(MAX_TOKEN_BYTES)).is_ok());
        assert!(check_token("").unwrap_err().contains("empty"));
        assert!(
            check_token(&"a".repeat(MAX_TOKEN_BYTES + 1))
                .unwrap_err()
                .contains("8 KiB")
        );
        for bad in ["a\r\nX-Evil: 1", "a b", "a\u{0}", "tök", "a\t"] {
            assert!(check_token(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_print_as_stars() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn auth_errors_carry_the_api_message() {
        let e = auth_error(
            StatusCode::FORBIDDEN,
            br#"{"meta":{"trace_id":"tr"},"errors":[{"code":403,"message":"access denied, invalid client"}]}"#,
            None,
        );
        assert_eq!(
            e.to_string(),
            "authentication failed: HTTP 403; 403: access denied, invalid client (trace_id tr)"
        );
        let e = auth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            b"<html>oops</html>",
            Some("h".into()),
        );
        assert!(e.to_string().contains("<html>oops</html>"), "{e}");
        assert_eq!(e.trace_id(), Some("h"));
    }
}
