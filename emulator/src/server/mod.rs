//! The HTTP layer. A request passes the [`layers`], outermost first:
//! context (counting, trace id, gateway headers, error envelopes), auth,
//! rate limit and faults; then the handler of its [`route`], in
//! [`routes`]. Replies are built in [`reply`]; every refusal is an
//! [`Error`](error::Error).

mod budget;
mod ctx;
mod cursor;
mod error;
mod ids;
mod layers;
mod params;
mod reply;
mod response;
mod route;
mod route_counts;
mod routes;
mod state;
mod tenants;
mod tokens;
mod window;

pub use layers::auth::{BAD_TOKEN_LIMIT, Peer};
pub use layers::faults::ConnKill;
pub use layers::rate_limit::{RateLimits, Spender};
pub use params::{DEFAULT_LIMIT, MAX_IDS, MAX_RESULT_WINDOW};
pub use route::Route;
pub use state::Shared;
pub use tenants::Tenant;
pub use window::Window;

use axum::Router;
use axum::middleware::from_fn_with_state;
use route::ROUTES;

/// The emulator's router: every route of [`ROUTES`] with its handler, a
/// 404 for anything else, behind the layers.
pub fn router(shared: Shared) -> Router {
    let routes = ROUTES
        .into_iter()
        .filter_map(|r| Some((r.endpoint()?.1, routes::handler(r)?)));
    let mut router = Router::new();
    for (path, handler) in routes {
        router = router.route(path, handler);
    }
    // `layer` wraps what is already there: the last one added runs first.
    router
        .fallback(routes::not_found)
        .layer(from_fn_with_state(shared.clone(), layers::faults::faults))
        .layer(from_fn_with_state(
            shared.clone(),
            layers::rate_limit::rate_limit,
        ))
        .layer(from_fn_with_state(shared.clone(), layers::auth::auth))
        .layer(from_fn_with_state(shared.clone(), layers::context::context))
        .with_state(shared)
}
