//! A loopback emulator of the CrowdStrike Falcon Exposure Management API.
//!
//! It serves the seven documented external-asset operations (plus the five
//! newer ones), OAuth2 token issue and revocation, the real response
//! envelope and headers, an FQL filter engine, a deterministic synthetic
//! inventory per customer account (the parent CID and member CIDs), a
//! per-minute rate limit per account with an optional background consumer,
//! a latency distribution and fault injection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use falcon_emulator::{Emulator, EmulatorConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
//! let emu = Emulator::start(EmulatorConfig::default().assets(500)).await?;
//! println!("{} accepts {DEFAULT_CLIENT_ID}/{DEFAULT_CLIENT_SECRET}", emu.base_url());
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Pagination
//!
//! `query_external_assets` reports `meta.pagination.offset` as the offset
//! of the page returned (the request's `offset`, 0 by default), with
//! `limit` and `total`; the next page starts at `offset + limit`. Offset
//! pagination reaches only the first 10,000 results: an `offset` of 10,000
//! or more is refused with 400, and no page extends past position 10,000.
//! `query_external_assets_v2` pages with the opaque `after` cursor instead
//! and has no such window.
//!
//! The largest `limit` of each query is [`EmulatorConfig::paging`] (100 by
//! default); what a larger one gets is its [`LimitRefusal`]. [`Paging`] can
//! also make a cursor walk see a page twice, as clients must expect.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod aggregate;
mod background;
mod catalogue;
mod config;
mod conn;
mod fields;
mod fql;
mod generator;
mod model;
mod rng;
mod server;
mod store;
mod time;

pub use aggregate::MAX_AGG_DEPTH;
pub use config::{
    ApiClient, BackgroundLoad, DEFAULT_CID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    EmulatorConfig, Fault, FaultConfig, LatencyDistribution, LatencySamples, LimitRefusal,
    MAX_LATENCY, MemberCid, Paging, SCOPE_READ, SCOPE_WRITE, ScheduledFault,
};
pub use config::{DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT};
pub use conn::{MAX_ACCEPT_BACKOFF, accept_backoff};
pub use server::{BAD_TOKEN_LIMIT, DEFAULT_LIMIT, MAX_IDS, MAX_RESULT_WINDOW};

/// The filter tables of `query_external_assets`, as the emulator enforces
/// them: the four field lists, and [`table`](filter_fields::table), one
/// entry per field with its value type and capabilities (read-only; the
/// tests compare it with the operation manifest).
pub mod filter_fields {
    pub use crate::fields::{EXACT, FilterField, LIST, RANGE, ValueType, WILDCARD, table};
}

/// The FQL parser the emulator applies to `filter` parameters and to the
/// filters of aggregations, exposed for property tests and fuzzing.
pub mod filter_parser {
    pub use crate::fql::{MAX_DEPTH, MAX_FILTER_LEN, MAX_PROPERTIES, check};
}

use server::{Route, Shared, Tenant};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Starting the emulator failed.
#[derive(Debug)]
pub struct StartError(String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot start the emulator: {}", self.0)
    }
}

impl std::error::Error for StartError {}

/// Request counts, by route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// `POST /oauth2/token` requests received.
    pub token_requests: u64,
    /// `POST /oauth2/revoke` requests received.
    pub revoke_requests: u64,
    /// Requests received per operation id (e.g. `get_external_assets`),
    /// whatever their outcome; unrouted requests count as `unknown`.
    pub operations: BTreeMap<String, u64>,
    /// Rate-limit counts per CID (lower case; the parent and every member
    /// CID), for the requests that reached the CID's window.
    pub cids: BTreeMap<String, CidStats>,
}

/// What one CID's per-minute window counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CidStats {
    /// API-client requests counted in the window (with a valid token of
    /// this CID, on an API route).
    pub requests: u64,
    /// API-client requests refused with 429 because the window was full
    /// (injected 429 faults are not counted).
    pub throttled: u64,
    /// Requests of the background consumer counted in the window.
    pub background_requests: u64,
    /// Requests of the background consumer refused because the window was
    /// full.
    pub background_throttled: u64,
}

impl Stats {
    /// Requests received for `operation` (an operation id).
    pub fn operation(&self, operation: &str) -> u64 {
        self.operations.get(operation).copied().unwrap_or(0)
    }

    /// The window counts of `cid` (case-insensitive); zero for a CID the
    /// emulator does not serve.
    pub fn cid(&self, cid: &str) -> CidStats {
        self.cids
            .get(&cid.to_ascii_lowercase())
            .copied()
            .unwrap_or_default()
    }

    /// All requests received.
    pub fn total(&self) -> u64 {
        self.token_requests + self.revoke_requests + self.operations.values().sum::<u64>()
    }
}

/// The emulator.
pub struct Emulator;

