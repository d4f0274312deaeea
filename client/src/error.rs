//! The crate's error type.

use std::sync::Arc;
use std::time::SystemTime;

use http::StatusCode;

use crate::model::response::{ApiError, ApiResponse};

/// Everything that can go wrong when calling the API.
///
/// `Display` gives a one-line summary; [`Error::status`],
/// [`Error::trace_id`] and [`Error::is_retryable`] help decide what to do.
/// No variant ever holds the client secret, a token or the member CID.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a non-success status.
    #[error("{operation}: HTTP {}{}{}{}{}",
        .status.as_u16(),
        format_api_errors(.errors),
        format_excerpt(.body_start),
        format_trace(.trace_id),
        format_attempts(*.attempts))]
    Api {
        /// Operation ID.
        operation: &'static str,
        /// HTTP status.
        status: StatusCode,
        /// Every entry of the envelope's `errors`.
        errors: Vec<ApiError>,
        /// Trace ID of the reply (`X-Cs-Traceid` or `meta.trace_id`).
        trace_id: Option<String>,
        /// The first bytes of the body when it was not a JSON envelope
        /// (e.g. an HTML error page from a proxy).
        body_start: Option<String>,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// Getting or revoking an OAuth2 token failed (bad credentials, a
    /// member CID the API client may not use, throttling of the token
    /// endpoint, ...).
    #[error("authentication failed: HTTP {}{}{}", .status.as_u16(), format_api_errors(.errors), format_trace(.trace_id))]
    Auth {
        /// HTTP status of the token endpoint's reply.
        status: StatusCode,
        /// The reply's `errors`, carrying the API's message.
        errors: Vec<ApiError>,
        /// Trace ID of the reply.
        trace_id: Option<String>,
    },
    /// The API kept answering 429 until the retry budget ran out.
    #[error("{operation}: rate limited (HTTP 429){}{}{}",
        format_retry_after(.retry_after),
        format_trace(.trace_id),
        format_attempts(*.attempts))]
    RateLimited {
        /// Operation ID.
        operation: &'static str,
        /// When the API said a new request would be accepted.
        retry_after: Option<SystemTime>,
        /// Trace ID of the last reply.
        trace_id: Option<String>,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// The request did not complete within its timeout.
    #[error("{operation}: timed out{}", format_attempts(*.attempts))]
    Timeout {
        /// Operation ID.
        operation: &'static str,
        /// How many times the request was sent.
        attempts: u32,
    },
    /// The request was refused before it was sent.
    #[error("invalid request for {operation}: {message}")]
    InvalidRequest {
        /// Operation ID.
        operation: &'static str,
        /// What was wrong and how to fix it.
        message: String,
    },
    /// No operation has the given operation ID or method name.
    #[error("unknown operation {name:?}{}", format_suggestions(.suggestions))]
    UnknownOperation {
        /// The name asked for.
        name: String,
        /// The closest known names.
        suggestions: Vec<&'static str>,
    },
    /// The client could not be configured.
    #[error("configuration: {0}")]
    Config(String),
    /// [`ClientBuilder::budget_share`](crate::ClientBuilder::budget_share)
    /// is outside its range.
    #[error(
        "configuration: budget_share must be greater than 0 and at most 1 (0 < share <= 1), got {value}: \
         pass the fraction of the account's rate limit this client may use, e.g. 0.5"
    )]
    BudgetShare {
        /// The value given.
        value: f64,
    },
    /// The request could not be sent or its reply not read.
    #[error("{operation}: transport error: {}{}", error_chain(.source), format_attempts(*.attempts))]
    Transport {
        /// Operation ID.
        operation: &'static str,
        /// How many times the request was sent.
        attempts: u32,
        /// Underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The API answered with a redirect the client does not follow: to
    /// another origin (scheme, host and port) than the request's, or one
    /// too many. Credentials and tokens are never sent to another host.
    #[error("{operation}: HTTP {} redirect to {location:?} not followed: {reason}", .status.as_u16())]
    Redirect {
        /// Operation ID.
        operation: &'static str,
        /// HTTP status of the redirect.
        status: StatusCode,
        /// The `Location` the reply pointed at (at most 256 characters).
        location: String,
        /// Why it was not followed.
        reason: &'static str,
    },
    /// A reply body was larger than the client accepts.
    #[error(
        "{operation}: reply body exceeds the limit of {limit} bytes (after decompression); \
        raise it with {setting} if such replies are expected"
    )]
    TooLarge {
        /// Operation ID.
        operation: &'static str,
        /// The limit, in bytes.
        limit: u64,
        /// The setting that changes the limit.
        setting: &'static str,
    },
    /// Writing a downloaded body failed.
    #[error("{operation}: cannot write the downloaded body: {source}")]
    Io {
        /// Operation ID.
        operation: &'static str,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Offset pagination cannot reach every result: the API serves offsets
    /// below `max_offset` only.
    #[error("{operation}: {} match but offset pagination reaches only the first {max_offset} results: \
        narrow the filter so that fewer match{}",
        format_total(*.total),
        format_alternative(.alternative))]
    OffsetLimit {
        /// Operation ID.
        operation: &'static str,
        /// How many results match, when the API said.
        total: Option<u64>,
        /// The first offset the API refuses.
        max_offset: u64,
        /// Method of the cursor-paginated operation that reaches every result.
        alternative: Option<&'static str>,
    },
    /// Pagination stopped making progress: the API sent an offset that
    /// does not advance or a cursor it sent before.
    #[error("{operation}: pagination does not advance: {problem}")]
    Pagination {
        /// Operation ID.
        operation: &'static str,
        /// What went wrong.
        problem: PaginationProblem,
    },
    /// The results ended with fewer distinct items than the API's last
    /// total said. Not a failure of the items before it: a paginated
    /// stream or an export yields it as its last item, after every item it
    /// received, so nothing received is lost. Seen when the cursor stops
    /// early, repeats pages without reaching the end, or results are
    /// deleted during the read (the total is then out of date).
    #[error(
        "{operation}: the results ended with {received} distinct items, but the API's total was {expected}; \
         items may have been missed (or deleted during the read): run the read again or narrow the filter"
    )]
    Incomplete {
        /// Operation ID of the query.
        operation: &'static str,
        /// The total the last page's reply gave.
        expected: u64,
        /// The distinct items received.
        received: u64,
    },
    /// An id asked for in a batch is not in the reply.
    #[error("{operation}: {id:?} not found{}", format_not_found(.error))]
    NotFound {
        /// Operation ID.
        operation: &'static str,
        /// The id.
        id: String,
        /// The API's error entry for this id, when it sent one.
        error: Option<ApiError>,
    },
    /// The request of one batch of ids failed; every id in it is affected.
    #[error("{operation}: request for a batch of {} ids failed: {source}", .ids.len())]
    Batch {
        /// Operation ID.
        operation: &'static str,
        /// The ids of the batch.
        ids: Vec<String>,
        /// Why the request failed.
        #[source]
        source: Arc<Error>,
    },
    /// A saved [`ResumePoint`](crate::ResumePoint) cannot restart this
    /// stream: it comes from another operation or query, or it is
    /// malformed. Start from the beginning, or pass the point saved by a
    /// stream of the same operation and query.
    #[error("{operation}: cannot resume from this point: {reason}")]
    InvalidResumePoint {
        /// Operation ID of the stream being resumed.
        operation: &'static str,
        /// What is wrong with the point.
        reason: String,
    },
    /// The reply could not be decoded.
    #[error(
        "{operation}: cannot decode HTTP {} reply{}: {source}; body starts with {body_start:?}",
        .status.as_u16(),
        at_path(path)
    )]
    Decode {
        /// Operation ID.
        operation: &'static str,
        /// HTTP status.
        status: StatusCode,
        /// Why the body could not be decoded.
        #[source]
        source: serde_json::Error,
        /// Where in the body, as a path of members and list positions
        /// (`resources[3].ip.services[0].port`); empty when it is the body
        /// itself, or unknown.
        path: String,
        /// The first bytes of the body (empty when the body holds a
        /// secret, as a token reply does).
        body_start: String,
    },
}

