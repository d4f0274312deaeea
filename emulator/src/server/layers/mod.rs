//! The middleware every request passes before its handler, outermost
//! first: [`context`] (counting, trace id, the envelope of error replies,
//! the gateway headers), [`auth`] (bearer token, scope and the bad-token
//! limit), [`rate_limit`] (the per-minute budget) and [`faults`] (injected
//! failures and latency). The last three refuse a request with an
//! [`Error`](super::error::Error), without calling the next; the budget a
//! reply reports travels back to the context layer as a
//! [`Budget`](super::budget::Budget).
//!
//! Each layer takes only its own parts of the shared state (`State<Arc<_>>`
//! of a part, through `FromRef`), so none depends on the whole of it.

pub mod auth;
pub mod context;
pub mod faults;
pub mod rate_limit;
