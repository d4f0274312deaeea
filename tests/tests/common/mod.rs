//! Starting an emulator and a client pointed at it.

#![allow(dead_code)]

use std::time::Duration;

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, EmulatorHandle,
};
use falcon_exposure::{Client, RetryPolicy};

/// Retries without the production backoff, so fault tests run fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
        .slow_down(0, Duration::ZERO)
}

/// An emulator started with `config` and a client with its default
/// credentials and [`fast_retry`].
pub async fn start(config: EmulatorConfig) -> (EmulatorHandle, Client) {
    let emu = Emulator::start(config).await.expect("emulator starts");
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .retry_policy(fast_retry())
        .build()
        .expect("client builds");
    (emu, client)
}
