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

. benches/cli/emulator.sh

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
