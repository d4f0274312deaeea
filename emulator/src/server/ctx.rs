//! What the layers know about a request ([`Ctx`]), for the layers after
//! them, the handler and the reply.

use crate::server::route::Route;
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
