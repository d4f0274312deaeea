# Sourced by the tool's benchmarks: starts a release emulator of $assets
# assets on a free port (pages of 10,000 ids, no rate limit: the client's own
# work is measured), points the FALCON_* variables at it, and defines
# `seconds COMMAND...`, which prints "wall s / CPU s" of one run.
work=$(mktemp -d)
trap 'kill "$emulator" 2>/dev/null || true; rm -rf "$work"' EXIT
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
