#!/usr/bin/env bash
# A new user's first two commands, timed (BENCHMARKS.md, "First run"):
#   1. the clean `cargo run --example quickstart` of a fresh clone;
#   2. the clean build of a bare reqwest + tokio + serde_json program, the
#      floor any HTTP client in Rust pays;
#   3. `cargo test --workspace` right after the quickstart.
# Dependencies are fetched before the clock starts, so download time is not
# counted. Each revision is measured in a clone of its own, one after the
# other, on an otherwise idle machine.
#
# Usage: benches/first_run/run.sh [REV ...]   (default: HEAD)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${BENCH_WORK:-$ROOT/target/bench-first-run}
mkdir -p "$WORK"
REVS=("$@")
[ ${#REVS[@]} -eq 0 ] && REVS=(HEAD)

secs() { # log command... ; prints the wall time in seconds, output to log
    local log=$1 start end
    shift
    start=$(date +%s.%N)
    "$@" >"$log" 2>&1 || { echo "failed: $* (output: $log)" >&2; tail -n 40 "$log" >&2; return 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

# The bare program, built from scratch in its own target directory.
BARE=$WORK/bare
mkdir -p "$BARE/src"
cat > "$BARE/Cargo.toml" <<'TOML'
[package]
name = "bare"
version = "0.1.0"
edition = "2024"

[dependencies]
reqwest = { version = "0.12", default-features = false, features = ["json", "rustls-tls"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
TOML
cat > "$BARE/src/main.rs" <<'RS'
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("FALCON_BASE").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let v: serde_json::Value = reqwest::get(format!("{base}/fem/queries/external-assets/v1?limit=10"))
        .await?
        .json()
        .await?;
    println!("{v}");
    Ok(())
}
RS

for rev in "${REVS[@]}"; do
    sha=$(git -C "$ROOT" rev-parse --short "$rev")
    dir=$WORK/clone-$sha
    rm -rf "$dir"
    git clone -q "$ROOT" "$dir"
    git -C "$dir" checkout -q "$sha"
    (cd "$dir" && cargo fetch -q)
    (cd "$BARE" && cargo fetch -q && rm -rf target)
    crates=$(cd "$dir" && cargo tree -q -e normal,build,dev --prefix none -p "$(cd "$dir" && cargo metadata -q --format-version 1 --no-deps |
        python3 -c 'import json,sys; m=json.load(sys.stdin); print(next(t for p in m["packages"] for t in [p["name"]] if any(x["name"]=="quickstart" for x in p["targets"])))')" 2>/dev/null | sort -u | wc -l)
    quickstart=$(cd "$dir" && secs "$WORK/$sha-quickstart.log" cargo run --example quickstart)
    bare=$(cd "$BARE" && secs "$WORK/$sha-bare.log" cargo build)
    tests=$(cd "$dir" && secs "$WORK/$sha-tests.log" cargo test --workspace)
    printf '%s  quickstart %6.0f s  bare %5.0f s  ratio %4.1f  tests after %6.0f s  crates in the quickstart package graph %s\n' \
        "$sha" "$quickstart" "$bare" "$(echo "$quickstart / $bare" | bc -l)" "$tests" "$crates"
    rm -rf "$dir"
done
