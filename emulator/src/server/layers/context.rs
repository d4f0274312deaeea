//! The outermost layer: counts the request under its route, gives it a
//! trace id, and on the way out writes the envelope of error replies and
//! stamps the gateway headers.

use crate::server::budget::Budget;
use crate::server::ctx::Ctx;
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
