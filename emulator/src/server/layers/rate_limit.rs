//! The per-minute budget: a sliding one-minute window shared by every
//! client of the account, with a separate one for the OAuth2 routes. Every
//! reply reports its class's budget in `X-Ratelimit-Limit` and
//! `X-Ratelimit-Remaining`; a request over a configured budget gets a 429.

use super::Ctx;
use crate::server::error::Error;
use crate::server::route::Route;
use crate::server::state::Shared;
use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

/// The limit the API reports when no budget is configured.
const REAL_DEFAULT_LIMIT: u32 = 6_000;
/// The limit of the OAuth2 class (reported, never enforced).
const OAUTH_LIMIT: u32 = 300;

/// A sliding one-minute window of request counts, in one-second buckets.
pub struct Window {
    counts: [u32; 60],
    stamps: [i64; 60],
}

impl Default for Window {
    fn default() -> Self {
        Window {
            counts: [0; 60],
            stamps: [i64::MIN; 60],
        }
    }
}

impl Window {
    /// Requests counted in the minute up to `now`.
    pub fn used(&self, now: i64) -> u32 {
        (0..60)
            .filter(|&i| self.stamps[i] > now - 60 && self.stamps[i] <= now)
            .map(|i| self.counts[i])
            .sum()
    }

    /// Counts one request at `now`.
    pub fn record(&mut self, now: i64) {
        let i = now.rem_euclid(60) as usize;
        if self.stamps[i] != now {
            self.stamps[i] = now;
            self.counts[i] = 0;
        }
        self.counts[i] += 1;
    }

    /// Epoch second at which the oldest counted request leaves the window.
    pub fn frees_at(&self, now: i64) -> i64 {
        (0..60)
            .filter(|&i| self.stamps[i] > now - 60 && self.counts[i] > 0)
            .map(|i| self.stamps[i] + 60)
            .min()
            .unwrap_or(now + 1)
    }
}

/// The budget a reply reports: its class's limit and what is left of it.
/// Layers attach it to their replies; the context layer writes the headers.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// `X-Ratelimit-Limit`.
    pub limit: u32,
    /// `X-Ratelimit-Remaining`.
    pub remaining: u32,
}

impl Budget {
    /// `reply` with this budget attached.
    pub fn attach(self, reply: impl IntoResponse) -> Response {
        let mut r = reply.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

/// The windows and the configured budget.
pub struct RateLimits {
    configured: Mutex<Option<u32>>,
    api: Mutex<Window>,
    oauth: Mutex<Window>,
}

impl RateLimits {
    /// Windows enforcing `configured` requests per minute (none: report
    /// the API's limit, refuse nothing).
    pub fn new(configured: Option<u32>) -> Self {
        RateLimits {
            configured: Mutex::new(configured),
            api: Mutex::new(Window::default()),
            oauth: Mutex::new(Window::default()),
        }
    }

    /// Changes the configured budget.
    pub fn set(&self, limit: Option<u32>) {
        if let Ok(mut l) = self.configured.lock() {
            *l = limit;
        }
    }

    /// The class of `route`: its reported limit, its window, and the
    /// limit enforced on it if any.
    fn class(&self, route: Route) -> (u32, &Mutex<Window>, Option<u32>) {
        let configured = self.configured.lock().map(|l| *l).unwrap_or(None);
        if route.is_oauth() || route == Route::Unknown {
            (OAUTH_LIMIT, &self.oauth, None)
        } else {
            (
                configured.unwrap_or(REAL_DEFAULT_LIMIT),
                &self.api,
                configured,
            )
        }
    }

    /// The budget of `route`'s class at `now`, without counting a request.
    pub fn peek(&self, route: Route, now: i64) -> Budget {
        let (limit, window, _) = self.class(route);
        let used = window.lock().map(|w| w.used(now)).unwrap_or(0);
        Budget {
            limit,
            remaining: limit.saturating_sub(used),
        }
    }

    /// Counts a request of `route` at `now` and returns the budget left,
    /// or refuses it when its class is over an enforced limit: the budget
    /// (none left) and the epoch second a slot frees.
    fn admit(&self, route: Route, now: i64) -> Result<Budget, (Budget, i64)> {
        let (limit, window, enforced) = self.class(route);
        let Ok(mut w) = window.lock() else {
            return Ok(Budget {
                limit,
                remaining: limit,
            });
        };
        let spent = Budget {
            limit,
            remaining: 0,
        };
        if enforced.is_some_and(|l| w.used(now) >= l) {
            return Err((spent, w.frees_at(now)));
        }
        w.record(now);
        Ok(Budget {
            limit,
            remaining: limit.saturating_sub(w.used(now)),
        })
    }
}

/// The rate-limit layer. Unrouted requests are not counted; a 429 from a
/// later layer (a fault) reports the budget as spent.
pub async fn rate_limit(
    State(st): State<Arc<Shared>>,
    Extension(ctx): Extension<Ctx>,
    req: Request,
    next: Next,
) -> Response {
    if ctx.route == Route::Unknown {
        let budget = st.limits.peek(ctx.route, ctx.now);
        return budget.attach(next.run(req).await);
    }
    match st.limits.admit(ctx.route, ctx.now) {
        Err((spent, retry_at)) => spent.attach(Error::too_many_requests(retry_at)),
        Ok(budget) => {
            let r = next.run(req).await;
            if r.status() == StatusCode::TOO_MANY_REQUESTS {
                Budget {
                    remaining: 0,
                    ..budget
                }
                .attach(r)
            } else {
                budget.attach(r)
            }
        }
    }
}
