#!/usr/bin/env bash
# Decoding before and after, side by side (BENCHMARKS.md, "Decoding"):
# builds the decoding and throughput benchmarks at BASE (a commit) in a
# worktree and at this checkout, in release, then runs them alternately,
# ROUNDS times, on the same replies (the emulator's, same seed and anchor):
#   (a) heap allocations per asset decoded (bench_decode_allocs, first round);
#   (b) CPU of decoding the detail replies, plain and gzip (bench_decode);
#   (c) the throughput benchmark at the budget (150 ms median latency): one
#       export of ASSETS assets, adaptive at budget_share 0.5, alone and
#       beside the 30 % consumer, and the MSSP export of 10 members x
#       10,000 assets; the client process's own CPU (bench_throughput).
#
# Usage: benches/decode/side_by_side.sh BASE [ROUNDS]     about 15 minutes
#        with a cold build of BASE, add about 10 minutes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BASE=${1:?usage: side_by_side.sh BASE_COMMIT [ROUNDS]}
ROUNDS=${2:-2}
ASSETS=${ASSETS:-100000}
WORK=${BENCH_WORK:-$ROOT/target/bench-decode}
BASE_TREE="$WORK/base"
OUT="$WORK/side_by_side.md"
EXAMPLES=(--example bench_decode --example bench_decode_allocs --example bench_throughput)
mkdir -p "$WORK"

echo "== $BASE into $BASE_TREE"
# shellcheck source=base_tree.sh
source "$ROOT/benches/decode/base_tree.sh"
checkout_base
# This checkout's decoding benchmarks, built against the older client (they
# use only its public API); its throughput benchmark is its own.
cp -r "$ROOT/tests/examples/decode_common" "$ROOT/tests/examples/bench_decode.rs" \
  "$ROOT/tests/examples/bench_decode_allocs.rs" "$BASE_TREE/tests/examples/"
grep -q '^dhat' "$BASE_TREE/tests/Cargo.toml" ||
  sed -i 's|^\[dev-dependencies\]|[dev-dependencies]\ndhat = "0.3"|' "$BASE_TREE/tests/Cargo.toml"

echo "== build (release), both"
(cd "$BASE_TREE" && cargo build --release -q -p falcon-exposure-tests "${EXAMPLES[@]}")
(cd "$ROOT" && cargo build --release -q -p falcon-exposure-tests "${EXAMPLES[@]}")

{
  echo "# Decoding side by side ($(date -u +%Y-%m-%dT%H:%MZ)): base $(git -C "$BASE_TREE" rev-parse --short HEAD), new $(git -C "$ROOT" rev-parse --short HEAD)"
  echo
} > "$OUT"
for round in $(seq "$ROUNDS"); do
  for side in base new; do
    if [ "$side" = base ]; then
      BIN="$BASE_TREE/target/release/examples"
      # The older client decoded bodies from bytes, into a reply list
      # grown as the items came.
      INPUT=bytes RESERVE=0
    else
      BIN="$ROOT/target/release/examples"
      INPUT=text RESERVE=100
    fi
    printf '\n## %s, round %s\n\n' "$side" "$round" | tee -a "$OUT"
    if [ "$round" = 1 ]; then
      BENCH_RESERVE=$RESERVE "$BIN/bench_decode_allocs" 2000 | tee -a "$OUT"
      echo | tee -a "$OUT"
    fi
    BENCH_CLIENT_INPUT=$INPUT BENCH_RESERVE=$RESERVE "$BIN/bench_decode" 20000 5 | tee -a "$OUT"
    "$BIN/bench_throughput" --assets "$ASSETS" --cases adaptive0.5 \
      --mssp-members 10 --mssp-assets 10000 | tee -a "$OUT"
  done
done
echo "== written to $OUT"
