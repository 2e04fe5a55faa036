#!/bin/bash
# End-to-end failover in the lab (lab.sh): the real failberryd in the Pi
# namespace, the real kernel routing LAN traffic, uplinks cut for real.
# Usage: e2e_test.sh FAILBERRYD FAILBERRYCTL CASE
#   carrier    wired carrier lost -> cellular; LAN traffic moves; /health per
#              uplink; failback only after the hold-down; stop removes everything
#   transit    wired link up but the ISP drops everything (nft) -> probes fail -> cellular
#   flapping   20% random loss on the wired transit (nft numgen) -> no failover
#   reply      default via cellular (operator's pin); a health check arriving on
#              the wired side is answered, and by the wired side
#   dryrun     --dry-run tracks the real links and logs the commands, changing nothing
#   events     a hook in [alerts] hooks_dir runs at the failover and the failback
#              with the event in its environment; /status and failberryctl
#              events show them
#   cgnat      the cellular uplink has 100.72.1.2 behind the carrier's NAT
#              (LAB_CELL_NET, LAB_CELL_NAT): /status, failberryctl status and
#              the log say so in words; the fake DDNS server (Lambda v3, in the
#              internet namespace) sees the carrier's address and no set; the
#              CloudWatch heartbeat reaches the fake endpoint, signed right
#   webhook    [alerts] webhook_url on a receiver on the internet host
#              (tests/firmware/webhook_server.py in the inet namespace): the
#              wired uplink's carrier is cut, the failover event is POSTed
#              over the cellular uplink with the bearer token; /status and
#              /metrics count it
#   quality    link quality thresholds on the wired uplink (DNS probes to a
#              responder in the internet namespace): a steady 30% loss against
#              a 40% threshold moves nothing for 10 s; 60% loss makes it
#              degraded (HIGH_LOSS) and LAN traffic moves to cellular; back
#              after the loss ends and the hold; answers 300 ms late make it
#              degraded (HIGH_LATENCY) and traffic moves again
#   budget     a 300kB data budget on the cellular uplink (warn at 50%,
#              action allow-list, [nat] metered_allow = the LAN host's
#              10.10.0.2 only; 10.10.0.3 beside it is not allowed): after the
#              wired carrier is cut, a UDP flow through cellular crosses the
#              warning and the limit (events, /status, /metrics); before it
#              both LAN addresses reach the internet host, after it only
#              10.10.0.2 does (real packets); a restart keeps the used bytes
#              from state_dir/budget.json and publishes budget_exhausted no
#              second time
#   crash      kill -9, restart: the stale entries are replaced, a foreign route,
#              rule and nft table are untouched (also by the clean stop)
#   netstick   the cellular uplink is an LTE stick on the net data path
#              (LAB_CELL=net: modemsim.py as a Huawei on a pty, wwan0 its
#              interface): the session started over AT puts its address on
#              wwan0; carrier loss -> the stick; the ^NDISSTAT disconnect URC
#              moves the pinned default route away at once, the redial brings
#              it back; the stop takes the address
#   zterouter  the cellular uplink is a ZTE router stick on the hilink data path
#              (LAB_CELL=zte: fake_zte_server.py's goform API and busybox
#              udhcpd at 192.168.0.1, masquerading; [modem] router_api = zte,
#              a password file, hilink_url left at its default): the stick
#              comes with mobile data off; failberryd logs in (base64 LOGIN),
#              sends CONNECT_NETWORK with the Referer, takes the stick's lease
#              on wwan0; /status shows the ZTE readings and the API; the wired
#              carrier cut moves LAN traffic through the stick; the stop sends
#              DISCONNECT_NETWORK and takes the address
#   sms        [alerts] sms_to on the netstick lab: the wired carrier is cut,
#              the simulated stick gets AT+CMGS with a text naming the
#              failover; wired comes back within sms_min_interval (30s): the
#              second text ("wired back") waits for the interval, /status
#              says why, then goes; /status and /metrics count them
#   dualstack  LAB_V6=1: both uplinks with ipv6 = true, their routers
#              advertised every second; accept_ra = 2 on the uplinks only,
#              before forwarding; the LAN host's IPv4 and IPv6 flows leave by
#              wired, both move to cellular on a carrier cut (each measured
#              at the internet host and printed), both come back; the stop
#              leaves no route or rule of either family
#   v6only     LAB_V6=1 with a carrier that gives IPv6 only: the Pi's wwan0
#              has no IPv4 address, the cellular uplink has require = ipv6
#              and IPv6 probes. It is up on its IPv6 alone; on a wired cut
#              the LAN host's IPv6 flow moves to it (measured) while
#              failberryd removes its IPv4 default rather than leave it on
#              the dead link, and /status, failberryctl and the log say that
#              IPv4 needs the carrier's NAT64/464XLAT; both come back
# Exit 77 (skipped) when not root or when a tool is missing.
set -u
FB_DAEMON=${1:?failberryd}
FB_CTL=${2:?failberryctl}
CASE=${3:?case}
HERE=$(cd "$(dirname "$0")" && pwd)

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
for tool in ip nft timeout; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (tests/setup_deps.sh)"; exit 77; }
done

LAB=fbfo-${CASE:0:4}-$$
LAB_DIR=$(mktemp -d)
export LAB LAB_DIR
[ "$CASE" = netstick ] || [ "$CASE" = sms ] && export LAB_CELL=net
[ "$CASE" = cgnat ] && export LAB_CELL_NET=100.72.1 LAB_CELL_NAT=1
[ "$CASE" = zterouter ] && export LAB_CELL=zte LAB_CELL_NET=192.168.0 LAB_CELL_NAT=1 LAB_ZTE_ARGS="--password s3cret"
if [ "$CASE" = zterouter ]; then
  command -v busybox >/dev/null || { echo "SKIP: busybox is not installed (tests/setup_deps.sh)"; exit 77; }
  # The stick's DHCP client as the image has it: busybox udhcpc and the event script from the tree.
  export FAILBERRY_UDHCPC=$(command -v busybox) FAILBERRY_UDHCPC_EVENT=$HERE/../../image/overlay/usr/libexec/failberry/udhcpc-event
fi
case "$CASE" in dualstack | dualstack_probe | v6only) export LAB_V6=1 ;; esac
# shellcheck source=lab.sh
source "$HERE/lab.sh"
finish() {
  lab_down
  rm -rf "$LAB_DIR"
}
trap finish EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL ($CASE): $*"
  echo "--- failberryd log"
  cat "$LAB_DIR/failberryd.log" 2>/dev/null
  exit 1
}
step() { echo "-- $*"; }

lab_up || fail "the lab could not be built"

# Nothing of failberry's is left in the Pi namespace.
check_clean() {
  local f
  for f in -4 -6; do
    [ -z "$(ip -n "$LAB-pi" "$f" route show table all proto 251)" ] ||
      fail "routes of protocol 251 left ($f): $(ip -n "$LAB-pi" "$f" route show table all proto 251)"
    ! ip -n "$LAB-pi" "$f" rule show | grep -q "proto 251" || fail "rules left ($f): $(ip -n "$LAB-pi" "$f" rule show)"
  done
  ! lab_ns pi nft list tables | grep -q "inet failberry" || fail "the nft table is left"
}

status_json() { lab_health lan 10.10.0.1 /status | sed -n '/^{/,$p'; }

# lab_v6_default_is DEV: failberryd's IPv6 main default leads out of DEV.
lab_v6_default_is() {
  ip -n "$LAB-pi" -6 route show default proto 251 metric 10 | grep -q "via fe80::.* dev $1 "
}

case "$CASE" in
dualstack)
  WIRED_EXTRA="ipv6 = true" CELL_EXTRA="ipv6 = true" HOLD=3s LOG_LEVEL=${LOG_LEVEL:-info} lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 15 lab_v6_default_is eth-wired || fail "no IPv6 default via the wired uplink: $(ip -n "$LAB-pi" -6 route show table all)"
  [ "$(lab_ns pi sysctl -n net.ipv6.conf.eth-wired.accept_ra)" = 2 ] || fail "accept_ra is not 2 on eth-wired"
  [ "$(lab_ns pi sysctl -n net.ipv6.conf.wwan0.accept_ra)" = 2 ] || fail "accept_ra is not 2 on wwan0"
  [ "$(lab_ns pi sysctl -n net.ipv6.conf.pi-lan.accept_ra)" = 1 ] || fail "accept_ra changed on pi-lan, not an uplink"
  [ "$(lab_ns pi sysctl -n net.ipv6.conf.all.forwarding)" = 1 ] || fail "IPv6 forwarding is off"
  # The carrier's router (advertised every second) is taken with forwarding on, and gets its table.
  lab_wait 5 bash -c "ip -n '$LAB-pi' -6 route show default proto ra | grep -q 'dev wwan0'" ||
    fail "the carrier's router advertisements are not taken"
  lab_wait 5 bash -c "ip -n '$LAB-pi' -6 route show table 64257 default | grep -q 'dev wwan0 proto 251'" ||
    fail "no IPv6 route in the cellular table: $(ip -n "$LAB-pi" -6 route show table all | grep -v '^local\|^multicast')"
  ip -n "$LAB-pi" -6 rule show | grep -q "fwmark 0xfb000002 lookup 64257 proto 251" || fail "no IPv6 mark rule"
  lab_udp_flow
  lab_udp_flow6
  lab_wait 5 grep -q "^192.168.1.2 " "$LAB_DIR/udp.log" || fail "the LAN host's IPv4 flow does not arrive by wired"
  lab_wait 5 lab_v6_seen_above wired 0 || fail "the LAN host's IPv6 flow does not arrive by wired"
  [ "$(lab_v6_seen cellular)" = 0 ] || fail "IPv6 leaves by cellular while wired is up"
  status_json | grep -q '"state": "ready"' || fail "/status: no IPv6 uplink ready: $(status_json)"
  status_json | grep -q '"default_route_ipv6": "default via fe80::.* dev eth-wired metric 10"' ||
    fail "/status: no IPv6 default via wired: $(status_json)"
  step "dual-stack: both families leave by wired"

  cell6=$(lab_v6_seen cellular)
  start=$(date +%s%N)
  ip -n "$LAB-isp" link set isp-pi down # the Pi's eth-wired loses its carrier
  v4_ms="" v6_ms="" until=$((SECONDS + 10))
  while [ -z "$v4_ms" ] || [ -z "$v6_ms" ]; do
    [ $SECONDS -ge $until ] && break
    now=$((($(date +%s%N) - start) / 1000000))
    [ -z "$v4_ms" ] && grep -q "^10.64.0.2 " "$LAB_DIR/udp.log" && v4_ms=$now
    [ -z "$v6_ms" ] && [ "$(lab_v6_seen cellular)" -gt "$cell6" ] && v6_ms=$now
    sleep 0.01 # polling, not waiting: the loop ends on the condition or the deadline
  done
  [ -n "$v4_ms" ] || fail "the LAN host's IPv4 flow did not move to cellular"
  [ -n "$v6_ms" ] || fail "the LAN host's IPv6 flow did not move to cellular: $(ip -n "$LAB-pi" -6 route show default)"
  lab_v6_default_is wwan0 || fail "the IPv6 default is not via cellular"
  status_json | grep -q '"default_route_ipv6": "default via fe80::.* dev wwan0 metric 10"' ||
    fail "/status: no IPv6 default via cellular: $(status_json)"
  echo "failover measured at the internet host: IPv4 ${v4_ms} ms, IPv6 ${v6_ms} ms after the cut (flows send every 100 ms)"
  step "carrier lost -> both families moved to cellular"

  wired6=$(lab_v6_seen wired)
  ip -n "$LAB-isp" link set isp-pi up
  lab_v6_lan_routes
  lab_wait 20 lab_default_is eth-wired || fail "no failback"
  lab_wait 5 lab_v6_default_is eth-wired || fail "the IPv6 default did not come back to wired"
  lab_wait 5 lab_v6_seen_above wired "$wired6" || fail "the LAN host's IPv6 flow did not come back to wired"
  [ "$(lab_lan_get)" = "from 192.168.1.2" ] || fail "LAN IPv4 traffic does not return to wired: '$(lab_lan_get)'"
  step "carrier back -> both families back on wired"

  lab_stop
  check_clean
  step "stopped: every route and rule of both families removed"
  ;;