/// ` at PATH` for an error message, or nothing.
fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    }
}

impl Error {
    /// Maps a reqwest error of `operation` after `attempts` sends: a
    /// timeout becomes [`Error::Timeout`], anything else
    /// [`Error::Transport`]. The one place where reqwest errors become
    /// the crate's.
    pub(crate) fn from_reqwest(operation: &'static str, attempts: u32, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout {
                operation,
                attempts,
            }
        } else {
            Error::Transport {
                operation,
                attempts,
                source: e,
            }
        }
    }

    /// HTTP status of the reply the error comes from, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::Auth { status, .. }
            | Error::Redirect { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Transport { source, .. } => source.status(),
            Error::Batch { source, .. } => source.status(),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            _ => None,
        }
    }

    /// Trace ID to give CrowdStrike support, if the reply had one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Api { trace_id, .. }
            | Error::Auth { trace_id, .. }
            | Error::RateLimited { trace_id, .. } => trace_id.as_deref(),
            Error::Batch { source, .. } => source.trace_id(),
            _ => None,
        }
    }

    /// How many times the request was sent, when it was sent at all.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api { attempts, .. }
            | Error::RateLimited { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Transport { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// Whether a write that failed with this error may still have been
    /// applied by the API: the request may have reached it and no reply
    /// said otherwise (a server error, a timeout, a connection lost after
    /// sending, an undecodable reply).
    pub fn may_have_applied(&self) -> bool {
        match self {
            Error::Api { status, .. } => status.is_server_error(),
            Error::Timeout { .. } | Error::Decode { .. } => true,
            Error::Transport { source, .. } => Failure::of(source) == Failure::MaybeSent,
            Error::Batch { source, .. } => source.may_have_applied(),
            _ => false,
        }
    }

    /// Whether sending the same request again later may succeed
    /// (throttling, server errors, timeouts, connection problems).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } | Error::Auth { status, .. } => {
                matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
            }
            Error::RateLimited { .. } | Error::Timeout { .. } => true,
            Error::Batch { source, .. } => source.is_retryable(),
            Error::Transport { source, .. } => {
                source.is_connect()
                    || source.is_timeout()
                    || source.is_request()
                    || source.is_body()
            }
            _ => false,
        }
    }
}

