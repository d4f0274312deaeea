//! Binary replies (blob downloads), streamed.

use bytes::Bytes;
use futures::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::operation::Operation;

/// A binary reply whose body has not been read yet.
#[derive(Debug)]
pub struct Download {
    op: &'static Operation,
    reply: reqwest::Response,
}

impl Download {
    pub(crate) fn new(op: &'static Operation, reply: reqwest::Response) -> Self {
        Self { op, reply }
    }

    /// Length announced by the server, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.reply.content_length()
    }

    /// Reads the whole body into memory.
    pub async fn bytes(self) -> Result<Bytes> {
        let op = self.op.id;
        self.reply
            .bytes()
            .await
            .map_err(|source| Error::Transport { operation: op, source })
    }

    /// Streams the body into `out` chunk by chunk, in constant memory;
    /// returns the number of bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin>(self, out: &mut W) -> Result<u64> {
        let op = self.op.id;
        let mut total = 0u64;
        let mut stream = self.reply.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|source| Error::Transport { operation: op, source })?;
            out.write_all(&chunk).await.map_err(|e| Error::Io {
                operation: op,
                source: e,
            })?;
            total += chunk.len() as u64;
        }
        out.flush()
            .await
            .map_err(|e| Error::Io { operation: op, source: e })?;
        Ok(total)
    }
}
