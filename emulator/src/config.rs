//! Emulator configuration.

use crate::rng::Rng;
use std::time::Duration;

/// Client id of the API client [`EmulatorConfig::default`] creates.
pub const DEFAULT_CLIENT_ID: &str = "emulator-client-id";
/// Secret of the API client [`EmulatorConfig::default`] creates.
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-client-secret";
/// The customer id (CID) the inventory belongs to by default.
pub const DEFAULT_CID: &str = "0123456789abcdef0123456789abcdef";

/// The scope that allows reads (queries, gets, aggregates, blobs).
pub const SCOPE_READ: &str = "assets:read";
/// The scope that allows writes (patch and delete).
pub const SCOPE_WRITE: &str = "assets:write";

/// One API client the token endpoint accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: String,
    /// Granted scopes, e.g. [`SCOPE_READ`], [`SCOPE_WRITE`].
    pub scopes: Vec<String>,
    /// Member CIDs this client may request tokens for (MSSP); empty for none.
    pub member_cids: Vec<String>,
}

impl ApiClient {
    /// A client with the given credentials and scopes.
    pub fn new(client_id: &str, client_secret: &str, scopes: &[&str]) -> Self {
        ApiClient {
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            member_cids: Vec::new(),
        }
    }

    /// Adds member CIDs.
    pub fn with_member_cids(mut self, cids: &[&str]) -> Self {
        self.member_cids = cids.iter().map(|s| s.to_string()).collect();
        self
    }
}

/// A fault the emulator can inject instead of (or before) serving a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `X-Ratelimit-Retryafter` one second ahead.
    TooManyRequests,
    /// 500 with the error envelope.
    InternalServerError,
    /// 502 with the error envelope.
    BadGateway,
    /// 503 with the error envelope.
    ServiceUnavailable,
    /// The connection is closed without a response.
    DropConnection,
    /// The request is served normally after this delay.
    Latency(Duration),
    /// 200 with a truncated, invalid JSON body; the request has no effect.
    MalformedJson,
}

/// A fault for one specific request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledFault {
    /// 1-based number of the API request, counted from when the fault
    /// configuration was installed.
    pub request: u64,
    /// The fault to inject.
    pub fault: Fault,
}

/// Fault injection settings. Faults are decided before a request is
/// handled, so a failed PATCH or DELETE never changes stored data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// Probability (0.0 – 1.0) that an API request gets one of `kinds`.
    pub rate: f64,
    /// The faults drawn from when `rate` fires (uniformly).
    pub kinds: Vec<Fault>,
    /// Faults for specific request numbers (takes precedence over `rate`).
    pub schedule: Vec<ScheduledFault>,
    /// Inject `kinds` on every n-th request (n ≥ 1), cycling through them.
    pub every: Option<u64>,
    /// Latency added to every API request.
    pub latency: Option<Duration>,
    /// A random latency added to every API request (after `latency`),
    /// drawn from this distribution.
    pub latency_distribution: Option<LatencyDistribution>,
    /// Tokens stop working this long after they were issued, whatever
    /// their advertised `expires_in`.
    pub token_lifetime: Option<Duration>,
    /// Also inject faults on `/oauth2/*` (by default only `/fem/*`).
    pub include_oauth: bool,
}

impl FaultConfig {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// `fault` for each of the given 1-based request numbers.
    pub fn scheduled(requests: &[u64], fault: Fault) -> Self {
        FaultConfig {
            schedule: requests
                .iter()
                .map(|&request| ScheduledFault { request, fault })
                .collect(),
            ..Self::default()
        }
    }

    /// A random fault from `kinds` with probability `rate`.
    pub fn random(rate: f64, kinds: &[Fault]) -> Self {
        FaultConfig {
            rate,
            kinds: kinds.to_vec(),
            ..Self::default()
        }
    }
}

/// A log-normal latency given by its median and its 99th percentile.
///
/// The emulator draws one value per API request from
/// [`samples`](Self::samples)`(seed)`, with the configuration's seed; the
/// sequence restarts whenever the fault configuration is replaced. The
/// shape (log-normal) is a modelling choice: the API documents no latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyDistribution {
    /// Half of the requests wait less than this.
    pub median: Duration,
    /// 99 % of the requests wait less than this; at or below `median`
    /// every request waits exactly `median`.
    pub p99: Duration,
}

