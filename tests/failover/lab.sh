# The failover lab on one machine, as bash functions (sourced by the
# end-to-end tests in this folder, the demo tests/lab/run_demo.sh and the
# benchmark tests/bench/failover_bench.sh).
#
#   LAN host ──lan── Pi (failberryd) ──wired── ISP ──┐
#                        │                           internet host 198.51.100.1
#                        └──cellular── carrier ──────┘
#
# Namespaces $LAB-lan, $LAB-pi, $LAB-isp, $LAB-cell, $LAB-inet.
#   lan:  lan0 10.10.0.2/24, default via 10.10.0.1
#   pi:   pi-lan 10.10.0.1/24; wired: eth-wired 192.168.1.2/24 (gateway 192.168.1.1);
#         cellular: ppp0 10.64.0.2 peer 10.64.0.1 (LAB_CELL=tun: the TUN stand-in of
#         recipes/netns/tunlink.sh, two TUN devices joined by socat) or
#         wwan0 10.64.0.2/24 gateway 10.64.0.1 (LAB_CELL=veth, the default) or
#         an LTE stick on the net data path (LAB_CELL=net): modemsim.py as a
#         Huawei E3372h in stick mode on a pty ($LAB_MODEM_TTY, control socket
#         $LAB_DIR/modem.ctl, lab_modem), its network interface the veth wwan0,
#         down and without an address until failberryd starts the session over
#         AT and puts on it what ^DHCP? reports (10.64.0.2/24 via 10.64.0.1) or
#         a ZTE router stick (LAB_CELL=zte, with LAB_CELL_NET=192.168.0 and
#         LAB_CELL_NAT=1: the stick is a router that masquerades): wwan0 is
#         its cdc_ether interface, down and without an address; the stick is
#         the cell namespace at 192.168.0.1 with its DHCP server (busybox
#         udhcpd, leasing 192.168.0.100) and its goform API
#         (tests/hilink/fake_zte_server.py on :80, lab_zte; LAB_ZTE_ARGS)
#   isp:  isp-pi 192.168.1.1/24, isp-up 203.0.113.1/30 → internet
#   cell: cell-pi 10.64.0.1, cell-up 203.0.113.5/30 → internet; it drops
#         packets from the Pi whose source is not the carrier's (BCP 38), so a
#         reply sent out of the wrong uplink is lost, as with a real carrier
#   inet: inet-isp 203.0.113.2/30, inet-cell 203.0.113.6/30, 198.51.100.1 on lo,
#         an HTTP server on :80 that answers "from <client address>"
# The Pi has no default route of its own: failberryd adds it.
#
# LAB_V6=1 (LAB_CELL=veth, tun or net): dual-stack. The LAN is 2001:db8:10::/64
# (lan0 ::2, pi-lan ::1), a prefix both ISPs route to the Pi. The ISP
# (isp-pi, prefix 2001:db8:1::/64) and the carrier (cell-pi, prefix
# 2001:db8:64::/64) each send a router advertisement every second (lab_ra), from which the Pi's kernel takes its SLAAC addresses
# and its default routers (with LAB_CELL=tun over the TUN link, as over a
# PPP link with IPv6CP; with LAB_CELL=net once failberryd has brought wwan0
# up: call lab_v6_lan_routes then). inet has
# 2001:db8:ff::1 on lo and counts the LAN's IPv6 datagrams to :5000 per
# way in (nft table inet v6seen, counters "wired" and "cellular").
#
# Usage: LAB=fbfo-$$; LAB_DIR=$(mktemp -d); source lab.sh; trap lab_down EXIT; lab_up
# Needs root, iproute2, nftables (nft), python3, and socat for LAB_CELL=tun.

LAB=${LAB:?set LAB to a unique namespace prefix}
LAB_DIR=${LAB_DIR:?set LAB_DIR to a scratch directory}
LAB_CELL=${LAB_CELL:-veth}
# LAB_CELL=veth only: the cellular subnet's first three octets (LAB_CELL_NET=100.72.1:
# a carrier-grade NAT address), and LAB_CELL_NAT=1: the carrier masquerades
# its subscribers behind cell-up's 203.0.113.5, as a carrier-grade NAT does.
LAB_CELL_NET=${LAB_CELL_NET:-10.64.0}
LAB_CELL_NAT=${LAB_CELL_NAT:-0}
LAB_V6=${LAB_V6:-0}
LAB_PY=/usr/bin/python3
[ -x "$LAB_PY" ] || LAB_PY=$(command -v python3)
LAB_PIDS=()
FB_PID=""

