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
# Dual-stack (LAB_V6=1 of lab.sh, ipv6 = true on both uplinks): the ISP and
# the carrier advertise their routers, the LAN host sends an IPv4 and an IPv6
# flow to the internet host, and each cut and recovery is measured per family
# where the flows arrive (the internet host's log and counters). The demo
# fails when a family does not move or does not come back.
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
export LAB="fb-demo-$$" LAB_DIR=$(mktemp -d) LAB_CELL LAB_V6=1
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
# failberryd's IPv6 main default leads out of device $1.
v6_default_is() { ip -n "$LAB-pi" -6 route show default proto 251 metric 10 | grep -q " dev $1 "; }
v6_default() { ip -n "$LAB-pi" -6 route show default proto 251 metric 10 | head -1; }
# The LAN host's flows as the internet host sees them: IPv4 datagrams (its
# log names their source: 192.168.1.2 wired, 10.64.0.2 cellular) and IPv6
# ones (counted by the link they arrive on; no NAT, the source is the LAN
# host's own 2001:db8:10::2).
# A second IPv4 flow opens a new socket for each datagram, as new
# connections do: an established flow's NAT binding keeps the address of the
# uplink it started on, so only new ones show which way traffic leaves now.
udp_flow_new() {
  ip netns exec "$LAB-lan" bash -c 'i=0; while :; do echo "n$((i++))" >/dev/udp/198.51.100.1/5000; sleep 0.1; done' &
  LAB_PIDS+=($!)
}
flows_mark() {
  MARK_V4=$(wc -l <"$LAB_DIR/udp.log")
  MARK_V6_wired=$(lab_v6_seen wired) MARK_V6_cellular=$(lab_v6_seen cellular)
  MARK_MS=$(now_ms)
}
# flows_moved WAY LIMIT_MS WHICH: waits until, since flows_mark, the LAN
# host's IPv4 flow WHICH (established: the one socket; new: a socket per
# datagram) and its IPv6 flow both arrive at the internet host by WAY (wired
# or cellular), at most LIMIT_MS; sets V4_MS and V6_MS (ms after the mark).
# IPv6 on cellular is not waited for when the lab gives none there (CELL_V6=0).
# Says which family did not move and fails.
flows_moved() {
  local way=$1 limit=$2 src=192.168.1.2 pattern mark6 now
  [ "$way" = cellular ] && src=10.64.0.2
  if [ "$3" = new ]; then pattern="^$src n[0-9]"; else pattern="^$src [0-9]"; fi
  mark6=MARK_V6_$way
  mark6=${!mark6}
  V4_MS="" V6_MS=""
  [ "$way" = cellular ] && [ "$CELL_V6" = 0 ] && V6_MS="-"
  while :; do
    now=$(($(now_ms) - MARK_MS))
    [ -z "$V4_MS" ] && awk -v n="$MARK_V4" -v p="$pattern" 'NR > n && $0 ~ p { f = 1 } END { exit !f }' \
      "$LAB_DIR/udp.log" && V4_MS=$now
    [ -z "$V6_MS" ] && [ "$(lab_v6_seen "$way")" -gt "$mark6" ] && V6_MS=$now
    [ -n "$V4_MS" ] && [ -n "$V6_MS" ] && return 0
    [ "$now" -lt "$limit" ] || break
    sleep 0.01 # polling: the loop ends on the condition or the deadline
  done
  [ -n "$V4_MS" ] || echo "   FAILED: the LAN host's IPv4 flow did not arrive by $way within $limit ms" >&2
  [ -n "$V6_MS" ] || echo "   FAILED: the LAN host's IPv6 flow did not arrive by $way within $limit ms" >&2
  return 1
}
# Where the LAN host's established IPv4 flow (one socket) arrives from now.
established_v4() {
  local src
  src=$(awk '$2 ~ /^[0-9]+$/ { s = $1 } END { print s }' "$LAB_DIR/udp.log")
  case "$src" in
    192.168.1.2) echo "the established flow moved back as well" ;;
    10.64.0.2) echo "the established flow keeps its NAT binding, the carrier's 10.64.0.2, until it ends" ;;
    *) echo "the established flow's last datagram came from ${src:-nowhere}" ;;
  esac
}
# One line on what the internet host saw: "IPv4 X ms, IPv6 Y ms".
flows_said() {
  if [ "$V6_MS" = "-" ]; then
    echo "IPv4 ${V4_MS} ms (IPv6: none on the cellular side here, see above)"
  else
    echo "IPv4 ${V4_MS} ms, IPv6 ${V6_MS} ms"
  fi
}
lan_v6() { echo "IPv6 datagrams seen by the internet host so far: $(lab_v6_seen wired) by wired, $(lab_v6_seen cellular) by cellular"; }

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
# The internet host routes each uplink's SLAAC prefix back, for the IPv6 probes' answers.
ip -n "$LAB-inet" -6 route add 2001:db8:1::/64 via 2001:db8:fe::1
ip -n "$LAB-inet" -6 route add 2001:db8:64::/64 via 2001:db8:fd::1
# IPv4 probes decide (require unset: ipv4); the IPv6 target is probed beside them.
PROBES="probe_targets = 198.51.100.1, 2001:db8:ff::1
probe_interval = 1s
probe_timeout = 500ms
up_count = 2
down_count = 3"
MODE=router HOLD=${HOLD}s WIRED_PROBES=$PROBES CELL_PROBES=$PROBES WIRED_EXTRA="ipv6 = true" CELL_EXTRA="ipv6 = true" \
  lab_config