/// The 99th percentile of the standard normal distribution.
const Z99: f64 = 2.326_347_874_040_841;
/// Longest latency drawn, whatever the distribution's tail.
pub const MAX_LATENCY: Duration = Duration::from_secs(60);

impl LatencyDistribution {
    /// A distribution with this median and 99th percentile.
    pub fn new(median: Duration, p99: Duration) -> Self {
        LatencyDistribution { median, p99 }
    }

    /// The deterministic sequence of latencies drawn for `seed`.
    pub fn samples(self, seed: u64) -> LatencySamples {
        LatencySamples {
            dist: self,
            rng: Rng::new(seed ^ 0x1A7E_0C1E),
        }
    }

    /// The latency at the standard normal quantile `z`, capped at
    /// [`MAX_LATENCY`].
    fn at(self, z: f64) -> Duration {
        let median = self.median.as_secs_f64();
        let p99 = self.p99.as_secs_f64();
        let sigma = if median > 0.0 && p99 > median {
            (p99 / median).ln() / Z99
        } else {
            0.0
        };
        let secs = median * (sigma * z).exp();
        if secs.is_finite() {
            Duration::from_secs_f64(secs.clamp(0.0, MAX_LATENCY.as_secs_f64()))
        } else {
            MAX_LATENCY
        }
    }
}

/// The latencies of a [`LatencyDistribution`] for one seed.
#[derive(Debug, Clone)]
pub struct LatencySamples {
    dist: LatencyDistribution,
    rng: Rng,
}

impl Iterator for LatencySamples {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        // Box-Muller: two uniforms in (0, 1] give one standard normal.
        let u1 = 1.0 - self.rng.unit();
        let u2 = self.rng.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        Some(self.dist.at(z))
    }
}

/// A member CID (MSSP child account) with its own inventory and its own
/// rate-limit window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberCid {
    /// The member's customer id.
    pub cid: String,
    /// Number of generated assets in its inventory.
    pub assets: usize,
}

/// Another integration of the same customer, inside the emulator: it
/// spends `fraction` of `cid`'s per-minute budget, evenly over the minute.
#[derive(Debug, Clone, PartialEq)]
pub struct BackgroundLoad {
    /// The CID whose budget it spends (the parent or a member).
    pub cid: String,
    /// The share of the budget, in (0, 1].
    pub fraction: f64,
}

/// How a query answers a `limit` above its largest page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LimitRefusal {
    /// 400 whose message names the largest page:
    /// "invalid limit '10000': must be an integer between 1 and 100".
    #[default]
    Named,
    /// 400 whose message names neither the limit nor a number: "The request is invalid."
    /// (it must not contain the word "limit" nor any digit).
    Unnamed,
    /// 200 with at most the largest page of ids, and the cursor (v2) or the next offset
    /// (v1, subsidiaries) to go on, as if the larger limit had been asked.
    /// `meta.pagination.limit` reports the limit actually used (the largest page).
    SilentCap,
    /// 200 with no ids at all (`resources: []`), the true `meta.pagination.total`, and no
    /// next cursor (v2: `after` is ""), as some CrowdStrike APIs answer a too-large limit
    /// (FalconPy #1151: "anything over 1000 results in an empty response"; PSFalcon #36:
    /// "Limits higher than 500 return no results").
    Empty,
}

/// The page limits of the query operations and the faults of their pages.
///
/// A largest page of 0 makes no sense: [`Emulator::start`](crate::Emulator::start)
/// refuses it, and a `repeat_page` below 2, with a `StartError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// Largest `limit` of `GET /fem/queries/external-assets/v1` (offset query).
    pub assets_v1: usize,
    /// Largest `limit` of `GET /fem/queries/external-assets/v2` (cursor query).
    pub assets_v2: usize,
    /// Largest `limit` of the ecosystem-subsidiaries query and combined listing.
    pub subsidiaries: usize,
    /// How a larger `limit` is answered (the same for every query).
    pub refusal: LimitRefusal,
    /// v2 only: at the end of the results, instead of an empty `after`, the last page
    /// carries a fresh cursor whose page hands back the same ids again, with an empty
    /// `after` (FalconPy's em_manager.py guards against this: it stops at a page with no new id).
    pub repeat_last_page: bool,
    /// v2 only: page number n (1-based, n >= 2) of every cursor walk hands back the ids of
    /// page n-1 again, with a fresh cursor (a string never given before) that leads to the
    /// real page n. So the walk sees one page twice and loses nothing.
    pub repeat_page: Option<u32>,
}

