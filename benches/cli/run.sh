#!/usr/bin/env bash
# The command-line tool's export beside the library's, in one run against one
# emulator process: `falcon-exposure export` (JSON Lines, CSV, CSV of
# services) and the `export_assets` example (the library's export_assets
# writing JSON Lines), ROUNDS rounds interleaved. BENCHMARKS.md, "Command-line
# tool". Usage: benches/cli/run.sh [ASSETS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
assets=${1:-100000}
rounds=${2:-3}

cargo build --release -q -p falcon-emulator -p falcon-exposure-cli
cargo build --release -q -p falcon-exposure-examples --example export_assets

work=$(mktemp -d)
trap 'kill "$emulator" 2>/dev/null || true; rm -rf "$work"' EXIT
# Pages of 10,000 ids and no rate limit: the client's own work is measured.
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

# The example's default filter, given to the tool too: the same assets.
filter="internet_exposure:'Yes'"
echo "wall time / client CPU time per export"
echo
echo "| round | library export_assets → JSON Lines | tool, JSON Lines | tool, CSV | tool, CSV of services |"
echo "|---|---|---|---|---|"
for round in $(seq "$rounds"); do
    lib=$(seconds target/release/examples/export_assets --filter "$filter" --out "$work/lib.jsonl")
    jsonl=$(seconds target/release/falcon-exposure export --filter "$filter" --out "$work/tool.jsonl")
    csv=$(seconds target/release/falcon-exposure export --filter "$filter" --format csv --out "$work/tool.csv")
    services=$(seconds target/release/falcon-exposure export --filter "$filter" --format csv \
        --rows services --out "$work/services.csv")
    echo "| $round | $lib | $jsonl | $csv | $services |"
done
echo
echo "lines: library $(wc -l <"$work/lib.jsonl"), tool $(wc -l <"$work/tool.jsonl"), CSV $(wc -l <"$work/tool.csv") (with the header), services $(wc -l <"$work/services.csv")"
