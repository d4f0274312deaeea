//! The response envelope every Falcon API reply shares.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::StatusCode;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

use crate::model::lenient;

/// Rate-limit figures read from a response's headers (names compared
/// case-insensitively).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: requests allowed per minute.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the sliding minute.
    pub remaining: Option<u64>,
    /// `X-RateLimit-RetryAfter` (429 only): when a new request is accepted.
    pub retry_after: Option<SystemTime>,
}

impl RateLimit {
    /// Reads the figures from response headers.
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Self {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        RateLimit {
            limit: num("x-ratelimit-limit"),
            remaining: num("x-ratelimit-remaining"),
            retry_after: num("x-ratelimit-retryafter").map(epoch_to_time),
        }
    }
}

/// Converts an `X-RateLimit-RetryAfter` value to a point in time. The API
/// sends Unix epoch seconds; a value too large to be seconds (after the
/// year 5000) is taken as milliseconds, as the specification describes it.
pub(crate) fn epoch_to_time(v: u64) -> SystemTime {
    const MS_THRESHOLD: u64 = 100_000_000_000;
    let d = if v >= MS_THRESHOLD {
        Duration::from_millis(v)
    } else {
        Duration::from_secs(v)
    };
    SystemTime::UNIX_EPOCH + d
}

/// The trace ID header (`X-Cs-Traceid`), if present.
pub(crate) fn trace_header(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("x-cs-traceid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// One entry of the envelope's `errors` list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ApiError {
    /// Error code (often the HTTP status).
    #[serde(
        default,
        deserialize_with = "lenient::int_or_absent",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<i64>,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Identifier the error refers to, when the API gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// An offset in `meta.pagination`: a number on most endpoints, an opaque
/// string token on others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offset {
    /// A numeric offset.
    Number(i64),
    /// A string offset (a token to send back as is).
    Token(String),
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Offset::Number(n) => write!(f, "{n}"),
            Offset::Token(t) => f.write_str(t),
        }
    }
}

impl Serialize for Offset {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Offset::Number(n) => s.serialize_i64(*n),
            Offset::Token(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            v @ serde_json::Value::Number(_) => lenient::int_or_absent(v)
                .ok()
                .flatten()
                .map(Offset::Number)
                .ok_or_else(|| de::Error::custom("offset is not an integer")),
            serde_json::Value::String(s) => Ok(Offset::Token(s)),
            other => Err(de::Error::custom(format!("unexpected offset {other}"))),
        }
    }
}

/// `meta.pagination`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Pagination {
    /// Offset, sent as a string or a number depending on the endpoint.
    #[serde(
        default,
        deserialize_with = "lenient_offset",
        skip_serializing_if = "Option::is_none"
    )]
    pub offset: Option<Offset>,
    /// Page size.
    #[serde(
        default,
        deserialize_with = "lenient::int_or_absent",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<i64>,
    /// Total number of matches.
    #[serde(
        default,
        deserialize_with = "lenient::int_or_absent",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<i64>,
    /// Cursor of the next page (cursor-paginated endpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Members this struct does not name, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `meta.writes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Writes {
    /// How many resources the write changed.
    #[serde(
        default,
        deserialize_with = "lenient::int_or_absent",
        skip_serializing_if = "Option::is_none"
    )]
    pub resources_affected: Option<i64>,
    /// Members this struct does not name, kept as sent.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The envelope's `meta` object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Meta {
    /// Server-side time spent, in seconds.
    #[serde(
        default,
        deserialize_with = "lenient::float_or_absent",
        skip_serializing_if = "Option::is_none"
    )]
    pub query_time: Option<f64>,
    /// Trace ID to give support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Gateway name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powered_by: Option<String>,
    /// Pagination, on query endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    /// Write summary, on write endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Writes>,
    /// Members this struct does not name, kept as sent: endpoints add their
    /// own (the ecosystem-subsidiary operations send `version_id`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Meta {
    /// The text member `key` of `meta`, among those this struct does not
    /// name (`meta.get_str("version_id")`).
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.extra.get(key).and_then(serde_json::Value::as_str)
    }
}