impl Emulator {
    /// Generates the inventory, binds 127.0.0.1 (on a free port when
    /// `config.port` is 0) and starts serving.
    pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, StartError> {
        let now = time::now_secs();
        let anchor = config.anchor.unwrap_or(now - now.rem_euclid(86_400));
        let accounts = accounts(&config);
        let background = background_loads(&config, &accounts)?;
        config.paging.check().map_err(StartError)?;
        let (seed, mixed) = (config.seed, config.mixed_fqdn_forms);
        let tenants = tokio::task::spawn_blocking(move || {
            accounts
                .into_iter()
                .enumerate()
                .map(|(i, (cid, n))| {
                    // The parent keeps the main seed; each member's is drawn
                    // from it and the CID, so datasets differ and are stable.
                    let seed = if i == 0 {
                        seed
                    } else {
                        member_seed(seed, &cid)
                    };
                    let g = generator::Generator::new(seed, &cid, anchor).mixed_fqdn_forms(mixed);
                    let assets: Vec<_> = (0..n).map(|i| g.asset(i)).collect();
                    Tenant::new(cid, store::Store::new(assets), g.subsidiaries(), seed)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StartError(e.to_string()))?;
        let listener = TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| StartError(e.to_string()))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError(e.to_string()))?;
        let shared = Shared::new(config, anchor, tenants);
        let timeouts = conn::Timeouts {
            header_read: shared.cfg.header_read_timeout,
            idle: shared.cfg.idle_timeout,
        };
        let router = server::router(shared.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks: Vec<_> = background
            .into_iter()
            .map(|(tenant, fraction)| {
                tokio::spawn(background::run(
                    shared.limits.clone(),
                    tenant,
                    fraction,
                    stop_rx.clone(),
                ))
            })
            .collect();
        tasks.push(tokio::spawn(conn::serve(
            listener, router, timeouts, stop_rx,
        )));
        Ok(EmulatorHandle {
            addr,
            shared,
            stop: stop_tx,
            tasks,
        })
    }
}

/// The accounts to serve, parent first: (CID, number of assets). Members
/// come from [`EmulatorConfig::members`], then from the clients' member
/// CIDs not configured there (empty); a CID is listed once, the first
/// configuration winning.
fn accounts(cfg: &EmulatorConfig) -> Vec<(String, usize)> {
    let mut out = vec![(cfg.cid.clone(), cfg.assets)];
    let configured = cfg.members.iter().map(|m| (m.cid.as_str(), m.assets));
    let named = cfg
        .clients
        .iter()
        .flat_map(|c| c.member_cids.iter().map(|m| (m.as_str(), 0)));
    for (cid, n) in configured.chain(named) {
        if !out.iter().any(|(c, _)| c.eq_ignore_ascii_case(cid)) {
            out.push((cid.to_string(), n));
        }
    }
    out
}

/// The seed of member `cid`'s inventory: FNV-1a of the lower-case CID,
/// mixed into the main seed.
fn member_seed(seed: u64, cid: &str) -> u64 {
    let h = cid
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    seed ^ h
}

/// The background consumers as (account index, fraction), checked.
fn background_loads(
    cfg: &EmulatorConfig,
    accounts: &[(String, usize)],
) -> Result<Vec<(usize, f64)>, StartError> {
    let mut out: Vec<(usize, f64)> = Vec::new();
    for b in &cfg.background {
        let Some(i) = accounts
            .iter()
            .position(|(c, _)| c.eq_ignore_ascii_case(&b.cid))
        else {
            return Err(StartError(format!(
                "background load for unknown CID '{}': use the parent CID or add the member with EmulatorConfig::member",
                b.cid
            )));
        };
        if !(b.fraction > 0.0 && b.fraction <= 1.0) {
            return Err(StartError(format!(
                "background load fraction {} for CID '{}' must be in (0, 1]",
                b.fraction, b.cid
            )));
        }
        if out.iter().any(|(j, _)| *j == i) {
            return Err(StartError(format!(
                "more than one background load for CID '{}': give one with the combined fraction",
                b.cid
            )));
        }
        out.push((i, b.fraction));
    }
    Ok(out)
}

/// A running emulator. Dropping it stops the server in the background;
/// [`EmulatorHandle::shutdown`] stops it and waits.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Shared,
    stop: watch::Sender<bool>,
    /// The server and the background consumers.
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Request counts so far.
    pub fn stats(&self) -> Stats {
        let mut s = Stats::default();
        for (route, n) in self.shared.counts.counts() {
            match route {
                Route::Token => s.token_requests = n,
                Route::Revoke => s.revoke_requests = n,
                r => {
                    s.operations.insert(r.name().to_string(), n);
                }
            }
        }
        for (i, t) in self.shared.tenants.iter().enumerate() {
            let c = self.shared.limits.counters(i);
            let stats = CidStats {
                requests: c.requests.load(Relaxed),
                throttled: c.throttled.load(Relaxed),
                background_requests: c.background.load(Relaxed),
                background_throttled: c.background_throttled.load(Relaxed),
            };
            s.cids.insert(t.cid.to_ascii_lowercase(), stats);
        }
        s
    }

    /// Replaces the fault configuration at run time (its request counter
    /// restarts at 0).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.shared.faults.set(faults);
    }

    /// Changes the per-minute request budget at run time.
    pub fn set_rate_limit_per_minute(&self, limit: Option<u32>) {
        self.shared.limits.set(limit);
    }

    /// Invalidates every token issued so far (requests then get 401).
    pub fn expire_tokens(&self) {
        self.shared.tokens.clear();
    }

    /// Number of assets currently in the parent CID's inventory.
    pub fn asset_count(&self) -> usize {
        self.shared
            .tenants
            .get(0)
            .store
            .read()
            .map(|s| s.len())
            .unwrap_or(0)
    }

    /// Number of assets currently in `cid`'s inventory (the parent or a
    /// member, case-insensitive); `None` for a CID the emulator does not
    /// serve.
    pub fn asset_count_of(&self, cid: &str) -> Option<usize> {
        let tenants = &self.shared.tenants;
        let t = tenants.get(tenants.index_of(cid)?);
        t.store.read().map(|s| s.len()).ok()
    }

    /// The configuration the emulator runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.cfg
    }

    /// The Unix time the inventory's timestamps are anchored at.
    pub fn anchor(&self) -> i64 {
        self.shared.anchor
    }

    /// Stops accepting connections and the background consumers, lets
    /// in-flight requests finish and waits for the server to stop.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
