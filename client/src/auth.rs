//! OAuth2 client-credentials tokens: fetching, caching, single-flight
//! renewal ahead of expiry, region autodiscovery and revocation.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::cloud::{self, Cloud};
use crate::error::{Error, Result};
use crate::response::{ApiError, Meta, trace_header};

/// Operation ID used in errors about the token endpoint.
pub(crate) const TOKEN_OP: &str = "oauth2AccessToken";
/// Operation ID used in errors about the revoke endpoint.
pub(crate) const REVOKE_OP: &str = "oauth2RevokeToken";

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
    pub(crate) async fn session(&self, http: &reqwest::Client) -> Result<Arc<Session>> {
        if let Some(s) = self.cached().filter(|s| self.is_fresh(s)) {
            return Ok(s);
        }
        let mut disc = self.renew.lock().await;
        // Another task may have renewed while this one waited.
        if let Some(s) = self.cached().filter(|s| self.is_fresh(s)) {
            return Ok(s);
        }
        let (mut token, mut ttl, region) = self.fetch(http, &disc.base).await?;
        if disc.pending {
            if let Some(target) = region
                .as_deref()
                .and_then(|r| self.discovered_base(r, &disc.base))
            {
                let (cloud_token, cloud_ttl, _) = self.fetch(http, &target).await?;
                // The first token is not needed any more.
                if let Err(e) = self.revoke_token(http, &target, &token).await {
                    tracing::warn!(error = %e, "could not revoke the token used for autodiscovery");
                }
                tracing::info!(region = region.as_deref().unwrap_or_default(), base_url = %target, "autodiscovered cloud");
                token = cloud_token;
                ttl = cloud_ttl;
                disc.base = target;
            }
            disc.pending = false;
        }
        let session = Arc::new(Session {
            base: disc.base.clone(),
            token,
            renew_at: Instant::now() + renew_after(ttl, self.cfg.renew_window),
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
    pub(crate) async fn revoke(&self, http: &reqwest::Client) -> Result<()> {
        let _guard = self.renew.lock().await;
        let taken = self.current.write().ok().and_then(|mut g| g.take());
        match taken {
            Some(s) => self.revoke_token(http, &s.base, &s.token).await,
            None => Ok(()),
        }
    }

    /// The base URL of the cloud `region` names, when it differs from `base`.
    fn discovered_base(&self, region: &str, base: &Url) -> Option<Url> {
        let Some(cloud) = Cloud::from_name(region) else {
            tracing::warn!(region, "token reply names an unknown cloud; staying");
            return None;
        };
        let url = match self.cfg.cloud_urls.get(&cloud) {
            Some(u) => u.clone(),
            None => Url::parse(cloud.base_url()).ok()?,
        };
        (url.origin() != base.origin() || url.path() != base.path()).then_some(url)
    }

    /// `POST /oauth2/token`; returns the token, its lifetime and the
    /// `X-Cs-Region` header.
    async fn fetch(
        &self,
        http: &reqwest::Client,
        base: &Url,
    ) -> Result<(Secret, Duration, Option<String>)> {
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
            let reply = http
                .post(cloud::join(base, "/oauth2/token"))
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
                .send()
                .await
                .map_err(|e| transport(TOKEN_OP, e))?;
            let status = reply.status().as_u16();
            let trace_id = trace_header(reply.headers());
            let region = reply
                .headers()
                .get("x-cs-region")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let span = tracing::Span::current();
            span.record("status", status);
            if let Some(t) = &trace_id {
                span.record("trace_id", t.as_str());
            }
            let bytes = reply.bytes().await.map_err(|e| transport(TOKEN_OP, e))?;
            if status != 201 && status != 200 {
                return Err(auth_error(status, &bytes, trace_id));
            }
            let t: TokenReply = serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
                operation: TOKEN_OP,
                status,
                message: e.to_string(),
                // The body holds a token: never quote it.
                body_start: String::new(),
            })?;
            let secs = match t.expires_in {
                Some(serde_json::Value::Number(n)) => n.as_u64(),
                Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            }
            .unwrap_or(1799);
            tracing::debug!(expires_in = secs, "token issued");
            Ok((
                Secret::new(t.access_token),
                Duration::from_secs(secs),
                region,
            ))
        }
        .instrument(span)
        .await
    }

    /// `POST /oauth2/revoke` with Basic authentication.
    async fn revoke_token(&self, http: &reqwest::Client, base: &Url, token: &Secret) -> Result<()> {
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
            let reply = http
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
            let status = reply.status().as_u16();
            let trace_id = trace_header(reply.headers());
            let span = tracing::Span::current();
            span.record("status", status);
            if let Some(t) = &trace_id {
                span.record("trace_id", t.as_str());
            }
            let bytes = reply.bytes().await.map_err(|e| transport(REVOKE_OP, e))?;
            if (200..300).contains(&status) {
                Ok(())
            } else {
                Err(auth_error(status, &bytes, trace_id))
            }
        }
        .instrument(span)
        .await
    }
}

/// How long after issue a token of lifetime `ttl` is renewed: `window`
/// before it expires, or half-way through a lifetime shorter than twice the
/// window (so that a short-lived token is not renewed on every request).
pub(crate) fn renew_after(ttl: Duration, window: Duration) -> Duration {
    ttl - window.min(ttl / 2)
}

fn transport(operation: &'static str, e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            operation,
            attempts: 1,
        }
    } else {
        Error::Transport {
            operation,
            attempts: 1,
            source: e.without_url(),
        }
    }
}

/// A typed authentication error carrying the API's messages.
fn auth_error(status: u16, bytes: &[u8], header_trace: Option<String>) -> Error {
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
                code: Some(i64::from(status)),
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
    fn secrets_print_as_stars() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn auth_errors_carry_the_api_message() {
        let e = auth_error(
            403,
            br#"{"meta":{"trace_id":"tr"},"errors":[{"code":403,"message":"access denied, invalid client"}]}"#,
            None,
        );
        assert_eq!(
            e.to_string(),
            "authentication failed: HTTP 403; 403: access denied, invalid client (trace_id tr)"
        );
        let e = auth_error(500, b"<html>oops</html>", Some("h".into()));
        assert!(e.to_string().contains("<html>oops</html>"), "{e}");
        assert_eq!(e.trace_id(), Some("h"));
    }
}
