//! Binary replies (blob downloads), streamed.

use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::model::response::RateLimit;
use crate::request::operation::Operation;
use crate::transport::body::read_limited;

/// The setting named in the error when a download passes its cap.
const CAP_SETTING: &str = "Download::max_bytes";

/// A binary reply whose body has not been read yet.
///
/// The body is streamed and, unlike JSON replies, not bound by
/// `ClientBuilder::max_response_bytes`; [`Download::max_bytes`] sets a cap
/// of its own.
#[derive(Debug)]
pub struct Download {
    op: &'static Operation,
    status: StatusCode,
    rate_limit: RateLimit,
    trace_id: Option<String>,
    reply: reqwest::Response,
    max_bytes: Option<u64>,
}

impl Download {
    pub(crate) fn new(
        op: &'static Operation,
        reply: reqwest::Response,
        status: StatusCode,
        rate_limit: RateLimit,
        trace_id: Option<String>,
    ) -> Self {
        Self {
            op,
            status,
            rate_limit,
            trace_id,
            reply,
            max_bytes: None,
        }
    }

    /// Fails the read with [`Error::TooLarge`] once the body (after
    /// decompression) passes `limit` bytes. Default: no cap.
    pub fn max_bytes(mut self, limit: u64) -> Self {
        self.max_bytes = Some(limit);
        self
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Rate-limit headers of the reply.
    pub fn rate_limit(&self) -> &RateLimit {
        &self.rate_limit
    }

    /// `X-Cs-Traceid` header of the reply.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// `Content-Type` of the reply.
    pub fn content_type(&self) -> Option<&str> {
        self.reply
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    /// Length announced by the server, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.reply.content_length()
    }

    fn too_large(op: &'static str, limit: u64) -> Error {
        Error::TooLarge {
            operation: op,
            limit,
            setting: CAP_SETTING,
        }
    }

    /// Reads the whole body into memory (within [`Self::max_bytes`], if set).
    pub async fn bytes(self) -> Result<Bytes> {
        let op = self.op.id;
        let limit = self.max_bytes.unwrap_or(u64::MAX);
        let body = read_limited(self.reply, limit)
            .await
            .map_err(|e| Error::from_reqwest(op, 1, e))?;
        if body.exceeded {
            return Err(Self::too_large(op, limit));
        }
        Ok(body.bytes)
    }

    /// Streams the body into `out` chunk by chunk, in constant memory;
    /// returns the number of bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(self, out: &mut W) -> Result<u64> {
        let op = self.op.id;
        let mut total = 0u64;
        let mut stream = std::pin::pin!(self.into_stream());
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            out.write_all(&chunk).await.map_err(|source| Error::Io {
                operation: op,
                source,
            })?;
            total += chunk.len() as u64;
        }
        out.flush().await.map_err(|source| Error::Io {
            operation: op,
            source,
        })?;
        Ok(total)
    }

    /// The body as a stream of chunks; with [`Self::max_bytes`] set, the
    /// stream ends with [`Error::TooLarge`] instead of passing the cap.
    pub fn into_stream(self) -> impl futures::Stream<Item = Result<Bytes>> + Send + 'static {
        let op = self.op.id;
        let limit = self.max_bytes.unwrap_or(u64::MAX);
        let announced_too_large = self.reply.content_length().is_some_and(|n| n > limit);
        let mut seen = 0u64;
        let mut done = false;
        self.reply
            .bytes_stream()
            .map(move |r| {
                let chunk = r.map_err(|e| Error::from_reqwest(op, 1, e))?;
                seen = seen.saturating_add(chunk.len() as u64);
                if announced_too_large || seen > limit {
                    return Err(Self::too_large(op, limit));
                }
                Ok(chunk)
            })
            // Nothing follows an error.
            .take_while(move |r| {
                let go = !done;
                done = done || r.is_err();
                futures::future::ready(go)
            })
    }
}