lab_ns() { ip netns exec "$LAB-$1" "${@:2}"; }
# A silent transit failure: the wired link stays up but the ISP forwards
# nothing from the Pi (only probes can tell); lab_isp_forward ends it.
lab_isp_cut() {
  lab_ns isp nft -f - <<'NFT'
table inet cut {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "isp-pi" drop
  }
}
NFT
}
lab_isp_forward() { lab_ns isp nft delete table inet cut; }

lab_up() {
  local n
  for n in lan pi isp cell inet; do
    ip netns add "$LAB-$n"
    ip -n "$LAB-$n" link set lo up
    if [ "$LAB_V6" = 1 ]; then
      # Addresses usable at once, and kept when a link is set down and up (cuts).
      lab_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1
    else
      lab_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    fi
  done
  for n in isp cell inet; do lab_ns "$n" sysctl -qw net.ipv4.ip_forward=1; done
  [ "$LAB_V6" = 1 ] && for n in isp cell inet; do lab_ns "$n" sysctl -qw net.ipv6.conf.all.forwarding=1; done

  ip link add lan0 netns "$LAB-lan" type veth peer name pi-lan netns "$LAB-pi"
  ip link add eth-wired netns "$LAB-pi" type veth peer name isp-pi netns "$LAB-isp"
  ip link add isp-up netns "$LAB-isp" type veth peer name inet-isp netns "$LAB-inet"
  ip link add cell-up netns "$LAB-cell" type veth peer name inet-cell netns "$LAB-inet"

  ip -n "$LAB-lan" addr add 10.10.0.2/24 dev lan0
  ip -n "$LAB-pi" addr add 10.10.0.1/24 dev pi-lan
  ip -n "$LAB-pi" addr add 192.168.1.2/24 dev eth-wired
  ip -n "$LAB-isp" addr add 192.168.1.1/24 dev isp-pi
  ip -n "$LAB-isp" addr add 203.0.113.1/30 dev isp-up
  ip -n "$LAB-inet" addr add 203.0.113.2/30 dev inet-isp
  ip -n "$LAB-cell" addr add 203.0.113.5/30 dev cell-up
  ip -n "$LAB-inet" addr add 203.0.113.6/30 dev inet-cell
  ip -n "$LAB-inet" addr add 198.51.100.1/32 dev lo
  for l in "lan lan0" "pi pi-lan" "pi eth-wired" "isp isp-pi" "isp isp-up" "inet inet-isp" "cell cell-up" \
    "inet inet-cell"; do
    set -- $l
    ip -n "$LAB-$1" link set "$2" up
  done
  ip -n "$LAB-lan" route add default via 10.10.0.1
  ip -n "$LAB-isp" route add default via 203.0.113.2
  ip -n "$LAB-cell" route add default via 203.0.113.6
  ip -n "$LAB-inet" route add 192.168.1.0/24 via 203.0.113.1
  ip -n "$LAB-inet" route add "$LAB_CELL_NET.0/24" via 203.0.113.5

  if [ "$LAB_CELL" = tun ]; then
    ip netns exec "$LAB-cell" socat -lf "$LAB_DIR/cell-socat.log" TUN,tun-type=tun,tun-name=cell-pi,iff-no-pi \
      "UNIX-SENDTO:$LAB_DIR/pi.sock,bind=$LAB_DIR/cell.sock" &
    LAB_PIDS+=($!)
    lab_wait 5 ip -n "$LAB-cell" link show cell-pi
    ip netns exec "$LAB-pi" socat -lf "$LAB_DIR/pi-socat.log" TUN,tun-type=tun,tun-name=ppp0,iff-no-pi \
      "UNIX-SENDTO:$LAB_DIR/cell.sock,bind=$LAB_DIR/pi.sock" &
    LAB_PIDS+=($!)
    lab_wait 5 ip -n "$LAB-pi" link show ppp0
    ip -n "$LAB-cell" addr add 10.64.0.1 peer 10.64.0.2 dev cell-pi
    ip -n "$LAB-pi" addr add 10.64.0.2 peer 10.64.0.1 dev ppp0
    ip -n "$LAB-cell" link set cell-pi up
    ip -n "$LAB-pi" link set ppp0 up
    LAB_CELL_IF=ppp0
  elif [ "$LAB_CELL" = net ]; then
    # The stick's network interface; bringing it up and addressing it is failberryd's job.
    ip link add wwan0 netns "$LAB-pi" type veth peer name cell-pi netns "$LAB-cell"
    ip -n "$LAB-cell" addr add 10.64.0.1/24 dev cell-pi
    ip -n "$LAB-cell" link set cell-pi up
    # The stick's AT side: "ready /dev/pts/N" on its stdout once the pty is there.
    "$LAB_PY" "$(dirname "${BASH_SOURCE[0]}")/../modem/modemsim.py" --vendor huawei --control "$LAB_DIR/modem.ctl" \
      --set lte=1 --set act=7 --set model=E3372h-153 --set cdrom=off --set net_ip=10.64.0.2/24,10.64.0.1 \
      >"$LAB_DIR/modemsim.out" 2>&1 &
    LAB_PIDS+=($!)
    lab_wait 5 grep -q "^ready " "$LAB_DIR/modemsim.out" || { cat "$LAB_DIR/modemsim.out" >&2; return 1; }
    LAB_MODEM_TTY=$(sed -n 's/^ready //p' "$LAB_DIR/modemsim.out")
    LAB_CELL_IF=wwan0
  elif [ "$LAB_CELL" = zte ]; then
    ip link add wwan0 netns "$LAB-pi" type veth peer name cell-pi netns "$LAB-cell"
    ip -n "$LAB-cell" addr add 192.168.0.1/24 dev cell-pi
    ip -n "$LAB-cell" link set cell-pi up
    printf '%s\n' "start 192.168.0.100" "end 192.168.0.100" "interface cell-pi" "lease_file $LAB_DIR/udhcpd.leases" \
      "pidfile $LAB_DIR/udhcpd.pid" "option subnet 255.255.255.0" "option router 192.168.0.1" \
      "option dns 192.168.0.1" "option lease 600" >"$LAB_DIR/udhcpd.conf"
    : >"$LAB_DIR/udhcpd.leases"
    ip netns exec "$LAB-cell" busybox udhcpd -f "$LAB_DIR/udhcpd.conf" >"$LAB_DIR/udhcpd.log" 2>&1 &
    LAB_PIDS+=($!)
    # shellcheck disable=SC2086 # LAB_ZTE_ARGS: words for the fake
    ip netns exec "$LAB-cell" "$LAB_PY" -u "$(dirname "${BASH_SOURCE[0]}")/../hilink/fake_zte_server.py" \
      --listen 192.168.0.1 --port 80 ${LAB_ZTE_ARGS:-} >"$LAB_DIR/zte.out" 2>"$LAB_DIR/zte.err" &
    LAB_PIDS+=($!)
    lab_wait 10 grep -q "^READY " "$LAB_DIR/zte.out" || { cat "$LAB_DIR/zte.err" >&2; return 1; }
    LAB_CELL_IF=wwan0
  else
    ip link add wwan0 netns "$LAB-pi" type veth peer name cell-pi netns "$LAB-cell"
    ip -n "$LAB-pi" addr add "$LAB_CELL_NET.2/24" dev wwan0
    ip -n "$LAB-cell" addr add "$LAB_CELL_NET.1/24" dev cell-pi
    ip -n "$LAB-pi" link set wwan0 up
    ip -n "$LAB-cell" link set cell-pi up
    LAB_CELL_IF=wwan0
  fi
  # The carrier forwards only its subscriber's own source address (BCP 38).
  lab_ns cell nft -f - <<NFT
table inet carrier {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "cell-pi" ip saddr != ${LAB_CELL_NET}.0/24 counter drop
  }
}
NFT
  if [ "$LAB_CELL_NAT" = 1 ]; then
    lab_ns cell nft -f - <<'NFT'