dualstack_probe)
  # The wired uplink is probed over both families and needs both: an ISP
  # that stops forwarding IPv6 (IPv4 still fine, carrier and addresses
  # kept) fails it, and both families move to cellular.
  ip -n "$LAB-inet" -6 route add 2001:db8:1::/64 via 2001:db8:fe::1 # the wired side's SLAAC prefix, for the replies
  WIRED_PROBES="probe_targets = 198.51.100.1, 2001:db8:ff::1
require = both
probe_interval = 1s
probe_timeout = 500ms
up_count = 2
down_count = 2" WIRED_EXTRA="ipv6 = true" CELL_EXTRA="ipv6 = true" HOLD=2s LOG_LEVEL=${LOG_LEVEL:-info} lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 15 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 15 lab_v6_default_is eth-wired || fail "no IPv6 default via the wired uplink"
  wired_families() { # ipv4/ipv6: probed answered required reason
    status_json | "$LAB_PY" -c 'import json,sys
f=next(u for u in json.load(sys.stdin)["uplinks"] if u["name"]=="wired")["probes"]["families"]
for k in ("ipv4","ipv6"):
    print(k, f[k]["probed"], f[k]["answered"], f[k]["required"], f[k]["ok"], f[k]["reason"] or "-")'
  }
  both_answer() { wired_families | grep -q '^ipv4 1 1 True True' && wired_families | grep -q '^ipv6 1 1 True True'; }
  lab_wait 10 both_answer || fail "/status: the wired uplink's families do not both answer: $(wired_families)"
  lab_udp_flow6
  lab_wait 5 lab_v6_seen_above wired 0 || fail "the LAN host's IPv6 flow does not arrive by wired"
  step "wired probed over IPv4 and IPv6, both answer"

  start=$(date +%s%N)
  lab_ns isp nft add table ip6 v6cut
  lab_ns isp nft add chain ip6 v6cut forward '{ type filter hook forward priority 0; policy drop; }'
  lab_wait 15 lab_default_is wwan0 || fail "IPv6 lost on wired did not move the default: $(wired_families)"
  moved_ms=$((($(date +%s%N) - start) / 1000000))
  lab_wait 5 lab_v6_default_is wwan0 || fail "the IPv6 default is not via cellular"
  cell6=$(lab_v6_seen cellular)
  lab_wait 5 lab_v6_seen_above cellular "$cell6" || fail "the LAN host's IPv6 flow did not move to cellular"
  wired_families | grep -q '^ipv4 1 1 True True' || fail "/status: wired IPv4 should still answer: $(wired_families)"
  wired_families | grep -q '^ipv6 1 0 True False' || fail "/status: wired IPv6 should be lost: $(wired_families)"
  status_json | grep -q '"reason": "PROBES_FAILED"' || fail "/status: no PROBES_FAILED: $(status_json)"
  echo "IPv6 forwarding cut at the ISP -> default moved to cellular after ${moved_ms} ms (probe_interval 1s, down_count 2)"
  step "IPv6 lost on wired (IPv4 fine) -> wired down, both families on cellular"

  lab_ns isp nft delete table ip6 v6cut
  lab_wait 20 lab_default_is eth-wired || fail "no failback once IPv6 is back: $(wired_families)"
  lab_wait 5 lab_v6_default_is eth-wired || fail "the IPv6 default did not come back to wired"
  lab_wait 5 both_answer || fail "/status: both families should answer again: $(wired_families)"
  step "IPv6 back on wired -> failback"

  lab_stop
  check_clean
  ;;

v6only)
  ip -n "$LAB-pi" -4 addr flush dev wwan0                                # the carrier gives no IPv4
  ip -n "$LAB-inet" -6 route add 2001:db8:64::/64 via 2001:db8:fd::1 # the carrier's SLAAC prefix, for the replies
  CELL_PROBES="probe_targets = 2001:db8:ff::1
require = ipv6
probe_interval = 1s
probe_timeout = 500ms
up_count = 2" WIRED_EXTRA="ipv6 = true" CELL_EXTRA="ipv6 = true" HOLD=2s LOG_LEVEL=${LOG_LEVEL:-info} lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 15 lab_v6_default_is eth-wired || fail "no IPv6 default via the wired uplink"
  cell_state() {
    status_json | "$LAB_PY" -c 'import json,sys
s=json.load(sys.stdin); u=next(u for u in s["uplinks"] if u["name"]=="cellular")
print(u["state"], u["ipv6"]["state"], "ipv6_only" if u.get("ipv6_only") else "-")'
  }
  cell_v6only_up() { [ "$(cell_state)" = "up ready ipv6_only" ]; }
  no_v4_default() { [ -z "$(ip -n "$LAB-pi" -4 route show default proto 251 metric 10)" ]; }
  v4_lines_above() { [ "$(wc -l <"$LAB_DIR/udp.log")" -gt "$1" ]; }
  lab_wait 15 cell_v6only_up || fail "/status: cellular is not up on its IPv6 alone: $(cell_state)"
  status_json | grep -q '"ipv6_only": "has no IPv4 address (require = ipv6).*NAT64 with 464XLAT' ||
    fail "/status: no ipv6_only note on cellular: $(status_json)"
  ! status_json | grep -q '"ipv4_why_not"' || fail "/status: ipv4_why_not while wired carries IPv4"
  lab_udp_flow
  lab_udp_flow6
  lab_wait 5 grep -q "^192.168.1.2 " "$LAB_DIR/udp.log" || fail "the LAN host's IPv4 flow does not arrive by wired"
  lab_wait 5 lab_v6_seen_above wired 0 || fail "the LAN host's IPv6 flow does not arrive by wired"
  step "wired carries both families; cellular is up on IPv6 alone (probed over IPv6)"

  cell6=$(lab_v6_seen cellular)
  start=$(date +%s%N)
  ip -n "$LAB-isp" link set isp-pi down # the Pi's eth-wired loses its carrier
  lab_wait 10 lab_v6_seen_above cellular "$cell6" || fail "the LAN host's IPv6 flow did not move to cellular"
  v6_ms=$((($(date +%s%N) - start) / 1000000))
  lab_v6_default_is wwan0 || fail "the IPv6 default is not via cellular"
  lab_wait 5 no_v4_default ||
    fail "failberryd's IPv4 default was left: $(ip -n "$LAB-pi" -4 route show default)"
  status_json | grep -q '"ipv4_why_not": "cellular, the chosen uplink, has no IPv4 address.*NAT64 with 464XLAT' ||
    fail "/status: no ipv4_why_not: $(status_json)"
  status_json | grep -q '"active": "cellular"' || fail "/status: cellular is not active"
  lab_ctl status | grep -q "^  IPv6 only cellular: has no IPv4 address" ||
    fail "failberryctl status does not say cellular is IPv6 only: $(lab_ctl status)"
  grep -q "uplink\[cellular\] carries IPv6 only: .*NAT64 with 464XLAT" "$LAB_DIR/failberryd.log" ||
    fail "the log does not say IPv4 needs NAT64/464XLAT"
  ! grep -q "^10.64.0.2 " "$LAB_DIR/udp.log" || fail "IPv4 left by the IPv6-only carrier"
  echo "failover measured at the internet host: IPv6 ${v6_ms} ms after the cut (the flow sends every 100 ms); IPv4 has no way out, as /status says"
  step "carrier lost -> IPv6 on cellular, no IPv4 default, NAT64/464XLAT named"

  wired6=$(lab_v6_seen wired)
  lines=$(wc -l <"$LAB_DIR/udp.log")
  ip -n "$LAB-isp" link set isp-pi up
  lab_v6_lan_routes
  lab_wait 20 lab_default_is eth-wired || fail "no failback of the IPv4 default"
  lab_wait 5 lab_v6_default_is eth-wired || fail "the IPv6 default did not come back to wired"
  lab_wait 5 lab_v6_seen_above wired "$wired6" || fail "the LAN host's IPv6 flow did not come back to wired"
  lab_wait 5 v4_lines_above "$lines" || fail "the LAN host's IPv4 flow did not come back"
  ! status_json | grep -q '"ipv4_why_not"' || fail "/status: ipv4_why_not after failback"
  step "carrier back -> both families back on wired"

  lab_stop
  check_clean
  ;;

