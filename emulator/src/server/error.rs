//! The one error type of handlers and layers: a status and a message, sent
//! as the Falcon error envelope.
//!
//! The body is written in two steps. `Error::into_response` sets the status
//! and headers and leaves the message in a [`PendingError`]; the context
//! layer, on the way out, writes the envelope around it. The envelope names
//! the request's trace id and its `query_time`, and an `Error` cannot know
//! them: `IntoResponse` is given no request, and most errors come from code
//! that never sees one (parameter checks, the store, `?`). The context layer
//! holds both, sees every reply (the fallback's 404 and the layers'
//! refusals too) and measures `query_time` last, over the whole request.

use super::response::{json, set_header};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A refused or failed request. As a response it is the error envelope
/// (`msa.ReplyMetaOnly` for a 429) with its status; 429s also carry
/// `X-Ratelimit-Retryafter`.
#[derive(Debug)]
pub struct Error {
    status: StatusCode,
    message: String,
    retry_at: Option<i64>,
}

/// The message of an error reply whose body is still to be written: the
/// context layer writes it (see the module's documentation).
#[derive(Debug, Clone)]
pub struct PendingError(pub String);

impl Error {
    /// An error with any status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Error {
            status,
            message: message.into(),
            retry_at: None,
        }
    }

    /// 400: the request is invalid; the message says how.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 400 for a body that does not decode as the operation's JSON.
    pub fn invalid_body(e: impl std::fmt::Display) -> Self {
        Self::bad_request(format!("invalid request body: {e}"))
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 403 for a client without the right (scope or credentials).
    pub fn authorization_failed() -> Self {
        Self::forbidden("access denied, authorization failed")
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// 500 for a lock a panicking thread left poisoned.
    pub fn poisoned() -> Self {
        Self::internal("store poisoned")
    }

    /// 429 until the epoch second `retry_at`.
    pub fn too_many_requests(retry_at: i64) -> Self {
        Error {
            retry_at: Some(retry_at),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded.")
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut r = json(self.status, Vec::new());
        if let Some(at) = self.retry_at {
            set_header(&mut r, "x-ratelimit-retryafter", at);
        }
        r.extensions_mut().insert(PendingError(self.message));
        r
    }
}
