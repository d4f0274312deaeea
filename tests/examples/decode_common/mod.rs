//! Shared by the decoding benchmarks (`bench_decode`, `bench_decode_allocs`):
//! the detail replies of an export, fetched once from the emulator, and the
//! client's reply envelope with its asset model.
#![allow(dead_code)]

use std::io::{Read, Write};

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, LimitRefusal,
};
use falcon_exposure::{ApiError, Client, Meta, models};
use serde::Deserialize;

/// The envelope as the client decodes a reply (`meta`, `resources`,
/// `errors`), with the asset model.
#[derive(Deserialize)]
#[allow(dead_code)] // decoded, not read
pub struct Typed {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default)]
    resources: Option<Vec<models::FemExternalAsset>>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

/// The detail replies of an export of `assets` assets, as the server sent them.
pub async fn bodies(assets: usize) -> Vec<Vec<u8>> {
    let emu = Emulator::start(
        EmulatorConfig::default()
            .assets(assets)
            .anchor(1_760_000_000)
            .page_limit(10_000, LimitRefusal::Named),
    )
    .await
    .expect("emulator");
    let client = Client::builder()
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .base_url(emu.base_url())
        .budget_share(1.0)
        .build()
        .expect("client");
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut q = client.query_assets_v2().limit(10_000);
        if let Some(a) = &after {
            q = q.after(a);
        }
        let page = q.send().await.expect("id page");
        let done = page.resources.is_empty();
        ids.extend(page.resources);
        after = page.meta.pagination.and_then(|p| p.after);
        if done || after.as_deref().is_none_or(str::is_empty) {
            break;
        }
    }
    assert_eq!(ids.len(), assets, "every id listed");
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/oauth2/token", emu.base_url()))
        .form(&[
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let bearer = format!("Bearer {}", token["access_token"].as_str().expect("token"));
    let url = format!("{}/fem/entities/external-assets/v1", emu.base_url());
    let mut out = Vec::new();
    for batch in ids.chunks(100) {
        let query: Vec<(&str, &str)> = batch.iter().map(|id| ("ids", id.as_str())).collect();
        let reply = http
            .get(&url)
            .header("Authorization", &bearer)
            .query(&query)
            .send()
            .await
            .expect("details");
        assert!(reply.status().is_success());
        out.push(reply.bytes().await.expect("body").to_vec());
    }
    emu.shutdown().await;
    out
}

/// `body` gzip-compressed, as a server sending `Content-Encoding: gzip` would.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(body).expect("gzip");
    e.finish().expect("gzip")
}

/// `body` decompressed.
pub fn gunzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() * 8);
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}