carrier)
  HOLD=4s lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  [ "$(lab_lan_get)" = "from 192.168.1.2" ] || fail "LAN traffic does not leave by the wired uplink: '$(lab_lan_get)'"
  lab_udp_flow
  lab_wait 5 grep -q "^192.168.1.2 " "$LAB_DIR/udp.log" || fail "the LAN host's UDP flow does not arrive by wired"
  step "both uplinks up, LAN traffic leaves by wired"

  # /health answers from a snapshot kept up to 250 ms: asked just before the
  # cut, it must not answer from that one after the failover.
  lab_health lan 10.10.0.1 /health/wired | grep -q "failberry OK uplink=wired" || fail "/health/wired before the cut"
  ip -n "$LAB-isp" link set isp-pi down # the Pi's eth-wired loses its carrier
  lab_wait 10 lab_default_is wwan0 || fail "no failover to cellular after the carrier loss"
  [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not move to cellular: '$(lab_lan_get)'"
  lab_health lan 10.10.0.1 /health/wired | grep -q "failberry FAIL uplink=wired state=down" || fail "/health/wired"
  lab_health lan 10.10.0.1 /health/cellular | grep -q "failberry OK uplink=cellular state=up" || fail "/health/cellular"
  status_json | grep -q '"reason": "CARRIER_LOST"' || fail "/status does not record the failover: $(status_json)"
  # What a fleet's alert rule reads (image/monitoring): the preferred uplink is not the active one.
  metrics=$(lab_health lan 10.10.0.1 /metrics)
  grep -q '^failberry_uplink_preferred{uplink="wired"} 1$' <<<"$metrics" || fail "/metrics: wired is not the preferred uplink"
  grep -q '^failberry_uplink_active{uplink="wired"} 0$' <<<"$metrics" || fail "/metrics: wired still active"
  grep -q "flushed .* connection(s)" "$LAB_DIR/failberryd.log" || fail "the wired uplink's connections were not flushed"
  # The established UDP flow (same socket) moves too. (On a carrier loss the
  # kernel's masquerade forgets the link's entries by itself as well; the
  # transit case, where the link stays up, depends on failberry's flush.)
  lab_wait 5 grep -q "^10.64.0.2 " "$LAB_DIR/udp.log" || fail "the LAN host's established UDP flow did not move"
  step "carrier lost -> default via cellular, LAN traffic moved, /health per uplink"

  ip -n "$LAB-isp" link set isp-pi up
  lab_wait 10 bash -c "grep -q 'uplink\[wired\]: down --carrier--> up' '$LAB_DIR/failberryd.log'" || fail "wired not up again"
  lab_default_is wwan0 || fail "failed back before the hold-down (4 s) ran out"
  lab_wait 15 lab_default_is eth-wired || fail "no failback after the hold-down"
  grep -q "switch: default route cellular -> wired \[FAILBACK\]" "$LAB_DIR/failberryd.log" || fail "not a failback"
  [ "$(lab_lan_get)" = "from 192.168.1.2" ] || fail "LAN traffic does not return to wired: '$(lab_lan_get)'"
  status_json | grep -q '"duration_ms": [0-9]' || fail "/status has no failover duration: $(status_json)"
  step "carrier back -> failback after the hold-down, duration recorded"

  # Set down on the Pi itself, the kernel drops the link's routes without a
  # word per route; they must all be back once the link is.
  ip -n "$LAB-pi" link set eth-wired down
  lab_wait 10 lab_default_is wwan0 || fail "no failover after eth-wired was set down"
  ip -n "$LAB-pi" link set eth-wired up
  lab_wait 15 lab_default_is eth-wired || fail "no failback after eth-wired was set up"
  [ -n "$(ip -n "$LAB-pi" route show table 64256 default)" ] || fail "the wired table's route is not back"
  ip -n "$LAB-pi" route show default | grep -q "dev eth-wired proto 251 metric 11" || fail "the wired device route is not back"
  step "eth-wired set down and up on the Pi: failover, failback, every route back"

  # The uplink that carries the default loses its link while no other is up
  # (ppp0 gone with a redial): the kernel takes the main default with it,
  # silently. It must be back with the link, though the choice never changed.
  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 lab_default_is wwan0 || fail "no failover to cellular after the carrier loss (2)"
  ip -n "$LAB-pi" link set wwan0 down
  lab_wait 10 bash -c "grep -q 'uplink\[cellular\]: up --no_carrier--> down' '$LAB_DIR/failberryd.log'" ||
    fail "cellular not down after wwan0 was set down"
  ip -n "$LAB-pi" link set wwan0 up
  lab_wait 15 lab_default_is wwan0 || fail "the default route via cellular did not come back with wwan0"
  [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not leave by cellular again: '$(lab_lan_get)'"
  ip -n "$LAB-isp" link set isp-pi up
  step "the only uplink left lost its link and got it back: the main default is back with it"

  lab_stop
  check_clean
  step "stopped: every route, rule and the table removed"
  ;;

transit | flapping)
  PROBES="probe_targets = 198.51.100.1, 203.0.113.2
probe_interval = 500ms
probe_timeout = 300ms
up_count = 2
down_count = 3"
  WIRED_PROBES=$PROBES HOLD=3s lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 15 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 10 bash -c "grep -q 'uplink\[wired\]: .*--> up \[PROBES_OK\]' '$LAB_DIR/failberryd.log'" ||
    fail "the wired uplink's probes never succeeded"
  if [ "$CASE" = transit ]; then
    # The ISP keeps the link up but forwards nothing: only probes can tell.
    lab_ns isp nft add table inet cut
    lab_ns isp nft add chain inet cut forward '{ type filter hook forward priority 0; policy accept; }'
    lab_udp_flow
    lab_wait 5 grep -q "^192.168.1.2 " "$LAB_DIR/udp.log" || fail "the LAN host's UDP flow does not arrive by wired"
    lab_ns isp nft add rule inet cut forward iifname isp-pi drop
    lab_wait 20 lab_default_is wwan0 || fail "no failover after the transit was cut"
    # The link never went down: only failberry's conntrack flush moves the
    # established flow (its entry is masqueraded to the wired address).
    lab_wait 5 grep -q "^10.64.0.2 " "$LAB_DIR/udp.log" || fail "the established UDP flow did not move"
    grep -q "uplink\[wired\]: .*--> down \[PROBES_FAILED\]" "$LAB_DIR/failberryd.log" || fail "not a probe failure"
    [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not move to cellular"
    step "silent transit loss -> probes failed -> default via cellular"
    lab_ns isp nft delete table inet cut
    lab_wait 20 lab_default_is eth-wired || fail "no failback after the transit came back"
    step "transit back -> failback"
  else
    lab_ns isp nft add table inet flap
    lab_ns isp nft add chain inet flap forward '{ type filter hook forward priority 0; policy accept; }'
    lab_ns isp nft add rule inet flap forward iifname isp-pi numgen random mod 100 '<' 20 counter drop
    end=$((SECONDS + 15))
    while [ $SECONDS -lt $end ]; do
      lab_default_is eth-wired || fail "the default route moved under 20% random loss"
      sleep 0.2
    done
    dropped=$(lab_ns isp nft list table inet flap | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
    [ "${dropped:-0}" -gt 0 ] || fail "the loss rule dropped nothing: the test proved nothing"
    ! grep -q "uplink\[wired\]: .*--> down" "$LAB_DIR/failberryd.log" || fail "the wired uplink was taken down"
    ! grep -q "failover: failover:" "$LAB_DIR/failberryd.log" || fail "a failover happened"
    grep -q "uplink\[wired\]: up --round(.*)--> degraded" "$LAB_DIR/failberryd.log" ||
      step "(no round was lost entirely this time; the loss only thinned them)"
    step "20% random loss for 15 s ($dropped packets dropped): no failover"
  fi
  ;;

reply)
  lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 5 bash -c "grep -q 'uplink\[cellular\]: .*--> up' '$LAB_DIR/failberryd.log'" || fail "cellular not up"
  lab_ctl failover cellular >/dev/null || fail "failberryctl failover cellular was refused"
  lab_default_is wwan0 || fail "the default route does not point at cellular"
  # A health check from the internet to the wired address: the reply must
  # leave by wired (the carrier drops anything not from its own subscriber).
  reply=$(lab_health inet 192.168.1.2 /health)
  echo "$reply" | grep -q "failberry OK uplink=wired" || fail "no answer on the wired side: '$reply'"
  reply=$(lab_health inet 10.64.0.2 /health)
  echo "$reply" | grep -q "failberry OK uplink=cellular" || fail "no answer on the cellular side: '$reply'"
  dropped=$(lab_ns cell nft list table inet carrier | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
  [ "${dropped:-0}" -eq 0 ] || fail "$dropped packet(s) from the wired address left by cellular"
  [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not follow the pinned default route"
  lab_ctl failover auto >/dev/null || fail "failberryctl failover auto was refused"
  lab_default_is eth-wired || fail "failover auto did not return to wired"
  step "wired-side request answered by wired while the default route was cellular"
  # A reload that changes the failover settings restarts tracking; the
  # default route is carried over, and everything is in place again after.
  # Make before break: watched from the kernel's side, no committed nft
  # generation lacks the table, and no owned route or rule is deleted.
  HOLD=9s lab_config
  lab_ns pi nft monitor > "$LAB_DIR/nft-monitor.log" 2>&1 &
  nft_mon=$!
  lab_ns pi ip monitor route rule > "$LAB_DIR/ip-monitor.log" 2>&1 &
  ip_mon=$!
  # A marker event each monitor must have printed: it is subscribed (before
  # the reload), or it has printed everything the kernel sent before (after).
  # WAIT: how long each monitor may take to print the marker.
  monitors_saw() {
    lab_ns pi nft add table inet "fbmark$1" && lab_ns pi nft delete table inet "fbmark$1"
    lab_ns pi ip rule add priority "$((31000 + $1))" lookup main && lab_ns pi ip rule del priority "$((31000 + $1))"
    lab_wait "${WAIT:-5}" grep -q "delete table inet fbmark$1" "$LAB_DIR/nft-monitor.log" &&
      lab_wait "${WAIT:-5}" grep -q "^Deleted $((31000 + $1)):" "$LAB_DIR/ip-monitor.log"
  }
  # A monitor not yet subscribed misses the marker: make it again, up to 20 s.
  WAIT=1 lab_wait 20 monitors_saw 1 || fail "the monitors did not start"
  kill -HUP "$FB_PID"
  lab_wait 10 grep -q "reloaded:" "$LAB_DIR/failberryd.log" || fail "no reload"
  monitors_saw 2 || fail "the monitors fell behind"
  kill "$nft_mon" "$ip_mon" 2>/dev/null; wait "$nft_mon" "$ip_mon" 2>/dev/null
  grep -q "add table inet failberry" "$LAB_DIR/nft-monitor.log" || fail "the nft monitor saw no table applied: $(cat "$LAB_DIR/nft-monitor.log")"
  gap=$(awk '/^delete table inet failberry/ {gone=1} /^add table inet failberry/ {gone=0}
             /^# new generation/ && gone {print "generation without the table: " $0}' "$LAB_DIR/nft-monitor.log")
  [ -z "$gap" ] || fail "the reload left the nft table out of a committed generation: $gap"
  deleted=$(grep "^Deleted.*proto 251" "$LAB_DIR/ip-monitor.log" || true)
  [ -z "$deleted" ] || fail "the reload deleted owned routes or rules it keeps using: $deleted"
  grep -q "kept the default route across the reload" "$LAB_DIR/failberryd.log" || fail "the default route was not kept"
  lab_wait 5 lab_default_is eth-wired || fail "no default route via wired after the reload"
  [ "$(ip -n "$LAB-pi" rule show | grep -c "proto 251")" -eq 5 ] || fail "rules after the reload: $(ip -n "$LAB-pi" rule show)"
  reply=$(lab_health inet 192.168.1.2 /health)
  echo "$reply" | grep -q "failberry OK uplink=wired" || fail "no answer on the wired side after the reload: '$reply'"
  step "reload with new failover settings: default route kept, rules and table back"

  # A reload whose new uplink settings cannot start: the daemon is left one
  # free file descriptor (prlimit), enough to read the file but not for the
  # new service's netlink sockets. The whole reload is refused; routing, the
  # table and the rules stay as they were, and a later reload goes through.
  HOLD=7s lab_config
  limit=$("$LAB_PY" - "$FB_PID" <<'PY'
import os, sys
used = {int(n) for n in os.listdir(f"/proc/{sys.argv[1]}/fd")}
free, n = 0, 0
while True:  # the limit below which exactly one descriptor number is free
    if n not in used:
        free += 1
        if free == 2:
            print(n)
            break
    n += 1
PY
)
  saved=$(prlimit --pid "$FB_PID" --nofile --noheadings --raw -o SOFT,HARD | tr ' ' ':')
  prlimit --pid "$FB_PID" --nofile="$limit:${saved#*:}" || fail "prlimit"
  kill -HUP "$FB_PID"
  lab_wait 10 grep -q "reload refused: the new uplink settings cannot run" "$LAB_DIR/failberryd.log" \
    || { prlimit --pid "$FB_PID" --nofile="$saved"; fail "the reload was not refused: $(tail -5 "$LAB_DIR/failberryd.log")"; }
  prlimit --pid "$FB_PID" --nofile="$saved" || fail "prlimit back"
  lab_default_is eth-wired || fail "no default route via wired after the refused reload"
  [ "$(ip -n "$LAB-pi" rule show | grep -c "proto 251")" -eq 5 ] || fail "rules after the refused reload: $(ip -n "$LAB-pi" rule show)"
  lab_ns pi nft list table inet failberry >/dev/null 2>&1 || fail "the nft table is gone after the refused reload"
  status_json | grep -q '"reloads_refused": 1' || fail "/status does not count the refused reload: $(status_json)"
  reply=$(lab_health inet 192.168.1.2 /health)
  echo "$reply" | grep -q "failberry OK uplink=wired" || fail "no answer on the wired side after the refused reload: '$reply'"
  kill -HUP "$FB_PID"
  lab_wait 10 bash -c "[ \$(grep -c 'reloaded:' '$LAB_DIR/failberryd.log') -ge 2 ]" || fail "the next reload did not go through"
  step "a reload whose uplink settings cannot start is refused, the running state stays ($(grep -o 'the new uplink settings cannot run (.*' "$LAB_DIR/failberryd.log" | head -1 | cut -c37- | cut -d';' -f1)"
  ;;

crash)
  lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  kill -9 "$FB_PID"
  wait "$FB_PID" 2>/dev/null
  FB_PID=""
  ip -n "$LAB-pi" rule show | grep -q "^3300:.*proto 251" || fail "nothing stale to clean (kill -9 too early?)"
  # Someone else's entries, also in failberry's own table and priority range.
  ip -n "$LAB-pi" route add 203.0.113.100 via 192.168.1.1 table 64256
  ip -n "$LAB-pi" rule add priority 3150 lookup 100
  lab_ns pi nft add table inet user
  # A stale route the new run would not add itself: it must go.
  ip -n "$LAB-pi" route add 203.0.113.200 via 192.168.1.1 table 64257 proto 251
  : >"$LAB_DIR/failberryd.log"
  lab_start || fail "failberryd did not start again"
  grep -q "removed what a previous run left: 6 route(s), 5 rule(s), the nft table" "$LAB_DIR/failberryd.log" ||
    fail "the stale entries were not removed as expected"
  lab_wait 10 lab_default_is eth-wired || fail "no default route after the restart"
  [ -z "$(ip -n "$LAB-pi" route show table 64257 203.0.113.200)" ] || fail "the stale route is still there"
  [ "$(ip -n "$LAB-pi" rule show | grep -c '^3300:')" -eq 1 ] || fail "rules duplicated: $(ip -n "$LAB-pi" rule show)"
  [ -n "$(ip -n "$LAB-pi" route show table 64256 203.0.113.100)" ] || fail "the foreign route was removed"
  ip -n "$LAB-pi" rule show | grep -q "^3150:" || fail "the foreign rule was removed"
  lab_ns pi nft list tables | grep -q "inet user" || fail "the foreign nft table was removed"
  lab_stop
  check_clean_foreign() {
    [ -n "$(ip -n "$LAB-pi" route show table 64256 203.0.113.100)" ] || fail "the clean stop removed the foreign route"
    ip -n "$LAB-pi" rule show | grep -q "^3150:" || fail "the clean stop removed the foreign rule"
    lab_ns pi nft list tables | grep -q "inet user" || fail "the clean stop removed the foreign table"
  }
  check_clean_foreign
  check_clean
  step "kill -9 and restart: stale entries replaced, foreign ones untouched (also by the stop)"
  ;;

dryrun)
  DRY=true lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 grep -q "netcfg\[dry-run\]: ip -4 route replace default via 192.168.1.1 dev eth-wired proto 251 metric 10" \
    "$LAB_DIR/failberryd.log" || fail "dry-run did not log the default route it would set"
  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 grep -q "netcfg\[dry-run\]: ip -4 route replace default via 10.64.0.1 dev wwan0 proto 251 metric 10" \
    "$LAB_DIR/failberryd.log" || fail "dry-run did not follow the carrier loss"
  lab_health lan 10.10.0.1 /health/wired | grep -q "state=down" || fail "/health/wired in dry-run"
  check_clean # it only logged: the kernel has nothing of failberry's
  step "dry-run: tracks the real links, logs ip/nft, changes nothing"
  ;;

zterouter)
  PROBES="probe_targets = 198.51.100.1
probe_interval = 500ms
probe_timeout = 300ms
up_count = 1
down_count = 2"
  lab_zte "/_control/data?on=0" >/dev/null || fail "the fake ZTE stick does not answer its control path"
  [ -z "$(ip -n "$LAB-pi" -4 address show dev wwan0)" ] || fail "wwan0 has an address before failberryd ran"
  printf 's3cret\n' >"$LAB_DIR/zte.password"
  chmod 600 "$LAB_DIR/zte.password"
  ZTE_MODEM_EXTRA="hilink_password_file = $LAB_DIR/zte.password" WIRED_PROBES=$PROBES CELL_PROBES=$PROBES HOLD=1s \
    lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 20 grep -q "data session up on wwan0: mobile data connected, 192.168.0.100 via 192.168.0.1" \
    "$LAB_DIR/failberryd.log" || fail "mobile data never came up through the goform API"
  grep -q "router API: api=zte base_url=http://192.168.0.1 .*(\[modem\] router_api = zte)" "$LAB_DIR/failberryd.log" ||
    fail "the daemon did not name the ZTE API at the ZTE default address"
  ip -n "$LAB-pi" -4 address show dev wwan0 | grep -q "inet 192.168.0.100/24" || fail "the stick's lease is not on wwan0"
  state=$(lab_zte /_control/state)
  "$LAB_PY" - "$state" <<'PY' || fail "the stick saw the wrong requests: $state"
import json, sys
s = json.loads(sys.argv[1])
assert s["logins"] == 1 and s["failed_logins"] == 0, s
assert s["dataswitch"] == 1, s
bodies = [r["body"] for r in s["requests"] if r["method"] == "POST"]
assert "isTest=false&goformId=LOGIN&password=czNjcmV0" in bodies, bodies  # base64("s3cret")
assert bodies.count("isTest=false&goformId=CONNECT_NETWORK") == 1, bodies
assert all(r["referer"] == "http://192.168.0.1/index.html" for r in s["requests"]), s["requests"]
PY
  status=$(status_json)
  for want in '"router_api": "zte"' '"router_api_reason": "\[modem\] router_api = zte"' '"operator": "Telekom.de"' \
    '"rat": "lte"' '"rsrp_dbm": -95' '"registration": "home"' '"data_path": "hilink"'; do
    grep -q "$want" <<<"$status" || fail "/status lacks $want: $status"
  done
  lab_ctl status | grep -q "router API zte" || fail "failberryctl status does not name the router API"
  step "logged in, CONNECT_NETWORK with the Referer, the stick's lease on wwan0; /status shows the ZTE readings"

  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 lab_default_is wwan0 || fail "no failover to the stick after the wired carrier loss"
  [ "$(lab_lan_get)" = "from 203.0.113.5" ] || fail "LAN traffic does not leave through the stick: '$(lab_lan_get)'"
  ip -n "$LAB-isp" link set isp-pi up
  lab_wait 10 lab_default_is eth-wired || fail "no failback to wired"
  step "wired carrier lost -> default via the stick, LAN traffic through its NAT; failback"

  lab_stop
  check_clean
  lab_zte /_control/state | grep -q '"dataswitch": 0' || fail "the stop did not switch mobile data off"
  [ -z "$(ip -n "$LAB-pi" -4 address show dev wwan0)" ] || fail "the stop left the address on wwan0"
  step "stopped: DISCONNECT_NETWORK sent, the address gone from wwan0, every route, rule and the table removed"
  ;;
netstick)
  PROBES="probe_targets = 198.51.100.1
probe_interval = 500ms
probe_timeout = 300ms
up_count = 1
down_count = 2"
  [ -z "$(ip -n "$LAB-pi" -4 address show dev wwan0)" ] || fail "wwan0 has an address before failberryd ran"
  WIRED_PROBES=$PROBES CELL_PROBES=$PROBES HOLD=1s EXTRA="[recovery]
backoff_initial = 1s" lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 10 bash -c "grep -q 'uplink\[cellular\]: .*--> up \[PROBES_OK\]' '$LAB_DIR/failberryd.log'" ||
    fail "the stick's uplink never came up"
  grep -q 'AT^NDISDUP=1,1,"internet"' "$LAB_DIR/failberryd.log" || fail "the session was not started over AT"
  ip -n "$LAB-pi" -4 address show dev wwan0 | grep -q "inet 10.64.0.2/24" || fail "the stick's address is not on wwan0"
  lab_modem state | grep -q '"net_session": 1' || fail "the stick has no session: $(lab_modem state)"
  status_json | grep -q '"rat": "lte"' || fail "/status does not show the LTE radio: $(status_json)"
  status_json | grep -q '"rsrp_dbm": -105' || fail "/status does not show the stick's RSRP: $(status_json)"
  step "the session started over AT: 10.64.0.2/24 on wwan0, /status shows LTE and RSRP"

  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 lab_default_is wwan0 || fail "no failover to the stick after the wired carrier loss"
  [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not leave by the stick: '$(lab_lan_get)'"
  ip -n "$LAB-isp" link set isp-pi up
  lab_wait 10 lab_default_is eth-wired || fail "no failback to wired"
  step "wired carrier lost -> default via the stick, LAN traffic by it; failback"

  lab_ctl failover cellular >/dev/null || fail "failberryctl failover cellular was refused"
  lab_default_is wwan0 || fail "the pin did not move the default route to the stick"
  start=$(date +%s%N)
  lab_modem netdrop >/dev/null || fail "the simulator had no session to drop"
  lab_wait 5 lab_default_is eth-wired || fail "the disconnect did not move the default route"
  ms=$((($(date +%s%N) - start) / 1000000))
  # The URC, not the probes (2 x 500 ms) nor the status poll: well under a second.
  [ "$ms" -lt 1000 ] || fail "the default route moved ${ms} ms after the disconnect URC, not at once"
  grep -q 'lost: the stick reported the session down: ^NDISSTAT: 0' "$LAB_DIR/failberryd.log" || fail "not the URC"
  [ -z "$(ip -n "$LAB-pi" -4 address show dev wwan0)" ] || fail "the address stayed on wwan0 after the disconnect"
  [ "$(lab_lan_get)" = "from 192.168.1.2" ] || fail "LAN traffic does not leave by wired after the disconnect"
  lab_wait 10 lab_default_is wwan0 || fail "the redial did not bring the stick's session and default route back"
  [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not return to the stick"
  step "disconnect URC -> default via wired in ${ms} ms; the redial brought the stick back"

  lab_stop
  check_clean
  [ -z "$(ip -n "$LAB-pi" -4 address show dev wwan0)" ] || fail "the stop left the address on wwan0"
  step "stopped: the address gone from wwan0, every route, rule and the table removed"
  ;;

sms)
  # The stick (LAB_CELL=net) logs each text it is given (number, text) as a
  # JSON line; its AT channel stays free while its data session is up.
  lab_modem "set sms_log=$LAB_DIR/sms.log" >/dev/null || fail "the simulator did not take sms_log"
  PROBES="probe_targets = 198.51.100.1
probe_interval = 500ms
probe_timeout = 300ms
up_count = 1
down_count = 2"
  WIRED_PROBES=$PROBES CELL_PROBES=$PROBES HOLD=1s EXTRA="[alerts]
sms_to = +15550100
sms_min_interval = 30s" lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 15 bash -c "grep -q 'uplink\[cellular\]: .*--> up \[PROBES_OK\]' '$LAB_DIR/failberryd.log'" ||
    fail "the stick's uplink never came up"
  # texts N: the simulator has logged N texts (or more).
  texts() { [ "$(cat "$LAB_DIR/sms.log" 2>/dev/null | grep -c .)" -ge "$1" ]; }
  ! texts 1 || fail "a text before anything happened: $(cat "$LAB_DIR/sms.log")"
  step "both uplinks up; no text yet"

  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 lab_default_is wwan0 || fail "no failover to the stick after the wired carrier loss"
  lab_wait 10 texts 1 || fail "no text after the failover: $(lab_modem state)"
  first=$(date +%s%N)
  "$LAB_PY" - "$LAB_DIR/sms.log" <<'PY' || fail "the first text: $(cat "$LAB_DIR/sms.log")"
import json, re, sys
texts = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
assert len(texts) == 1, texts
t = texts[0]
assert t["to"] == "+15550100" and t["result"] == "sent", t
assert re.fullmatch(r"failberry \S+ \(UTC\): wired down \d\d:\d\d, now cellular", t["text"]), t["text"]
assert len(t["text"]) <= 160, t["text"]
PY
  step "wired carrier lost -> the stick texted +15550100: $(sed -n 's/.*"text": "\([^"]*\)".*/\1/p' "$LAB_DIR/sms.log")"

  ip -n "$LAB-isp" link set isp-pi up
  lab_wait 10 lab_default_is eth-wired || fail "no failback to wired"
  sms_waits() { status_json | grep -q '"waiting_reason": "RATE_LIMIT: '; }
  lab_wait 3 sms_waits ||
    fail "/status does not say the failback's text waits for the interval: $(status_json | grep -A9 '"sms"')"
  texts 2 && fail "the failback was texted before sms_min_interval: $(cat "$LAB_DIR/sms.log")"
  step "failback within the interval: its text waits (/status: RATE_LIMIT)"

  lab_wait 40 texts 2 || fail "no text for the failback after the interval: $(status_json | grep -A9 '"sms"')"
  waited=$((($(date +%s%N) - first) / 1000000))
  [ "$waited" -ge 28000 ] || fail "the second text came ${waited} ms after the first, inside sms_min_interval"
  "$LAB_PY" - "$LAB_DIR/sms.log" <<'PY' || fail "the second text: $(cat "$LAB_DIR/sms.log")"
import json, re, sys
texts = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
assert len(texts) == 2, texts
t = texts[1]
assert t["to"] == "+15550100" and t["result"] == "sent", t
assert re.fullmatch(r"failberry \S+ \(UTC\): wired back \d\d:\d\d", t["text"]), t["text"]
PY
  status_json | "$LAB_PY" -c '
import json, sys
s = json.load(sys.stdin)["alerts"]["sms"]
assert s["to"] == ["+******00"], s
assert (s["sent"], s["failed"], s["dropped_daily_limit"], s["queued"]) == (2, 0, 0, 0), s
assert s["last_error"] is None and s["waiting_reason"] is None, s
' || fail "/status alerts.sms: $(status_json | grep -A9 '"sms"')"
  lab_health lan 10.10.0.1 /metrics | grep -qx "failberry_sms_sent_total 2" ||
    fail "/metrics: $(lab_health lan 10.10.0.1 /metrics | grep sms)"
  ! grep -q "15550100" "$LAB_DIR/failberryd.log" || fail "the log shows the whole number"
  step "the failback texted ${waited} ms after the first; /status and /metrics count 2, the number masked"
  lab_stop
  check_clean
  ;;

events)
  # A hook that writes its whole environment, one file per event kind, and
  # a trail line per run. It gets no LAB_DIR: the paths are written in.
  mkdir -m 0755 "$LAB_DIR/hooks.d" "$LAB_DIR/hook-out"
  cat >"$LAB_DIR/hooks.d/50-record" <<HOOK
#!/bin/sh
env | LC_ALL=C sort > "$LAB_DIR/hook-out/\$FB_EVENT"
echo "\$FB_EVENT \$FB_UPLINK \$FB_FROM \$FB_TO" >> "$LAB_DIR/hook-out/trail"
HOOK
  chmod 0755 "$LAB_DIR/hooks.d/50-record"
  HOLD=3s EXTRA="[alerts]
hooks_dir = $LAB_DIR/hooks.d
hook_timeout = 5s" lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 10 test -f "$LAB_DIR/hook-out/uplink_up" || fail "no hook ran for uplink_up"
  # env(1) in the hook: the variable as the hook saw it.
  hook_env() { grep "^$2=" "$LAB_DIR/hook-out/$1" | head -1 | cut -d= -f2-; }
  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 lab_default_is wwan0 || fail "no failover to cellular after the carrier loss"
  lab_wait 10 test -f "$LAB_DIR/hook-out/failover" || fail "the hook did not run for the failover: $(cat "$LAB_DIR/hook-out/trail")"
  [ "$(hook_env failover FB_EVENT)" = failover ] || fail "FB_EVENT: $(cat "$LAB_DIR/hook-out/failover")"
  [ "$(hook_env failover FB_FROM)" = wired ] || fail "FB_FROM: $(cat "$LAB_DIR/hook-out/failover")"
  [ "$(hook_env failover FB_TO)" = cellular ] || fail "FB_TO: $(cat "$LAB_DIR/hook-out/failover")"
  [ "$(hook_env failover FB_UPLINK)" = cellular ] || fail "FB_UPLINK: $(cat "$LAB_DIR/hook-out/failover")"
  [ "$(hook_env failover FB_REASON)" = CARRIER_LOST ] || fail "FB_REASON: $(cat "$LAB_DIR/hook-out/failover")"
  [ "$(hook_env failover FB_DRY_RUN)" = 0 ] || fail "FB_DRY_RUN: $(cat "$LAB_DIR/hook-out/failover")"
  hook_env failover FB_DURATION_MS | grep -Eq '^[0-9]+$' || fail "FB_DURATION_MS: $(cat "$LAB_DIR/hook-out/failover")"
  hook_env failover FB_TIME | grep -Eq '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' || fail "FB_TIME"
  hook_env failover FB_MESSAGE | grep -q "wired -> cellular" || fail "FB_MESSAGE: $(hook_env failover FB_MESSAGE)"
  # A clean environment: PATH and FB_* only (sh adds PWD, SHLVL, _ itself).
  others=$(grep -Ev '^(FB_[A-Z_]+|PATH|PWD|SHLVL|_)=' "$LAB_DIR/hook-out/failover")
  [ -z "$others" ] || fail "the hook inherited: $others"
  grep -q "^uplink_down wired up down$" "$LAB_DIR/hook-out/trail" || fail "no uplink_down: $(cat "$LAB_DIR/hook-out/trail")"
  grep -q "event: failover uplink=cellular from=wired to=cellular reason=CARRIER_LOST" "$LAB_DIR/failberryd.log" ||
    fail "no event line in the log"
  step "carrier lost -> the hook ran with FB_EVENT=failover FB_FROM=wired FB_TO=cellular"

  ip -n "$LAB-isp" link set isp-pi up
  lab_wait 20 test -f "$LAB_DIR/hook-out/failback" || fail "the hook did not run for the failback: $(cat "$LAB_DIR/hook-out/trail")"
  lab_default_is eth-wired || fail "the failback event came before the route"
  [ "$(hook_env failback FB_FROM)" = cellular ] || fail "failback FB_FROM: $(cat "$LAB_DIR/hook-out/failback")"
  [ "$(hook_env failback FB_TO)" = wired ] || fail "failback FB_TO: $(cat "$LAB_DIR/hook-out/failback")"
  [ "$(hook_env failback FB_REASON)" = FAILBACK ] || fail "failback FB_REASON: $(cat "$LAB_DIR/hook-out/failback")"
  # The failback's duration is the time on cellular: at least the 3 s hold.
  [ "$(hook_env failback FB_DURATION_MS)" -ge 3000 ] || fail "failback FB_DURATION_MS: $(hook_env failback FB_DURATION_MS)"
  step "carrier back -> failback after the hold, the hook ran with FB_EVENT=failback"

  events=$(status_json | "$LAB_PY" -c 'import json,sys; print(" ".join(e["event"] for e in json.load(sys.stdin)["events"]))')
  echo "$events" | grep -q "failover.*failback" || fail "/status events: $events"
  ctl=$(lab_ctl events --json) || fail "failberryctl events --json failed"
  echo "$ctl" | "$LAB_PY" -c '
import json, sys
events = [json.loads(line) for line in sys.stdin if line.strip()]
kinds = [e["event"] for e in events]
assert "failover" in kinds and "failback" in kinds, kinds
f = [e for e in events if e["event"] == "failover"][0]
assert (f["from"], f["to"], f["reason"]) == ("wired", "cellular", "CARRIER_LOST"), f
' || fail "failberryctl events --json: $ctl"
  lab_ctl events | grep -q "failback .*cellular -> wired" || fail "failberryctl events: $(lab_ctl events)"
  step "/status and failberryctl events show them: $events"
  lab_stop
  check_clean
  ;;

cgnat)
  FAKE="$HERE/../ddns/fake_ddns_server.py"
  "$LAB_PY" "$FAKE" pki "$LAB_DIR/pki" 198.51.100.1 || fail "no test CA"
  ip netns exec "$LAB-inet" "$LAB_PY" "$FAKE" serve --listen 198.51.100.1 --port 443 --cert "$LAB_DIR/pki/server.pem" \
    --key "$LAB_DIR/pki/server.key" --hostname home.example.com >"$LAB_DIR/fake.out" 2>"$LAB_DIR/fake.err" &
  LAB_PIDS+=($!)
  lab_wait 10 grep -q "^READY" "$LAB_DIR/fake.out" || fail "the fake server did not start: $(cat "$LAB_DIR/fake.err")"
  (umask 077 && printf 'SuP3R_5eCR3T\n' >"$LAB_DIR/ddns.secret" &&
    printf 'AKIDEXAMPLE\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n' >"$LAB_DIR/aws.credentials")
  EXTRA="heartbeat = cloudwatch
heartbeat_region = eu-west-1
heartbeat_interval = 10s
heartbeat_credentials_file = $LAB_DIR/aws.credentials
heartbeat_endpoint = https://198.51.100.1
heartbeat_ca_file = $LAB_DIR/pki/ca.pem

[ddns]
provider = lambda-v3
url = https://198.51.100.1/v3
hostname = home.example.com
secret_file = $LAB_DIR/ddns.secret
uplink = cellular
ca_file = $LAB_DIR/pki/ca.pem" lab_config
  lab_start || fail "failberryd did not start"
  # The fake server's request lines: "gen mode status source", one a line.
  requests() {
    "$LAB_PY" -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        e = json.loads(line)
        if e.get("event") == "request":
            print(e["gen"], e["mode"], e["status"], e["source"], json.dumps(e.get("metrics")))
' "$LAB_DIR/fake.out"
  }
  nat_of() { status_json | "$LAB_PY" -c 'import json,sys; print([u["nat"] or "" for u in json.load(sys.stdin)["uplinks"] if u["name"] == sys.argv[1]][0])' "$1"; }
  ddns_state() { status_json | "$LAB_PY" -c 'import json,sys; d=json.load(sys.stdin)["ddns"]; print(d["state"], d["code"], d["seen"])'; }
  lab_wait 15 bash -c "grep -q 'behind carrier-grade NAT (100.72.1.2' '$LAB_DIR/failberryd.log'" ||
    fail "the log does not say the cellular uplink is behind carrier-grade NAT"
  nat=$(nat_of cellular)
  echo "$nat" | grep -q "^uplink cellular is behind carrier-grade NAT (100.72.1.2" || fail "/status uplinks[cellular].nat: '$nat'"
  echo "$nat" | grep -q "Route53 health checks cannot reach it" || fail "/status nat words: '$nat'"
  [ -z "$(nat_of wired)" ] || fail "/status says the wired uplink is behind NAT: $(nat_of wired)"
  lab_ctl status | grep -q "NAT: uplink cellular is behind carrier-grade NAT" || fail "failberryctl status: $(lab_ctl status)"
  step "cellular 100.72.1.2: the log, /status and failberryctl status say carrier-grade NAT"

  ddns_withheld() { [ "$(ddns_state)" = "behind_nat DDNS_BEHIND_NAT 203.0.113.5" ]; }
  lab_wait 15 ddns_withheld ||
    fail "/status ddns: $(ddns_state)"
  requests | grep -q "^v3 get 200 203.0.113.5 " || fail "the DDNS get did not arrive from the carrier's address: $(requests)"
  ! requests | grep -q "^v3 set" || fail "a record was published behind carrier-grade NAT: $(requests)"
  status_json | grep -q '"detail": "not published: uplink cellular is behind carrier-grade NAT' || fail "/status ddns detail"
  step "DDNS: the server saw 203.0.113.5, no set; /status ddns behind_nat DDNS_BEHIND_NAT"

  # Both uplinks up: one PutMetricData with both, the signature checked by the server.
  beat='"data": \[{"name": "UplinkUp", "value": 1.0, "unit": "Count", "dimensions": {"Uplink": "wired"}}, {"name": "UplinkUp", "value": 1.0, "unit": "Count", "dimensions": {"Uplink": "cellular"}}\]'
  heard() { requests | grep -q "$1"; }
  lab_wait 15 heard "^cloudwatch put 200 .*$beat"
  requests | grep -q "^cloudwatch put 200 .*$beat" || fail "no signed heartbeat with both uplinks up: $(requests)"
  ! requests | grep -q "^cloudwatch put 403" || fail "a heartbeat was refused: $(requests)"
  status_json | grep -q '"state": "ok"' || fail "/status heartbeat: $(status_json)"
  step "the heartbeat reached CloudWatch signed for eu-west-1: UplinkUp 1 for wired and cellular"

  ip -n "$LAB-cell" link set cell-pi down # the cellular uplink loses its carrier
  down='^cloudwatch put 200 .*"value": 0.0, "unit": "Count", "dimensions": {"Uplink": "cellular"}'
  lab_wait 15 heard "$down"
  heard "$down" ||
    fail "no heartbeat with cellular down: $(requests)"
  step "cellular down: the next heartbeat says UplinkUp 0 for it at once"
  lab_stop
  check_clean
  ;;

webhook)
  # The receiver on the internet host logs each POST (JSON lines) and answers 200.
  printf 'tk_lab_webhook_token\n' >"$LAB_DIR/webhook.token"
  chmod 0600 "$LAB_DIR/webhook.token"
  lab_ns inet "$LAB_PY" "$HERE/../firmware/webhook_server.py" "$LAB_DIR/posts.log" 198.51.100.1 8080 200 \
    >"$LAB_DIR/receiver.out" 2>&1 &
  LAB_PIDS+=($!)
  lab_wait 5 grep -q "^port 8080" "$LAB_DIR/receiver.out" || fail "the receiver did not start: $(cat "$LAB_DIR/receiver.out")"
  EXTRA="[alerts]
webhook_url = http://198.51.100.1:8080/hook/lab-secret
webhook_token_file = $LAB_DIR/webhook.token
webhook_events = failover, failback, uplink_up" lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  # post EVENT: the receiver got one for EVENT.
  post() {
    "$LAB_PY" -c 'import json, sys
sys.exit(0 if any(json.loads(json.loads(l)["body"])["event"] == sys.argv[2] for l in open(sys.argv[1]) if l.strip()) else 1)' \
      "$LAB_DIR/posts.log" "$1"
  }
  lab_wait 10 post uplink_up || fail "no uplink_up was posted: $(cat "$LAB_DIR/posts.log" 2>/dev/null)"
  step "the uplinks came up: posted to the receiver"

  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 lab_default_is wwan0 || fail "no failover to cellular after the carrier loss"
  lab_wait 10 post failover || fail "the failover was not posted: $(cat "$LAB_DIR/posts.log")"
  "$LAB_PY" - "$LAB_DIR/posts.log" <<'PY' || fail "the failover POST: $(grep failover "$LAB_DIR/posts.log")"
import json, sys
posts = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
post = [p for p in posts if json.loads(p["body"])["event"] == "failover"][0]
body = json.loads(post["body"])
assert post["path"] == "/hook/lab-secret", post["path"]
assert post["headers"]["content-type"] == "application/json", post["headers"]
assert post["headers"]["authorization"] == "Bearer tk_lab_webhook_token", post["headers"]
assert post["client"] == "10.64.0.2", "not sent over the active (cellular) uplink: " + post["client"]
assert (body["from"], body["to"], body["uplink"], body["reason"]) == ("wired", "cellular", "cellular", "CARRIER_LOST"), body
assert body["text"].startswith("[%s] " % body["host"]) and "wired -> cellular" in body["text"], body
assert body["message"] == body["text"], body
assert body["host"] and body["time"].endswith("Z") and body["dry_run"] is False, body
assert isinstance(body["duration_ms"], int), body
kinds = {json.loads(p["body"])["event"] for p in posts}
assert kinds <= {"failover", "failback", "uplink_up"}, kinds  # uplink_down was not chosen
PY
  step "carrier lost -> the failover was POSTed over cellular with the token, the body checked"

  status=$(status_json)
  echo "$status" | "$LAB_PY" -c '
import json, sys
w = json.load(sys.stdin)["webhook"]
assert w["url"] == "http://198.51.100.1:8080/…", w
assert w["sent"] >= 2 and w["failed"] == 0 and w["dropped"] == 0 and w["last_success_at"], w
' || fail "/status webhook: $status"
  ! echo "$status" | grep -q -e tk_lab_webhook_token -e lab-secret || fail "/status shows the token or the URL's path"
  ! grep -q -e tk_lab_webhook_token -e lab-secret "$LAB_DIR/failberryd.log" || fail "the log shows the token or the URL's path"
  lab_health lan 10.10.0.1 /metrics | grep -Eq '^failberry_webhook_posts_total\{result="sent"\} [2-9]' ||
    fail "/metrics: $(lab_health lan 10.10.0.1 /metrics | grep webhook)"
  step "/status and /metrics count the posts; neither they nor the log show the token or the path"
  lab_stop
  check_clean
  ;;

lldp)
  # The LAN host plays the switch the Pi is plugged into: a real lldpd on
  # lan0, named lab-switch, its port described as Gi0/7, sending every
  # second. The Pi runs its own lldpd (the agent failberryd asks); failberryd
  # only runs lldpcli against that agent's socket.
  command -v lldpd >/dev/null && command -v lldpcli >/dev/null ||
    { echo "SKIP: lldpd is not installed (tests/setup_deps.sh)"; exit 77; }
  # Debian's lldpcli is setuid _lldpd: it must be able to reach the sockets.
  chmod 0711 "$LAB_DIR"
  # Not through lab_ns (a function: $! would be its subshell): the pid is
  # lldpd's own, whose end takes its privilege-separated child along.
  ip netns exec "$LAB-lan" lldpd -d -u "$LAB_DIR/switch.sock" -I lan0 -p "$LAB_DIR/switch.pid" \
    >"$LAB_DIR/switch-lldpd.log" 2>&1 &
  LAB_PIDS+=($!)
  ip netns exec "$LAB-pi" lldpd -d -u "$LAB_DIR/lldpd.sock" -I pi-lan -p "$LAB_DIR/pi-lldpd.pid" \
    >"$LAB_DIR/pi-lldpd.log" 2>&1 &
  PI_LLDPD=$!
  LAB_PIDS+=($PI_LLDPD)
  lab_wait 10 test -S "$LAB_DIR/switch.sock" || fail "the switch's lldpd did not start: $(cat "$LAB_DIR/switch-lldpd.log")"
  lab_ns lan lldpcli -u "$LAB_DIR/switch.sock" configure system hostname lab-switch >/dev/null
  lab_ns lan lldpcli -u "$LAB_DIR/switch.sock" configure ports lan0 lldp portdescription Gi0/7 >/dev/null
  lab_ns lan lldpcli -u "$LAB_DIR/switch.sock" configure lldp tx-interval 1 >/dev/null
  pi_sees_switch() { lab_ns pi lldpcli -u "$LAB_DIR/lldpd.sock" show neighbors | grep -q "SysName: *lab-switch"; }
  lab_wait 15 pi_sees_switch || fail "the Pi's lldpd does not see the switch: $(lab_ns pi lldpcli -u "$LAB_DIR/lldpd.sock" show neighbors 2>&1)"
  LLDP_SOCKET=$LAB_DIR/lldpd.sock lab_config
  lab_start || fail "failberryd did not start"
  sees_switch() { status_json | grep -q '"system_name": "lab-switch"'; }
  lab_wait 20 sees_switch || fail "/status has no LLDP neighbour: $(status_json | grep -A20 '"lldp"')"
  status_json | "$LAB_PY" -c '
