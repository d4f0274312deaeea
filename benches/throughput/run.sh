#!/usr/bin/env bash
# Throughput at the account's rate limit (BENCHMARKS.md), in one run:
#   (a) one export of ASSETS assets against an emulator with a log-normal
#       latency (median MEDIAN_MS, p99 P99_MS) and a budget of LIMIT requests
#       a minute: falcon-exposure at fixed concurrency 1, 4, 8 and adaptive at
#       budget_share 0.5 and 0.9, FalconPy without and with a requests.Session;
#       each alone and beside a background consumer taking BACKGROUND of the
#       budget; then MSSP_MEMBERS member CIDs x MSSP_ASSETS assets exported all
#       at once with for_member, against one after another;
#   (b) the same export on loopback (no latency, budget out of reach), fixed
#       concurrency 1, 4, 8 and adaptive: client and emulator CPU per 1,000 assets;
#   (c) the cost of decoding the detail replies (asset model, Value, parse only).
# Every case gets a fresh emulator in a child process
# (tests/examples/bench_throughput.rs).
#
# Usage: benches/throughput/run.sh                  full run, about 25 minutes
#        ASSETS=10000 MEDIAN_MS=20 P99_MS=60 MSSP_ASSETS=1000 benches/throughput/run.sh
#                                                   reduced run, about 1 minute
#        EXPORTS=6 CASES=adaptive0.5,adaptive0.9 MSSP_MEMBERS=0 benches/throughput/run.sh
#                                                   six exports back to back per case, over
#                                                   a minute at the share: the window's
#                                                   steady state (about 8 minutes)
# Needs: cargo, python3 with venv, network access to PyPI (for FalconPy).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/benches/throughput"
WORK=${BENCH_WORK:-$ROOT/target/bench-throughput}
FALCONPY_VERSION=${FALCONPY_VERSION:-1.6.6}
ASSETS=${ASSETS:-100000}
MEDIAN_MS=${MEDIAN_MS:-150}
P99_MS=${P99_MS:-400}
LIMIT=${LIMIT:-6000}
BACKGROUND=${BACKGROUND:-0.30}
EXPORTS=${EXPORTS:-1}
CASES=${CASES:-fixed1,fixed4,fixed8,adaptive0.5,adaptive0.9,falconpy,falconpy-session}
MSSP_MEMBERS=${MSSP_MEMBERS:-10}
MSSP_ASSETS=${MSSP_ASSETS:-10000}
LOOPBACK_ASSETS=${LOOPBACK_ASSETS:-$ASSETS}
mkdir -p "$WORK"
cd "$ROOT"

echo "== build (release)"
cargo build --release -q -p falcon-exposure-tests --example bench_throughput --example bench_decode
BIN="$ROOT/target/release/examples"

echo "== FalconPy $FALCONPY_VERSION into $WORK/venv"
[ -x "$WORK/venv/bin/python" ] || python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "crowdstrike-falconpy==$FALCONPY_VERSION"
PY="$WORK/venv/bin/python"

OUT="$WORK/throughput.md"
{
  echo "# Throughput at the rate limit ($(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD))"
  echo
  echo "## (a) at the budget"
  echo
} > "$OUT"
"$BIN/bench_throughput" --assets "$ASSETS" --median-ms "$MEDIAN_MS" --p99-ms "$P99_MS" \
  --limit "$LIMIT" --background "$BACKGROUND" --cases "$CASES" --exports "$EXPORTS" \
  --mssp-members "$MSSP_MEMBERS" --mssp-assets "$MSSP_ASSETS" \
  --python "$PY" --falconpy-script "$HERE/falconpy_export.py" | tee -a "$OUT"

# Loopback: no latency, and a budget the export cannot reach, so that
# neither the round trip nor the pacing sets the pace, only the CPU.
printf '\n## (b) loopback\n\n' >> "$OUT"
"$BIN/bench_throughput" --assets "$LOOPBACK_ASSETS" --median-ms 0 --limit 100000000 \
  --background 0 --cases fixed1,fixed4,fixed8,adaptive1 --mssp-members 0 | tee -a "$OUT"

printf '\n## (c) decoding\n\n' >> "$OUT"
"$BIN/bench_decode" 20000 5 | tee -a "$OUT"

echo "== written to $OUT"
