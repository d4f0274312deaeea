//! Reading reply bodies within a size limit, counted after decompression,
//! so that a huge, endless or highly compressed reply cannot exhaust memory.

use bytes::{Bytes, BytesMut};

/// Most bytes read from an error reply (for its message) or a 429.
pub(crate) const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// A body read up to a limit.
pub(crate) struct Limited {
    /// The body, or its first `limit` bytes when it is longer.
    pub(crate) bytes: Bytes,
    /// Whether the body is longer than the limit (the rest was not read).
    pub(crate) exceeded: bool,
}

/// Reads `response`'s body chunk by chunk (reqwest decompresses each one),
/// stopping as soon as it passes `limit` bytes. An announced length above
/// the limit stops it before any read.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Limited, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > limit) {
        return Ok(Limited {
            bytes: Bytes::new(),
            exceeded: true,
        });
    }
    // Reserve what was announced, never more than the limit nor 1 MiB up
    // front: the announcement may be a lie.
    let hint = response
        .content_length()
        .unwrap_or(0)
        .min(limit)
        .min(1 << 20);
    let mut buf = BytesMut::with_capacity(usize::try_from(hint).unwrap_or(0));
    while let Some(chunk) = response.chunk().await? {
        let room = limit.saturating_sub(buf.len() as u64);
        if chunk.len() as u64 > room {
            let keep = usize::try_from(room).unwrap_or(usize::MAX).min(chunk.len());
            buf.extend_from_slice(&chunk[..keep]);
            return Ok(Limited {
                bytes: buf.freeze(),
                exceeded: true,
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Limited {
        bytes: buf.freeze(),
        exceeded: false,
    })
}