fn format_api_errors(errors: &[ApiError]) -> String {
    errors
        .iter()
        .map(|e| match (e.code, e.message.as_deref()) {
            (Some(c), Some(m)) => format!("; {c}: {m}"),
            (Some(c), None) => format!("; code {c}"),
            (None, Some(m)) => format!("; {m}"),
            (None, None) => String::new(),
        })
        .collect()
}

impl<R> ApiResponse<R> {
    /// Turns a reply whose `errors` is non-empty into [`Error::Api`],
    /// for callers that treat partial failure as failure.
    pub fn error_for_errors(self) -> Result<Self> {
        if self.errors.is_empty() {
            Ok(self)
        } else {
            Err(Error::Api {
                operation: self.operation,
                status: self.status,
                errors: self.errors,
                trace_id: self.trace_id,
                body_start: None,
                attempts: 1,
            })
        }
    }
}

/// How an attempt that got no reply failed, as far as a retry cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The request could not even be built: sending it again cannot help.
    Unsendable,
    /// The connection never opened: the API saw nothing.
    NotSent,
    /// The request may have reached the API (a timeout, a connection lost
    /// after sending, a reply cut short).
    MaybeSent,
}

impl Failure {
    /// The one place where a reqwest error is sorted for retries (and for
    /// [`Error::may_have_applied`]).
    pub(crate) fn of(e: &reqwest::Error) -> Failure {
        if e.is_builder() {
            Failure::Unsendable
        } else if e.is_connect() {
            Failure::NotSent
        } else {
            Failure::MaybeSent
        }
    }
}