table ip cgnat {
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "cell-up" masquerade
  }
}
NFT
  fi

  # The internet host: answers every GET with the address the request came from.
  ip netns exec "$LAB-inet" "$LAB_PY" -c '
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("from %s\n" % self.client_address[0]).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
S(("198.51.100.1", 80), H).serve_forever()
' &
  LAB_PIDS+=($!)
  # ... and logs the source of every UDP datagram to :5000 in $LAB_DIR/udp.log.
  ip netns exec "$LAB-inet" "$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 5000))
with open(sys.argv[1], "a", buffering=1) as log:
    while True:
        data, peer = s.recvfrom(2048)
        log.write("%s %s\n" % (peer[0], data.decode(errors="replace").strip()))
' "$LAB_DIR/udp.log" &
  LAB_PIDS+=($!)
  lab_wait 5 lab_ns inet bash -c 'exec 3<>/dev/tcp/198.51.100.1/80' 2>/dev/null || return 1
  [ "$LAB_V6" = 1 ] && lab_up_v6
  return 0
}

lab_up_v6() {
  ip -n "$LAB-lan" addr add 2001:db8:10::2/64 dev lan0 nodad
  ip -n "$LAB-pi" addr add 2001:db8:10::1/64 dev pi-lan nodad
  ip -n "$LAB-lan" -6 route add default via 2001:db8:10::1
  ip -n "$LAB-isp" addr add 2001:db8:1::1/64 dev isp-pi nodad
  ip -n "$LAB-cell" addr add 2001:db8:64::1/64 dev cell-pi nodad
  ip -n "$LAB-isp" addr add 2001:db8:fe::1/64 dev isp-up nodad
  ip -n "$LAB-inet" addr add 2001:db8:fe::2/64 dev inet-isp nodad
  ip -n "$LAB-cell" addr add 2001:db8:fd::1/64 dev cell-up nodad
  ip -n "$LAB-inet" addr add 2001:db8:fd::2/64 dev inet-cell nodad
  ip -n "$LAB-inet" addr add 2001:db8:ff::1/128 dev lo
  ip -n "$LAB-isp" -6 route add default via 2001:db8:fe::2
  ip -n "$LAB-cell" -6 route add default via 2001:db8:fd::2
  lab_v6_lan_routes || [ "$LAB_CELL" = net ] || return 1
  ip -n "$LAB-inet" -6 route add 2001:db8:10::/64 via 2001:db8:fe::1
  # The carrier forwards its prefix and the one it routes to the Pi (BCP 38).
  lab_ns cell nft add rule inet carrier forward iifname cell-pi ip6 saddr != '{ 2001:db8:64::/64, 2001:db8:10::/64 }' \
    counter drop
  lab_ns inet nft -f - <<'NFT'
table inet v6seen {
  chain pre {
    type filter hook prerouting priority 0; policy accept;
    iifname "inet-isp" ip6 saddr 2001:db8:10::/64 udp dport 5000 counter comment "wired"
    iifname "inet-cell" ip6 saddr 2001:db8:10::/64 udp dport 5000 counter comment "cellular"
  }
  chain in {
    type filter hook input priority 0; policy accept;
    ip6 daddr 2001:db8:ff::1 udp dport 5000 drop comment "counted above; no port unreachable back"
  }
}
NFT
  lab_ra isp isp-pi 2001:db8:1::
  lab_ra cell cell-pi 2001:db8:64::
}

