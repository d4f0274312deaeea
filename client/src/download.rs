//! Binary replies (blob downloads), streamed.

use bytes::Bytes;
use futures::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::operation::Operation;
use crate::response::RateLimit;
use crate::transport::Reply;

/// A binary reply whose body has not been read yet.
#[derive(Debug)]
pub struct Download {
    op: &'static Operation,
    status: u16,
    rate_limit: RateLimit,
    trace_id: Option<String>,
    reply: reqwest::Response,
}

impl Download {
    pub(crate) fn new(op: &'static Operation, reply: Reply) -> Self {
        Self {
            op,
            status: reply.status,
            rate_limit: reply.rate_limit,
            trace_id: reply.trace_id,
            reply: reply.response,
        }
    }

    /// HTTP status code.
    pub fn status(&self) -> u16 {
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

    fn body_error(&self, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout {
                operation: self.op.id,
                attempts: 1,
            }
        } else {
            Error::Transport {
                operation: self.op.id,
                attempts: 1,
                source: e,
            }
        }
    }

    /// Reads the whole body into memory.
    pub async fn bytes(self) -> Result<Bytes> {
        let op = self.op;
        self.reply.bytes().await.map_err(|e| {
            if e.is_timeout() {
                Error::Timeout {
                    operation: op.id,
                    attempts: 1,
                }
            } else {
                Error::Transport {
                    operation: op.id,
                    attempts: 1,
                    source: e,
                }
            }
        })
    }

    /// Streams the body into `out` chunk by chunk, in constant memory;
    /// returns the number of bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(mut self, out: &mut W) -> Result<u64> {
        let op = self.op.id;
        let mut total = 0u64;
        loop {
            let chunk = match self.reply.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => return Err(self.body_error(e)),
            };
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

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> impl futures::Stream<Item = Result<Bytes>> + Send + 'static {
        let op = self.op.id;
        self.reply.bytes_stream().map(move |r| {
            r.map_err(|e| {
                if e.is_timeout() {
                    Error::Timeout {
                        operation: op,
                        attempts: 1,
                    }
                } else {
                    Error::Transport {
                        operation: op,
                        attempts: 1,
                        source: e,
                    }
                }
            })
        })
    }
}
