#!/bin/bash
# The README's main-job command: the failover lab on one machine.
#
# Builds failberryd, builds a small network of namespaces (a LAN host, the Pi,
# a wired ISP, a cellular carrier whose link is the TUN point-to-point
# stand-in for ppp0, and an "internet" host; see tests/failover/lab.sh), runs
# the real failberryd in the Pi namespace with a real config, and shows in
# plain words: both uplinks up, LAN traffic flowing, the wired link cut and
# the failover (measured), /health per uplink, the failback after the
# hold-down, and the same for a silent transit failure that only the probes
# see. Then it keeps failberryd running until Ctrl-C, or for
# --for SECONDS. Removes everything it created, also on Ctrl-C.
#
# --cell net: the cellular uplink is an LTE stick on the net data path
# instead (LAB_CELL=net of lab.sh): modemsim.py as a Huawei E3372h in stick
# mode on a pty, a veth (wwan0) standing in for the stick's network
# interface. failberryd connects over AT, starts the session (^NDISDUP),
# reads the address (^DHCP?) and puts it on wwan0; then the same story, the
# stick's LTE facts from failberryctl status, and the network ending the
# session (the ^NDISSTAT disconnect URC): the failover and the redial that
# brings it back, measured.
#
# Usage: run_demo.sh [--cell ppp|net] [--for SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FOR=""
CELL=ppp
usage() { echo "usage: $0 [--cell ppp|net] [--for SECONDS]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --for) FOR=${2:?"--for needs a number of seconds"}; shift 2 ;;
    --cell) CELL=${2:?"--cell needs ppp or net"}; shift 2 ;;
    *) usage ;;
  esac
done
case "$CELL" in
  ppp) LAB_CELL=tun CELL_IF=ppp0 ;;
  net) LAB_CELL=net CELL_IF=wwan0 ;;
  *) usage ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces)" >&2; exit 1; }

tests/setup_deps.sh lab
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build --target failberryd failberryctl

