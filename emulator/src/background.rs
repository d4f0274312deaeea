//! The background consumer: another integration of the same customer,
//! spending a set share of one CID's per-minute budget in that CID's
//! window, evenly over the minute, until the emulator stops.

use crate::server::{RateLimits, Route, Spender, Window};
use crate::time::now_secs;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Requests per minute a `fraction` of `limit` allows (at least 0).
pub fn quota(limit: u32, fraction: f64) -> u32 {
    let q = (f64::from(limit) * fraction).floor();
    if q.is_finite() && q > 0.0 {
        q.min(f64::from(limit)) as u32
    } else {
        0
    }
}

/// Spends `fraction` of `tenant`'s budget until `stop` turns true. Each
/// request is counted in the CID's window as one query would be; its own
/// window keeps it at or under its share even when its timer runs late.
pub async fn run(
    limits: Arc<RateLimits>,
    tenant: usize,
    fraction: f64,
    mut stop: watch::Receiver<bool>,
) {
    let mut own = Window::default();
    let mut next = Instant::now();
    loop {
        // The share follows run-time changes of the budget.
        let quota = quota(limits.limit(), fraction);
        let pause = if quota == 0 {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(60) / quota
        };
        let now = now_secs();
        if quota > 0 && own.used(now) < quota {
            own.record(now);
            // A refusal is counted by the window as the consumer's own 429.
            let _ = limits.admit(Route::QueryAssets, tenant, Spender::Background, now);
        }
        // Paced by deadline, so the time each step takes does not slow it;
        // after a stall it resumes from now rather than bursting.
        next = (next + pause).max(Instant::now());
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
