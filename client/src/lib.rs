//! Typed, async client for the CrowdStrike Falcon **Exposure Management**
//! API (external assets, routes under `/fem/`).
//!
//! Every operation is a method on [`Client`] named as in FalconPy
//! (`query_assets`, `get_assets`, ...) and found in the docs by its
//! operation ID too. Each returns a request builder whose `send()` performs
//! the call. The methods, their builders, the [`models`], the FQL
//! [`fields`] and the [`OPERATIONS`] table are generated from the
//! manifest in `spec/` by `cargo xtask regen`.
//!
//! ```no_run
//! # async fn f() -> falcon_exposure::Result<()> {
//! use falcon_exposure::Client;
//!
//! // FALCON_CLIENT_ID, FALCON_CLIENT_SECRET, optional FALCON_MEMBER_CID
//! // and FALCON_CLOUD (a cloud name or a base URL).
//! let client = Client::from_env()?;
//! let ids = client.query_assets().filter("asset_type:'ip'+internet_exposure:'Yes'").limit(100).send().await?;
//! let assets = client.get_assets().ids(ids.resources).send().await?;
//! println!("{} assets", assets.resources.len());
//! # Ok(()) }
//! ```
//!
//! # Runtime behaviour
//!
//! - **Clouds.** [`Cloud`] names the six Falcon clouds; a custom base URL
//!   is accepted too. `http://` is refused for any host that is not
//!   loopback. On `us-1` (the default) the client follows the token
//!   reply's `X-Cs-Region` to the customer's cloud, revoking the first
//!   token.
//! - **Tokens.** OAuth2 client credentials, cached and renewed ahead of
//!   expiry ([`ClientBuilder::renew_window`]), one renewal at a time
//!   however many tasks need it. A `401` renews the token and retries the
//!   call (again if the token dies again during later retries, but not
//!   when a freshly renewed token is refused). [`Client::revoke`] revokes it.
//! - **Bulk work.** Paginated operations have `items()` (every item
//!   across pages; `paginate()` gives the [`Paginator`] to configure
//!   first); batched ones take any number of ids and have `items()` for
//!   reads or `send_all()` for writes (`batch()` gives the [`BatchReader`]
//!   or [`BatchWriter`]): requests of at most 100, a few at a time, a
//!   result per id for writes, writes never sent twice;
//!   [`Client::export_assets`] exports every asset of a filter with its
//!   details ([`Export`]), its ids read through several cursor chains at
//!   once. Each reports [`Progress`]; a started stream has no setter.
//! - **Rate limits and retries.** See [`RetryPolicy`]: `429` waits for
//!   `X-RateLimit-RetryAfter`; server errors, timeouts and connection
//!   errors are retried with backoff for operations safe to send twice;
//!   the client slows down when few requests remain in the minute. Every
//!   reply's rate-limit headers are in [`ApiResponse::rate_limit`].
//!
//!   Every client of one account (CID) in the process draws from one rate
//!   budget over the API's sliding minute, and sends only within its
//!   [`ClientBuilder::budget_share`] of the account's limit (default
//!   [`DEFAULT_BUDGET_SHARE`]), less what other integrations use; a `429`
//!   holds every client of the account. [`Client::budget_status`] shows the
//!   figures; [`ClientBuilder::account`] and [`Client::for_member`] choose
//!   the budget. How the budget, the pacing and the bulk streams' requests
//!   in flight work is explained once, in the docs of the crate's private
//!   `rate` module (`client/src/rate/mod.rs`; the repository's
//!   ARCHITECTURE.md points there).
//! - **Errors.** One [`Error`] enum with [`Error::status`],
//!   [`Error::trace_id`] and [`Error::is_retryable`]. Requests the API
//!   would refuse (empty or too many `ids`, a missing required parameter)
//!   fail before they are sent.
//! - **By operation ID.** [`Client::command`] calls any operation of
//!   [`OPERATIONS`] with raw query parameters and body.
//! - **Tracing.** Each request runs in a `falcon.request` span with the
//!   operation ID, method, route, attempt, status and trace ID. The client
//!   secret, tokens and the member CID never appear in logs, `Debug` or
//!   errors.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

// Layers, each using only those listed before it (no module cycles):
// `fql` (filters and sorts), `model` (reply types, lenient decoding),
// `error`, `request` (operations, request parts, checks), `transport`
// (bounded bodies, replies, the retry decision, downloads), `cloud`,
// `auth` (tokens), `rate` (what the rate headers mean, when a request may
// go, how many may be in flight; the one exception to the order: its
// in-flight limits report their size to a bulk stream's counters,
// `bulk::progress`, which use nothing else of the crate),
// `client` (the client and its send loop), `bulk`
// (pagination, batches, exports), `command`, and the `generated`
// builders, models and tables on top (which `fql` reads its default
// field table from).
mod auth;
mod bulk;
mod client;
mod cloud;
mod command;
mod error;
mod for_generated;
pub mod fql;
#[rustfmt::skip]
mod generated;
mod model;
pub mod probe;
pub(crate) mod rate;
mod request;
mod transport;

pub use bulk::{
    BatchItems, BatchReader, BatchWriter, Export, Items, Paginator, Progress, ResumePoint,
    WriteOutcome, WriteResult, WriteResults,
};
pub use client::{
    Client, ClientBuilder, DEFAULT_BUDGET_SHARE, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RENEW_WINDOW, DEFAULT_TIMEOUT,
};
pub use cloud::{Cloud, Target};
pub use command::Command;
/// The text of models replies hold: a string that keeps up to 24 bytes
/// inline, so most values cost no allocation. It reads as a `str`
/// (`as_str()`, `Deref`, `==` with `&str`) and converts from and to
/// `String` (`.into()`, `to_string()`); re-exported so that naming it
/// needs no dependency of your own.
pub use compact_str::CompactString;
pub use error::{Error, PaginationProblem, Result};
pub use generated::{OPERATIONS, fields, models, requests, vocabularies};
pub use http::StatusCode;
pub use model::one_or_many::OneOrMany;
pub use model::response::{
    ApiError, ApiResponse, Meta, Offset, Pagination, RateLimit, RawResponse, Writes,
};
pub use model::shape;
pub use rate::{BudgetStatus, DEFAULT_MAX_CONCURRENCY};
pub use request::operation::{HttpMethod, Operation, ParamLocation, ParamSpec};
pub use transport::download::Download;
pub use transport::retry::RetryPolicy;
