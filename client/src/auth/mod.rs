//! OAuth2 client-credentials tokens: fetching, caching, single-flight
//! renewal ahead of expiry, region autodiscovery and revocation.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

mod secret;
mod token;

pub(crate) use secret::Secret;
use token::{TOKEN_OP, auth_error, refuse_redirect, renew_after, token_from};

use crate::cloud::{self, Cloud};
use crate::error::{Error, Result};
use crate::model::response::trace_header;
use crate::transport::body::{Limited, read_limited};

/// Operation ID used in errors about the revoke endpoint.
pub(crate) const REVOKE_OP: &str = "oauth2RevokeToken";

/// Most bytes of a token or revoke reply read: real ones are under 2 KiB.
const MAX_OAUTH_REPLY_BYTES: u64 = 64 * 1024;

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
#[derive(Clone)]
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
    /// The header names of the last token reply (never their values), for
    /// the probe.
    token_header_names: std::sync::Mutex<Vec<String>>,
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

impl Auth {
    pub(crate) fn new(cfg: AuthConfig) -> Self {
        let pending = cfg.autodiscover;
        let base = cfg.base.clone();
        Auth {
            cfg,
            current: RwLock::new(None),
            renew: Mutex::new(Discovery { base, pending }),
            generation: AtomicU64::new(0),
            token_header_names: std::sync::Mutex::default(),
        }
    }

    /// The header names of the last token reply.
    pub(crate) fn token_header_names(&self) -> Vec<String> {
        self.token_header_names
            .lock()
            .map(|n| n.clone())
            .unwrap_or_default()
    }

    /// The status, HTTP version and headers of a GET of `path_and_query`
    /// on the session's cloud, as the API sent them: through the client
    /// that follows no redirect and decodes no body, advertising gzip so
    /// that a compressed reply shows its `Content-Encoding`. The body is
    /// not read.
    pub(crate) async fn raw_headers(
        self: &Arc<Self>,
        operation: &'static str,
        path_and_query: &str,
    ) -> Result<(http::StatusCode, http::Version, http::HeaderMap)> {
        let session = self.session().await?;
        let reply = self
            .cfg
            .http
            .get(cloud::join(&session.base, path_and_query))
            .bearer_auth(session.token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .map_err(|e| transport(operation, e))?;
        Ok((reply.status(), reply.version(), reply.headers().clone()))
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.cfg.client_id
    }

    /// A token manager for member CID `cid` with the same credentials and
    /// HTTP client (so the same connection pool), and a token of its own.
    /// It starts on the cloud this one has settled on, if it has.
    pub(crate) fn for_member(&self, cid: Secret) -> Auth {
        let mut cfg = self.cfg.clone();
        cfg.member_cid = Some(cid);
        if let Some(s) = self.cached() {
            cfg.base = s.base.clone();
            cfg.autodiscover = false;
        }
        Auth::new(cfg)
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
    pub(crate) async fn session(self: &Arc<Self>) -> Result<Arc<Session>> {
        if let Some(s) = self.cached().filter(|s| self.is_fresh(s)) {
            return Ok(s);
        }
        // The renewal runs as a task of its own. Its lock is handed to the
        // waiters in turn, so a caller's future that queued for it and was
        // then no longer polled (a request held while its owner awaits
        // something else: an export's id page while the detail requests
        // fill the buffer) would hold every later caller up for ever. A
        // task is polled by the runtime whatever its caller does.
        let this = self.clone();
        match tokio::spawn(async move { this.renew().await }).await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The runtime is shutting down: renew here.
            Err(_) => self.renew().await,
        }
    }

    /// Fetches a token unless another caller renewed it meanwhile.
    async fn renew(&self) -> Result<Arc<Session>> {
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
        let span = oauth_span(TOKEN_OP, "/oauth2/token", base);
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
            if let Ok(mut names) = self.token_header_names.lock() {
                *names = reply.headers().keys().map(|k| k.to_string()).collect();
            }
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
        let span = oauth_span(REVOKE_OP, "/oauth2/revoke", base);
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

fn transport(operation: &'static str, e: reqwest::Error) -> Error {
    Error::from_reqwest(operation, 1, e.without_url())
}

/// The span of a request to an OAuth2 route; status and trace ID are
/// recorded once the reply arrives.
fn oauth_span(operation: &'static str, route: &'static str, base: &Url) -> tracing::Span {
    tracing::info_span!(
        "falcon.oauth2",
        operation,
        method = "POST",
        route,
        host = base.host_str().unwrap_or_default(),
        status = tracing::field::Empty,
        trace_id = tracing::field::Empty,
    )
}
