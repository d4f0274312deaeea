#!/usr/bin/env bash
# Cost to users (BENCHMARKS.md, "Build cost"): clean build time and the
# compiler's peak memory for one minimal program written three ways: with
# falcon-exposure, with rusty_falcon 0.7.1, and with reqwest + tokio +
# serde_json only. Each program gets a token from the environment, queries
# 10 asset ids and gets their details.
#
# The programs are generated in a scratch directory (not committed);
# dependencies are fetched first so that download time is not counted.
#
# Usage: benches/compare/build_cost.sh   (RUNS=3, PROFILE=dev|release)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${BENCH_WORK:-$ROOT/target/bench-compare}/build-cost
RUNS=${RUNS:-3}
PROFILE=${PROFILE:-dev}
mkdir -p "$WORK"

write_crate() { # name, dependencies, main.rs
  mkdir -p "$WORK/$1/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2024"\n\n[dependencies]\n%s\n\n[workspace]\n' \
    "min-$1" "$2" > "$WORK/$1/Cargo.toml"
  printf '%s\n' "$3" > "$WORK/$1/src/main.rs"
}

write_crate falcon-exposure \
"falcon-exposure = { path = \"$ROOT/client\" }
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }" \
'#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = falcon_exposure::Client::from_env()?;
    let ids = client.query_assets().limit(10).send().await?.resources;
    let assets = client.get_assets().ids(ids).send().await?;
    println!("{} assets", assets.resources.len());
    Ok(())
}'

write_crate rusty_falcon \
'rusty_falcon = "=0.7.1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }' \
'use rusty_falcon::apis::exposure_management_api::{get_external_assets, query_external_assets};
use rusty_falcon::easy::client::FalconHandle;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let falcon = FalconHandle::from_env().await.map_err(|e| format!("{e:?}"))?;
    let ids = query_external_assets(&falcon.cfg, None, Some(10), None, None)
        .await
        .map_err(|e| format!("{e:?}"))?
        .resources;
    let assets = get_external_assets(&falcon.cfg, ids).await.map_err(|e| format!("{e:?}"))?;
    println!("{} assets", assets.resources.len());
    Ok(())
}'

write_crate reqwest-only \
'reqwest = { version = "0.12", default-features = false, features = ["json", "rustls-tls"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }' \
'use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("FALCON_BASE_URL").unwrap_or_else(|_| "https://api.crowdstrike.com".into());
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/oauth2/token"))
        .form(&[("client_id", std::env::var("FALCON_CLIENT_ID")?), ("client_secret", std::env::var("FALCON_CLIENT_SECRET")?)])
        .send().await?.error_for_status()?.json().await?;
    let bearer = format!("Bearer {}", token["access_token"].as_str().ok_or("no token")?);
    let ids: Value = http
        .get(format!("{base}/fem/queries/external-assets/v1?limit=10"))
        .header("Authorization", &bearer)
        .send().await?.error_for_status()?.json().await?;
    let query: Vec<(&str, &str)> = ids["resources"].as_array().ok_or("no ids")?
        .iter().filter_map(Value::as_str).map(|id| ("ids", id)).collect();
    let assets: Value = http
        .get(format!("{base}/fem/entities/external-assets/v1"))
        .query(&query)
        .header("Authorization", &bearer)
        .send().await?.error_for_status()?.json().await?;
    println!("{} assets", assets["resources"].as_array().map_or(0, Vec::len));
    Ok(())
}'

PROFILE_FLAG=""
[ "$PROFILE" = release ] && PROFILE_FLAG="--release"
RESULTS="$WORK/results-$PROFILE.tsv"
: > "$RESULTS"
for name in falcon-exposure rusty_falcon reqwest-only; do
  (cd "$WORK/$name" && cargo fetch -q)
done
for i in $(seq "$RUNS"); do
  for name in falcon-exposure rusty_falcon reqwest-only; do
    dir="$WORK/$name"
    rm -rf "$dir/target"
    # %e: wall seconds; %M: peak RSS (KiB) of the largest process, i.e. rustc.
    /usr/bin/time -f "%e %M" -o "$dir/time.txt" \
      cargo build $PROFILE_FLAG --offline -q --manifest-path "$dir/Cargo.toml" --target-dir "$dir/target"
    read -r secs kib < "$dir/time.txt"
    crates=$(cargo tree --offline -q --manifest-path "$dir/Cargo.toml" -e normal,build --prefix none | sort -u | wc -l)
    bin="$dir/target/$([ "$PROFILE" = release ] && echo release || echo debug)/min-$name"
    size=$(stat -c %s "$bin")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$PROFILE" "$secs" "$kib" "$crates" "$size" | tee -a "$RESULTS"
  done
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    name, profile, secs, kib, crates, size = line.split()
    rows[name].append((float(secs), int(kib), int(crates), int(size)))
print("\n| program | profile | runs | clean build, median (s) | min–max (s) | peak rustc RSS, median (MiB) | crates | binary (MiB) |")
print("|---|---|---|---|---|---|---|---|")
for name, v in rows.items():
    secs = [x[0] for x in v]
    print(f"| {name} | {profile} | {len(v)} | {statistics.median(secs):.1f} | {min(secs):.1f}–{max(secs):.1f} | "
          f"{statistics.median(x[1] for x in v) / 1024:.0f} | {v[0][2]} | {v[0][3] / 1048576:.1f} |")
PY
