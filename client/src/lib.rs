//! Typed, async client for the CrowdStrike Falcon **Exposure Management**
//! API (external assets, routes under `/fem/`).
//!
//! Every operation is a method on [`Client`] named after its PEP8 name
//! (`query_assets`, `get_assets`, ...) and found in the docs by its
//! operation ID too. Each returns a request builder whose `send()` performs
//! the call. The methods, their builders, the [`models`], the FQL
//! [`fields`] and the [`OPERATIONS`] table are generated from the
//! manifest in `spec/` by `cargo xtask regen`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
mod client;
pub mod cloud;
mod command;
mod download;
mod error;
pub mod fql;
#[rustfmt::skip]
mod generated;
mod lenient;
pub mod operation;
pub mod request;
mod response;
mod retry;
mod transport;
mod validate;

pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RENEW_WINDOW, DEFAULT_TIMEOUT,
};
pub use cloud::{Cloud, Target};
pub use command::Command;
pub use download::Download;
pub use error::{Error, Result};
pub use generated::{OPERATIONS, fields, models, requests};
pub use response::{
    ApiError, ApiResponse, Meta, Offset, Pagination, RateLimit, RawResponse, Writes,
};
pub use retry::RetryPolicy;