/// A decoded reply: HTTP status, `meta`, `resources`, `errors` and the
/// rate-limit figures of its headers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse<R> {
    /// HTTP status code.
    pub status: StatusCode,
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
    /// The operation that was called, for the errors of
    /// [`Self::error_for_errors`].
    pub(crate) operation: &'static str,
}

impl<R> ApiResponse<R> {
    /// Whether the envelope's `errors` is non-empty (a 2xx reply may carry
    /// errors, e.g. for some of the ids asked for).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// A reply as raw JSON, returned by [`crate::Command::send`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// HTTP status code.
    pub status: StatusCode,
    /// The whole JSON envelope (`meta`, `errors`, `resources`).
    pub body: serde_json::Value,
    /// Rate-limit headers.
    pub rate_limit: RateLimit,
    /// `X-Cs-Traceid` header, or `meta.trace_id`.
    pub trace_id: Option<String>,
}

impl RawResponse {
    /// The envelope's `errors`, decoded leniently (empty when null or absent).
    pub fn errors(&self) -> Vec<ApiError> {
        self.body
            .get("errors")
            .and_then(|e| serde_json::from_value(e.clone()).ok())
            .unwrap_or_default()
    }
}

fn lenient_offset<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Offset>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(v @ (serde_json::Value::Number(_) | serde_json::Value::String(_))) => {
            Offset::deserialize(v).ok()
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_is_lenient_about_numbers_nulls_and_unknown_fields() {
        let m: Meta = serde_json::from_str(
            r#"{"query_time":"0.25","trace_id":"t","powered_by":"gw","extra":{"x":1},
                "pagination":{"offset":"abc","limit":"100","total":7,"after":null},
                "writes":{"resources_affected":"2"}}"#,
        )
        .unwrap();
        assert_eq!(m.query_time, Some(0.25));
        let p = m.pagination.unwrap();
        assert_eq!(p.offset, Some(Offset::Token("abc".into())));
        assert_eq!(p.limit, Some(100));
        assert_eq!(p.total, Some(7));
        assert_eq!(m.writes.unwrap().resources_affected, Some(2));

        let p: Pagination = serde_json::from_str(r#"{"offset":20,"limit":null}"#).unwrap();
        assert_eq!(p.offset, Some(Offset::Number(20)));
        assert_eq!(p.limit, None);
        let e: ApiError = serde_json::from_str(r#"{"code":"404","message":"gone"}"#).unwrap();
        assert_eq!(e.code, Some(404));
    }

    #[test]
    fn meta_reads_a_fractional_count_as_absent_and_a_whole_float_as_a_count() {
        let p: Pagination =
            serde_json::from_str(r#"{"offset":20.0,"limit":1.5,"total":"7.0"}"#).unwrap();
        assert_eq!(p.offset, Some(Offset::Number(20)));
        assert_eq!(p.limit, None);
        assert_eq!(p.total, Some(7));
        let p: Pagination = serde_json::from_str(r#"{"offset":2.5}"#).unwrap();
        assert_eq!(p.offset, None);
    }

    #[test]
    fn retry_after_accepts_seconds_and_milliseconds() {
        let secs = epoch_to_time(1_700_000_000);
        let ms = epoch_to_time(1_700_000_000_000);
        assert_eq!(secs, ms);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("X-Ratelimit-Retryafter", "1700000000".parse().unwrap());
        h.insert("X-RATELIMIT-LIMIT", "6000".parse().unwrap());
        h.insert("x-ratelimit-remaining", "12".parse().unwrap());
        let r = RateLimit::from_headers(&h);
        assert_eq!(r.limit, Some(6000));
        assert_eq!(r.remaining, Some(12));
        assert_eq!(r.retry_after, Some(secs));
    }
}