import json, sys
l = json.load(sys.stdin)["lldp"]
assert l["agent"] is True and l["error"] is None, l
[n] = l["neighbors"]
assert (n["interface"], n["system_name"], n["port_description"]) == ("pi-lan", "lab-switch", "Gi0/7"), n
assert n["chassis_id"].startswith("mac "), n
' || fail "/status lldp: $(status_json | grep -A20 '"lldp"')"
  lab_ctl status | grep -q "^LLDP: pi-lan -> lab-switch port Gi0/7$" || fail "failberryctl status: $(lab_ctl status | grep LLDP)"
  step "/status and failberryctl status name the switch and port pi-lan is plugged into"

  kill "$PI_LLDPD"
  no_agent() { status_json | "$LAB_PY" -c '
import json, sys
l = json.load(sys.stdin)["lldp"]
sys.exit(0 if l["error"] and not l["neighbors"] else 1)'; }
  lab_wait 25 no_agent || fail "/status still shows a neighbour without the agent: $(status_json | grep -A20 '"lldp"')"
  step "without the agent: no neighbour kept, and why ($(lab_ctl status | grep LLDP))"
  lab_stop
  check_clean
  ;;

page)
  # The status page (GET /) in a real headless Chromium on the LAN host:
  # no console errors, the active uplink shown, and the page (refreshing
  # itself from /status) follows a real failover.
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
    { echo "SKIP: chromium and chromium-driver are not installed (tests/setup_deps.sh)"; exit 77; }
  HOLD=30s lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  wired_active() { status_json | grep -q '"active": "wired"'; }
  lab_wait 10 wired_active || fail "/status does not say wired is active: $(status_json)"
  HOME=$LAB_DIR lab_ns lan "$LAB_PY" "$HERE/status_page_check.py" http://10.10.0.1:9000/ wired cellular \
    ip -n "$LAB-isp" link set isp-pi down
  rc=$?
  [ $rc -eq 77 ] && exit 77
  [ $rc -eq 0 ] || fail "the status page in Chromium (above)"
  lab_default_is wwan0 || fail "the default route is not on cellular"
  step "the status page showed wired, then cellular after the cut, with no console errors"
  lab_health lan 10.10.0.1 / | grep -q "<title>failberry</title>" || fail "GET / from the LAN host"
  lab_stop
  check_clean
  ;;

