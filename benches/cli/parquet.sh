#!/usr/bin/env bash
# `falcon-exposure export --format parquet` beside JSON Lines and CSV of the
# same assets, in one run against one emulator process (its defaults: no
# added latency, no rate limit), ROUNDS rounds interleaved, so that the cost
# of writing Parquet shows against the export's own. BENCHMARKS.md,
# "Parquet". Usage: benches/cli/parquet.sh [ASSETS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
assets=${1:-100000}
rounds=${2:-3}

cargo build --release -q -p falcon-emulator -p falcon-exposure-cli

work=$(mktemp -d)
trap 'kill "$emulator" 2>/dev/null || true; rm -rf "$work"' EXIT
target/release/falcon-emulator --port 0 --assets "$assets" --page-limit 10000 >"$work/emulator.log" &
emulator=$!
for _ in $(seq 100); do
    url=$(sed -n 's/^falcon-emulator listening on //p' "$work/emulator.log")
    [ -n "$url" ] && break
    sleep 0.1
done
export FALCON_CLIENT_ID=emulator-client-id FALCON_CLIENT_SECRET=emulator-client-secret
export FALCON_CLOUD=$url NO_COLOR=1

seconds() { # command... : "wall s / CPU s" of one run (CPU: user + system), output discarded
    local TIMEFORMAT='%R %U %S' t
    t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
    awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.2f s / %.2f s", a[1], a[2] + a[3] }'
}

tool=target/release/falcon-exposure
# The Parquet export's default columns, given to the CSV export too: the
# same cells in both, so that only the encoding differs.
fields=id,cid,asset_type,ip.ip_address,dns_domain.fqdn,internet_exposure,criticality,perimeter,status,first_seen,last_seen,criticality_description,triage.status,triage.action,triage.assigned_to,triage.description,ip.services.port,ip.services.protocol,ip.services.transport,dns_domain.services.port,dns_domain.services.protocol,dns_domain.services.transport
echo "wall time / client CPU time per export of $assets assets"
echo
echo "| round | JSON Lines (whole assets) | CSV (the same columns as Parquet) | Parquet |"
echo "|---|---|---|---|"
for round in $(seq "$rounds"); do
    jsonl=$(seconds $tool export --out "$work/x.jsonl")
    csv=$(seconds $tool export --format csv --fields "$fields" --out "$work/x.csv")
    parquet=$(seconds $tool export --format parquet --out "$work/x.parquet")
    echo "| $round | $jsonl | $csv | $parquet |"
done
echo
echo "sizes: JSON Lines $(stat -c %s "$work/x.jsonl"), CSV $(stat -c %s "$work/x.csv"), Parquet $(stat -c %s "$work/x.parquet") bytes"
