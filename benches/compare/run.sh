#!/usr/bin/env bash
# Comparison benchmarks of BENCHMARKS.md, all against one emulator in one run:
#   (a) 2,000 sequential get_external_assets calls of 100 ids:
#       falcon-exposure, a hand-written reqwest loop, FalconPy without and
#       with a requests.Session;
#   (b) export of 20,000 assets (id pages + details): falcon-exposure, FalconPy
#       without and with a requests.Session, and again against a second
#       emulator adding 20 ms to every request;
#   (c) download of a 1 GiB blob to a file: peak RSS (falcon-exposure, FalconPy).
# Build cost (d) is build_cost.sh.
#
# Usage: benches/compare/run.sh            (RUNS=5 by default)
#        PARTS=a,b benches/compare/run.sh  (only the parts named; default a,b,c)
# Needs: cargo, python3 with venv, network access to PyPI (for FalconPy).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/benches/compare"
WORK=${BENCH_WORK:-$ROOT/target/bench-compare}
RUNS=${RUNS:-5}
DOWNLOAD_RUNS=${DOWNLOAD_RUNS:-3}
PORT=${PORT:-18080}
FALCONPY_VERSION=${FALCONPY_VERSION:-1.6.6}
PARTS=${PARTS:-a,b,c}
part() { [[ ",$PARTS," == *",$1,"* ]]; }
mkdir -p "$WORK"
cd "$ROOT"

echo "== build (release)"
cargo build --release -q -p falcon-emulator --bin falcon-emulator
cargo build --release -q -p falcon-exposure-tests --example bench_calls --example bench_export --example bench_download
BIN="$ROOT/target/release"

echo "== FalconPy $FALCONPY_VERSION into $WORK/venv"
[ -x "$WORK/venv/bin/python" ] || python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "crowdstrike-falconpy==$FALCONPY_VERSION"
PY="$WORK/venv/bin/python"

# The runs send far more than the API's 6,000 requests a minute; the
# emulator's budget is raised so that falcon-exposure's slow-down near the
# limit (which the others lack) does not weigh on the comparison.
RATE=100000000
echo "== emulator: 20,000 assets, 1 GiB blobs, port $PORT"
"$BIN/falcon-emulator" --port "$PORT" --assets 20000 --seed 42 --page-limit 10000 --rate-limit $RATE \
  --blob-size $((1024 * 1024 * 1024)) --token-ttl 86400 > "$WORK/emulator.log" 2>&1 &
EMU=$!
trap 'kill $EMU 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  grep -q listening "$WORK/emulator.log" 2>/dev/null && break
  sleep 0.2
done
export BENCH_BASE_URL="http://127.0.0.1:$PORT"
export BENCH_CLIENT_ID=emulator-client-id BENCH_CLIENT_SECRET=emulator-client-secret

RESULTS="$WORK/results.tsv"
: > "$RESULTS"
run() { "$@" | tee -a "$RESULTS"; }

# Warm-up: connections, caches, the emulator's first requests.
"$BIN/examples/bench_calls" falcon-exposure 50 > /dev/null
"$PY" "$HERE/bench_falconpy.py" calls 50 > /dev/null
"$PY" "$HERE/bench_falconpy.py" calls 50 session > /dev/null

echo "== parts $PARTS: (a) 2,000 get_external_assets calls, (b) export of 20,000 assets; $RUNS runs, interleaved"
for i in $(seq "$RUNS"); do
  if part a; then
    run "$BIN/examples/bench_calls" falcon-exposure 2000
    run "$BIN/examples/bench_calls" raw 2000
    run "$BIN/examples/bench_calls" raw-typed 2000
    run "$PY" "$HERE/bench_falconpy.py" calls 2000
    run "$PY" "$HERE/bench_falconpy.py" calls 2000 session
  fi
  if part b; then
    run "$BIN/examples/bench_export" bulk
    run "$BIN/examples/bench_export" loop
    run "$PY" "$HERE/bench_falconpy.py" export
    run "$PY" "$HERE/bench_falconpy.py" export session
  fi
done

if part b; then
  echo "== (b') the same export with 20 ms added to every request (a network round trip); $RUNS runs"
  "$BIN/falcon-emulator" --port $((PORT + 1)) --assets 20000 --seed 42 --page-limit 10000 --latency-ms 20 --rate-limit $RATE \
    --token-ttl 86400 > "$WORK/emulator-latency.log" 2>&1 &
  EMU2=$!
  trap 'kill $EMU $EMU2 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    grep -q listening "$WORK/emulator-latency.log" 2>/dev/null && break
    sleep 0.2
  done
  latency() { BENCH_BASE_URL="http://127.0.0.1:$((PORT + 1))" "$@" | sed 's/^export\t/export-20ms\t/' | tee -a "$RESULTS"; }
  for i in $(seq "$RUNS"); do
    latency "$BIN/examples/bench_export" bulk
    latency "$BIN/examples/bench_export" loop
    latency "$PY" "$HERE/bench_falconpy.py" export
    latency "$PY" "$HERE/bench_falconpy.py" export session
  done
  kill $EMU2 2>/dev/null || true
fi

if part c; then
  echo "== (c) download of a 1 GiB blob to a file; $DOWNLOAD_RUNS runs"
  for i in $(seq "$DOWNLOAD_RUNS"); do
    run "$BIN/examples/bench_download" "$WORK/blob.bin"
    rm -f "$WORK/blob.bin"
    run "$PY" "$HERE/bench_falconpy.py" download "$WORK/blob.bin"
    rm -f "$WORK/blob.bin"
  done
fi

echo "== medians"
"$PY" "$HERE/summarize.py" "$RESULTS" | tee "$WORK/summary.md"