quality)
  # The lab's kernel may lack sch_netem (tc: "Specified qdisc kind is
  # unknown"), so the delay is made where the probes are answered: a DNS
  # responder in the internet namespace that answers each query after
  # $LAB_DIR/dns-delay ms. The loss is nft's in the ISP, by count (numgen
  # inc): exactly 3 of every 10 queries at "30%", so the no-flap window
  # measures the thresholds' hysteresis, not the dice (random loss at 30%
  # crosses 40% over 18 probes now and then by chance).
  echo 0 >"$LAB_DIR/dns-delay"
  ip netns exec "$LAB-inet" "$LAB_PY" -c '
import select, socket, sys, threading
socks = []
for address in ("198.51.100.1", "203.0.113.2", "203.0.113.6"):  # one each: a reply leaves from the address asked
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, 53))
    socks.append(s)
def answer(s, data, peer):
    # The query echoed as a response: QR set, REFUSED (any reply with its id is an answer).
    s.sendto(data[:2] + bytes([0x81, 0x85]) + data[4:], peer)
while True:
    for s in select.select(socks, [], [])[0]:
        data, peer = s.recvfrom(512)
        if len(data) < 12:
            continue
        try:
            delay = int(open(sys.argv[1]).read().strip() or 0) / 1000.0
        except (OSError, ValueError):
            delay = 0
        threading.Timer(delay, answer, (s, data, peer)).start()
