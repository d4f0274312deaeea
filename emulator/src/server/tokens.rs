//! The bearer tokens issued by `/oauth2/token`, and the check of a token
//! against the scope a route needs.

use crate::config::ApiClient;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

struct Token {
    client_id: String,
    scopes: Vec<String>,
    /// The CID it acts for, as an index of `Tenants`.
    tenant: usize,
    issued: Instant,
    expires: Instant,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Missing, unknown, expired or revoked: 401.
    Invalid,
    /// Valid, without the route's scope: 403; the token's CID.
    MissingScope(usize),
    /// The token table is unusable: 500.
    Internal,
}

/// The live tokens.
#[derive(Default)]
pub struct Tokens(RwLock<HashMap<String, Token>>);

impl Tokens {
    /// Records `token` for `client` acting for `tenant`, valid for `ttl`,
    /// and forgets the tokens that have expired.
    pub fn issue(&self, token: String, client: &ApiClient, tenant: usize, ttl: Duration) {
        let now = Instant::now();
        if let Ok(mut t) = self.0.write() {
            t.retain(|_, tok| tok.expires > now);
            t.insert(
                token,
                Token {
                    client_id: client.client_id.clone(),
                    scopes: client.scopes.clone(),
                    tenant,
                    issued: now,
                    expires: now + ttl,
                },
            );
        }
    }

    /// Revokes `token` when `client_id` owns it; anything else is ignored,
    /// as the API does.
    pub fn revoke(&self, token: &str, client_id: &str) {
        if let Ok(mut t) = self.0.write() {
            if t.get(token).is_some_and(|tok| tok.client_id == client_id) {
                t.remove(token);
            }
        }
    }

    /// Invalidates every token.
    pub fn clear(&self) {
        if let Ok(mut t) = self.0.write() {
            t.clear();
        }
    }

    /// The client id owning `token` and the CID it acts for, when it is
    /// live (and younger than `lifetime`, the fault that kills tokens
    /// early) and has `scope`.
    pub fn check(
        &self,
        token: Option<&str>,
        scope: &str,
        lifetime: Option<Duration>,
    ) -> Result<(String, usize), Refusal> {
        let token = token.ok_or(Refusal::Invalid)?;
        let tokens = self.0.read().map_err(|_| Refusal::Internal)?;
        let tok = tokens.get(token).ok_or(Refusal::Invalid)?;
        if Instant::now() >= tok.expires || lifetime.is_some_and(|l| tok.issued.elapsed() >= l) {
            return Err(Refusal::Invalid);
        }
        if !tok.scopes.iter().any(|s| s == scope) {
            return Err(Refusal::MissingScope(tok.tenant));
        }
        Ok((tok.client_id.clone(), tok.tenant))
    }
}