export FB_DAEMON=$ROOT/build/firmware/failberryd FB_CTL=$ROOT/build/firmware/failberryctl
export LAB="fb-demo-$$" LAB_DIR=$(mktemp -d) LAB_CELL
# shellcheck source=../failover/lab.sh
source tests/failover/lab.sh
cleanup() {
  set +e
  lab_down
  rm -rf "$LAB_DIR"
  echo "demo: stopped failberryd${LAB_MODEM_TTY:+ and the simulated stick}, removed the namespaces $LAB-{lan,pi,isp,cell,inet}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/   /'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
health() { lab_health lan 10.10.0.1 "$1" | tail -1; }
# Waits until the Pi's default route leaves by device $1; prints the ms it took.
time_until_default() {
  local start end
  start=$(now_ms)
  until lab_default_is "$1"; do
    [ $(($(now_ms) - start)) -lt "$2" ] || return 1
    sleep 0.005
  done
  end=$(now_ms)
  echo $((end - start))
}
# The same, at most $2 ms; otherwise says $3 and fails.
default_within() { time_until_default "$1" "$2" || { echo "   $3" >&2; return 1; }; }
# The ms since midnight of failberryd's $2-th log line (default: the last) that holds $1.
log_ms() {
  grep -F -- "$1" "$LAB_DIR/failberryd.log" | sed -n "${2:-\$}p" |
    awk '{ split(substr($1, 12), t, ":"); printf "%d\n", (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 + 0.5 }'
}
wwan_address() { ip -n "$LAB-pi" -4 -o address show dev wwan0 | awk '{print $4}'; }

HOLD=10
echo "== $("$FB_DAEMON" --version)"
if [ "$CELL" = net ]; then
  say "building the lab: LAN host 10.10.0.2 -> Pi -> wired ISP (eth-wired) / LTE stick (wwan0, a veth) -> carrier -> internet 198.51.100.1"
  lab_up
  echo "   the stick's AT port: modemsim.py as a Huawei E3372h-153 in stick mode (LTE) on $LAB_MODEM_TTY"
  echo "   its network interface: wwan0 in $LAB-pi, down and without an address (the carrier's side: 10.64.0.1)"
else
  say "building the lab: LAN host 10.10.0.2 -> Pi -> wired ISP (eth-wired) / cellular carrier (ppp0, TUN stand-in) -> internet 198.51.100.1"
  lab_up
fi
PROBES="probe_targets = 198.51.100.1
probe_interval = 1s
probe_timeout = 500ms
up_count = 2
down_count = 3"
MODE=router HOLD=${HOLD}s WIRED_PROBES=$PROBES CELL_PROBES=$PROBES lab_config
"$FB_DAEMON" --check-config "$LAB_DIR/failberry.ini" | indent
say "the config (router mode: wired preferred, cellular the backup; both probed once a second):"
grep -v '^$' "$LAB_DIR/failberry.ini" | indent

say "starting failberryd (real, not dry-run) in namespace $LAB-pi"
lab_start || { cat "$LAB_DIR/failberryd.log"; echo "demo: failberryd did not start" >&2; exit 1; }
tail --pid="$FB_PID" -f -n +1 "$LAB_DIR/failberryd.log" | grep --line-buffered -E "notice|error|warning" | sed -u 's/^/   [failberryd] /' &
TAIL=$!
LAB_PIDS+=("$TAIL")
lab_wait 15 lab_default_is eth-wired
lab_wait 15 bash -c "grep -q 'uplink\[cellular\]: .*--> up' '$LAB_DIR/failberryd.log'"
sleep 0.3
if [ "$CELL" = net ]; then
  say "the stick: failberryd connected over AT, started the session (^NDISDUP), read the address (^DHCP?)"
  echo "   wwan0 now: $(ip -n "$LAB-pi" -br link show wwan0 | awk '{print $2}') $(wwan_address)"
  echo "   from failberryd's start to the address on wwan0: $(($(log_ms "on wwan0 via" 1) - $(log_ms "starting:" 1))) ms (its log)"
fi

say "both uplinks up:"
lab_ctl status | indent
echo "   the Pi's default route: $(ip -n "$LAB-pi" -4 route show default | grep -m1 " metric 10 ")"

say "LAN traffic: the LAN host fetches http://198.51.100.1/ (the server names the source it saw)"
echo "   $(lab_lan_get)   (192.168.1.2 = the wired uplink)"
echo "   /health/wired:    $(health /health/wired)"
echo "   /health/cellular: $(health /health/cellular)"

say "cutting the wired link (the ISP side goes down: eth-wired loses its carrier)"
ip -n "$LAB-isp" link set isp-pi down
ms=$(default_within "$CELL_IF" 10000 "no failover within 10 s") || exit 1
echo "   failover: the default route left by $CELL_IF ${ms} ms after the cut (measured by polling ip route)"
lab_wait 5 grep -q "default route now via cellular" "$LAB_DIR/failberryd.log"
grep "default route now via cellular" "$LAB_DIR/failberryd.log" | tail -1 | sed 's/.*network: /   failberryd says: /'
echo "   the Pi's default route: $(ip -n "$LAB-pi" -4 route show default | grep -m1 " metric 10 ")"
echo "   LAN traffic: $(lab_lan_get)   (10.64.0.2 = the cellular uplink)"
echo "   /health/wired:    $(health /health/wired)"
echo "   /health/cellular: $(health /health/cellular)"

say "wired link back; failback waits out failback_hold = ${HOLD}s"
ip -n "$LAB-isp" link set isp-pi up
back=$(now_ms)
default_within eth-wired $((HOLD * 1000 + 10000)) "no failback" >/dev/null || exit 1
echo "   failback: the default route left by eth-wired again $(( $(now_ms) - back )) ms after the link came back"
echo "   LAN traffic: $(lab_lan_get)"

say "a silent failure: the wired link stays up, but the ISP drops everything (an nft rule in its namespace)"
lab_isp_cut
ms=$(default_within "$CELL_IF" 20000 "no failover within 20 s") || exit 1
echo "   failover: probe rounds to 198.51.100.1 failed (down_count = 3); default route by $CELL_IF after ${ms} ms"
echo "   /health/wired: $(health /health/wired)"
echo "   LAN traffic: $(lab_lan_get)"
say "the ISP forwards again; failback after 2 good probe rounds and the hold-down"
lab_isp_forward
back=$(now_ms)
default_within eth-wired $((HOLD * 1000 + 20000)) "no failback" >/dev/null || exit 1
echo "   failback $(( $(now_ms) - back )) ms after the ISP recovered"
echo "   LAN traffic: $(lab_lan_get)"

if [ "$CELL" = net ]; then
  say "the LTE stick in plain words (failberryctl status --json):"
  lab_ctl status --json | "$LAB_PY" -c '
import json, sys
m = json.load(sys.stdin)["modem"]
def v(key, unit=""):
    return "unknown" if m.get(key) is None else "%g%s" % (m[key], unit)
print("%s %s, %s, SIM %s, registered %s on \"%s\"" % (m.get("manufacturer"), m.get("model"), m.get("state"),
      m.get("sim"), m.get("registration"), m.get("operator")))
band = "" if m.get("band") is None else ", band %s" % m["band"]
print("radio %s: RSRP %s, RSRQ %s, SINR %s%s; %s/4 bars" % ((m.get("rat") or "unknown").upper(), v("rsrp_dbm", " dBm"),
      v("rsrq_db", " dB"), v("sinr_db", " dB"), band, v("signal_bars")))' | indent

  say "the stick carries the traffic (the operator pins it: failberryctl failover cellular)"
  lab_ctl failover cellular | indent
  echo "   LAN traffic: $(lab_lan_get)"
  say "the network ends the stick's session (modemsim netdrop: the ^NDISSTAT: 0 disconnect URC)"
  cut=$(now_ms)
  lab_modem netdrop >/dev/null || { echo "   the simulated stick had no session to drop" >&2; exit 1; }
  ms=$(default_within eth-wired 5000 "no failover within 5 s of the disconnect") || exit 1
  echo "   failover: the default route left by eth-wired ${ms} ms after the URC was sent (polling ip route)"
  echo "   failberryd: URC read to default route moved in $(($(log_ms "default route now via wired") - $(log_ms "data session on wwan0 lost"))) ms (its log)"
  addr=$(wwan_address)
  echo "   wwan0 now: ${addr:-no address} (it went with the session)   LAN traffic: $(lab_lan_get)"
  lab_wait 20 bash -c "ip -n '$LAB-pi' -4 address show dev wwan0 | grep -q 10.64.0.2" ||
    { echo "   no redial within 20 s" >&2; exit 1; }
  echo "   the redial brought the session back $(($(now_ms) - cut)) ms after the URC (polled): $(wwan_address) on wwan0"
  echo "   (the recovery ladder's first rung: $(grep -o "redial attempt [0-9/]* in [0-9a-z]*" "$LAB_DIR/failberryd.log" | tail -1))"
  default_within wwan0 $((HOLD * 1000 + 10000)) "the stick did not get the default route back" >/dev/null || exit 1
  echo "   the default route back on wwan0 $(($(now_ms) - cut)) ms after the URC (probes up, then failback_hold = ${HOLD}s)"
  echo "   LAN traffic: $(lab_lan_get)"
  lab_ctl failover auto | indent
fi

say "/status (failover part):"
lab_health lan 10.10.0.1 /status | sed -n '/"failover"/,/^  }/p' | indent

cat <<TXT

failberryd keeps running (pid $FB_PID) in namespace $LAB-pi.
  status:   $FB_CTL --socket $LAB_DIR/control.sock status      (also: check, failover UPLINK|auto)
  health:   ip netns exec $LAB-lan curl http://10.10.0.1:9000/health/wired
  cut:      ip -n $LAB-isp link set isp-pi down      (and up)
TXT
[ "$CELL" = net ] && cat <<TXT
  stick:    echo netdrop | socat - UNIX-CONNECT:$LAB_DIR/modem.ctl      (also: state, set rsrp=-95 ...; tests/modem/modemsim.py)
TXT
cat <<TXT
  stop:     Ctrl-C
TXT
if [ -n "$FOR" ]; then
  timeout "$FOR" tail --pid="$FB_PID" -f /dev/null || true
else
  wait "$FB_PID"
fi