' "$LAB_DIR/dns-delay" &
  LAB_PIDS+=($!)
  WIRED_PROBES="probe = dns
probe_targets = 198.51.100.1, 203.0.113.2, 203.0.113.6
probe_interval = 500ms
probe_timeout = 450ms
up_count = 2
down_count = 10
quality_window = 6
quality_fail_latency = 200ms
quality_recover_latency = 100ms
quality_fail_loss = 40
quality_recover_loss = 10" HOLD=2s lab_config
  lab_start || fail "failberryd did not start"
  wired_quality() { # prints the wired uplink's /status quality as "rounds loss rtt degraded reason"
    status_json | "$LAB_PY" -c '
import json, sys
u = [u for u in json.load(sys.stdin)["uplinks"] if u["name"] == "wired"][0]["quality"]
print(u["window_rounds"], u["loss_percent"], u["rtt_ms"], u["degraded"], u["reason"] or "-")'
  }
  window_full() { [ "$(wired_quality | cut -d" " -f1)" = 6 ]; }
  events_of() { grep -c "event: $1 " "$LAB_DIR/failberryd.log"; }
  lab_wait 15 lab_default_is eth-wired || fail "no default route via the wired uplink"
  lab_wait 10 window_full || fail "the wired uplink's quality window never filled: $(wired_quality)"
  read -r q_rounds q_loss q_rtt q_degraded q_reason <<<"$(wired_quality)"
  [ "$q_degraded" = False ] || fail "degraded on a clean link: $q_rounds $q_loss $q_rtt $q_degraded $q_reason"

  loss_rule() { # PERCENT (of every 10 DNS queries from the Pi, by count); none: no rule
    lab_ns isp nft delete table inet lossy 2>/dev/null
    [ "$1" = none ] && return
    lab_ns isp nft add table inet lossy
    lab_ns isp nft add chain inet lossy forward '{ type filter hook forward priority 0; policy accept; }'
    lab_ns isp nft add rule inet lossy forward iifname isp-pi udp dport 53 numgen inc mod 10 '<' "$(($1 / 10))" counter drop
  }
  loss_rule 30
  end=$((SECONDS + 10))
  while [ $SECONDS -lt $end ]; do
    lab_default_is eth-wired || fail "the default route moved under a steady 30% loss: $(wired_quality)"
    sleep 0.2
  done
  read -r q_rounds q_loss q_rtt q_degraded q_reason <<<"$(wired_quality)"
  "$LAB_PY" -c "import sys; sys.exit(0 if 20 <= float('$q_loss') < 40 else 1)" ||
    fail "the tracker did not see the 30% loss: $q_loss% over $q_rounds rounds"
  [ "$(events_of failover)" = 0 ] || fail "a failover under a steady 30% loss"
  [ "$(events_of quality_degraded)" = 0 ] || fail "degraded under a steady 30% loss: $(grep "event: quality" "$LAB_DIR/failberryd.log")"
  [ "$q_degraded" = False ] || fail "degraded under a steady 30% loss: $q_degraded $q_reason"
  dropped=$(lab_ns isp nft list table inet lossy | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
  [ "${dropped:-0}" -gt 0 ] || fail "the loss rule dropped nothing: the test proved nothing"
  step "steady 30% loss for 10 s (loss $q_loss% over the window, $dropped queries dropped): no failover, 0 degraded events"

  loss_rule 60
  lab_wait 10 lab_default_is wwan0 || fail "no move to cellular at 60% loss: $(wired_quality)"
  grep -q "event: quality_degraded uplink=wired from=good to=bad reason=HIGH_LOSS" "$LAB_DIR/failberryd.log" ||
    fail "no quality_degraded event for HIGH_LOSS"
  grep -q "event: failover uplink=cellular from=wired to=cellular reason=HIGH_LOSS" "$LAB_DIR/failberryd.log" ||
    fail "the failover does not name HIGH_LOSS"
  [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not move to cellular"
  read -r q_rounds q_loss q_rtt q_degraded q_reason <<<"$(wired_quality)"
  [ "$q_degraded $q_reason" = "True HIGH_LOSS" ] || fail "/status does not show the wired uplink degraded by loss: $q_degraded $q_reason"
  ! grep -q "uplink\[wired\]: .*--> down" "$LAB_DIR/failberryd.log" || fail "the wired uplink went down: not a quality move"
  step "60% loss -> degraded (HIGH_LOSS, loss $q_loss%) -> LAN traffic via cellular"

  loss_rule none
  lab_wait 15 lab_default_is eth-wired || fail "no failback after the loss ended: $(wired_quality)"
  grep -q "event: quality_recovered uplink=wired from=bad to=good reason=QUALITY_OK" "$LAB_DIR/failberryd.log" ||
    fail "no quality_recovered event"
  grep -q "event: failback uplink=wired from=cellular to=wired reason=FAILBACK" "$LAB_DIR/failberryd.log" ||
    fail "no failback event"
  step "loss over -> quality good again -> failback after the hold"

  echo 300 >"$LAB_DIR/dns-delay"
  lab_wait 10 lab_default_is wwan0 || fail "no move to cellular with answers 300 ms late: $(wired_quality)"
  grep -q "event: failover uplink=cellular from=wired to=cellular reason=HIGH_LATENCY" "$LAB_DIR/failberryd.log" ||
    fail "the failover does not name HIGH_LATENCY"
  read -r q_rounds q_loss q_rtt q_degraded q_reason <<<"$(wired_quality)"
  "$LAB_PY" -c "import sys; sys.exit(0 if float('$q_rtt') >= 250 else 1)" || fail "/status RTT is not the delay: $q_rtt ms"
  [ "$(lab_lan_get)" = "from 10.64.0.2" ] || fail "LAN traffic does not move to cellular"
  metrics=$(lab_health lan 10.10.0.1 /metrics)
  echo "$metrics" | grep -q '^failberry_uplink_degraded{uplink="wired"} 1$' || fail "/metrics: $(echo "$metrics" | grep degraded)"
  step "answers 300 ms late -> degraded (HIGH_LATENCY, median RTT $q_rtt ms) -> LAN traffic via cellular"
  lab_stop
  check_clean
  ;;

budget)
  ip -n "$LAB-lan" addr add 10.10.0.3/24 dev lan0
  # get_from ADDRESS: GET http://198.51.100.1/ from the LAN host with that
  # source address; prints "from <what the internet host saw>", nothing when
  # no answer came.
  get_from() {
    lab_ns lan timeout 3 "$LAB_PY" -c '
import socket, sys
s = socket.create_connection(("198.51.100.1", 80), timeout=2, source_address=(sys.argv[1], 0))
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode().split("\r\n\r\n", 1)[1].strip())' "$1" 2>/dev/null
  }
  # cell_budget FIELD...: the cellular uplink's /status budget fields, space-separated.
  cell_budget() {
    status_json | "$LAB_PY" -c '
import json, sys
b = [u for u in json.load(sys.stdin)["uplinks"] if u["name"] == "cellular"][0]["budget"]
print(" ".join(str(b[f]) for f in sys.argv[1:]))' "$@"
  }
  METERED=false NAT_EXTRA="metered_allow = 10.10.0.2/32" CELL_PROBES="budget = 300kB
