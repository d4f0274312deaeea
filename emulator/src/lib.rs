//! A loopback emulator of the CrowdStrike Falcon Exposure Management API.
//!
//! It serves the seven documented external-asset operations (plus the five
//! newer ones), OAuth2 token issue and revocation, the real response
//! envelope and headers, an FQL filter engine, a deterministic synthetic
//! inventory, a per-minute rate limit and fault injection.
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

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod aggregate;
mod config;
mod conn;
mod data;
mod fields;
mod fql;
mod model;
mod rng;
mod server;
mod store;
mod time;

pub use aggregate::MAX_AGG_DEPTH;
pub use config::{
    ApiClient, DEFAULT_CID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig, Fault,
    FaultConfig, SCOPE_READ, SCOPE_WRITE, ScheduledFault,
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

use server::{Route, Shared};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
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
}

impl Stats {
    /// Requests received for `operation` (an operation id).
    pub fn operation(&self, operation: &str) -> u64 {
        self.operations.get(operation).copied().unwrap_or(0)
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
        let (n, seed, cid) = (config.assets, config.seed, config.cid.clone());
        let mixed = config.mixed_fqdn_forms;
        let (assets, subsidiaries) = tokio::task::spawn_blocking(move || {
            let mut g = data::Generator::new(seed, &cid, anchor).mixed_fqdn_forms(mixed);
            let assets: Vec<_> = (0..n).map(|i| g.asset(i)).collect();
            (assets, g.subsidiaries())
        })
        .await
        .map_err(|e| StartError(e.to_string()))?;
        let listener = TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| StartError(e.to_string()))?;
        let addr = listener
            .local_addr()
            .map_err(|e| StartError(e.to_string()))?;
        let shared = Arc::new(Shared::new(
            config,
            anchor,
            store::Store::new(assets),
            subsidiaries,
        ));
        let timeouts = conn::Timeouts {
            header_read: shared.cfg.header_read_timeout,
            idle: shared.cfg.idle_timeout,
        };
        let router = server::router(shared.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(conn::serve(listener, router, timeouts, stop_rx));
        Ok(EmulatorHandle {
            addr,
            shared,
            stop: stop_tx,
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server in the background;
/// [`EmulatorHandle::shutdown`] stops it and waits.
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
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
        for (route, n) in self.shared.counts() {
            match route {
                Route::Token => s.token_requests = n,
                Route::Revoke => s.revoke_requests = n,
                r => {
                    s.operations.insert(r.name().to_string(), n);
                }
            }
        }
        s
    }

    /// Replaces the fault configuration at run time (its request counter
    /// restarts at 0).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.shared.set_faults(faults);
    }

    /// Changes the per-minute request budget at run time.
    pub fn set_rate_limit_per_minute(&self, limit: Option<u32>) {
        self.shared.set_rate_limit(limit);
    }

    /// Invalidates every token issued so far (requests then get 401).
    pub fn expire_tokens(&self) {
        self.shared.expire_tokens();
    }

    /// Number of assets currently in the inventory.
    pub fn asset_count(&self) -> usize {
        self.shared.store.read().map(|s| s.len()).unwrap_or(0)
    }

    /// The configuration the emulator runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.cfg
    }

    /// The Unix time the inventory's timestamps are anchored at.
    pub fn anchor(&self) -> i64 {
        self.shared.anchor
    }

    /// Stops accepting connections, lets in-flight requests finish and
    /// waits for the server to stop.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
