//! Fault injection: the configured faults are decided per API request
//! before its handler runs, so a failed write changes nothing.

use crate::config::{Fault, FaultConfig, LatencySamples};
use crate::rng::Rng;
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::reply;
use crate::server::route::Route;
use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Closes the connection a request arrived on, without a response.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

struct FaultState {
    cfg: FaultConfig,
    counter: u64,
    rng: Rng,
    /// The seed of the latency draws, restarted with every configuration.
    seed: u64,
    latencies: Option<LatencySamples>,
}

impl FaultState {
    fn decide(&mut self) -> Option<Fault> {
        self.counter += 1;
        let n = self.counter;
        if let Some(s) = self.cfg.schedule.iter().find(|s| s.request == n) {
            return Some(s.fault);
        }
        if self.cfg.kinds.is_empty() {
            return None;
        }
        if let Some(every) = self.cfg.every.filter(|e| *e > 0) {
            if n % every == 0 {
                let k = ((n / every - 1) % self.cfg.kinds.len() as u64) as usize;
                return Some(self.cfg.kinds[k]);
            }
        }
        if self.cfg.rate > 0.0 && self.rng.chance(self.cfg.rate) {
            return Some(*self.rng.pick(&self.cfg.kinds));
        }
        None
    }
}

/// The fault configuration and its request counter.
pub struct Faults(Mutex<FaultState>);

impl Faults {
    /// Faults from `cfg`, random ones drawn from `seed ^ 0xFA17`,
    /// latencies from `LatencyDistribution::samples(seed)`.
    pub fn new(cfg: FaultConfig, seed: u64) -> Self {
        Faults(Mutex::new(FaultState {
            latencies: cfg.latency_distribution.map(|d| d.samples(seed)),
            cfg,
            counter: 0,
            rng: Rng::new(seed ^ 0xFA17),
            seed,
        }))
    }

    /// Replaces the configuration and restarts the request counter and
    /// the latency draws.
    pub fn set(&self, cfg: FaultConfig) {
        if let Ok(mut f) = self.0.lock() {
            f.latencies = cfg.latency_distribution.map(|d| d.samples(f.seed));
            f.cfg = cfg;
            f.counter = 0;
        }
    }

    /// How long tokens live, when a fault cuts their life short.
    pub fn token_lifetime(&self) -> Option<Duration> {
        self.0.lock().ok().and_then(|f| f.cfg.token_lifetime)
    }

    /// Whether faults apply to `route`: API routes, and the OAuth2 ones
    /// when configured.
    fn applies_to(&self, route: Route) -> bool {
        route != Route::Unknown
            && (!route.is_oauth() || self.0.lock().is_ok_and(|f| f.cfg.include_oauth))
    }

    /// Counts a request: its fault, if any, and the latency added to it
    /// (the constant one plus a draw from the distribution).
    fn next(&self) -> (Option<Fault>, Option<Duration>) {
        let Ok(mut f) = self.0.lock() else {
            return (None, None);
        };
        let drawn = f.latencies.as_mut().and_then(Iterator::next);
        let latency = match (f.cfg.latency, drawn) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            (a, b) => a.or(b),
        };
        (f.decide(), latency)
    }
}

/// The fault layer.
pub async fn faults(
    State(faults): State<Arc<Faults>>,
    Extension(ctx): Extension<Ctx>,
    req: Request,
    next: Next,
) -> Response {
    if !faults.applies_to(ctx.route) {
        return next.run(req).await;
    }
    let (fault, latency) = faults.next();
    if let Some(l) = latency {
        tokio::time::sleep(l).await;
    }
    if let Some(fault) = fault {
        let kill = req.extensions().get::<ConnKill>().cloned();
        if let Some(reply) = apply(fault, &ctx, kill).await {
            return reply;
        }
    }
    next.run(req).await
}

/// Applies `fault`: waits for a latency fault, else returns the reply the
/// request gets instead of its handler's.
async fn apply(fault: Fault, ctx: &Ctx, kill: Option<ConnKill>) -> Option<Response> {
    let (status, message) = match fault {
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            return None;
        }
        Fault::TooManyRequests => {
            return Some(Error::too_many_requests(ctx.now + 1).into_response());
        }
        Fault::MalformedJson => return Some(reply::truncated(&ctx.trace_id)),
        Fault::InternalServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Internal Server Error: Please provide trace-id='{}' to support",
                ctx.trace_id
            ),
        ),
        Fault::BadGateway => (StatusCode::BAD_GATEWAY, "Bad Gateway".into()),
        Fault::ServiceUnavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable".into(),
        ),
        Fault::DropConnection => {
            if let Some(kill) = kill {
                kill.0.notify_one();
                // The connection is torn down; this future is dropped with it.
                std::future::pending::<()>().await;
            }
            (StatusCode::BAD_GATEWAY, "connection dropped".into())
        }
    };
    Some(Error::new(status, message).into_response())
}
