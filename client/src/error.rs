//! The crate's error type.

use crate::response::ApiError;

/// Everything that can go wrong when calling the API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a non-success status.
    #[error("{operation}: HTTP {status}{}", format_api_errors(.errors))]
    Api {
        /// Operation ID.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// The envelope's `errors`.
        errors: Vec<ApiError>,
        /// Trace ID of the reply.
        trace_id: Option<String>,
    },
    /// The request was refused before it was sent.
    #[error("invalid request for {operation}: {message}")]
    InvalidRequest {
        /// Operation ID.
        operation: &'static str,
        /// What was wrong and how to fix it.
        message: String,
    },
    /// The client could not be configured.
    #[error("configuration: {0}")]
    Config(String),
    /// The request could not be sent or its reply not read.
    #[error("{operation}: transport error: {source}")]
    Transport {
        /// Operation ID.
        operation: &'static str,
        /// Underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Writing a downloaded body failed.
    #[error("{operation}: cannot write the downloaded body: {source}")]
    Io {
        /// Operation ID.
        operation: &'static str,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The reply could not be decoded.
    #[error("{operation}: cannot decode HTTP {status} reply: {message}; body starts with {body_start:?}")]
    Decode {
        /// Operation ID.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Decoder message.
        message: String,
        /// The first bytes of the body.
        body_start: String,
    },
}

fn format_api_errors(errors: &[ApiError]) -> String {
    errors
        .iter()
        .map(|e| {
            format!(
                ": {} {}",
                e.code.map(|c| c.to_string()).unwrap_or_default(),
                e.message.as_deref().unwrap_or("")
            )
        })
        .collect()
}

/// Shorthand for `Result<T, falcon_exposure::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