# lab_ra NS IF PREFIX: a router advertisement every second from IF's
# link-local address (router lifetime 1800 s, PREFIX/64 for SLAAC), as a
# router sends them.
lab_ra() {
  ip netns exec "$LAB-$1" "$LAB_PY" - "$2" "$3" <<'PY' &
import socket, struct, sys, time
index = socket.if_nametoindex(sys.argv[1])
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
# Unbound: the kernel sends from the interface's own link-local address,
# which comes back the same when the link is set down and up (a cut).
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)  # the kernel fills in the checksum
prefix = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 3600, 1800, 0) + socket.inet_pton(socket.AF_INET6, sys.argv[2])
while True:
    try:
        s.sendto(ra + prefix, ("ff02::1", 0, 0, index))
    except OSError:
        pass  # the link is cut: the next one goes out once it is back
    time.sleep(1)
PY
  LAB_PIDS+=($!)
}

# The ISP and the carrier route the LAN's prefix to the Pi's link-local
# address on their link (again after a cut: a link set down loses its routes).
# Fails while an uplink's interface has no link-local address yet (LAB_CELL=net
# before failberryd brought wwan0 up), after setting the other's route.
lab_v6_lan_routes() {
  local ll rc=0
  ll=$(ip -n "$LAB-pi" -6 addr show dev eth-wired scope link | sed -n 's/.*inet6 \(fe80::[^/]*\).*/\1/p' | head -1)
  if [ -n "$ll" ]; then ip -n "$LAB-isp" -6 route replace 2001:db8:10::/64 via "$ll" dev isp-pi || rc=1; else rc=1; fi
  ll=$(ip -n "$LAB-pi" -6 addr show dev "$LAB_CELL_IF" scope link | sed -n 's/.*inet6 \(fe80::[^/]*\).*/\1/p' | head -1)
  if [ -n "$ll" ]; then ip -n "$LAB-cell" -6 route replace 2001:db8:10::/64 via "$ll" dev cell-pi || rc=1; else rc=1; fi
  return $rc
}

