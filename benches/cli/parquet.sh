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

. benches/cli/emulator.sh

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
