//! The token endpoint's replies: the token, its lifetime, and the errors
//! its failures become.

use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;

use super::secret::Secret;
use crate::error::{Error, Result};
use crate::model::response::{ApiError, Meta, trace_header};
use crate::transport::body::Limited;
use crate::transport::reply::location;

/// Operation ID used in errors about the token endpoint.
pub(crate) const TOKEN_OP: &str = "oauth2AccessToken";

/// Lifetime assumed when the token reply gives none (the API's usual one).
const DEFAULT_TTL_SECS: u64 = 1799;
/// Shortest lifetime believed: a token said to live less (0, negative) is
/// still used for this long, so that the client does not ask for a token
/// on every call. A token that really dies earlier is renewed on its 401.
pub(crate) const MIN_TTL_SECS: u64 = 60;
/// Longest lifetime believed (a day); a token said to live longer is
/// renewed after a day, and no server number reaches clock arithmetic.
pub(crate) const MAX_TTL_SECS: u64 = 24 * 60 * 60;
/// Longest token accepted; real ones are about 1 KiB.
pub(crate) const MAX_TOKEN_BYTES: usize = 8 * 1024;
#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct MetaOnly {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

/// The token and its lifetime from a token reply, or why there is none.
pub(super) fn token_from(
    status: StatusCode,
    body: Limited,
    trace_id: Option<String>,
) -> Result<(Secret, Duration)> {
    if status != StatusCode::CREATED && status != StatusCode::OK {
        return Err(auth_error(status, &body.bytes, trace_id));
    }
    if body.exceeded {
        return Err(auth_message(
            status,
            trace_id,
            "the token reply is larger than a token reply can be; check the base URL",
        ));
    }
    let t: TokenReply = serde_json::from_slice(&body.bytes).map_err(|source| Error::Decode {
        operation: TOKEN_OP,
        status,
        source,
        // The body holds a token: never quote it, nor where it broke.
        path: String::new(),
        body_start: String::new(),
    })?;
    if let Err(problem) = check_token(&t.access_token) {
        return Err(auth_message(status, trace_id, problem));
    }
    Ok((
        Secret::new(t.access_token),
        token_lifetime(t.expires_in.as_ref()),
    ))
}

/// A redirect on a request that carries the secret or a token is an
/// error: following it could hand them to another host.
pub(super) fn refuse_redirect(reply: &reqwest::Response) -> Result<()> {
    let status = reply.status();
    if !status.is_redirection() {
        return Ok(());
    }
    let target = location(reply.headers());
    Err(Error::Auth {
        status,
        errors: vec![ApiError {
            code: None,
            message: Some(format!(
                "redirect to {target:?} refused: credentials are sent only to the configured \
                 base URL; point the client at the host that issues tokens"
            )),
            id: None,
        }],
        trace_id: trace_header(reply.headers()),
    })
}

/// Why `token` cannot be used as a bearer token, if it cannot: it must be
/// non-empty, at most [`MAX_TOKEN_BYTES`] long and made of visible ASCII
/// only (anything else would break or smuggle into the header).
pub(crate) fn check_token(token: &str) -> std::result::Result<(), &'static str> {
    if token.is_empty() {
        Err("the token reply's access_token is empty")
    } else if token.len() > MAX_TOKEN_BYTES {
        Err("the token reply's access_token is longer than 8 KiB")
    } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
        Err("the token reply's access_token holds a space, control or non-ASCII character")
    } else {
        Ok(())
    }
}