"$FB_DAEMON" --check-config "$LAB_DIR/failberry.ini" | indent
say "the config (router mode, dual-stack: wired preferred, cellular the backup; both probed once a second):"
grep -v '^$' "$LAB_DIR/failberry.ini" | indent

say "starting failberryd (real, not dry-run) in namespace $LAB-pi"
lab_start || { cat "$LAB_DIR/failberryd.log"; echo "demo: failberryd did not start" >&2; exit 1; }
tail --pid="$FB_PID" -f -n +1 "$LAB_DIR/failberryd.log" | grep --line-buffered -E "notice|error|warning" | sed -u 's/^/   [failberryd] /' &
TAIL=$!
LAB_PIDS+=("$TAIL")
lab_wait 15 lab_default_is eth-wired
lab_wait 15 bash -c "grep -q 'uplink\[cellular\]: .*--> up' '$LAB_DIR/failberryd.log'"
lab_wait 15 v6_default_is eth-wired || { echo "demo: no IPv6 default via the wired uplink" >&2; exit 1; }
# The carrier routes the LAN's prefix to the Pi's link-local address on its
# link (with --cell net that exists once failberryd brought wwan0 up).
CELL_V6=1
if ! lab_wait 10 lab_v6_lan_routes ||
  ! lab_wait 10 bash -c "ip -n '$LAB-pi' -6 route show table 64257 default | grep -q ' dev $CELL_IF '"; then
  CELL_V6=0
fi
sleep 0.3
if [ "$CELL" = net ]; then
  say "the stick: failberryd connected over AT, started the session (^NDISDUP), read the address (^DHCP?)"
  echo "   wwan0 now: $(ip -n "$LAB-pi" -br link show wwan0 | awk '{print $2}') $(wwan_address)"
  echo "   from failberryd's start to the address on wwan0: $(($(log_ms "on wwan0 via" 1) - $(log_ms "starting:" 1))) ms (its log)"
fi

say "both uplinks up:"
lab_ctl status | indent
echo "   the Pi's default route: $(ip -n "$LAB-pi" -4 route show default | grep -m1 " metric 10 ")"
echo "   its IPv6 default route: $(v6_default)"
if [ "$CELL_V6" = 1 ]; then
  echo "   IPv6 on both uplinks: addresses by SLAAC from the ISP's and the carrier's router advertisements"
else
  echo "   IPv6 on the wired uplink only: the cellular side ($CELL_IF) gives this lab no IPv6 router; IPv6 is measured where there is some"
fi

