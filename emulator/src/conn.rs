//! The accept loop and the life of one connection: backoff when accepting
//! fails (for instance on `EMFILE`), and the header-read and idle timeouts
//! that close connections a client holds without using them.

use crate::server::{ConnKill, Peer};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower_service::Service;

/// How long shutdown lets in-flight responses finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The longest pause after failed accepts.
pub const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// How long the accept loop pauses after the `errors_in_a_row`-th failed
/// accept (1 for the first): 10 ms, doubling, at most
/// [`MAX_ACCEPT_BACKOFF`]. Without a pause, an error that persists (no file
/// descriptor left) would make the loop spin on a core.
pub fn accept_backoff(errors_in_a_row: u32) -> Duration {
    let exp = errors_in_a_row.saturating_sub(1).min(16);
    Duration::from_millis(10u64 << exp).min(MAX_ACCEPT_BACKOFF)
}

/// Connection timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// See [`crate::EmulatorConfig::header_read_timeout`].
    pub header_read: Option<Duration>,
    /// See [`crate::EmulatorConfig::idle_timeout`].
    pub idle: Option<Duration>,
}

/// Accepts connections until `stop` turns true, then lets the open ones
/// finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let mut errors_in_a_row = 0u32;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    errors_in_a_row = 0;
                    conns.spawn(connection(stream, peer, router.clone(), timeouts, stop.clone()));
                }
                Err(e) => {
                    errors_in_a_row = errors_in_a_row.saturating_add(1);
                    if errors_in_a_row == 1 {
                        eprintln!("falcon-emulator: accepting a connection failed ({e}); backing off until it succeeds");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(accept_backoff(errors_in_a_row)) => {}
                        _ = stopped(&mut stop) => break,
                    }
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

async fn connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    router: Router,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let activity = Arc::new(Activity::new());
    let conn_kill = ConnKill(kill.clone());
    let busy = activity.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(conn_kill.clone());
        req.extensions_mut().insert(Peer(peer));
        let guard = InFlight::enter(busy.clone());
        let mut r = router.clone();
        async move {
            let reply = r.call(req).await;
            drop(guard);
            reply
        }
    });
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read)
        .title_case_headers(true)
        .keep_alive(true);
    let conn = builder.serve_connection(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = kill.notified() => {}
        _ = activity.idle_for(timeouts.idle) => {}
        _ = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
        }
    }
}

pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// When a connection last moved a byte, and how many of its requests are
/// being served.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Relaxed);
    }

    /// Completes once the connection has been idle for `timeout`: no
    /// request in progress and no byte read or written. Never completes
    /// for `None`.
    async fn idle_for(&self, timeout: Option<Duration>) {
        let Some(timeout) = timeout else {
            return std::future::pending().await;
        };
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Relaxed));
            let quiet = last.elapsed();
            if self.in_flight.load(Relaxed) == 0 && quiet >= timeout {
                return;
            }
            tokio::time::sleep(timeout.saturating_sub(quiet).max(Duration::from_millis(10))).await;
        }
    }
}

/// Marks a request as being served until dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn enter(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Relaxed);
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

/// A stream that records when bytes move through it.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert_eq!(accept_backoff(1), Duration::from_millis(10));
        assert_eq!(accept_backoff(2), Duration::from_millis(20));
        assert_eq!(accept_backoff(7), Duration::from_millis(640));
        assert_eq!(accept_backoff(8), MAX_ACCEPT_BACKOFF);
        assert_eq!(accept_backoff(u32::MAX), MAX_ACCEPT_BACKOFF);
        // Even the first pause is long enough to keep a persistent error
        // from using a core: at most 100 accept calls a second.
        assert!(accept_backoff(0) >= Duration::from_millis(10));
    }
}
