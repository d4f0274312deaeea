//! The response envelope every Falcon API reply shares.

use serde::Deserialize;

/// Rate-limit and trace figures read from a response's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: requests allowed per minute.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the sliding minute.
    pub remaining: Option<u64>,
}

/// One entry of the envelope's `errors` list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    /// Error code (often the HTTP status).
    #[serde(default)]
    pub code: Option<i64>,
    /// Human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// Identifier the error refers to, when the API gives one.
    #[serde(default)]
    pub id: Option<String>,
}

/// `meta.pagination`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Pagination {
    /// Offset, sent as a string or a number depending on the endpoint.
    #[serde(default)]
    pub offset: Option<serde_json::Value>,
    /// Page size.
    #[serde(default)]
    pub limit: Option<i64>,
    /// Total number of matches.
    #[serde(default)]
    pub total: Option<i64>,
    /// Cursor of the next page (cursor-paginated endpoints).
    #[serde(default)]
    pub after: Option<String>,
}

/// `meta.writes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Writes {
    /// How many resources the write changed.
    #[serde(default)]
    pub resources_affected: Option<i64>,
}

/// The envelope's `meta` object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Meta {
    /// Server-side time spent, in seconds.
    #[serde(default)]
    pub query_time: Option<f64>,
    /// Trace ID to give support.
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Gateway name.
    #[serde(default)]
    pub powered_by: Option<String>,
    /// Pagination, on query endpoints.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// Write summary, on write endpoints.
    #[serde(default)]
    pub writes: Option<Writes>,
}

/// A decoded reply: HTTP status, `meta`, `resources`, `errors` and the
/// rate-limit figures of its headers.
#[derive(Debug, Clone)]
pub struct ApiResponse<R> {
    /// HTTP status code.
    pub status: u16,
    /// The envelope's `meta`.
    pub meta: Meta,
    /// The envelope's `resources` (empty when null or absent).
    pub resources: Vec<R>,
    /// The envelope's `errors` (empty when null or absent). A 2xx reply may
    /// carry some, e.g. ids that were not found.
    pub errors: Vec<ApiError>,
    /// Rate-limit headers.
    pub rate_limit: RateLimit,
    /// `X-Cs-Traceid` header, or `meta.trace_id`.
    pub trace_id: Option<String>,
}
