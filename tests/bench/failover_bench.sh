#!/bin/bash
# Failover benchmark (by hand, not in ctest; root). In the lab of
# tests/failover/lab.sh with the real failberryd:
#   carrier  the wired link loses its carrier -> time until the kernel has the
#            new default route (both instants from the Pi's own `ip -ts monitor`:
#            the NO-CARRIER link event and the new default route event);
#   transit  the ISP silently drops everything (an nft rule) -> time from the
#            rule being in place until the new default route event.
#   silent   the same silent cut while the LAN host exchanges UDP datagrams
#            with an echo server on the internet host (5/s), with slow idle
#            probes: wired every 5s (probe_timeout
#            300ms, down_count 3, up_count 2), cellular every 10s, both with
#            probe_on_silence 1s. The wired uplink's counters show packets
#            out and none in, which starts a burst of back-to-back rounds:
#            time from the rule to the new default route event. Also prints
#            the cellular uplink's probe cost in bytes per minute (its probe
#            bytes from /status over the scenario, probes sent and received).
# carrier and transit run with failberry's lab timings (probe_interval 500ms,
# probe_timeout 300ms, down_count 3, up_count 2) and with mwan3's documented
# defaults (interval 5s, timeout 2s, down 3, up 8; PROTOCOLS.md §6); silent
# with its own.
# Prints median and p95 (nearest rank) in ms over --runs N (default 20).
# Usage: tests/bench/failover_bench.sh [--runs N] [--only carrier|transit|silent] [--timings lab|mwan3]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNS=20
ONLY=""
TIMINGS="lab mwan3"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --timings) TIMINGS=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--only carrier|transit|silent] [--timings lab|mwan3]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "failover_bench: run as root" >&2; exit 1; }
export FB_DAEMON=${FB_DAEMON:-$ROOT/build/firmware/failberryd} FB_CTL=${FB_CTL:-$ROOT/build/firmware/failberryctl}
[ -x "$FB_DAEMON" ] || { echo "failover_bench: build failberryd first ($FB_DAEMON)" >&2; exit 1; }

export LAB="fbfo-bench-$$" LAB_DIR=$(mktemp -d)
# shellcheck source=../failover/lab.sh
source "$ROOT/tests/failover/lab.sh"
MON=""
PING=""
ECHO=""
finish() {
  [ -n "$MON" ] && kill "$MON" 2>/dev/null
  [ -n "$PING" ] && kill "$PING" 2>/dev/null
  [ -n "$ECHO" ] && kill "$ECHO" 2>/dev/null
  lab_down
  rm -rf "$LAB_DIR"
}
trap finish EXIT
trap 'exit 130' INT TERM
lab_up || exit 1

# Seconds since midnight from "[2026-11-21T08:46:49.217059] ...".
ts() { sed -n 's/^\[[0-9-]*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)\].*/\1 \2 \3/p' | awk '{printf "%.6f\n", $1*3600+$2*60+$3}'; }
now_s() { date +%H:%M:%S.%N | awk -F: '{printf "%.6f\n", $1*3600+$2*60+$3}'; }

