//! Blobs of a service: the streamed download and the JSON preview. Their
//! content is deterministic: a banner line naming the service, then the
//! blob's hash repeated.

use crate::model::{Asset, Service};
use crate::server::ctx::Ctx;
use crate::server::error::Error;
use crate::server::params::Params;
use crate::server::state::Shared;
use crate::server::tenants::Tenant;
use crate::server::{reply, response};
use axum::body::{Body, Bytes};
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

const CHUNK: usize = 64 * 1024;
/// Bytes of a blob its preview shows.
const PREVIEW_LEN: usize = 512;

/// A blob: its banner line, then `filler` repeated.
struct Blob {
    header: Vec<u8>,
    filler: Vec<u8>,
}

impl Blob {
    /// `len` bytes of the blob from `offset`.
    fn bytes(&self, offset: u64, len: usize) -> Vec<u8> {
        let (header, filler) = (&self.header, &self.filler);
        (0..len as u64)
            .map(|k| {
                let i = offset + k;
                if (i as usize) < header.len() {
                    header[i as usize]
                } else {
                    filler[((i as usize) - header.len()) % filler.len()]
                }
            })
            .collect()
    }
}

/// The blob `p` names (`assetId`, `hash`).
fn find(st: &Tenant, p: &Params) -> Result<Blob, Error> {
    let (Some(asset_id), Some(hash)) = (
        p.get("assetId").filter(|s| !s.is_empty()),
        p.get("hash").filter(|s| !s.is_empty()),
    ) else {
        return Err(Error::bad_request("assetId and hash are required"));
    };
    let store = st.store.read().map_err(|_| Error::poisoned())?;
    let a = store
        .get(asset_id)
        .ok_or_else(|| Error::not_found(format!("asset not found: {asset_id}")))?;
    let services =
        a.ip.iter()
            .flat_map(|i| &i.services)
            .chain(a.dns_domain.iter().flat_map(|d| &d.services));
    for s in services {
        if let Some(k) = s.blob_hashes.iter().position(|h| h == hash) {
            let what = if k == 0 { "banner" } else { "attributes" };
            return Ok(Blob {
                header: banner(a, s, what).into_bytes(),
                filler: format!("{hash}\n").into_bytes(),
            });
        }
    }
    Err(Error::not_found(format!("blob not found: {hash}")))
}

/// The first line of a blob of service `s` of asset `a`.
fn banner(a: &Asset, s: &Service, what: &str) -> String {
    let host =
        a.ip.as_ref()
            .map(|i| i.ip_address.to_string())
            .or_else(|| a.dns_domain.as_ref().map(|d| d.fqdn.to_string()))
            .unwrap_or_default();
    format!(
        "{} {what} for {host}:{}/{} ({})\r\n",
        s.protocol,
        s.port,
        s.transport,
        s.applications
            .first()
            .map(|x| x.name.as_ref())
            .unwrap_or("unknown")
    )
}

/// `GET /fem/entities/blobs-download/v1`: streams `blob_size` bytes.
pub async fn download(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    let blob = Arc::new(find(st.tenants.get(ctx.tenant), &Params::parse(q))?);
    let size = st.cfg.blob_size;
    let stream = futures::stream::unfold(0u64, move |pos| {
        let blob = blob.clone();
        async move {
            if pos >= size {
                return None;
            }
            let len = CHUNK.min((size - pos) as usize);
            let chunk = Bytes::from(blob.bytes(pos, len));
            Some((Ok::<_, std::io::Error>(chunk), pos + len as u64))
        }
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    response::set_header(&mut r, "content-length", size);
    Ok(r)
}

/// `GET /fem/entities/blobs-preview/v1`.
pub async fn preview(
    State(st): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(q): RawQuery,
) -> Result<Response, Error> {
    let blob = find(st.tenants.get(ctx.tenant), &Params::parse(q))?;
    let len = (st.cfg.blob_size as usize).min(PREVIEW_LEN);
    let preview = String::from_utf8_lossy(&blob.bytes(0, len)).into_owned();
    Ok(reply::ok(&ctx, [preview]).into_response())
}
