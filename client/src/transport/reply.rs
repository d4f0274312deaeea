//! Replies: what the send loop hands back, and how a reply body becomes a
//! value or a typed error.

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use http::StatusCode;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};
use crate::model::decode::Key;
use crate::model::response::ApiError;
use crate::model::response::{Meta, RateLimit};
use crate::request::operation::Operation;
use crate::transport::body::{ERROR_BODY_LIMIT, read_limited};

/// How many bytes of an undecodable body errors quote.
const EXCERPT: usize = 256;

/// The envelope every JSON reply shares, with `resources` as `R`. Members
/// other than these three are ignored; a repeated one keeps its last value.
pub(crate) struct Envelope<R> {
    pub(crate) meta: Option<Meta>,
    pub(crate) resources: Option<Vec<R>>,
    pub(crate) errors: Option<Vec<ApiError>>,
}

impl<R> Default for Envelope<R> {
    fn default() -> Self {
        Envelope {
            meta: None,
            resources: None,
            errors: None,
        }
    }
}

impl<'de, R: Deserialize<'de>> Deserialize<'de> for Envelope<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Expecting::<R>::items(0).deserialize(d)
    }
}

/// Most items a reply's list is reserved for before any is read.
const MOST_RESERVED: usize = 10_000;

/// Most bytes a reply's list is reserved for before any item is read: a
/// page of 10,000 assets asked for, of which the API sends 100, must not
/// hold 17 MB.
const MOST_RESERVED_BYTES: usize = 1 << 20;

/// Room for `items` items of `R`, within both bounds.
fn room<R>(items: usize) -> usize {
    items
        .min(MOST_RESERVED)
        .min(MOST_RESERVED_BYTES / size_of::<R>().max(1))
}

/// Decodes an [`Envelope`] whose `resources` are reserved up front for the
/// items the request asked for (a batch's ids, a page's size; at most
/// [`MOST_RESERVED`] and [`MOST_RESERVED_BYTES`]), so that a list of large
/// items (an asset is about 1.7 KB) is not copied as it grows.
pub(crate) struct Expecting<R> {
    items: usize,
    resources: PhantomData<fn() -> R>,
}

impl<R> Expecting<R> {
    /// An envelope whose `resources` are expected to hold about `n` items.
    pub(crate) fn items(n: usize) -> Self {
        Expecting {
            items: room::<R>(n),
            resources: PhantomData,
        }
    }
}

impl<'de, R: Deserialize<'de>> DeserializeSeed<'de> for Expecting<R> {
    type Value = Envelope<R>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Envelope<R>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: Deserialize<'de>> Visitor<'de> for Expecting<R> {
    type Value = Envelope<R>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a reply envelope (an object)")
    }
    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Envelope<R>, A::Error> {
        let mut env = Envelope::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "meta" => env.meta = map.next_value()?,
                "resources" => {
                    env.resources = map.next_value_seed(Reserved(self.items, PhantomData))?
                }
                "errors" => env.errors = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(env)
    }
}

/// A list reserved for `.0` items, or `null`.
struct Reserved<R>(usize, PhantomData<fn() -> R>);

impl<'de, R: Deserialize<'de>> DeserializeSeed<'de> for Reserved<R> {
    type Value = Option<Vec<R>>;
    fn deserialize<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Vec<R>>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, R: Deserialize<'de>> Visitor<'de> for Reserved<R> {
    type Value = Option<Vec<R>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<Option<Vec<R>>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Option<Vec<R>>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Option<Vec<R>>, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Option<Vec<R>>, A::Error> {
        let mut items = Vec::with_capacity(self.0);
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Some(items))
    }
}

/// A reply with a final status (a success, or a failure not retried),
/// with its headers read.
pub(crate) struct Reply {
    pub(crate) body: Body,
    pub(crate) status: StatusCode,
    pub(crate) rate_limit: RateLimit,
    pub(crate) trace_id: Option<String>,
    pub(crate) attempts: u32,
}

/// A reply's body: read (bounded), or left to stream.
pub(crate) enum Body {
    /// Read in full (a JSON reply, or any failure reply).
    Read(Bytes),
    /// A successful binary reply, not read yet.
    Stream(reqwest::Response),
}

impl Reply {
    /// The body of a JSON success reply decoded as `T` (an empty body as
    /// `T::default()`), or the error a failure reply stands for.
    pub(crate) fn json<T: DeserializeOwned + Default>(
        self,
        op: &'static Operation,
    ) -> Result<(Head, T)> {
        self.json_with(op, PhantomData::<T>)
    }

