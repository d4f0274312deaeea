#!/usr/bin/env bash
# The export client's instructions, before and after (BENCHMARKS.md,
# "Decoding", "Instructions"): CPU time on a shared 2-core machine moves by
# ±15 % from one run to the next, so changes worth a few percent are
# compared by the instructions valgrind's callgrind counts instead, which
# repeat to 0.01 % for the same binary and replies.
#
# Builds bench_throughput at BASE (a commit) in a worktree and at this
# checkout, in release; for each, starts a fresh emulator of ASSETS assets
# (20 ms median latency, the budget of 6,000 requests a minute) and runs
# the client's export (adaptive, budget_share 0.5) under callgrind, ROUNDS
# times alternately. Prints the instructions per 1,000 assets and the
# ratio, and keeps each profile for callgrind_annotate.
#
# Usage: benches/decode/instructions.sh BASE [ROUNDS]   (valgrind installed;
#        about 1 minute a run for 20,000 assets, plus the builds)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BASE=${1:?usage: instructions.sh BASE_COMMIT [ROUNDS]}
ROUNDS=${2:-1}
ASSETS=${ASSETS:-20000}
WORK=${BENCH_WORK:-$ROOT/target/bench-decode}
BASE_TREE="$WORK/base"
mkdir -p "$WORK"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

# shellcheck source=base_tree.sh
source "$ROOT/benches/decode/base_tree.sh"
checkout_base
(cd "$BASE_TREE" && cargo build --release -q -p falcon-exposure-tests --example bench_throughput)
(cd "$ROOT" && cargo build --release -q -p falcon-exposure-tests --example bench_throughput)

# Instructions of one export by the client at $1/target/release/examples.
# The emulator serves until its stdin (the coprocess's pipe) closes.
count() {
  local bin="$1/target/release/examples/bench_throughput" out="$2" url
  coproc SERVE { "$bin" serve --assets "$ASSETS" --median-ms 20 --p99-ms 40; }
  read -r url <&"${SERVE[0]}"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin" client --url "$url" --job adaptive0.5 >/dev/null 2>"$out.log"
  eval "exec ${SERVE[1]}>&-"
  wait "$SERVE_PID" || true
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out.log"
}

echo "| round | base $(git -C "$BASE_TREE" rev-parse --short HEAD) | new $(git -C "$ROOT" rev-parse --short HEAD) | new ÷ base |"
echo "|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  base=$(count "$BASE_TREE" "$WORK/callgrind.base.$round")
  new=$(count "$ROOT" "$WORK/callgrind.new.$round")
  awk -v r="$round" -v b="$base" -v n="$new" -v a="$ASSETS" 'BEGIN {
    printf "| %s | %.1f M | %.1f M | %.3f |\n", r, b / a * 1000 / 1e6, n / a * 1000 / 1e6, n / b }'
done
echo "(instructions per 1,000 assets; profiles in $WORK/callgrind.*)"
