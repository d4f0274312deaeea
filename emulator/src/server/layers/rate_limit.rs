//! The per-minute budget: a sliding one-minute window per CID (the parent
//! and each member), shared by every client of that account and by its
//! background consumer, with a separate one for the OAuth2 routes. Every
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
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
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

/// Request counts of one CID's window.
#[derive(Default)]
pub struct Counters {
    /// API-client requests counted in the window.
    pub requests: AtomicU64,
    /// API-client requests refused with 429 because the window was full.
    pub throttled: AtomicU64,
    /// Background-consumer requests counted in the window.
    pub background: AtomicU64,
    /// Background-consumer requests refused because the window was full.
    pub background_throttled: AtomicU64,
}

/// One CID's window and its counters.
#[derive(Default)]
struct Account {
    window: Mutex<Window>,
    counters: Counters,
}

/// Who spends a request.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Spender {
    /// An API client, over HTTP.
    Client,
    /// The emulator's background consumer.
    Background,
}

/// The windows, one per CID (index as in `Shared::tenants`), and the
/// configured budget, the same for every CID.
pub struct RateLimits {
    configured: Mutex<Option<u32>>,
    accounts: Vec<Account>,
    oauth: Mutex<Window>,
}

impl RateLimits {
    /// Windows for `cids` CIDs enforcing `configured` requests per minute
    /// each (none: report the API's limit, refuse nothing).
    pub fn new(configured: Option<u32>, cids: usize) -> Self {
        RateLimits {
            configured: Mutex::new(configured),
            accounts: (0..cids.max(1)).map(|_| Account::default()).collect(),
            oauth: Mutex::new(Window::default()),
        }
    }

    /// Changes the configured budget.
    pub fn set(&self, limit: Option<u32>) {
        if let Ok(mut l) = self.configured.lock() {
            *l = limit;
        }
    }

    /// The enforced limit, if any.
    pub fn configured(&self) -> Option<u32> {
        self.configured.lock().map(|l| *l).unwrap_or(None)
    }

    /// The limit every CID's replies report.
    pub fn limit(&self) -> u32 {
        self.configured().unwrap_or(REAL_DEFAULT_LIMIT)
    }

    fn account(&self, tenant: usize) -> &Account {
        // Index 0 (the parent) always exists; tenants come from the same list.
        self.accounts.get(tenant).unwrap_or(&self.accounts[0])
    }

    /// The counters of `tenant`'s window.
    pub fn counters(&self, tenant: usize) -> &Counters {
        &self.account(tenant).counters
    }

    /// The class of `route` for `tenant`: its reported limit, its window,
    /// and the limit enforced on it if any.
    fn class(&self, route: Route, tenant: usize) -> (u32, &Mutex<Window>, Option<u32>) {
        if route.is_oauth() || route == Route::Unknown {
            (OAUTH_LIMIT, &self.oauth, None)
        } else {
            let configured = self.configured();
            (
                configured.unwrap_or(REAL_DEFAULT_LIMIT),
                &self.account(tenant).window,
                configured,
            )
        }
    }

    /// The budget of `route`'s class at `now`, without counting a request.
    pub fn peek(&self, route: Route, tenant: usize, now: i64) -> Budget {
        let (limit, window, _) = self.class(route, tenant);
        let used = window.lock().map(|w| w.used(now)).unwrap_or(0);
        Budget {
            limit,
            remaining: limit.saturating_sub(used),
        }
    }

    /// Counts a request of `route` by `who` at `now` in `tenant`'s window
    /// and returns the budget left, or refuses it when the window is over
    /// an enforced limit: the budget (none left) and the epoch second a
    /// slot frees.
    pub fn admit(
        &self,
        route: Route,
        tenant: usize,
        who: Spender,
        now: i64,
    ) -> Result<Budget, (Budget, i64)> {
        let (limit, window, enforced) = self.class(route, tenant);
        let counters = (!route.is_oauth() && route != Route::Unknown)
            .then(|| self.counters(tenant))
            .map(|c| match who {
                Spender::Client => (&c.requests, &c.throttled),
                Spender::Background => (&c.background, &c.background_throttled),
            });
        let Ok(mut w) = window.lock() else {
            return Ok(Budget {
                limit,
                remaining: limit,
            });
        };
        if enforced.is_some_and(|l| w.used(now) >= l) {
            if let Some((_, throttled)) = counters {
                throttled.fetch_add(1, Relaxed);
            }
            let spent = Budget {
                limit,
                remaining: 0,
            };
            return Err((spent, w.frees_at(now)));
        }
        w.record(now);
        if let Some((requests, _)) = counters {
            requests.fetch_add(1, Relaxed);
        }
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
        let budget = st.limits.peek(ctx.route, ctx.tenant, ctx.now);
        return budget.attach(next.run(req).await);
    }
    match st
        .limits
        .admit(ctx.route, ctx.tenant, Spender::Client, ctx.now)
    {
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