budget_warn = 50
budget_action = allow-list" lab_config
  lab_start || fail "failberryd did not start"
  lab_wait 10 lab_default_is eth-wired || fail "no default route via the wired uplink"
  ip -n "$LAB-isp" link set isp-pi down
  lab_wait 10 lab_default_is wwan0 || fail "no failover to cellular after the carrier loss"
  [ "$(get_from 10.10.0.2)" = "from 10.64.0.2" ] || fail "10.10.0.2 does not get through cellular before the limit"
  [ "$(get_from 10.10.0.3)" = "from 10.64.0.2" ] || fail "10.10.0.3 does not get through cellular before the limit"
  read -r b_state b_used <<<"$(cell_budget state used_bytes)"
  [ "$b_state" = ok ] || fail "/status budget before the flow: $b_state, $b_used bytes"
  step "wired cut: both LAN addresses reach the internet through cellular; budget ok ($b_used bytes used)"

  # About 400 kB of UDP from the allowed address through cellular.
  lab_ns lan "$LAB_PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.10.0.2", 0))
for i in range(400):
    s.sendto(b"%d " % i + b"x" * 1000, ("198.51.100.1", 5000))'
  lab_wait 10 grep -q "event: budget_exhausted uplink=cellular" "$LAB_DIR/failberryd.log" ||
    fail "no budget_exhausted event: $(status_json)"
  grep -q "event: budget_warning uplink=cellular from=ok to=warn reason=BUDGET_WARN" "$LAB_DIR/failberryd.log" ||
    fail "no budget_warning event before the limit"
  lab_ctl events --json | "$LAB_PY" -c '