/// Largest page of every query by default: the page the public clients use
/// (see the emulator's README, "Page limits").
const DEFAULT_PAGE_LIMIT: usize = 100;

impl Default for Paging {
    fn default() -> Self {
        Self::max(DEFAULT_PAGE_LIMIT, LimitRefusal::Named)
    }
}

impl Paging {
    /// Largest page `n` on every query, a larger `limit` answered as
    /// `refusal` says; no repeated pages.
    pub fn max(n: usize, refusal: LimitRefusal) -> Paging {
        Paging {
            assets_v1: n,
            assets_v2: n,
            subsidiaries: n,
            refusal,
            repeat_last_page: false,
            repeat_page: None,
        }
    }

    /// Why this setting cannot be served, if it cannot.
    pub(crate) fn check(&self) -> Result<(), String> {
        let maxima = [
            ("assets_v1", self.assets_v1),
            ("assets_v2", self.assets_v2),
            ("subsidiaries", self.subsidiaries),
        ];
        if let Some((name, _)) = maxima.iter().find(|(_, n)| *n == 0) {
            return Err(format!("page limit {name} must be at least 1"));
        }
        match self.repeat_page {
            Some(n) if n < 2 => Err(format!(
                "repeat_page {n} must be at least 2: page 1 has no page before it"
            )),
            _ => Ok(()),
        }
    }
}

/// Everything the emulator serves.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Number of generated assets.
    pub assets: usize,
    /// Seed of the generated inventory.
    pub seed: u64,
    /// Anchor of the inventory's timestamps (Unix seconds): first/last seen
    /// times spread over the year before it. `None` uses the start of the
    /// current UTC day, so the data stays recent and is stable within a day.
    pub anchor: Option<i64>,
    /// Customer id of the inventory.
    pub cid: String,
    /// Accepted API clients.
    pub clients: Vec<ApiClient>,
    /// Token lifetime, reported as `expires_in`.
    pub token_ttl: Duration,
    /// Sent as `X-Cs-Region` on token responses when set (e.g. `us-2`).
    pub region: Option<String>,
    /// Requests per minute across all clients; 429 when spent. `None` never
    /// refuses (the headers then report the real default of 6,000).
    pub rate_limit_per_minute: Option<u32>,
    /// Faults to inject.
    pub faults: FaultConfig,
    /// Member CIDs with a generated inventory. A member CID that an API
    /// client may ask tokens for ([`ApiClient::member_cids`]) but that is
    /// not listed here has an empty inventory.
    pub members: Vec<MemberCid>,
    /// Background consumers, at most one per CID.
    pub background: Vec<BackgroundLoad>,
    /// Size in bytes of every blob served by `blob_download_external_assets`.
    pub blob_size: u64,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Send `ip.fqdns` as one string and `dns_domain.fqdn` as a list for
    /// about a quarter of the assets, the forms real tenants are known to
    /// send besides the schema's; the inventory is otherwise the same.
    /// On by default, so that clients meet both forms.
    pub mixed_fqdn_forms: bool,
    /// Refuse with 429 the 16th and later requests per minute and source
    /// IP that carry a missing, malformed or expired bearer token, as the
    /// API does. The `X-Ratelimit-*` headers of those replies report that
    /// class limit (15) either way; turn enforcement off only for tests
    /// that deliberately send many bad tokens.
    pub enforce_bad_token_limit: bool,
    /// How long a client may take to send a complete request header,
    /// counted from when the connection starts waiting for one (on a new
    /// connection, and after each response on a kept-alive one). `None`
    /// waits forever.
    pub header_read_timeout: Option<Duration>,
    /// A connection on which no request is being served and no byte has
    /// moved in either direction for this long is closed. `None` keeps idle
    /// connections open.
    pub idle_timeout: Option<Duration>,
    /// The page limits of the query operations and the faults of their
    /// pages.
    pub paging: Paging,
}