say "LAN traffic: the LAN host fetches http://198.51.100.1/ (the server names the source it saw)"
echo "   $(lab_lan_get)   (192.168.1.2 = the wired uplink)"
echo "   and sends UDP to the internet host, a datagram every 100 ms each: an IPv4 flow on one socket, IPv4 from a"
echo "   new socket each time (new connections), and IPv6 from its own address 2001:db8:10::2 to [2001:db8:ff::1]:5000"
lab_udp_flow
udp_flow_new
lab_udp_flow6
flows_mark
flows_moved wired 5000 established || exit 1
echo "   all of them arrive at the internet host by wired; $(lan_v6)"
echo "   /health/wired:    $(health /health/wired)"
echo "   /health/cellular: $(health /health/cellular)"

say "cutting the wired link (the ISP side goes down: eth-wired loses its carrier)"
flows_mark
ip -n "$LAB-isp" link set isp-pi down
ms=$(default_within "$CELL_IF" 10000 "no failover within 10 s") || exit 1
echo "   failover: the default route left by $CELL_IF ${ms} ms after the cut (measured by polling ip route)"
flows_moved cellular 10000 established || exit 1
echo "   the LAN host's flows at the internet host, first datagram by cellular after the cut: $(flows_said)"
[ "$CELL_V6" = 1 ] && echo "   both families moved: the IPv6 default now $(v6_default)"
lab_wait 5 grep -q "default route now via cellular" "$LAB_DIR/failberryd.log"
grep "network: default route now via cellular" "$LAB_DIR/failberryd.log" | tail -1 | sed 's/.*network: /   failberryd says: /'
[ "$CELL_V6" = 1 ] && grep "network: IPv6 default route now via cellular" "$LAB_DIR/failberryd.log" | tail -1 |
  sed 's/.*network: /   and: /'
echo "   the Pi's default route: $(ip -n "$LAB-pi" -4 route show default | grep -m1 " metric 10 ")"
echo "   LAN traffic: $(lab_lan_get)   (10.64.0.2 = the cellular uplink)"
echo "   /health/wired:    $(health /health/wired)"
echo "   /health/cellular: $(health /health/cellular)"

say "wired link back; failback waits out failback_hold = ${HOLD}s"
flows_mark
ip -n "$LAB-isp" link set isp-pi up
back=$(now_ms)
lab_wait 5 lab_v6_lan_routes # the ISP's route to the LAN prefix went with the link
default_within eth-wired $((HOLD * 1000 + 10000)) "no failback" >/dev/null || exit 1
echo "   failback: the default route left by eth-wired again $(( $(now_ms) - back )) ms after the link came back"
flows_moved wired $((HOLD * 1000 + 10000)) new || exit 1
echo "   the LAN host's flows at the internet host, first datagram by wired after the link came back: $(flows_said)"
echo "   both families came back (IPv4: new connections; $(established_v4))"
echo "   LAN traffic: $(lab_lan_get)"

say "a silent failure: the wired link stays up, but the ISP drops everything, both families (an nft rule in its namespace)"
flows_mark
lab_isp_cut
ms=$(default_within "$CELL_IF" 20000 "no failover within 20 s") || exit 1
echo "   failover: probe rounds to 198.51.100.1 failed (down_count = 3); default route by $CELL_IF after ${ms} ms"
flows_moved cellular 20000 new || exit 1
echo "   the LAN host's flows at the internet host, first datagram by cellular after the cut: $(flows_said)"
echo "   /health/wired: $(health /health/wired)"
echo "   LAN traffic: $(lab_lan_get)"
say "the ISP forwards again; failback after 2 good probe rounds and the hold-down"
flows_mark
lab_isp_forward
back=$(now_ms)
default_within eth-wired $((HOLD * 1000 + 20000)) "no failback" >/dev/null || exit 1
echo "   failback $(( $(now_ms) - back )) ms after the ISP recovered"
flows_moved wired $((HOLD * 1000 + 20000)) new || exit 1
echo "   the LAN host's flows at the internet host, first datagram by wired after the ISP recovered: $(flows_said)"
echo "   LAN traffic: $(lab_lan_get); $(lan_v6)"

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
lab_health lan 10.10.0.1 /status | sed -n '/^  "failover"/,/^  }/p' | indent

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