    /// [`Self::json`], decoding the body with `seed` (which decodes a `T`).
    pub(crate) fn json_with<T, S>(self, op: &'static Operation, seed: S) -> Result<(Head, T)>
    where
        T: DeserializeOwned + Default,
        S: for<'de> DeserializeSeed<'de, Value = T>,
    {
        let bytes = match &self.body {
            Body::Read(b) => b.clone(),
            Body::Stream(_) => Bytes::new(),
        };
        if !self.status.is_success() {
            return Err(api_error(
                op,
                self.status,
                &bytes,
                self.trace_id,
                self.attempts,
            ));
        }
        let value = if bytes.iter().all(u8::is_ascii_whitespace) {
            T::default()
        } else {
            decode(op, self.status, &bytes, seed)?
        };
        let head = Head {
            status: self.status,
            rate_limit: self.rate_limit,
            trace_id: self.trace_id,
        };
        Ok((head, value))
    }
}

/// What a decoded reply keeps of its status line and headers.
pub(crate) struct Head {
    pub(crate) status: StatusCode,
    pub(crate) rate_limit: RateLimit,
    pub(crate) trace_id: Option<String>,
}

/// The `Location` header, shortened for error messages.
pub(crate) fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get(reqwest::header::LOCATION)
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .chars()
                .take(256)
                .collect()
        })
        .unwrap_or_default()
}

/// The first bytes of a body, for an error message.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(EXCERPT)]).into_owned()
}

/// `meta.trace_id` of a body, if it is an envelope that has one.
pub(crate) fn body_trace(bytes: &[u8]) -> Option<String> {
    let env: Envelope<serde_json::Value> = serde_json::from_slice(bytes).ok()?;
    env.meta.and_then(|m| m.trace_id)
}

/// Decodes a success body, or says why it cannot be decoded and where.
pub(crate) fn decode<T, S>(
    op: &'static Operation,
    status: StatusCode,
    bytes: &[u8],
    seed: S,
) -> Result<T>
where
    T: DeserializeOwned,
    S: for<'de> DeserializeSeed<'de, Value = T>,
{
    // Checking the body's UTF-8 once is far cheaper than serde_json's check
    // of every string it reads from bytes; a body that is not UTF-8 goes
    // the byte way, for the same error.
    match std::str::from_utf8(bytes) {
        Ok(text) => whole(serde_json::Deserializer::from_str(text), seed),
        Err(_) => whole(serde_json::Deserializer::from_slice(bytes), seed),
    }
    .map_err(|source| Error::Decode {
        operation: op.id,
        status,
        source,
        path: failure_path::<T>(bytes),
        body_start: excerpt(bytes),
    })
}

/// The value `seed` decodes from all of `de`'s input, as
/// `serde_json::from_str` does for a type.
fn whole<'de, R, S>(mut de: serde_json::Deserializer<R>, seed: S) -> serde_json::Result<S::Value>
where
    R: serde_json::de::Read<'de>,
    S: DeserializeSeed<'de>,
{
    let value = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Longest path an error names, in bytes: past it, `…`.
const PATH_LIMIT: usize = 200;

/// Where decoding `bytes` as `T` fails: the body decoded again, only after
/// a failure, with the path tracked (tracking it costs every decoding).
/// Member names come from the body: a name other than letters, digits,
/// `_` and `-` is written quoted with its control characters escaped, so
/// that the path is safe to print.
fn failure_path<T: DeserializeOwned>(bytes: &[u8]) -> String {
    use serde_path_to_error::Segment;
    use std::fmt::Write;

    let mut de = serde_json::Deserializer::from_slice(bytes);
    let Err(e) = serde_path_to_error::deserialize::<_, T>(&mut de) else {
        return String::new();
    };
    let mut path = String::new();
    for segment in e.path() {
        // Writing to a String cannot fail.
        let _ = match segment {
            Segment::Seq { index } => write!(path, "[{index}]"),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                let plain = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain && key.len() <= PATH_LIMIT {
                    let dot = if path.is_empty() { "" } else { "." };
                    write!(path, "{dot}{key}")
                } else {
                    let start: String = key.chars().take(64).collect();
                    write!(path, "[{start:?}]")
                }
            }
            Segment::Unknown => write!(path, ".?"),
        };
        if path.len() > PATH_LIMIT {
            let mut end = PATH_LIMIT;
            while !path.is_char_boundary(end) {
                end -= 1;
            }
            path.truncate(end);
            path.push('…');
            break;
        }
    }
    path
}

/// The error for a non-success reply: every `errors[]` entry and the trace
/// ID when the body is an envelope, else the start of the body.
pub(crate) fn api_error(
    op: &'static Operation,
    status: StatusCode,
    bytes: &[u8],
    header_trace: Option<String>,
    attempts: u32,
) -> Error {
    let (errors, trace_id, body_start) =
        match serde_json::from_slice::<Envelope<serde_json::Value>>(bytes) {
            Ok(env) => (
                env.errors.unwrap_or_default(),
                header_trace.or_else(|| env.meta.and_then(|m| m.trace_id)),
                None,
            ),
            Err(_) => (
                Vec::new(),
                header_trace,
                (!bytes.is_empty()).then(|| excerpt(bytes)),
            ),
        };
    Error::Api {
        operation: op.id,
        status,
        errors,
        trace_id,
        body_start,
        attempts,
    }
}

