#!/bin/bash
# Benchmark (reported, never asserted): the health endpoint under wrk on
# loopback, server pinned to one core, side by side in one run with nginx
# (one worker, `return 200`) on the same box; then failberryd's RSS and its
# latency while hundreds of slow clients hold connections.
# Usage: tests/bench/health_bench.sh [DURATION_SECONDS]   (as root; installs wrk, nginx-light)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${1:-10}
cd "$ROOT"
need=()
for p in wrk nginx-light python3; do dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q "ok installed" || need+=($p); done
if [ ${#need[@]} -gt 0 ]; then { apt-get update -q || echo "warning: apt-get update reported errors" >&2; } && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"; fi
systemctl stop nginx 2>/dev/null || true
cmake --build build --target failberryd > /dev/null

WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
FB_PORT=19000; NG_PORT=19001

cat > "$WORK/f.ini" <<INI
[general]
dry_run = true
control_socket = $WORK/control.sock
[modem]
apn = internet
[uplink.wired]
interface = eth0
gateway = 192.168.1.1
priority = 20
[uplink.cellular]
interface = ppp0
kind = ppp
priority = 10
[health]
listen = 127.0.0.1
port = $FB_PORT
max_connections = 256
INI
cat > "$WORK/nginx.conf" <<NGX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$NG_PORT; location / { return 200 "failberry OK uplink=wired state=up\n"; } }
}
NGX
# Servers on core 0, load generators on core 1.
taskset -c 0 build/firmware/failberryd --config "$WORK/f.ini" 2> "$WORK/fb.log" & PIDS+=($!)
FB_PID=$!
taskset -c 0 nginx -c "$WORK/nginx.conf" -g 'daemon off;' & PIDS+=($!)
timeout 10 bash -c "until exec 3<>/dev/tcp/127.0.0.1/$FB_PORT && exec 3<>/dev/tcp/127.0.0.1/$NG_PORT; do read -rt 0.1 <> <(:) || true; done" 2>/dev/null

# failberryd answers 503 for /health/wired (state unknown); the work per
# request is the same as a 200 (same body size class, same path).
bench() {  # name url
  taskset -c 1 wrk -t1 -c32 -d"${DUR}s" --latency "$2" > "$WORK/$1.wrk"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/{print $2}' "$WORK/$1.wrk")
  p50=$(awk '$1=="50%"{print $2}' "$WORK/$1.wrk"); p99=$(awk '$1=="99%"{print $2}' "$WORK/$1.wrk")
  printf '%-11s %12s req/s   p50 %-9s p99 %s\n' "$1" "$rps" "$p50" "$p99"
  echo "$rps" > "$WORK/$1.rps"
}
echo "== wrk: 1 thread, 32 connections, ${DUR}s; servers on core 0, wrk on core 1"
bench failberryd "http://127.0.0.1:$FB_PORT/health/wired"
bench nginx "http://127.0.0.1:$NG_PORT/health/wired"
awk -v a="$(cat "$WORK/failberryd.rps")" -v b="$(cat "$WORK/nginx.rps")" \
  'BEGIN { printf "ratio failberryd/nginx: %.2f\n", a / b }'
echo "failberryd RSS after load: $(awk '/VmRSS/{print $2, $3}' /proc/$FB_PID/status)"

echo "== the same check while 400 slow clients trickle headers (cap 256, 2 s request deadline)"
taskset -c 1 python3 tests/bench/slowloris.py 127.0.0.1 $FB_PORT 400 $((DUR + 4)) > "$WORK/slow.out" & SL=$!
PIDS+=($SL)
timeout 10 bash -c "until [ \$(ls /proc/$FB_PID/fd | wc -l) -gt 200 ]; do read -rt 0.1 <> <(:) || true; done" || true
bench under-load "http://127.0.0.1:$FB_PORT/health/wired"
wait $SL || true
cat "$WORK/slow.out"
echo "failberryd RSS under slow clients: $(awk '/VmRSS/{print $2, $3}' /proc/$FB_PID/status)"
