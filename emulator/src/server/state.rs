//! The state every request shares: configuration, inventory, tokens,
//! rate-limit windows, faults and counters.

use super::layers::auth::BadTokens;
use super::layers::faults::Faults;
use super::layers::rate_limit::RateLimits;
use super::route::{ROUTES, Route};
use super::tokens::Tokens;
use crate::config::{EmulatorConfig, FaultConfig};
use crate::data::SubsidiaryInfo;
use crate::rng::Rng;
use crate::store::{QueryCache, Store};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One customer account (the parent CID or a member CID): its inventory,
/// its query cache and its subsidiaries.
pub struct Tenant {
    pub cid: String,
    pub store: RwLock<Store>,
    pub cache: QueryCache,
    pub subsidiaries: Vec<SubsidiaryInfo>,
    /// Version of the subsidiary set (ecosystem-subsidiaries `version_id`).
    pub subsidiaries_version: String,
}

impl Tenant {
    /// The account `cid` holding `store` and `subsidiaries`; `seed` draws
    /// the subsidiary set's version.
    pub fn new(cid: String, store: Store, subsidiaries: Vec<SubsidiaryInfo>, seed: u64) -> Self {
        Tenant {
            cid,
            store: RwLock::new(store),
            cache: QueryCache::default(),
            subsidiaries,
            subsidiaries_version: Rng::new(seed ^ 0x5EB5).hex(8),
        }
    }
}

/// State shared by every request.
pub struct Shared {
    pub cfg: EmulatorConfig,
    /// The inventory's time anchor.
    pub anchor: i64,
    /// The parent CID first, then the member CIDs.
    pub tenants: Vec<Tenant>,
    pub tokens: Tokens,
    pub bad_tokens: BadTokens,
    pub limits: RateLimits,
    pub faults: Faults,
    counts: [AtomicU64; ROUTES.len()],
    seq: AtomicU64,
}

impl Shared {
    /// The state for `tenants`, the parent CID's first (at least one).
    pub fn new(cfg: EmulatorConfig, anchor: i64, tenants: Vec<Tenant>) -> Self {
        Shared {
            limits: RateLimits::new(cfg.rate_limit_per_minute, tenants.len()),
            bad_tokens: BadTokens::new(cfg.enforce_bad_token_limit),
            faults: Faults::new(cfg.faults.clone(), cfg.seed),
            anchor,
            tenants,
            tokens: Tokens::default(),
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            seq: AtomicU64::new(now_nanos()),
            cfg,
        }
    }

    /// The account at `index` (the parent when out of range).
    pub fn tenant(&self, index: usize) -> &Tenant {
        self.tenants.get(index).unwrap_or(&self.tenants[0])
    }

    /// The index of the account `cid` (compared case-insensitively).
    pub fn tenant_of(&self, cid: &str) -> Option<usize> {
        self.tenants
            .iter()
            .position(|t| t.cid.eq_ignore_ascii_case(cid))
    }

    /// Counts a request of `route`.
    pub fn count(&self, route: Route) {
        self.counts[route.index()].fetch_add(1, Relaxed);
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
        self.faults.set(cfg);
    }

    /// Changes the per-minute budget.
    pub fn set_rate_limit(&self, limit: Option<u32>) {
        self.limits.set(limit);
    }

    /// Invalidates every issued token.
    pub fn expire_tokens(&self) {
        self.tokens.clear();
    }

    fn mix(&self) -> u64 {
        let mut r = Rng::new(self.seq.fetch_add(1, Relaxed));
        r.next_u64()
    }

    /// A fresh trace id, in UUID v4 form.
    pub fn trace_id(&self) -> String {
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

    /// A fresh bearer token: 64 hex digits.
    pub fn new_token(&self) -> String {
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