# lab_v6_seen WAY: the LAN's IPv6 datagrams inet has seen arrive by WAY (wired|cellular).
lab_v6_seen() {
  lab_ns inet nft list table inet v6seen | sed -n "s/.*counter packets \([0-9]*\).*comment \"$1\".*/\1/p"
}

# lab_v6_seen_above WAY N: more than N seen arrive by WAY (for lab_wait).
lab_v6_seen_above() { [ "$(lab_v6_seen "$1")" -gt "$2" ]; }

# An IPv6 UDP flow from the LAN host, a datagram every 100 ms until lab_down.
lab_udp_flow6() {
  ip netns exec "$LAB-lan" bash -c 'exec 3<>/dev/udp/2001:db8:ff::1/5000; i=0; while :; do echo $((i++)) >&3; sleep 0.1; done' &
  LAB_PIDS+=($!)
}

# A UDP flow from the LAN host: one socket (one source port, so one conntrack
# entry), a numbered datagram every 100 ms until lab_down.
lab_udp_flow() {
  ip netns exec "$LAB-lan" bash -c 'exec 3<>/dev/udp/198.51.100.1/5000; i=0; while :; do echo $((i++)) >&3; sleep 0.1; done' &
  LAB_PIDS+=($!)
}

lab_down() {
  local p n
  [ -n "$FB_PID" ] && kill "$FB_PID" 2>/dev/null && wait "$FB_PID" 2>/dev/null
  FB_PID=""
  for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${LAB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  LAB_PIDS=()
  for n in lan pi isp cell inet; do ip netns del "$LAB-$n" 2>/dev/null; done
  return 0
}

# lab_wait SECONDS COMMAND...: retries COMMAND every 50 ms until it succeeds.
lab_wait() {
  local until=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $until ] && return 1
    sleep 0.05
  done
}

# Writes the daemon's config to $LAB_DIR/failberry.ini. Variables:
#   MODE (router), DRY (dry_run, false), HOLD (failback_hold, 3s), FLUSH (flush_conntrack, true), WIRED_PROBES / CELL_PROBES (probe
#   keys for each uplink, e.g. "probe_targets = 198.51.100.1"), METERED (the cellular uplink's, true),
#   NAT_EXTRA (lines in [nat]), WIRED_EXTRA / CELL_EXTRA (more lines for each uplink), EXTRA (appended).
lab_config() {
  local cell_section modem_section="apn = internet"
  if [ "$LAB_CELL" = tun ]; then
    cell_section="interface = ppp0
kind = ppp"
  elif [ "$LAB_CELL" = zte ]; then
    cell_section="interface = wwan0
kind = cellular"
    modem_section="device = api
data = hilink
router_api = zte
${ZTE_MODEM_EXTRA:-}"
  elif [ "$LAB_CELL" = net ]; then
    cell_section="interface = wwan0
kind = cellular"
    modem_section="device = $LAB_MODEM_TTY
profile = huawei
apn = internet
data = net"
  else
    cell_section="interface = wwan0
gateway = $LAB_CELL_NET.1"
  fi
  cat >"$LAB_DIR/failberry.ini" <<INI
[general]
mode = ${MODE:-router}
dry_run = ${DRY:-false}
log_level = ${LOG_LEVEL:-info}
state_dir = $LAB_DIR/state
control_socket = $LAB_DIR/control.sock
lldp_socket = ${LLDP_SOCKET:-$LAB_DIR/no-lldpd.sock}

[modem]
$modem_section

[uplink.wired]
interface = eth-wired
gateway = 192.168.1.1
priority = 10
${WIRED_PROBES:-}
${WIRED_EXTRA:-}

[uplink.cellular]
$cell_section
priority = 20
metered = ${METERED:-true}
${CELL_PROBES:-}
${CELL_EXTRA:-}

[failover]
failback_hold = ${HOLD:-3s}
flush_conntrack = ${FLUSH:-true}

[nat]
lan_interface = pi-lan
${NAT_EXTRA:-}

[health]
listen = 0.0.0.0
status_allow = 0.0.0.0/0
${EXTRA:-}
INI
}