/// The lifetime `expires_in` announces, clamped to
/// [`MIN_TTL_SECS`]..=[`MAX_TTL_SECS`]. Numbers and numeric strings are
/// read (fractions dropped); anything else gives the usual 1799 s.
pub(crate) fn token_lifetime(expires_in: Option<&serde_json::Value>) -> Duration {
    let secs = match expires_in {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let secs = match secs {
        Some(s) if !s.is_nan() => {
            // The float is clamped first, so the cast is exact and in range.
            s.clamp(MIN_TTL_SECS as f64, MAX_TTL_SECS as f64) as u64
        }
        _ => DEFAULT_TTL_SECS,
    };
    Duration::from_secs(secs)
}

/// How long after issue a token of lifetime `ttl` is renewed: `window`
/// before it expires, or half-way through a lifetime shorter than twice the
/// window (so that a short-lived token is not renewed on every request).
pub(crate) fn renew_after(ttl: Duration, window: Duration) -> Duration {
    ttl - window.min(ttl / 2)
}

/// An authentication error with the client's own `message`.
fn auth_message(status: StatusCode, trace_id: Option<String>, message: &str) -> Error {
    Error::Auth {
        status,
        errors: vec![ApiError {
            code: None,
            message: Some(message.to_owned()),
            id: None,
        }],
        trace_id,
    }
}

/// A typed authentication error carrying the API's messages.
pub(super) fn auth_error(status: StatusCode, bytes: &[u8], header_trace: Option<String>) -> Error {
    let parsed: Option<MetaOnly> = serde_json::from_slice(bytes).ok();
    let (mut errors, meta_trace) = match parsed {
        Some(m) => (
            m.errors.unwrap_or_default(),
            m.meta.and_then(|m| m.trace_id),
        ),
        None => (Vec::new(), None),
    };
    if errors.is_empty() && !bytes.is_empty() {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            errors.push(ApiError {
                code: Some(i64::from(status.as_u16())),
                message: Some(text),
                id: None,
            });
        }
    }
    Error::Auth {
        status,
        errors,
        trace_id: header_trace.or(meta_trace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_a_window_before_expiry() {
        let s = Duration::from_secs;
        assert_eq!(renew_after(s(1799), s(120)), s(1679));
        assert_eq!(renew_after(s(1800), s(1200)), s(900));
        assert_eq!(renew_after(s(100), s(120)), s(50));
        assert_eq!(renew_after(s(0), s(120)), s(0));
        assert_eq!(renew_after(s(1799), s(0)), s(1799));
    }

    #[test]
    fn token_lifetimes_are_clamped_to_a_minute_and_a_day() {
        let life = |v: serde_json::Value| token_lifetime(Some(&v)).as_secs();
        assert_eq!(life(serde_json::json!(1799)), 1799);
        assert_eq!(life(serde_json::json!(0)), MIN_TTL_SECS);
        assert_eq!(life(serde_json::json!(-5)), MIN_TTL_SECS);
        assert_eq!(life(serde_json::json!(i64::MIN)), MIN_TTL_SECS);
        assert_eq!(life(serde_json::json!(u64::MAX)), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!(i64::MAX)), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!(1e300)), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!(90.9)), 90);
        assert_eq!(life(serde_json::json!(" 600 ")), 600);
        assert_eq!(life(serde_json::json!("1e30")), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!("inf")), MAX_TTL_SECS);
        assert_eq!(life(serde_json::json!("NaN")), 1799);
        assert_eq!(life(serde_json::json!("soon")), 1799);
        assert_eq!(life(serde_json::json!(null)), 1799);
        assert_eq!(life(serde_json::json!([1])), 1799);
        assert_eq!(token_lifetime(None).as_secs(), 1799);
        // The floor keeps a renewal from happening on every call.
        let renew = renew_after(token_lifetime(Some(&serde_json::json!(0))), DEFAULT_WINDOW);
        assert_eq!(renew, Duration::from_secs(MIN_TTL_SECS / 2));
    }

    const DEFAULT_WINDOW: Duration = Duration::from_secs(120);

    #[test]
    fn unusable_tokens_are_refused() {
        assert!(check_token("eyJhbGciOi.J-_~+/=").is_ok());
        assert!(check_token(&"a".repeat(MAX_TOKEN_BYTES)).is_ok());
        assert!(check_token("").unwrap_err().contains("empty"));
        assert!(
            check_token(&"a".repeat(MAX_TOKEN_BYTES + 1))
                .unwrap_err()
                .contains("8 KiB")
        );
        for bad in ["a\r\nX-Evil: 1", "a b", "a\u{0}", "tök", "a\t"] {
            assert!(check_token(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn auth_errors_carry_the_api_message() {
        let e = auth_error(
            StatusCode::FORBIDDEN,
            br#"{"meta":{"trace_id":"tr"},"errors":[{"code":403,"message":"access denied, invalid client"}]}"#,
            None,
        );
        assert_eq!(
            e.to_string(),
            "authentication failed: HTTP 403; 403: access denied, invalid client (trace_id tr)"
        );
        let e = auth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            b"<html>oops</html>",
            Some("h".into()),
        );
        assert!(e.to_string().contains("<html>oops</html>"), "{e}");
        assert_eq!(e.trace_id(), Some("h"));
    }
}
