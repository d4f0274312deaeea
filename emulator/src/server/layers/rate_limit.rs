//! The per-minute budget: a sliding one-minute window per CID (the parent
//! and each member), shared by every client of that account and by its
//! background consumer, with a separate one for the OAuth2 routes. Every
//! reply reports its class's budget in `X-Ratelimit-Limit` and
//! `X-Ratelimit-Remaining`; a request over a configured budget gets a 429.

use crate::server::budget::Budget;
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::route::Route;
use crate::server::window::Window;
use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// The limit the API reports when no budget is configured.
const REAL_DEFAULT_LIMIT: u32 = 6_000;
/// The limit of the OAuth2 class (reported, never enforced).
const OAUTH_LIMIT: u32 = 300;

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

/// The windows, one per CID (index as in `Tenants`), and the
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
    State(limits): State<Arc<RateLimits>>,
    Extension(ctx): Extension<Ctx>,
    req: Request,
    next: Next,
) -> Response {
    if ctx.route == Route::Unknown {
        let budget = limits.peek(ctx.route, ctx.tenant, ctx.now);
        return budget.attach(next.run(req).await);
    }
    match limits.admit(ctx.route, ctx.tenant, Spender::Client, ctx.now) {
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
