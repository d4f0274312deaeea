//! The client and its builder.

mod send;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use url::Url;

use crate::auth::{Auth, AuthConfig, Secret};
use crate::cloud::{Cloud, Target, checked_base_url};
use crate::error::{Error, Result};
use crate::model::response::RateLimit;
use crate::rate::{Account, BudgetStatus, RateControl};
use crate::transport::retry::RetryPolicy;

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a whole request, reply body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default time before expiry at which a token is renewed.
pub const DEFAULT_RENEW_WINDOW: Duration = Duration::from_secs(120);
/// Default limit on the size of a JSON reply, after decompression: 32 MiB.
///
/// The largest real page, 100 assets with every field filled, is well under
/// 1 MiB; the limit leaves room for far richer records while keeping a
/// hostile or broken server from filling memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// Default [`ClientBuilder::budget_share`]: half of the account's rate
/// limit.
///
/// The limit is shared by every integration of the customer (SIEM
/// connectors, SOAR playbooks, other scripts), which this client cannot
/// see until they have already used the budget. Half leaves the other
/// integrations as much as this one takes, so that neither is pushed into
/// 429s while the other works steadily; a job that runs alone can raise it.
///
/// Measured (BENCHMARKS.md, "Throughput at the rate limit"; 100,000 assets,
/// 150 ms round trips, 6,000 requests a minute): 0.9 exports 1.3× faster
/// than 0.5, but beside an integration using 30 % of the account it took
/// the room that integration needed once its use grew, which then drew 380
/// 429s in two minutes; 0.5 drew none, at 2.8× the speed of a fixed 4
/// requests in flight.
pub const DEFAULT_BUDGET_SHARE: f64 = 0.5;
/// Most redirects an API call follows (within its origin).
const MAX_REDIRECTS: usize = 5;