/// Why pagination stopped making progress (see [`Error::Pagination`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationProblem {
    /// The next offset the API gave is not past the one sent.
    OffsetNotAdvancing {
        /// The offset sent.
        sent: String,
        /// The offset the reply gave.
        returned: String,
    },
    /// The API gave a cursor it had given before.
    RepeatedCursor {
        /// The cursor.
        cursor: String,
    },
}

impl std::fmt::Display for PaginationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaginationProblem::OffsetNotAdvancing { sent, returned } => write!(
                f,
                "offset {sent:?} was sent and the reply's offset {returned:?} is not past it"
            ),
            PaginationProblem::RepeatedCursor { cursor } => {
                write!(f, "the reply gave cursor {cursor:?} a second time")
            }
        }
    }
}

fn format_total(total: Option<u64>) -> String {
    match total {
        Some(t) => format!("{t} results"),
        None => "more results".into(),
    }
}

fn format_alternative(alt: &Option<&'static str>) -> String {
    match alt {
        Some(m) => format!(", or use `{m}`, which pages with a cursor and has no such limit"),
        None => String::new(),
    }
}

fn format_not_found(e: &Option<ApiError>) -> String {
    match e.as_ref().and_then(|e| e.message.as_deref()) {
        Some(m) => format!(": {m}"),
        None => String::new(),
    }
}

fn format_excerpt(body: &Option<String>) -> String {
    match body {
        Some(b) if !b.trim().is_empty() => {
            let one_line: String = b.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("; body starts with {one_line:?}")
        }
        _ => String::new(),
    }
}

fn format_trace(trace: &Option<String>) -> String {
    trace
        .as_deref()
        .map(|t| format!(" (trace_id {t})"))
        .unwrap_or_default()
}

fn format_attempts(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

fn format_retry_after(at: &Option<SystemTime>) -> String {
    match at.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()) {
        Some(d) => format!("; retry after epoch {}", d.as_secs()),
        None => String::new(),
    }
}

fn format_suggestions(s: &[&str]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", s.join(", "))
    }
}

/// The error and its sources on one line (reqwest's own message is terse).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        cur = s.source();
    }
    out
}

/// Shorthand for `Result<T, falcon_exposure::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_display_on_one_line_with_every_message() {
        let e = Error::Api {
            operation: "get_external_assets",
            status: StatusCode::BAD_REQUEST,
            errors: vec![
                ApiError {
                    code: Some(400),
                    message: Some("bad id".into()),
                    id: None,
                },
                ApiError {
                    code: Some(404),
                    message: Some("not found".into()),
                    id: Some("x".into()),
                },
            ],
            trace_id: Some("t-1".into()),
            body_start: None,
            attempts: 3,
        };
        let s = e.to_string();
        assert_eq!(
            s,
            "get_external_assets: HTTP 400; 400: bad id; 404: not found (trace_id t-1) after 3 attempts"
        );
        assert!(!s.contains('\n'));
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(e.trace_id(), Some("t-1"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn html_excerpts_are_flattened() {
        let e = Error::Api {
            operation: "op",
            status: StatusCode::BAD_GATEWAY,
            errors: vec![],
            trace_id: None,
            body_start: Some("<html>\n<body>Bad gateway</body>\n</html>".into()),
            attempts: 1,
        };
        assert!(!e.to_string().contains('\n'));
        assert!(e.is_retryable());
    }

    #[test]
    fn unknown_operations_suggest() {
        let e = Error::UnknownOperation {
            name: "query_asset".into(),
            suggestions: vec!["query_assets"],
        };
        assert_eq!(
            e.to_string(),
            "unknown operation \"query_asset\"; did you mean query_assets?"
        );
    }
}
