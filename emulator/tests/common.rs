#![allow(dead_code)]

use falcon_emulator::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorConfig, EmulatorHandle,
};
use serde_json::Value;

pub const ANCHOR: i64 = 1_795_000_000;

pub fn small() -> EmulatorConfig {
    // The schema's forms of the fqdn fields, which most checks read;
    // `dataset.rs` tests the list-or-string forms the default also sends.
    EmulatorConfig::default()
        .assets(300)
        .anchor(ANCHOR)
        .mixed_fqdn_forms(false)
}

pub struct Api {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
    pub token: String,
}

pub async fn start(cfg: EmulatorConfig) -> Api {
    let emu = Emulator::start(cfg).await.expect("start");
    let http = reqwest::Client::new();
    let token = token_for(
        &http,
        &emu.base_url(),
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
    )
    .await;
    Api { emu, http, token }
}

pub async fn token_for(http: &reqwest::Client, base: &str, id: &str, secret: &str) -> String {
    let r = http
        .post(format!("{base}/oauth2/token"))
        .form(&[("client_id", id), ("client_secret", secret)])
        .send()
        .await
        .expect("token request");
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("token json");
    v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.base_url(), path)
    }

    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let r = self
            .http
            .get(self.url(path))
            .query(query)
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        split(r).await
    }

    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        split(req.bearer_auth(&self.token).send().await.expect("request")).await
    }

    /// All ids matching `filter` (paged with limit 100).
    pub async fn query_all(&self, filter: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let off = offset.to_string();
            let mut q = vec![("limit", "100"), ("offset", off.as_str())];
            if !filter.is_empty() {
                q.push(("filter", filter));
            }
            let (s, _, v) = self.get("/fem/queries/external-assets/v1", &q).await;
            assert_eq!(s, 200, "{filter}: {v}");
            let page = ids(&v);
            let total = v["meta"]["pagination"]["total"].as_u64().unwrap() as usize;
            out.extend(page.iter().cloned());
            offset += 100;
            if page.is_empty() || offset >= total {
                break;
            }
        }
        out
    }

    pub async fn assets(&self, ids: &[String]) -> Vec<Value> {
        let mut out = Vec::new();
        for chunk in ids.chunks(100) {
            let q: Vec<(&str, &str)> = chunk.iter().map(|i| ("ids", i.as_str())).collect();
            let (s, _, v) = self.get("/fem/entities/external-assets/v1", &q).await;
            assert_eq!(s, 200);
            out.extend(v["resources"].as_array().unwrap().iter().cloned());
        }
        out
    }

    pub async fn all_assets(&self) -> Vec<Value> {
        let ids = self.query_all("").await;
        self.assets(&ids).await
    }
}

pub async fn split(r: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, v)
}

pub fn ids(v: &Value) -> Vec<String> {
    v["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|x| x.as_str().expect("id").to_string())
        .collect()
}

pub fn assert_envelope(v: &Value) {
    let meta = &v["meta"];
    assert!(meta["query_time"].is_number(), "{v}");
    assert_eq!(meta["powered_by"], "crowdstrike-api-gateway");
    assert!(
        meta["trace_id"].as_str().is_some_and(|t| t.len() == 36),
        "{v}"
    );
    assert!(v["errors"].is_array(), "{v}");
}

pub fn first_error(v: &Value) -> (i64, String) {
    let e = &v["errors"][0];
    (
        e["code"].as_i64().unwrap_or(0),
        e["message"].as_str().unwrap_or("").to_string(),
    )
}
