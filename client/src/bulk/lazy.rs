//! Start-on-first-poll, shared by the bulk streams.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};

/// A stream that is configured first and started on its first poll: the
/// builder methods of the bulk streams change `config` until then.
pub(crate) struct Lazy<C, T> {
    config: Option<C>,
    start: fn(C) -> BoxStream<'static, T>,
    running: Option<BoxStream<'static, T>>,
}

impl<C, T> Lazy<C, T> {
    /// A stream that will run `start(config)`.
    pub(crate) fn new(config: C, start: fn(C) -> BoxStream<'static, T>) -> Self {
        Lazy {
            config: Some(config),
            start,
            running: None,
        }
    }

    /// The configuration, until the stream starts.
    pub(crate) fn config(&self) -> Option<&C> {
        self.config.as_ref()
    }

    /// The configuration to change, until the stream starts.
    pub(crate) fn config_mut(&mut self) -> Option<&mut C> {
        self.config.as_mut()
    }

    /// Changes the configuration; once the stream has started the change is
    /// ignored, as the stream runs with what it started with.
    pub(crate) fn configure(&mut self, change: impl FnOnce(&mut C)) {
        if let Some(c) = self.config.as_mut() {
            change(c);
        }
    }

    /// The configuration, taken out (the stream then yields nothing).
    pub(crate) fn into_config(self) -> Option<C> {
        self.config
    }

    /// Whether the stream has been polled.
    pub(crate) fn is_started(&self) -> bool {
        self.running.is_some()
    }
}

impl<C: Unpin, T> Stream for Lazy<C, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // Every field is `Unpin` (the running stream is boxed).
        let this = self.get_mut();
        if let Some(c) = this.config.take() {
            this.running = Some((this.start)(c));
        }
        match &mut this.running {
            Some(s) => s.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    #[tokio::test]
    async fn a_lazy_stream_starts_on_its_first_poll_with_its_last_config() {
        let mut s = Lazy::new(1u32, |n| stream::iter(0..n).boxed());
        assert!(!s.is_started());
        *s.config_mut().unwrap() = 3;
        assert_eq!(s.config(), Some(&3));
        assert_eq!(s.by_ref().collect::<Vec<_>>().await, [0, 1, 2]);
        assert!(s.is_started());
        assert!(s.config_mut().is_none());
        assert_eq!(s.next().await, None);
    }
}
