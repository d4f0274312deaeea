#!/bin/sh
# Load test of the emulator with wrk (keep-alive connections).
# Usage: emulator/benches/load.sh [assets] [duration]
# Needs a release build: cargo build --release -p falcon-emulator
set -eu
ASSETS=${1:-100000}
DURATION=${2:-10s}
PORT=${PORT:-18181}
BIN=${BIN:-target/release/falcon-emulator}
HERE=$(dirname "$0")

"$BIN" --port "$PORT" --assets "$ASSETS" --seed 42 >/dev/null &
PID=$!
trap 'kill $PID' EXIT
until curl -sf -o /dev/null -X POST "http://127.0.0.1:$PORT/oauth2/token" \
  -d client_id=emulator-client-id -d client_secret=emulator-client-secret; do sleep 0.2; done

echo "RSS after start with $ASSETS assets: $(grep VmRSS /proc/$PID/status)"
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/oauth2/token" \
  -d client_id=emulator-client-id -d client_secret=emulator-client-secret |
  sed 's/.*"access_token":"\([^"]*\)".*/\1/')
export TOKEN
IDS=$(curl -s -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$PORT/fem/queries/external-assets/v1?limit=100&offset=500" |
  sed 's/.*"resources":\[\([^]]*\)\].*/\1/' | tr -d '"' | tr ',' '\n' | sed 's/^/ids=/' | paste -sd '&')

echo "== get_external_assets, 100 ids per request"
wrk -t2 -c16 -d"$DURATION" -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$PORT/fem/entities/external-assets/v1?$IDS"

echo "== query_external_assets, limit 100, offsets 0..9900"
wrk -t2 -c16 -d"$DURATION" -s "$HERE/query.lua" "http://127.0.0.1:$PORT"

echo "RSS after load: $(grep VmRSS /proc/$PID/status)"