# Starts failberryd (real, not dry-run) in the Pi namespace; its log goes to
# $LAB_DIR/failberryd.log. FB_DAEMON: the binary.
lab_start() {
  # ip netns exec execs the daemon: $! is failberryd itself.
  ip netns exec "$LAB-pi" "$FB_DAEMON" --config "$LAB_DIR/failberry.ini" >>"$LAB_DIR/failberryd.log" 2>&1 &
  FB_PID=$!
  lab_wait 10 lab_started_or_gone
  grep -q "tracking .* uplink" "$LAB_DIR/failberryd.log" && kill -0 "$FB_PID" 2>/dev/null
}
lab_started_or_gone() {
  grep -q "tracking .* uplink" "$LAB_DIR/failberryd.log" || ! kill -0 "$FB_PID" 2>/dev/null
}

lab_stop() {
  [ -n "$FB_PID" ] || return 0
  kill "$FB_PID" 2>/dev/null
  wait "$FB_PID" 2>/dev/null
  FB_PID=""
}

# The device of the Pi's main default route ("" when there is none).
lab_default_dev() {
  ip -n "$LAB-pi" -4 route show default | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1
}
lab_default_is() { [ "$(lab_default_dev)" = "$1" ]; }

# GET http://198.51.100.1/ from the LAN host: prints "from ADDRESS" (the
# address the internet saw: 192.168.1.2 wired, 10.64.0.2 cellular).
lab_lan_get() {
  lab_ns lan timeout "${1:-2}" bash -c 'exec 3<>/dev/tcp/198.51.100.1/80 && printf "GET / HTTP/1.0\r\n\r\n" >&3 &&
    sed -n "s/^\(from .*\)\r\{0,1\}$/\1/p" <&3' 2>/dev/null
}

# GET a path of the Pi's health endpoint from namespace $1 at address $2.
lab_health() {
  lab_ns "$1" timeout 3 bash -c 'exec 3<>/dev/tcp/$0/9000 && printf "GET %s HTTP/1.0\r\n\r\n" "$1" >&3 && cat <&3' \
    "$2" "$3" 2>/dev/null | tr -d '\r'
}

lab_ctl() { "$FB_CTL" --socket "$LAB_DIR/control.sock" "$@"; }

# LAB_CELL=net: one control command to the simulated stick (e.g. netdrop: the
# network ends the session, ^NDISSTAT: 0); prints its one-line reply, fails
# unless it starts with "ok".
lab_modem() {
  "$LAB_PY" - "$LAB_DIR/modem.ctl" "$*" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
reply = b""
while not reply.endswith(b"\n"):
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.decode().strip())
sys.exit(0 if reply.startswith(b"ok") else 1)
PY
}

# LAB_CELL=zte: a GET of the fake stick's control path (e.g. /_control/state,
# /_control/data?on=0) from inside the stick; prints its JSON answer.
lab_zte() {
  lab_ns cell "$LAB_PY" -c 'import sys, urllib.request
print(urllib.request.urlopen("http://192.168.0.1" + sys.argv[1], timeout=5).read().decode())' "$1"
}