/// The error for a 429 that is not retried; its trace ID from the header
/// or, failing that, the body.
pub(crate) async fn throttled(
    op: &'static Operation,
    response: reqwest::Response,
    rate_limit: &RateLimit,
    trace_id: Option<String>,
    attempts: u32,
) -> Error {
    let body = read_limited(response, ERROR_BODY_LIMIT)
        .await
        .map(|l| l.bytes)
        .unwrap_or_default();
    Error::RateLimited {
        operation: op.id,
        retry_after: rate_limit.retry_after,
        trace_id: trace_id.or_else(|| body_trace(&body)),
        attempts,
    }
}

/// The error for a redirect the client did not follow: to another origin
/// than the request's `origin`, or one too many.
pub(crate) fn redirect_error(
    op: &'static Operation,
    response: &reqwest::Response,
    origin: &url::Origin,
) -> Error {
    let target = location(response.headers());
    let same_origin = response
        .url()
        .join(&target)
        .is_ok_and(|u| u.origin() == *origin);
    Error::Redirect {
        operation: op.id,
        status: response.status(),
        location: target,
        reason: if same_origin {
            "too many redirects"
        } else {
            "it leads to another origin (scheme, host, port) than the request's, where the token must not go"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)] // decoded, not read
    struct Port {
        port: u16,
    }

    fn envelope(body: &str, items: usize) -> serde_json::Result<Envelope<u16>> {
        whole(
            serde_json::Deserializer::from_str(body),
            Expecting::items(items),
        )
    }

    #[test]
    fn the_envelope_reserves_its_list_for_the_items_expected() {
        let env = envelope(r#"{"resources":[1,2,3]}"#, 100).unwrap();
        let resources = env.resources.unwrap();
        assert_eq!(resources, [1, 2, 3]);
        assert!(resources.capacity() >= 100, "{}", resources.capacity());
        // The expectation is the request's, bounded all the same.
        let env = envelope(r#"{"resources":[]}"#, usize::MAX).unwrap();
        assert_eq!(env.resources.unwrap().capacity(), MOST_RESERVED);
        // Large items: at most a mebibyte reserved.
        assert_eq!(room::<crate::models::FemExternalAsset>(100), 100);
        let assets = room::<crate::models::FemExternalAsset>(10_000);
        assert!(assets * size_of::<crate::models::FemExternalAsset>() <= MOST_RESERVED_BYTES);
        assert!(assets >= 100, "{assets}");
        // More items than expected: the list grows.
        let env = envelope(r#"{"resources":[1,2,3]}"#, 1).unwrap();
        assert_eq!(env.resources.unwrap(), [1, 2, 3]);
    }

    #[test]
    fn the_envelope_reads_its_three_members_and_ignores_others() {
        let env = envelope(
            r#"{"meta":{"trace_id":"t"},"extra":{"a":[1]},"resources":null,
                "errors":[{"code":404,"message":"gone","id":"x"}]}"#,
            0,
        )
        .unwrap();
        assert_eq!(env.meta.unwrap().trace_id.as_deref(), Some("t"));
        assert!(env.resources.is_none());
        assert_eq!(env.errors.unwrap()[0].id.as_deref(), Some("x"));
        let env = envelope("{}", 0).unwrap();
        assert!(env.meta.is_none() && env.resources.is_none() && env.errors.is_none());
        // A repeated member keeps its last value, as models do.
        let env = envelope(r#"{"resources":[1],"resources":[2,3]}"#, 0).unwrap();
        assert_eq!(env.resources.unwrap(), [2, 3]);
        // Not an object, or a list of the wrong items: decode errors.
        for bad in [
            r#"[null,[1]]"#,
            r#""text""#,
            r#"{"resources":["a"]}"#,
            r#"{"resources":{}}"#,
        ] {
            assert!(envelope(bad, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_failure_path_names_members_and_positions() {
        let body = br#"{"resources":[{"port":1},{"port":"x"}]}"#;
        assert_eq!(failure_path::<Envelope<Port>>(body), "resources[1].port");
        assert_eq!(failure_path::<Envelope<Port>>(br#"{"resources":[]}"#), "");
        assert_eq!(failure_path::<Envelope<Port>>(br#""text""#), "");
    }

    #[test]
    fn a_hostile_member_name_is_escaped_and_the_path_bounded() {
        // An unknown member of an asset holding lists nested past
        // serde_json's depth limit: the error's path runs through the
        // server's member name.
        let deep = "[".repeat(300);
        let body = format!(r#"{{"resources":[{{"id":"a","\u001b[31mred\nline":{deep}}}]}}"#);
        let path = failure_path::<Envelope<crate::models::FemExternalAsset>>(body.as_bytes());
        assert!(
            path.starts_with(r#"resources[0]["\u{1b}[31mred\nline"][0]"#),
            "{path}"
        );
        assert!(!path.chars().any(char::is_control), "{path:?}");
        assert!(path.len() <= PATH_LIMIT + '…'.len_utf8(), "{}", path.len());
        assert!(path.ends_with('…'), "{path}");
    }
}
