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
cmake --build build --target failberryd failberryctl

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

# The example as shipped, but with the control socket in our work dir so a
# failberryd installed on this machine is never disturbed.
sed "s|^#control_socket = .*|control_socket = $WORK/control.sock|" "$CONFIG" > "$WORK/failberry.ini"

ip netns add "$NS"
ip -n "$NS" link set lo up
echo "== namespace $NS created; starting failberryd --dry-run in it"
ip netns exec "$NS" "$DAEMON" --dry-run --config "$WORK/failberry.ini" 2> >(tee "$WORK/log" >&2) &
PID=$!
# Wait (bounded) for the endpoint to listen, or for the daemon to give up.
timeout 10 bash -c "until grep -qE 'http: listening on|not starting' '$WORK/log' 2>/dev/null; do read -rt 0.1 <> <(:) || true; done" \
  || { echo "demo: failberryd did not start" >&2; exit 1; }
grep -q 'http: listening on' "$WORK/log" || { echo "demo: failberryd did not start" >&2; exit 1; }

# GET inside the namespace with bash's /dev/tcp (no client package needed).
fetch() {
  ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9000 && printf "GET %s HTTP/1.0\r\nHost: demo\r\n\r\n" "$1" >&3 && cat <&3' _ "$1" | tr -d '\r'
}
echo
echo "== GET /health/cellular (uplink states are not tracked yet, so it never claims health):"
fetch /health/cellular | sed 's/^/   /'
echo "== GET /status:"
fetch /status | sed -n '/^{/,$p' | sed 's/^/   /'
cat <<TXT

failberryd is running (pid $PID) in namespace $NS, in dry-run mode.
  config:  $ROOT/$CONFIG
  URLs (inside the namespace: ip netns exec $NS ...):
$(sed -n 's/.*http: listening on \(.*\)/           http:\/\/\1\/health  \/health\/UPLINK  \/status  \/metrics/p' "$WORK/log")
  control: build/firmware/failberryctl --socket $WORK/control.sock status   (also: check, drain UPLINK)
  reload:  kill -HUP $PID      stop: Ctrl-C
TXT
echo "== failberryctl status:"
build/firmware/failberryctl --socket "$WORK/control.sock" status | sed 's/^/   /'
echo "== failberryctl check (Nagios):"
build/firmware/failberryctl --socket "$WORK/control.sock" check | sed 's/^/   /' || true
if [ -n "$FOR" ]; then
  timeout "$FOR" tail --pid="$PID" -f /dev/null || true
else
  wait "$PID"
fi
