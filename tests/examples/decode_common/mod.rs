//! Shared by the decoding benchmarks (`bench_decode`, `bench_decode_allocs`):
//! the detail replies of an export, fetched once from the emulator, and the
//! client's reply envelope with its asset model.
#![allow(dead_code)]

use std::fmt;
use std::io::{Read, Write};
use std::marker::PhantomData;
use std::sync::OnceLock;

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, LimitRefusal,
};
use falcon_exposure::{ApiError, Client, Meta, models};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// The envelope as the client decodes a reply (`meta`, `resources`,
/// `errors`), with the asset model; `resources` reserved for the 100 items
/// a detail request asks for, as the client reserves a reply's list for
/// the ids it sent (`BENCH_RESERVE=0`: grown as the items come, as the
/// client did before, for a side-by-side run against an older commit).
#[derive(Deserialize)]
#[allow(dead_code)] // decoded, not read
pub struct Typed {
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default, deserialize_with = "reserved")]
    resources: Option<Vec<models::FemExternalAsset>>,
    #[serde(default)]
    errors: Option<Vec<ApiError>>,
}

/// Items a reply's list is reserved for: 100, or none with `BENCH_RESERVE=0`.
fn room() -> usize {
    static ROOM: OnceLock<usize> = OnceLock::new();
    *ROOM.get_or_init(|| match std::env::var("BENCH_RESERVE").as_deref() {
        Ok("0") => 0,
        _ => 100,
    })
}

/// A list reserved for [`room`] items, or `null`.
fn reserved<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    struct List<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for List<T> {
        type Value = Option<Vec<T>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(room());
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(Some(items))
        }
    }
    d.deserialize_option(List(PhantomData))
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
