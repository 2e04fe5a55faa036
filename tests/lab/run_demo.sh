#!/bin/bash
# The README's main-job command (until the failover lab exists): builds
# failberryd, validates the shipped example config, and runs the daemon in
# dry-run mode inside a throwaway network namespace, showing its log.
# Stops on Ctrl-C, or after --for SECONDS; removes everything it created.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FOR=""
[ "${1:-}" = "--for" ] && FOR=${2:?"--for needs a number of seconds"}

tests/setup_deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --target failberryd

CONFIG=image/overlay/etc/failberry/failberry.ini
DAEMON=build/firmware/failberryd
NS="fb-demo-$$"
WORK=$(mktemp -d)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
  echo "demo: cleaned up namespace $NS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== $("$DAEMON" --version)"
echo "== checking the shipped example config"
"$DAEMON" --check-config "$CONFIG"

ip netns add "$NS"
ip -n "$NS" link set lo up
echo "== namespace $NS created; starting failberryd --dry-run in it"
ip netns exec "$NS" "$DAEMON" --dry-run --config "$CONFIG" 2> >(tee "$WORK/log" >&2) &
PID=$!
timeout 10 bash -c "until grep -q 'starting' '$WORK/log' 2>/dev/null; do read -rt 0.1 <> <(:) || true; done" \
  || { echo "demo: failberryd did not start" >&2; exit 1; }
cat <<TXT

failberryd is running (pid $PID) in namespace $NS, in dry-run mode.
  config:   $ROOT/$CONFIG
  reload:   kill -HUP $PID      stop: Ctrl-C
  URLs:     none yet — the health endpoint (http://<uplink address>:9000/health,
            /status, /metrics) is not part of this build.
TXT
if [ -n "$FOR" ]; then
  timeout "$FOR" tail --pid="$PID" -f /dev/null || true
else
  wait "$PID"
fi