/// A Falcon Exposure Management API client.
///
/// Cheap to clone: clones share the connection pool, the token and the
/// rate budget, and may be used from many tasks at once.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// For API calls: follows redirects within the request's origin only.
    pub(crate) http: reqwest::Client,
    /// Most bytes of a JSON reply read.
    pub(crate) max_response_bytes: u64,
    pub(crate) auth: Arc<Auth>,
    pub(crate) retry: RetryPolicy,
    /// The rate headers' meaning, the budget, pacing and in-flight limits.
    pub(crate) rate: Arc<RateControl>,
    /// The largest page each query gave, by operation ID, once found (see
    /// `bulk::page_size`): the next read of the query starts there.
    page_sizes: Mutex<HashMap<&'static str, u32>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.auth.base_url().as_str())
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("budget_share", &self.inner.rate.share())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`] or
/// [`ClientBuilder::from_env`].
#[derive(Default)]
pub struct ClientBuilder {
    client_id: Option<String>,
    client_secret: Option<Secret>,
    member_cid: Option<Secret>,
    target: Option<Target>,
    cloud_urls: HashMap<Cloud, String>,
    autodiscover: Option<bool>,
    user_agent: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    proxy: Option<Secret>,
    root_certificates: Vec<Vec<u8>>,
    retry: Option<RetryPolicy>,
    renew_window: Option<Duration>,
    max_response_bytes: Option<u64>,
    budget_share: Option<f64>,
    account: Option<Secret>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("member_cid", &self.member_cid.as_ref().map(|_| "***"))
            .field("target", &self.target)
            .field("autodiscover", &self.autodiscover)
            .field("proxy", &self.proxy.as_ref().map(|_| "***"))
            .field("budget_share", &self.budget_share)
            .field("account", &self.account.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder configured from the environment:
    /// `FALCON_CLIENT_ID` and `FALCON_CLIENT_SECRET` (required, non-empty),
    /// `FALCON_MEMBER_CID` (optional) and `FALCON_CLOUD` (optional: a cloud
    /// name such as `us-2`, or a base URL; default `us-1` with
    /// autodiscovery). A missing or empty credential is an error naming
    /// the variable.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading the variables through `lookup`
    /// (the unit tests' maps: setting the process's environment is unsafe
    /// while other threads read it).
    pub(crate) fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let required = |name: &str| -> Result<String> {
            match lookup(name) {
                None => Err(Error::Config(format!(
                    "environment variable {name} is not set"
                ))),
                Some(v) if v.trim().is_empty() => Err(Error::Config(format!(
                    "environment variable {name} is empty"
                ))),
                Some(v) => Ok(v.trim().to_owned()),
            }
        };
        let mut b = ClientBuilder::default()
            .client_id(required("FALCON_CLIENT_ID")?)
            .client_secret(required("FALCON_CLIENT_SECRET")?);
        if let Some(m) = lookup("FALCON_MEMBER_CID").filter(|v| !v.trim().is_empty()) {
            b = b.member_cid(m.trim());
        }
        if let Some(c) = lookup("FALCON_CLOUD").filter(|v| !v.trim().is_empty()) {
            let target: Target = c.parse().map_err(|e| match e {
                Error::Config(m) => Error::Config(format!("FALCON_CLOUD: {m}")),
                other => other,
            })?;
            b = b.target(target);
        }
        Ok(b)
    }

    /// API client ID.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// API client secret.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(Secret::new(secret));
        self
    }

    /// For MSSP parent CIDs: act on behalf of this member (child) CID.
    pub fn member_cid(mut self, cid: impl Into<String>) -> Self {
        self.member_cid = Some(Secret::new(cid));
        self
    }

    /// The cloud to use. Default: [`Cloud::Us1`], with autodiscovery.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.target = Some(Target::Cloud(cloud));
        self
    }

    /// A custom base URL (`https://...`; `http://` only for a loopback
    /// host), e.g. a gateway or an emulator. Autodiscovery is off for a
    /// custom URL unless turned on with [`Self::autodiscover`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.target = Some(Target::Url(url.into()));
        self
    }

    /// A cloud or a base URL.
    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    /// Overrides the base URL used for `cloud`, both when it is the chosen
    /// cloud and when autodiscovery moves to it.
    pub fn cloud_url(mut self, cloud: Cloud, url: impl Into<String>) -> Self {
        self.cloud_urls.insert(cloud, url.into());
        self
    }

    /// Whether to follow the token reply's `X-Cs-Region` to another cloud.
    /// Default: on for `us-1`, off otherwise.
    pub fn autodiscover(mut self, yes: bool) -> Self {
        self.autodiscover = Some(yes);
        self
    }

    /// A product name put before `falcon-exposure/<version>` in the
    /// `User-Agent` header.
    pub fn user_agent(mut self, prefix: impl Into<String>) -> Self {
        self.user_agent = Some(prefix.into());
        self
    }

    /// Time allowed to open a connection. Default: 10 s.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Time allowed for a whole request, body included. Default: 120 s.
    /// A request builder's own timeout overrides it.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }

    /// Sends every request through this proxy (`http://`, `https://` or
    /// `socks5://` URL; credentials in it are never printed).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(Secret::new(url));
        self
    }

    /// Trusts this extra root certificate (PEM), e.g. of a TLS-inspecting
    /// proxy.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Retry policy. Default: [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// How long before expiry the token is renewed. Default: 120 s.
    pub fn renew_window(mut self, d: Duration) -> Self {
        self.renew_window = Some(d);
        self
    }

    /// Most bytes of a JSON reply (API or token) the client reads, counted
    /// after decompression; a longer reply fails with
    /// [`Error::TooLarge`](crate::Error::TooLarge). Default:
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]. Blob downloads stream and are not
    /// bound by it (see [`Download::max_bytes`](crate::Download::max_bytes)).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// The fraction of the account's rate limit this client may use,
    /// `0 < share ≤ 1`. Default: [`DEFAULT_BUDGET_SHARE`].
    ///
    /// Every client of the same account in the process draws from one
    /// budget (see [`Self::account`]); this client sends only while the
    /// process's requests in the last minute stay under `share` of the
    /// account's `X-RateLimit-Limit`, and fewer when the replies'
    /// `X-RateLimit-Remaining` show other integrations using more than the
    /// rest. A value outside the range fails [`Self::build`] with
    /// [`Error::BudgetShare`].
    pub fn budget_share(mut self, share: f64) -> Self {
        self.budget_share = Some(share);
        self
    }

    /// Names the account (CID) this client acts on, so that clients built
    /// from different API clients of the same CID share one rate budget.
    ///
    /// Without it the budget is keyed by the member CID when one is set,
    /// else by the client ID: the client cannot learn its CID from the
    /// token, and two API clients of one CID would otherwise each assume
    /// the whole limit. The name is compared without case and never
    /// printed.
    pub fn account(mut self, cid: impl Into<String>) -> Self {
        self.account = Some(Secret::new(cid));
        self
    }

    /// Builds the client. Fails on missing credentials, a bad URL,
    /// `http://` to a host that is not loopback, or a budget share outside
    /// `0 < share ≤ 1`.
    pub fn build(self) -> Result<Client> {
        let agent = self.agent();
        // Two clients with the same settings: credential-bearing requests
        // never follow a redirect, API calls only within their origin.
        // The second decodes no gzip: token replies are small, and the
        // probe reads through it the headers of a reply as sent.
        let http = self.http_client(&agent, same_origin_redirects(), true)?;
        let auth_http = self.http_client(&agent, reqwest::redirect::Policy::none(), false)?;
        // Checked after the credentials, whose errors come first.
        let place = self.where_to();
        let client_id = self
            .client_id
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "client ID is missing: set it with `.client_id(..)` or FALCON_CLIENT_ID".into(),
                )
            })?;
        let client_secret = self
            .client_secret
            .filter(|s| !s.expose().trim().is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "client secret is missing: set it with `.client_secret(..)` or FALCON_CLIENT_SECRET".into(),
                )
            })?;
        let member_cid = self.member_cid.filter(|s| !s.expose().trim().is_empty());

        let (base, cloud_urls, autodiscover) = place?;
        let share = checked_share(self.budget_share.unwrap_or(DEFAULT_BUDGET_SHARE))?;
        let account = match (&self.account, &member_cid) {
            (Some(a), _) if !a.expose().trim().is_empty() => Account::cid(a.expose()),
            (_, Some(m)) => Account::cid(m.expose()),
            _ => Account::ClientId(client_id.trim().to_owned()),
        };
        let retry = self.retry.unwrap_or_default();
        let rate = RateControl::new(base.as_str(), account, share, &retry);

        let max_response_bytes = self
            .max_response_bytes
            .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                max_response_bytes,
                auth: Arc::new(Auth::new(AuthConfig {
                    http: auth_http,
                    max_reply_bytes: max_response_bytes,
                    client_id: client_id.trim().to_owned(),
                    client_secret,
                    member_cid,
                    renew_window: self.renew_window.unwrap_or(DEFAULT_RENEW_WINDOW),
                    base,
                    autodiscover,
                    cloud_urls,
                })),
                retry,
                rate: Arc::new(rate),
                page_sizes: Mutex::default(),
            }),
        })
    }
}

