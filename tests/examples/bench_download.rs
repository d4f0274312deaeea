//! Downloads one blob to a file with falcon-exposure and reports the
//! process's peak RSS. Against the emulator named by `BENCH_BASE_URL`,
//! started with a large `--blob-size` (see `benches/compare/run.sh`).
//! `bench_download OUT_FILE`.

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::time::Instant;

use bench_common::{Target, report};

#[tokio::main]
async fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "blob.bin".into());
    let target = Target::from_env();
    let client = target.client();
    let ids = client
        .query_assets()
        .limit(100)
        .send()
        .await
        .expect("query")
        .resources;
    let assets = client
        .get_assets()
        .ids(&ids)
        .send()
        .await
        .expect("get")
        .resources;
    let link = assets
        .iter()
        .flat_map(|a| {
            let ip = a.ip.as_ref().and_then(|i| i.services.clone());
            let dns = a.dns_domain.as_ref().and_then(|d| d.services.clone());
            ip.or(dns).unwrap_or_default()
        })
        .find_map(|s| s.blob_links.and_then(|l| l.download_banner))
        .expect("a blob link");
    let url = url::Url::parse("http://localhost/")
        .unwrap()
        .join(&link)
        .unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();

    let started = Instant::now();
    let download = client
        .download_assets()
        .asset_id(&q["assetId"])
        .hash(&q["hash"])
        .timeout(std::time::Duration::from_secs(600))
        .send()
        .await
        .expect("download");
    let mut file = tokio::fs::File::create(&out).await.expect("file");
    let bytes = download.write_to(&mut file).await.expect("write");
    report(
        "download",
        "falcon-exposure",
        started,
        &format!("{bytes} bytes"),
    );
}
