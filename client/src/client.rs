//! The client: configuration, authentication and sending requests.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::download::Download;
use crate::error::{Error, Result};
use crate::operation::{HttpMethod, Operation};
use crate::request::RequestParts;
use crate::response::{ApiError, ApiResponse, Meta, RateLimit};

/// A Falcon Exposure Management API client. Cheap to clone; clones share
/// the connection pool and the token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    client_id: String,
    client_secret: String,
    token: Mutex<Option<String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("client_id", &self.inner.client_id)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

impl ClientBuilder {
    /// Base URL of the API, e.g. `https://api.crowdstrike.com`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// API client ID.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// API client secret.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let need = |v: Option<String>, what: &str| {
            v.filter(|s| !s.is_empty())
                .ok_or_else(|| Error::Config(format!("{what} is missing")))
        };
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: self
                    .base_url
                    .unwrap_or_else(|| "https://api.crowdstrike.com".into())
                    .trim_end_matches('/')
                    .to_owned(),
                client_id: need(self.client_id, "client ID")?,
                client_secret: need(self.client_secret, "client secret")?,
                token: Mutex::new(None),
            }),
        })
    }
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
}

#[derive(Deserialize)]
struct Envelope<R> {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default = "Option::default")]
    resources: Option<Vec<R>>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    async fn token(&self, op: &'static Operation) -> Result<String> {
        let mut slot = self.inner.token.lock().await;
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let reply = self
            .inner
            .http
            .post(format!("{}/oauth2/token", self.inner.base_url))
            .form(&[
                ("client_id", self.inner.client_id.as_str()),
                ("client_secret", self.inner.client_secret.as_str()),
            ])
            .send()
            .await
            .map_err(|source| Error::Transport { operation: op.id, source })?;
        let status = reply.status().as_u16();
        let bytes = reply
            .bytes()
            .await
            .map_err(|source| Error::Transport { operation: op.id, source })?;
        if status != 201 && status != 200 {
            return Err(api_error(op, status, &bytes));
        }
        let t: TokenReply = decode(op, status, &bytes)?;
        *slot = Some(t.access_token.clone());
        Ok(t.access_token)
    }

    async fn send_raw(&self, op: &'static Operation, parts: RequestParts) -> Result<reqwest::Response> {
        if let Some(message) = parts.invalid {
            return Err(Error::InvalidRequest { operation: op.id, message });
        }
        let token = self.token(op).await?;
        let method = match op.http_method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut req = self
            .inner
            .http
            .request(method, format!("{}{}", self.inner.base_url, op.route))
            .bearer_auth(token)
            .query(&parts.query);
        if let Some(body) = &parts.body {
            req = req.json(body);
        }
        if let Some(t) = parts.timeout {
            req = req.timeout(t);
        }
        req.send()
            .await
            .map_err(|source| Error::Transport { operation: op.id, source })
    }

    /// Sends a JSON operation and decodes its envelope.
    pub(crate) async fn execute<R: DeserializeOwned>(
        &self,
        op: &'static Operation,
        parts: RequestParts,
    ) -> Result<ApiResponse<R>> {
        let reply = self.send_raw(op, parts).await?;
        let status = reply.status().as_u16();
        let trace_id = reply
            .headers()
            .get("x-cs-traceid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = reply
            .bytes()
            .await
            .map_err(|source| Error::Transport { operation: op.id, source })?;
        if !(200..300).contains(&status) {
            return Err(api_error(op, status, &bytes));
        }
        let env: Envelope<R> = decode(op, status, &bytes)?;
        let meta = env.meta.unwrap_or_default();
        Ok(ApiResponse {
            status,
            trace_id: trace_id.or_else(|| meta.trace_id.clone()),
            meta,
            resources: env.resources.unwrap_or_default(),
            errors: env.errors.unwrap_or_default(),
            rate_limit: RateLimit::default(),
        })
    }

    /// Sends an operation whose reply is a binary body.
    pub(crate) async fn execute_download(
        &self,
        op: &'static Operation,
        parts: RequestParts,
    ) -> Result<Download> {
        let reply = self.send_raw(op, parts).await?;
        let status = reply.status().as_u16();
        if !(200..300).contains(&status) {
            let bytes = reply
                .bytes()
                .await
                .map_err(|source| Error::Transport { operation: op.id, source })?;
            return Err(api_error(op, status, &bytes));
        }
        Ok(Download::new(op, reply))
    }
}

fn decode<T: DeserializeOwned>(op: &'static Operation, status: u16, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Decode {
        operation: op.id,
        status,
        message: e.to_string(),
        body_start: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
    })
}

fn api_error(op: &'static Operation, status: u16, bytes: &[u8]) -> Error {
    let env: Option<Envelope<serde_json::Value>> = serde_json::from_slice(bytes).ok();
    let (errors, trace_id) = env
        .map(|e| (e.errors.unwrap_or_default(), e.meta.and_then(|m| m.trace_id)))
        .unwrap_or_default();
    Error::Api { operation: op.id, status, errors, trace_id }
}