impl ClientBuilder {
    /// The `User-Agent` header.
    fn agent(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match self
            .user_agent
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(prefix) => format!("{prefix} falcon-exposure/{version}"),
            None => format!("falcon-exposure/{version}"),
        }
    }

    /// The base URL, the checked per-cloud URLs and whether to follow the
    /// token reply's region.
    fn where_to(&self) -> Result<(Url, HashMap<Cloud, Url>, bool)> {
        let mut cloud_urls = HashMap::new();
        for (cloud, raw) in &self.cloud_urls {
            cloud_urls.insert(*cloud, checked_base_url(raw)?);
        }
        let target = self.target.clone().unwrap_or(Target::Cloud(Cloud::Us1));
        let base: Url = match &target {
            Target::Cloud(c) => match cloud_urls.get(c) {
                Some(u) => u.clone(),
                None => checked_base_url(c.base_url())?,
            },
            Target::Url(u) => checked_base_url(u)?,
        };
        let autodiscover = self
            .autodiscover
            .unwrap_or(matches!(target, Target::Cloud(Cloud::Us1)));
        Ok((base, cloud_urls, autodiscover))
    }

    fn http_client(
        &self,
        agent: &str,
        redirect: reqwest::redirect::Policy,
        gzip: bool,
    ) -> Result<reqwest::Client> {
        let mut http = reqwest::Client::builder()
            .user_agent(agent)
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .gzip(gzip)
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(redirect);
        if let Some(p) = &self.proxy {
            let proxy = reqwest::Proxy::all(p.expose())
                .map_err(|_| Error::Config("the proxy URL is invalid".into()))?;
            http = http.proxy(proxy);
        }
        for pem in &self.root_certificates {
            let cert = reqwest::Certificate::from_pem(pem)
                .map_err(|e| Error::Config(format!("invalid root certificate: {e}")))?;
            http = http.add_root_certificate(cert);
        }
        http.build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
    }
}

/// `share` when `0 < share ≤ 1`.
fn checked_share(share: f64) -> Result<f64> {
    if share > 0.0 && share <= 1.0 {
        Ok(share)
    } else {
        Err(Error::BudgetShare { value: share })
    }
}