import json, sys
kinds = [json.loads(line)["event"] for line in sys.stdin if line.strip()]
assert kinds.index("budget_warning") < kinds.index("budget_exhausted"), kinds
' || fail "failberryctl events --json: $(lab_ctl events --json)"
  read -r b_state b_used b_left b_limited <<<"$(cell_budget state used_bytes left_bytes limited)"
  [ "$b_state" = exhausted ] && [ "$b_used" -ge 300000 ] && [ "$b_left" = 0 ] && [ "$b_limited" = True ] ||
    fail "/status budget at the limit: $b_state used $b_used left $b_left limited $b_limited"
  metrics=$(lab_health lan 10.10.0.1 /metrics)
  echo "$metrics" | grep -q '^failberry_budget_exhausted{uplink="cellular"} 1$' ||
    fail "/metrics: $(echo "$metrics" | grep budget)"
  lab_ctl status | grep -q "budget cellular: exhausted, .* used of 300.0 kB, 0 B left" ||
    fail "failberryctl status: $(lab_ctl status)"
  step "the flow crossed 50% and the limit: events, /status ($b_used bytes), /metrics, failberryctl status"

  [ "$(get_from 10.10.0.2)" = "from 10.64.0.2" ] || fail "the allowed 10.10.0.2 no longer gets through"
  [ -z "$(get_from 10.10.0.3)" ] || fail "10.10.0.3 still gets through cellular after the limit"
  lab_ns pi nft list table inet failberry | grep -q 'oifname "wwan0" ip saddr != @metered_allow_v4 counter packets [1-9]' ||
    fail "the allow-list rule dropped nothing: $(lab_ns pi nft list table inet failberry)"
  step "at the limit: 10.10.0.2 (allowed) still gets through, 10.10.0.3 does not"

  lab_stop
  [ -s "$LAB_DIR/state/budget.json" ] || fail "no budget record at stop"
  saved=$("$LAB_PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["uplinks"]["cellular"]["used_bytes"])' \
    "$LAB_DIR/state/budget.json")
  [ "$saved" -ge "$b_used" ] || fail "the record at stop holds $saved bytes, /status showed $b_used"
  lab_start || fail "failberryd did not start again"
  lab_wait 10 lab_default_is wwan0 || fail "no default route via cellular after the restart"
  read -r b_state b_used <<<"$(cell_budget state used_bytes)"
  [ "$b_state" = exhausted ] && [ "$b_used" -ge "$saved" ] || fail "after the restart: $b_state, $b_used bytes"
  [ -z "$(get_from 10.10.0.3)" ] || fail "10.10.0.3 gets through after the restart"
  [ "$(get_from 10.10.0.2)" = "from 10.64.0.2" ] || fail "10.10.0.2 does not get through after the restart"
  [ "$(grep -c "event: budget_exhausted uplink=cellular" "$LAB_DIR/failberryd.log")" = 1 ] ||
    fail "budget_exhausted published again after the restart"
  step "restart: $b_used bytes used from the record, still limited, no second budget_exhausted"
  lab_stop
  check_clean
  ;;

*)
  echo "unknown case $CASE" >&2
  exit 2
  ;;
esac
echo "PASS ($CASE)"
