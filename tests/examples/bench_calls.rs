//! 2,000 sequential `get_external_assets` calls of 100 ids, made with
//! falcon-exposure or with a hand-written reqwest loop.
//!
//! `raw` decodes the reply into a `serde_json::Value`, as most hand-written
//! code does; `raw-typed` into the client's asset model, the same decoding
//! work as the client, so that the difference is the client's own overhead.
//!
//! `bench_calls falcon-exposure|raw|raw-typed [calls]`, against the emulator named by
//! `BENCH_BASE_URL` (see `benches/compare/run.sh`).

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::time::Instant;

use bench_common::{Target, report};

/// The envelope, decoded into the client's asset model.
#[derive(serde::Deserialize)]
struct Envelope {
    resources: Vec<falcon_exposure::models::FemExternalAsset>,
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let imp = args.get(1).map(String::as_str).unwrap_or("falcon-exposure");
    let calls: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let target = Target::from_env();

    // The same 100 ids for both: the first page of the default order.
    let client = target.client();
    let ids = client
        .query_assets()
        .limit(100)
        .send()
        .await
        .expect("query")
        .resources;
    assert_eq!(ids.len(), 100);

    match imp {
        "falcon-exposure" => {
            let client = target.client();
            client.authenticate().await.expect("token");
            let started = Instant::now();
            let mut n = 0;
            for _ in 0..calls {
                let reply = client.get_assets().ids(&ids).send().await.expect("get");
                n += reply.resources.len();
            }
            assert_eq!(n, calls * 100);
            report(
                "calls",
                "falcon-exposure",
                started,
                &format!("{calls} calls"),
            );
        }
        "raw" | "raw-typed" => {
            let http = reqwest::Client::new();
            let token: serde_json::Value = http
                .post(format!("{}/oauth2/token", target.base_url))
                .form(&[
                    ("client_id", target.client_id.as_str()),
                    ("client_secret", target.client_secret.as_str()),
                ])
                .send()
                .await
                .expect("token")
                .json()
                .await
                .expect("token json");
            let bearer = format!(
                "Bearer {}",
                token["access_token"].as_str().expect("access_token")
            );
            let url = format!("{}/fem/entities/external-assets/v1", target.base_url);
            let query: Vec<(&str, &str)> = ids.iter().map(|id| ("ids", id.as_str())).collect();
            let started = Instant::now();
            let mut n = 0;
            for _ in 0..calls {
                let reply = http
                    .get(&url)
                    .header("Authorization", &bearer)
                    .query(&query)
                    .send()
                    .await
                    .expect("get");
                assert!(reply.status().is_success());
                if imp == "raw" {
                    // As most hand-written code does: a JSON value.
                    let body: serde_json::Value = reply.json().await.expect("json");
                    n += body["resources"].as_array().map_or(0, Vec::len);
                } else {
                    // The same decoding work as the client: its asset model.
                    let body: Envelope = reply.json().await.expect("json");
                    n += body.resources.len();
                }
            }
            assert_eq!(n, calls * 100);
            let name = if imp == "raw" {
                "raw-reqwest"
            } else {
                "raw-reqwest-typed"
            };
            report("calls", name, started, &format!("{calls} calls"));
        }
        other => panic!("unknown implementation {other}: falcon-exposure, raw or raw-typed"),
    }
}