/// Follows at most [`MAX_REDIRECTS`] redirects, and only to the origin
/// (scheme, host, port) of the original request; otherwise the redirect
/// reply itself is returned, and the caller turns it into an error. So the
/// bearer token never leaves the host it was issued for.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `FALCON_CLIENT_ID`, `FALCON_CLIENT_SECRET`,
    /// `FALCON_MEMBER_CID` and `FALCON_CLOUD` (see
    /// [`ClientBuilder::from_env`]).
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env()?.build()
    }

    /// The base URL requests go to now (after autodiscovery, the
    /// discovered cloud's).
    pub fn base_url(&self) -> Url {
        self.inner.auth.base_url()
    }

    /// The API client ID.
    pub fn client_id(&self) -> &str {
        self.inner.auth.client_id()
    }

    /// The rate-limit figures of the last reply received.
    pub fn last_rate_limit(&self) -> RateLimit {
        self.inner.rate.last()
    }

    /// This client's view of the account's rate budget now: its share, the
    /// limit, the process's requests in the last minute and what this
    /// client may still send.
    pub fn budget_status(&self) -> BudgetStatus {
        self.inner.rate.status()
    }

    /// This client's rate control, for the bulk streams' in-flight limits.
    pub(crate) fn rate(&self) -> &Arc<RateControl> {
        &self.inner.rate
    }

    /// The largest page the query `operation` gave this client's account,
    /// once a read has found it.
    pub(crate) fn page_size_found(&self, operation: &str) -> Option<u32> {
        let sizes = self.inner.page_sizes.lock().ok()?;
        sizes.get(operation).copied()
    }

    /// Remembers `size` as the largest page of `operation` for the
    /// client's life; logged once per size.
    pub(crate) fn remember_page_size(&self, operation: &'static str, size: u32) {
        let Ok(mut sizes) = self.inner.page_sizes.lock() else {
            return;
        };
        if sizes.insert(operation, size) != Some(size) {
            tracing::info!(
                operation,
                size,
                "page size found: the API gives at most this many results a page"
            );
        }
    }

    /// A client for member (child) CID `cid` of this MSSP parent.
    ///
    /// It shares this client's connection pool, credentials, cloud and
    /// settings (budget share included), and has its own token (requested
    /// with `member_cid`) and its own rate budget, the member's. This
    /// client is unchanged. Fails when `cid` is empty.
    pub fn for_member(&self, cid: impl Into<String>) -> Result<Client> {
        let cid = cid.into();
        if cid.trim().is_empty() {
            return Err(Error::Config(
                "the member CID given to `Client::for_member` is empty".into(),
            ));
        }
        let inner = &self.inner;
        Ok(Client {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                max_response_bytes: inner.max_response_bytes,
                auth: Arc::new(inner.auth.for_member(Secret::new(cid.trim()))),
                retry: inner.retry.clone(),
                rate: Arc::new(inner.rate.for_member(&cid)),
                page_sizes: Mutex::default(),
            }),
        })
    }

    /// Gets a token now (and runs autodiscovery) instead of on the first
    /// request. Useful to check credentials early.
    pub async fn authenticate(&self) -> Result<()> {
        self.inner.auth.session().await.map(|_| ())
    }

    /// Revokes the current token (`POST /oauth2/revoke`, Basic
    /// authentication). A later request gets a new token.
    pub async fn revoke(&self) -> Result<()> {
        self.inner.auth.revoke().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn from_env_reads_the_four_variables() {
        let b = ClientBuilder::from_env_with(env(&[
            ("FALCON_CLIENT_ID", "id"),
            ("FALCON_CLIENT_SECRET", "secret"),
            ("FALCON_MEMBER_CID", "child"),
            ("FALCON_CLOUD", "eu-1"),
        ]))
        .unwrap();
        let c = b.build().unwrap();
        assert_eq!(c.base_url().as_str(), "https://api.eu-1.crowdstrike.com/");
        assert_eq!(c.client_id(), "id");

        let c = ClientBuilder::from_env_with(env(&[
            ("FALCON_CLIENT_ID", "id"),
            ("FALCON_CLIENT_SECRET", "secret"),
            ("FALCON_CLOUD", "https://gateway.example.com/falcon"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(c.base_url().as_str(), "https://gateway.example.com/falcon");

        let e = ClientBuilder::from_env_with(env(&[("FALCON_CLIENT_SECRET", "s")])).unwrap_err();
        assert!(e.to_string().contains("FALCON_CLIENT_ID is not set"), "{e}");
        let e = ClientBuilder::from_env_with(env(&[
            ("FALCON_CLIENT_ID", "i"),
            ("FALCON_CLIENT_SECRET", "  "),
        ]))
        .unwrap_err();
        assert!(
            e.to_string().contains("FALCON_CLIENT_SECRET is empty"),
            "{e}"
        );
        let e = ClientBuilder::from_env_with(env(&[
            ("FALCON_CLIENT_ID", "i"),
            ("FALCON_CLIENT_SECRET", "s"),
            ("FALCON_CLOUD", "mars-1"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("FALCON_CLOUD"), "{e}");
    }
}
