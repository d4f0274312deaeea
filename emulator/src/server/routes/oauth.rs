//! OAuth2: issuing tokens for client credentials, and revoking them.

use crate::config::ApiClient;
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::state::Shared;
use crate::server::{reply, response};
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => return None,
        };
        buf = (buf << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// The configured client with these credentials.
fn client<'a>(st: &'a Shared, id: &str, secret: &str) -> Option<&'a ApiClient> {
    st.cfg
        .clients
        .iter()
        .find(|c| c.client_id == id && c.client_secret == secret)
}

/// `POST /oauth2/token`.
pub async fn token(State(st): State<Shared>, body: Bytes) -> Result<Response, Error> {
    let f = form(&body);
    let (Some(id), Some(secret)) = (
        f.get("client_id").filter(|s| !s.is_empty()),
        f.get("client_secret").filter(|s| !s.is_empty()),
    ) else {
        return Err(Error::bad_request(
            "client_id and client_secret are required form fields",
        ));
    };
    let member = f.get("member_cid").filter(|s| !s.is_empty());
    let client = client(&st, id, secret)
        .filter(|c| member.is_none_or(|m| c.member_cids.iter().any(|c| c.eq_ignore_ascii_case(m))))
        .ok_or_else(|| Error::forbidden("Failed to issue access token - Not Authorized"))?;
    // Every member CID of a configured client has a tenant (built at start).
    let tenant = member
        .map_or(Some(0), |m| st.tenants.index_of(m))
        .unwrap_or(0);
    let token = st.ids.token();
    st.tokens
        .issue(token.clone(), client, tenant, st.cfg.token_ttl);
    let body = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": st.cfg.token_ttl.as_secs(),
    });
    let mut r = response::json(StatusCode::CREATED, body.to_string().into_bytes());
    if let Some(region) = &st.cfg.region {
        response::set_header(&mut r, "x-cs-region", region);
    }
    Ok(r)
}

/// The `id:secret` of a Basic authorization header.
fn basic(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b)| decode_base64(b))
        .and_then(|b| String::from_utf8(b).ok())
}

/// `POST /oauth2/revoke`.
pub async fn revoke(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let client = basic(&headers)
        .as_deref()
        .and_then(|b| b.split_once(':'))
        .and_then(|(id, secret)| client(&st, id, secret))
        .ok_or_else(Error::authorization_failed)?;
    let f = form(&body);
    let token = f
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::bad_request("token is a required form field"))?;
    st.tokens.revoke(token, &client.client_id);
    Ok(reply::ok(&ctx, [(); 0]).into_response())
}
