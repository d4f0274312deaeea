//! Ctrl-C (and SIGTERM on Unix) during an export: caught so that the
//! export saves its state, or removes its temporary file, before it ends.

use std::future::Future;
use std::pin::Pin;

/// Completes when the user interrupts; never when no handler can be set.
pub type Interrupt = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The interruption to wait for. The handlers are set when it is first
/// polled; until then an interruption ends the process as usual.
pub fn signal() -> Interrupt {
    Box::pin(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let Ok(mut term) = signal(SignalKind::terminate()) {
                tokio::select! {
                    () = ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
        }
        ctrl_c().await;
    })
}

async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
