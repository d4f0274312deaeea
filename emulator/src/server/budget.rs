//! The budget a reply reports in `X-Ratelimit-Limit` and
//! `X-Ratelimit-Remaining`.

use axum::response::{IntoResponse, Response};

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
