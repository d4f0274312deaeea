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

mod client;
mod download;
mod error;
pub mod fql;
mod generated;
mod lenient;
pub mod operation;
pub mod request;
mod response;

pub use client::{Client, ClientBuilder};
pub use download::Download;
pub use error::{Error, Result};
pub use generated::{fields, models, requests, OPERATIONS};
pub use response::{ApiError, ApiResponse, Meta, Pagination, RateLimit, Writes};
