//! The state every request shares, one part per concern. [`Shared`] is the
//! router's state; a layer or handler takes the parts it uses as
//! `State<Arc<Part>>`, through the `FromRef` impls below, so that the
//! modules holding the parts need not know the whole.

use super::ids::FreshIds;
use super::layers::auth::BadTokens;
use super::layers::faults::Faults;
use super::layers::rate_limit::RateLimits;
use super::route_counts::RouteCounts;
use super::tenants::{Tenant, Tenants};
use super::tokens::Tokens;
use crate::config::EmulatorConfig;
use axum::extract::FromRef;
use std::sync::Arc;

/// State shared by every request; cloning it clones the handles.
#[derive(Clone)]
pub struct Shared {
    /// The configuration the emulator runs with.
    pub cfg: Arc<EmulatorConfig>,
    /// The inventory's time anchor.
    pub anchor: i64,
    /// The parent CID first, then the member CIDs.
    pub tenants: Arc<Tenants>,
    /// The bearer tokens issued.
    pub tokens: Arc<Tokens>,
    /// Trace ids and token strings.
    pub ids: Arc<FreshIds>,
    /// Requests received per route.
    pub counts: Arc<RouteCounts>,
    /// The bad-token windows, per source address.
    pub bad_tokens: Arc<BadTokens>,
    /// The per-minute windows, per CID.
    pub limits: Arc<RateLimits>,
    /// The injected faults and latency.
    pub faults: Arc<Faults>,
}

impl Shared {
    /// The state for `tenants`, the parent CID's first (at least one).
    pub fn new(cfg: EmulatorConfig, anchor: i64, tenants: Vec<Tenant>) -> Self {
        Shared {
            limits: Arc::new(RateLimits::new(cfg.rate_limit_per_minute, tenants.len())),
            bad_tokens: Arc::new(BadTokens::new(cfg.enforce_bad_token_limit)),
            faults: Arc::new(Faults::new(cfg.faults.clone(), cfg.seed)),
            anchor,
            tenants: Arc::new(Tenants::new(tenants)),
            tokens: Arc::default(),
            ids: Arc::default(),
            counts: Arc::default(),
            cfg: Arc::new(cfg),
        }
    }
}

/// `FromRef<Shared>` for the handle of each part.
macro_rules! parts {
    ($($field:ident: $part:ty),* $(,)?) => {$(
        impl FromRef<Shared> for Arc<$part> {
            fn from_ref(shared: &Shared) -> Self {
                shared.$field.clone()
            }
        }
    )*};
}

parts! {
    tokens: Tokens,
    ids: FreshIds,
    counts: RouteCounts,
    bad_tokens: BadTokens,
    limits: RateLimits,
    faults: Faults,
}
