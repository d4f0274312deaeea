//! The outermost layer: counts the request under its route, gives it a
//! trace id, and on the way out writes the envelope of error replies and
//! stamps the gateway headers.

use super::Budget;
use crate::server::error::PendingError;
use crate::server::ids::FreshIds;
use crate::server::reply;
use crate::server::route::Route;
use crate::server::route_counts::RouteCounts;
use crate::time::now_secs;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;

/// What the layers know about a request, for the layers after them and
/// the handler.
#[derive(Clone)]
pub struct Ctx {
    /// The trace id of the reply (`X-Cs-Traceid`, `meta.trace_id`).
    pub trace_id: Arc<str>,
    /// When the request arrived (`meta.query_time`).
    pub start: Instant,
    /// The epoch second the rate-limit windows count the request in.
    pub now: i64,
    /// The route it is counted and limited under.
    pub route: Route,
    /// The client id of its bearer token; empty on routes that take none.
    pub client_id: Arc<str>,
    /// The CID its bearer token was issued for, as an index of
    /// `Tenants` (0, the parent, on routes that take no token).
    pub tenant: usize,
}

/// The context layer.
pub async fn context(
    State(counts): State<Arc<RouteCounts>>,
    State(ids): State<Arc<FreshIds>>,
    mut req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let route = Route::of(req.method(), req.uri().path());
    counts.count(route);
    let ctx = Ctx {
        trace_id: ids.trace_id().into(),
        start,
        now: now_secs(),
        route,
        client_id: Arc::from(""),
        tenant: 0,
    };
    req.extensions_mut().insert(ctx.clone());
    let mut r = next.run(req).await;
    if let Some(PendingError(message)) = r.extensions_mut().remove() {
        *r.body_mut() = Body::from(reply::error_body(&ctx, r.status(), &message));
    }
    let budget = r.extensions().get::<Budget>().copied();
    reply::stamp(&mut r, &ctx.trace_id, budget);
    r
}