stats() { # name, then ms values on stdin
  "$LAB_PY" -c '
import sys, math
v = sorted(float(x) for x in sys.stdin.read().split())
if not v: print("%-34s no samples" % sys.argv[1]); sys.exit()
med = v[len(v)//2] if len(v) % 2 else (v[len(v)//2-1] + v[len(v)//2]) / 2
p95 = v[max(0, math.ceil(0.95 * len(v)) - 1)]
print("%-34s n=%-3d median %9.1f ms   p95 %9.1f ms   min %9.1f   max %9.1f" % (sys.argv[1], len(v), med, p95, v[0], v[-1]))
' "$1"
}

start_monitor() {
  : >"$LAB_DIR/mon"
  ip -n "$LAB-pi" -ts monitor link route >"$LAB_DIR/mon" &
  MON=$!
  sleep 0.1
}
stop_monitor() {
  kill "$MON" 2>/dev/null
  wait "$MON" 2>/dev/null
  MON=""
}
main_default_is() { ip -n "$LAB-pi" -4 route show default metric 10 | grep -q "dev $1 "; }
new_default_seen() { grep -q "^\[[^]]*\] default .*dev $LAB_CELL_IF .*metric 10" "$LAB_DIR/mon"; }

# The cellular uplink's probe bytes (sent + received) from /status.
cell_probe_bytes() {
  lab_health lan 10.10.0.1 /status | sed -n '/^{/,$p' | "$LAB_PY" -c '
import json, sys
u = [u for u in json.load(sys.stdin)["uplinks"] if u["name"] == "cellular"][0]
print(u["probes"]["bytes_sent"] + u["probes"]["bytes_received"], u["probes"]["sent"], u["quality"]["silence_bursts"])'
}

cell_up() { lab_health lan 10.10.0.1 /health/cellular | grep -q "failberry OK"; }

run_scenario() { # scenario timings
  local scenario=$1 timings=$2 probes="" cell_probes="" up=2 i t0 t1 out="$LAB_DIR/$1-$2.ms" b0 b1 s0 s1 nprobes bursts
  if [ "$scenario" = silent ]; then
    probes="probe_targets = 198.51.100.1
probe_interval = 5s
probe_timeout = 300ms
down_count = 3
up_count = 2
probe_on_silence = 1s"
    cell_probes="probe_targets = 198.51.100.1
probe_interval = 10s
probe_timeout = 1s
up_count = 1
probe_on_silence = 1s"
  elif [ "$timings" = mwan3 ]; then
    probes="probe_targets = 198.51.100.1
probe_interval = 5s
probe_timeout = 2s
down_count = 3
up_count = 8"
    up=8
  else
    probes="probe_targets = 198.51.100.1
probe_interval = 500ms
probe_timeout = 300ms
down_count = 3
up_count = 2"
  fi
  [ "$scenario" = carrier ] && [ "$timings" = lab ] && probes="" # carrier and address only
  lab_stop
  : >"$LAB_DIR/failberryd.log"
  WIRED_PROBES=$probes CELL_PROBES=$cell_probes HOLD=0s LOG_LEVEL=notice lab_config
  lab_start || { echo "$scenario / $timings: failberryd did not start" >&2; return; }
  : >"$out"
  if [ "$scenario" = silent ]; then
    # The chosen default (metric 10), not the wired uplink's own one in main
    # (metric 11), which is there as soon as its link is ready; the flow
    # starts after it, so its connection is the wired uplink's.
    lab_wait 60 main_default_is eth-wired
    lab_wait 60 cell_up  # the backup is there to take over before the first cut
    # Traffic that is answered while the path works: UDP echo, 5 datagrams a second.
    ip netns exec "$LAB-inet" "$LAB_PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 7))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data, peer)
' &
    ECHO=$!
    ip netns exec "$LAB-lan" "$LAB_PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
while True:
    s.sendto(b"x" * 64, ("198.51.100.1", 7))
    time.sleep(0.2)
    try:
        while s.recv(2048): pass
    except OSError:
        pass
' &
    PING=$!
    read -r b0 _ _ <<<"$(cell_probe_bytes)"
    s0=$(date +%s.%N)
  fi
  for ((i = 1; i <= RUNS; i++)); do
    lab_wait 120 lab_default_is eth-wired || { echo "run $i: wired never became the default again" >&2; return; }
    start_monitor
    if [ "$scenario" = carrier ]; then
      ip -n "$LAB-isp" link set isp-pi down
    else
      lab_isp_cut
      t0=$(now_s)
    fi
    if ! lab_wait 60 new_default_seen; then
      echo "run $i: no failover within 60 s" >&2
      stop_monitor
      return
    fi
    stop_monitor
    [ "$scenario" = carrier ] && t0=$(grep -m1 "eth-wired.*NO-CARRIER" "$LAB_DIR/mon" | ts)
    t1=$(grep -m1 "^\[[^]]*\] default .*dev $LAB_CELL_IF .*metric 10" "$LAB_DIR/mon" | ts)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' >>"$out"
    if [ "$scenario" = carrier ]; then
      ip -n "$LAB-isp" link set isp-pi up
    else
      lab_isp_forward
    fi
    printf '.'
  done
  echo
  if [ "$scenario" = silent ]; then
    read -r b1 nprobes bursts <<<"$(cell_probe_bytes)"
    s1=$(date +%s.%N)
    kill "$PING" "$ECHO" 2>/dev/null
    wait "$PING" "$ECHO" 2>/dev/null
    PING="" ECHO=""
    stats "silent loss under traffic" <"$out" | tee -a "$LAB_DIR/summary"
    awk -v b0="$b0" -v b1="$b1" -v s0="$s0" -v s1="$s1" -v n="$nprobes" -v bursts="$bursts" 'BEGIN {
      printf "%-34s %.0f B/min (%d bytes in %.0f s, %d probes, %d bursts; probe_interval 10s)\n",
        "cellular probe cost", (b1 - b0) / ((s1 - s0) / 60), b1 - b0, s1 - s0, n, bursts }' | tee -a "$LAB_DIR/summary"
    return
  fi
  stats "$scenario, $timings timings" <"$out" | tee -a "$LAB_DIR/summary"
}

for scenario in carrier transit silent; do
  [ -n "$ONLY" ] && [ "$ONLY" != "$scenario" ] && continue
  if [ "$scenario" = silent ]; then
    run_scenario silent own
    continue
  fi
  for timings in $TIMINGS; do run_scenario "$scenario" "$timings"; done
done
echo
echo "== summary ($RUNS runs each; $(uname -r), $(nproc) cpu)"
cat "$LAB_DIR/summary" 2>/dev/null
