//! Authentication of API routes: the bearer token must be live and carry
//! the route's scope. Requests with a bad token fall in the API's own
//! rate-limit class, a budget per source IP.

use super::faults::Faults;
use super::rate_limit::RateLimits;
use crate::server::budget::Budget;
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::tokens::{Refusal, Tokens};
use crate::server::window::Window;
use axum::extract::{Extension, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

/// Requests with a missing, malformed or expired bearer token allowed per
/// minute and source IP (the API's documented class limit).
pub const BAD_TOKEN_LIMIT: u32 = 15;
/// Source addresses whose bad-token windows are kept before idle ones are
/// dropped.
const BAD_TOKEN_SOURCES: usize = 4096;

/// The address a request's connection comes from.
#[derive(Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The bad-token windows, one per source address.
pub struct BadTokens {
    windows: Mutex<HashMap<IpAddr, Window>>,
    enforce: bool,
}

impl BadTokens {
    /// Windows that refuse the request over the limit when `enforce`, and
    /// only report the budget otherwise.
    pub fn new(enforce: bool) -> Self {
        BadTokens {
            windows: Mutex::new(HashMap::new()),
            enforce,
        }
    }

    /// Counts a request with a bad token from `ip`: the budget left, and
    /// when the request is refused, the epoch second a slot frees.
    fn count(&self, ip: IpAddr, now: i64) -> (u32, Option<i64>) {
        let Ok(mut windows) = self.windows.lock() else {
            return (0, None);
        };
        if windows.len() >= BAD_TOKEN_SOURCES && !windows.contains_key(&ip) {
            windows.retain(|_, w| w.used(now) > 0);
        }
        let w = windows.entry(ip).or_default();
        if self.enforce && w.used(now) >= BAD_TOKEN_LIMIT {
            return (0, Some(w.frees_at(now)));
        }
        w.record(now);
        (BAD_TOKEN_LIMIT.saturating_sub(w.used(now)), None)
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The auth layer: routes with a scope need a live token carrying it. It
/// reads the tokens `/oauth2/token` issued, their lifetime when a fault
/// cuts it short, and on a refusal the budget the reply reports.
pub async fn auth(
    State(tokens): State<Arc<Tokens>>,
    State(bad_tokens): State<Arc<BadTokens>>,
    State(limits): State<Arc<RateLimits>>,
    State(faults): State<Arc<Faults>>,
    Extension(ctx): Extension<Ctx>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(scope) = ctx.route.scope() else {
        return next.run(req).await;
    };
    let lifetime = faults.token_lifetime();
    let (refusal, tenant) = match tokens.check(bearer(req.headers()), scope, lifetime) {
        Ok((client_id, tenant)) => {
            let client_id = client_id.into();
            req.extensions_mut().insert(Ctx {
                client_id,
                tenant,
                ..ctx
            });
            return next.run(req).await;
        }
        Err(Refusal::Invalid) => {
            let ip = req
                .extensions()
                .get::<Peer>()
                .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |p| p.0.ip());
            return bad_token(&bad_tokens, ip, ctx.now);
        }
        Err(Refusal::MissingScope(tenant)) => (Error::authorization_failed(), tenant),
        Err(Refusal::Internal) => (Error::internal("internal error"), ctx.tenant),
    };
    // Refused with a good token: its account's budget, not spent.
    limits.peek(ctx.route, tenant, ctx.now).attach(refusal)
}

/// The reply to a request with a bad token: 401, or 429 once the source
/// has used its bad-token budget.
fn bad_token(bad_tokens: &BadTokens, ip: IpAddr, now: i64) -> Response {
    let (remaining, retry_at) = bad_tokens.count(ip, now);
    let budget = Budget {
        limit: BAD_TOKEN_LIMIT,
        remaining,
    };
    match retry_at {
        Some(at) => budget.attach(Error::too_many_requests(at)),
        None => budget.attach(Error::new(
            StatusCode::UNAUTHORIZED,
            "access denied, invalid bearer token",
        )),
    }
}
