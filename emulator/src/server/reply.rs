//! The reply envelope every JSON answer shares: `meta` (query time, trace
//! id, pagination, writes), `resources` and `errors` (`msa.APIError`), and
//! the gateway headers stamped on every reply.

use super::budget::Budget;
use super::ctx::Ctx;
use super::error::Error;
use super::response::{json, set_header};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use std::time::Instant;

const POWERED_BY: &str = "crowdstrike-api-gateway";

/// `msa.APIError`.
#[derive(Debug, Clone, Serialize)]
pub struct ApiError {
    code: u16,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

impl ApiError {
    /// An error about one id of a request (404 and the like).
    pub fn for_id(code: u16, message: String, id: &str) -> Self {
        ApiError {
            code,
            message,
            id: Some(id.to_string()),
        }
    }

    /// An asset id of the request that names no asset.
    pub fn not_found(id: &str) -> Self {
        Self::for_id(404, format!("asset not found: {id}"), id)
    }
}

#[derive(Serialize)]
struct Writes {
    resources_affected: usize,
}

#[derive(Serialize)]
struct Meta<'a> {
    query_time: f64,
    powered_by: &'static str,
    trace_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagination: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    writes: Option<Writes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<&'a str>,
}

impl<'a> Meta<'a> {
    fn new(trace_id: &'a str, start: Instant) -> Self {
        Meta {
            query_time: (start.elapsed().as_secs_f64() * 1e6).round() / 1e6,
            powered_by: POWERED_BY,
            trace_id,
            pagination: None,
            writes: None,
            version_id: None,
        }
    }
}

#[derive(Serialize)]
struct Envelope<'a, R: Serialize> {
    meta: Meta<'a>,
    resources: R,
    errors: Vec<ApiError>,
}

/// `msa.ReplyMetaOnly`, the body of 429 replies: no `resources`.
#[derive(Serialize)]
struct MetaOnly<'a> {
    meta: Meta<'a>,
    errors: Vec<ApiError>,
}

/// A 200 reply with `resources`, built up with the optional parts of the
/// envelope and sent with `into_response`.
pub struct Reply<'a, R: Serialize> {
    envelope: Envelope<'a, R>,
}

/// A 200 envelope holding `resources`.
pub fn ok<'a, R: Serialize>(ctx: &'a Ctx, resources: R) -> Reply<'a, R> {
    Reply {
        envelope: Envelope {
            meta: Meta::new(&ctx.trace_id, ctx.start),
            resources,
            errors: Vec::new(),
        },
    }
}

impl<'a, R: Serialize> Reply<'a, R> {
    /// Per-id errors reported next to the resources.
    pub fn errors(mut self, errors: Vec<ApiError>) -> Self {
        self.envelope.errors = errors;
        self
    }

    /// `meta.pagination`.
    pub fn pagination(mut self, pagination: Value) -> Self {
        self.envelope.meta.pagination = Some(pagination);
        self
    }

    /// `meta.writes.resources_affected`.
    pub fn writes(mut self, resources_affected: usize) -> Self {
        self.envelope.meta.writes = Some(Writes { resources_affected });
        self
    }

    /// `meta.version_id` (ecosystem subsidiaries).
    pub fn version(mut self, version_id: &'a str) -> Self {
        self.envelope.meta.version_id = Some(version_id);
        self
    }
}

impl<R: Serialize> IntoResponse for Reply<'_, R> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.envelope) {
            Ok(body) => json(StatusCode::OK, body),
            Err(e) => Error::internal(e.to_string()).into_response(),
        }
    }
}

/// The body of an error reply: the envelope with no resources, or
/// `msa.ReplyMetaOnly` for a 429.
pub fn error_body(ctx: &Ctx, status: StatusCode, message: &str) -> Vec<u8> {
    let meta = Meta::new(&ctx.trace_id, ctx.start);
    let errors = vec![ApiError {
        code: status.as_u16(),
        message: message.to_string(),
        id: None,
    }];
    let body = if status == StatusCode::TOO_MANY_REQUESTS {
        serde_json::to_vec(&MetaOnly { meta, errors })
    } else {
        serde_json::to_vec(&Envelope {
            meta,
            resources: [(); 0],
            errors,
        })
    };
    body.unwrap_or_default()
}

/// A 200 reply whose JSON stops in the middle (the malformed-JSON fault).
pub fn truncated(trace_id: &str) -> Response {
    let body = format!(
        "{{\"meta\":{{\"query_time\":0.001,\"powered_by\":\"{POWERED_BY}\",\"trace_id\":\"{trace_id}\"}},\"resources\":[\"trunc"
    );
    json(StatusCode::OK, body.into_bytes())
}

/// The gateway headers of every reply: the trace id, then the rate-limit
/// budget of the request's class.
pub fn stamp(r: &mut Response, trace_id: &str, budget: Option<Budget>) {
    set_header(r, "x-cs-traceid", trace_id);
    if let Some(b) = budget {
        set_header(r, "x-ratelimit-limit", b.limit);
        set_header(r, "x-ratelimit-remaining", b.remaining);
    }
}
