#!/usr/bin/env bash
# Exports at the full budget at any page limit (BENCHMARKS.md, "Cursor
# chains"): one export of ASSETS assets against an emulator with a log-normal
# latency (median 150 ms, p99 400 ms) and a budget of 6,000 requests a minute,
# the client at the default budget share (0.5), at a page limit of 100 refused
# each of the four ways (named, unnamed, silent-cap, empty) and at 10,000; by
# this tree's export (several cursor chains) and by the export of BASE (one
# chain), case by case in the same run, each in a fresh emulator and client
# process (tests/examples/bench_throughput.rs).
#
# Usage: benches/chains/run.sh [BASE]      BASE: the commit to compare with
#        ASSETS=20000 benches/chains/run.sh  a shorter run
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/benches/chains"
BASE=${1:-c7a8731}
WORK=${BENCH_WORK:-$ROOT/target/bench-chains}
ASSETS=${ASSETS:-100000}
MEDIAN_MS=${MEDIAN_MS:-150}
P99_MS=${P99_MS:-400}
LIMIT=${LIMIT:-6000}
CASES=${CASES:-"100:named 100:unnamed 100:silent-cap 100:empty 10000:named"}
mkdir -p "$WORK"

# The export of BASE, built from a worktree of its own.
if [ ! -d "$WORK/base" ]; then
    git -C "$ROOT" worktree add --detach "$WORK/base" "$BASE" >/dev/null
fi
git -C "$WORK/base" checkout -q --detach "$BASE"
(cd "$WORK/base" && CARGO_TARGET_DIR="$WORK/base-target" \
    cargo build --release -q -p falcon-exposure-tests --example bench_throughput)
(cd "$ROOT" && cargo build --release -q -p falcon-exposure-tests --example bench_throughput)
base_exe="$WORK/base-target/release/examples/bench_throughput"
new_exe="$ROOT/target/release/examples/bench_throughput"

rm -f "$WORK"/*.md
for case in $CASES; do
    page=${case%%:*}
    refusal=${case#*:}
    for who in base new; do
        exe=$base_exe
        [ "$who" = new ] && exe=$new_exe
        echo "== $who, page limit $page ($refusal)" >&2
        "$exe" --cases adaptive0.5 --background 0 --mssp-members 0 \
            --assets "$ASSETS" --median-ms "$MEDIAN_MS" --p99-ms "$P99_MS" --limit "$LIMIT" \
            --page-limit "$page" --limit-refusal "$refusal" >"$WORK/$who-$page-$refusal.md"
    done
done
python3 "$HERE/summarize.py" "$WORK" "$ASSETS" "$LIMIT" "$BASE" $CASES
