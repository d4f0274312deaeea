#!/usr/bin/env bash
# Measures two hostile cases against a falcon-emulator binary:
#  1. the time to answer get_external_assets with 13,000 comma-separated ids
#     (a 400), over RUNS requests;
#  2. the emulator's CPU use while it is out of file descriptors: it runs
#     under `ulimit -n 300` and 400 idle connections are held open.
# Usage: emulator/benches/hostile.sh [path/to/falcon-emulator] [runs]
set -euo pipefail

BIN=${1:-target/release/falcon-emulator}
RUNS=${2:-5}
PORT=${PORT:-18089}
BASE="http://127.0.0.1:$PORT"

(ulimit -n 300 && exec "$BIN" --port "$PORT" --assets 2000 >/dev/null 2>&1) &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    curl -s -o /dev/null "$BASE/" && break
    sleep 0.1
done

TOKEN=$(curl -s -X POST "$BASE/oauth2/token" \
    -d client_id=emulator-client-id -d client_secret=emulator-client-secret |
    sed -E 's/.*"access_token":"([^"]+)".*/\1/')

# 13,000 short hex ids with literal commas: about 60 KB, under the 64 KiB a
# URI may have.
IDS=$(seq 0 12999 | xargs printf '%x,' | sed 's/,$//')
echo "13,000 ids (${#IDS} bytes of ids), $RUNS requests:"
for _ in $(seq "$RUNS"); do
    curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
        -w '  status %{http_code}, %{time_total} s\n' \
        "$BASE/fem/entities/external-assets/v1?ids=$IDS"
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
FDS=()
for _ in $(seq 400); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" && FDS+=("$fd")
done
echo "holding ${#FDS[@]} idle connections; emulator limited to 300 descriptors"
sleep 1
T0=$(cpu_ticks)
sleep 5
T1=$(cpu_ticks)
echo "emulator CPU over 5 s: $(( (T1 - T0) * 100 / (5 * HZ) )) % of one core"
for fd in "${FDS[@]}"; do exec {fd}>&-; done
