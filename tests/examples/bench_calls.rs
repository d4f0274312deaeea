//! 2,000 sequential `get_external_assets` calls of 100 ids, made with
//! falcon-exposure or with a hand-written reqwest loop.
//!
//! `bench_calls falcon-exposure|raw [calls]`, against the emulator named by
//! `BENCH_BASE_URL` (see `benches/compare/run.sh`).

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::time::Instant;

use bench_common::{Target, report};

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
        "raw" => {
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
                let body: serde_json::Value = reply.json().await.expect("json");
                n += body["resources"].as_array().map_or(0, Vec::len);
            }
            assert_eq!(n, calls * 100);
            report("calls", "raw-reqwest", started, &format!("{calls} calls"));
        }
        other => panic!("unknown implementation {other}: falcon-exposure or raw"),
    }
}
