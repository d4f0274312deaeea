//! How many requests each route received.

use super::route::{ROUTES, Route};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One counter per route of [`ROUTES`].
pub struct RouteCounts([AtomicU64; ROUTES.len()]);

impl Default for RouteCounts {
    fn default() -> Self {
        RouteCounts(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl RouteCounts {
    /// Counts a request of `route`.
    pub fn count(&self, route: Route) {
        self.0[route.index()].fetch_add(1, Relaxed);
    }

    /// Request counts per route.
    pub fn counts(&self) -> Vec<(Route, u64)> {
        ROUTES
            .iter()
            .zip(&self.0)
            .map(|(r, c)| (*r, c.load(Relaxed)))
            .collect()
    }
}