/// Default of [`EmulatorConfig::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of [`EmulatorConfig::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(15);

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            assets: 2_000,
            seed: 42,
            anchor: None,
            cid: DEFAULT_CID.to_string(),
            clients: vec![ApiClient::new(
                DEFAULT_CLIENT_ID,
                DEFAULT_CLIENT_SECRET,
                &[SCOPE_READ, SCOPE_WRITE],
            )],
            token_ttl: Duration::from_secs(1799),
            region: None,
            rate_limit_per_minute: None,
            faults: FaultConfig::default(),
            members: Vec::new(),
            background: Vec::new(),
            blob_size: 4096,
            port: 0,
            mixed_fqdn_forms: true,
            enforce_bad_token_limit: true,
            header_read_timeout: Some(DEFAULT_HEADER_READ_TIMEOUT),
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            paging: Paging::default(),
        }
    }
}

impl EmulatorConfig {
    /// Sets the number of assets.
    pub fn assets(mut self, n: usize) -> Self {
        self.assets = n;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the timestamp anchor (Unix seconds).
    pub fn anchor(mut self, secs: i64) -> Self {
        self.anchor = Some(secs);
        self
    }

    /// Adds an API client.
    pub fn client(mut self, client: ApiClient) -> Self {
        self.clients.push(client);
        self
    }

    /// Sets the token lifetime.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Sets the region reported on token responses.
    pub fn region(mut self, region: &str) -> Self {
        self.region = Some(region.to_string());
        self
    }

    /// Sets the per-minute request budget.
    pub fn rate_limit_per_minute(mut self, n: u32) -> Self {
        self.rate_limit_per_minute = Some(n);
        self
    }

    /// Sets the faults.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Adds a member CID with `assets` generated assets, seeded from the
    /// seed and the CID. API clients still need it in their
    /// [`ApiClient::member_cids`] to get its tokens.
    pub fn member(mut self, cid: &str, assets: usize) -> Self {
        self.members.push(MemberCid {
            cid: cid.to_string(),
            assets,
        });
        self
    }

    /// Adds a background consumer spending `fraction` (0 to 1) of `cid`'s
    /// per-minute budget.
    pub fn background_load(mut self, cid: &str, fraction: f64) -> Self {
        self.background.push(BackgroundLoad {
            cid: cid.to_string(),
            fraction,
        });
        self
    }

    /// Adds a log-normal latency with this median and 99th percentile to
    /// every API request (on top of any constant `faults.latency`).
    pub fn latency_distribution(mut self, median: Duration, p99: Duration) -> Self {
        self.faults.latency_distribution = Some(LatencyDistribution::new(median, p99));
        self
    }

    /// Sets the blob size.
    pub fn blob_size(mut self, bytes: u64) -> Self {
        self.blob_size = bytes;
        self
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sends both forms of `ip.fqdns` and `dns_domain.fqdn` (see the field
    /// of the same name).
    pub fn mixed_fqdn_forms(mut self, on: bool) -> Self {
        self.mixed_fqdn_forms = on;
        self
    }

    /// Turns the per-IP limit on requests with bad tokens on or off.
    pub fn enforce_bad_token_limit(mut self, on: bool) -> Self {
        self.enforce_bad_token_limit = on;
        self
    }

    /// Sets the header read timeout (`None`: none).
    pub fn header_read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets the idle connection timeout (`None`: none).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets the page limits and page faults.
    pub fn paging(mut self, p: Paging) -> Self {
        self.paging = p;
        self
    }

    /// Sets the largest page of every query to `n` and how a larger `limit`
    /// is answered, keeping the repeat settings.
    pub fn page_limit(mut self, n: usize, refusal: LimitRefusal) -> Self {
        self.paging = Paging {
            repeat_last_page: self.paging.repeat_last_page,
            repeat_page: self.paging.repeat_page,
            ..Paging::max(n, refusal)
        };
        self
    }
}
