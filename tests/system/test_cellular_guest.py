#!/usr/bin/env python3
"""System test: failberryd brings the cellular link up and recovers it, end to end.

usage: test_cellular_guest.py ARCH FAILBERRYD FAILBERRYCTL PPPD|auto [SCENARIO ...]
       (ARCH: x86_64|arm64; SCENARIO: cold, isp_hangup, pppd_exits, firmware_hang (PPP),
       net, net_drop, net_hang (the stick's network interface); default all, in one boot)

The QEMU guest (tests/system/guest/fbguest.py) has an xHCI controller, a hub with port
power switching and an FTDI usb-serial "modem" behind it; the host end of that serial
port is relayed to modemsim.py (a generic LTE stick). modemsim --data-listen relays the
bytes of a data call to a second serial port of the guest (pci-serial) where the "ISP"
pppd runs in its own network namespace. So failberryd (in the guest, for real: a dry
run starts no pppd and cuts no USB power; its routes and nftables table are the guest's)
finds the stick by its USB path, registers, dials, hands the CONNECTed line to real
pppd, and the kernel's ppp_generic/ppp_async carry the link to the ISP's pppd.

The guest script drives the timeline and prints markers; the host reacts to them
(modemsim control commands) and checks the daemon's log (lines "D ...") and its
status (`failberryctl status --json`, lines "J {...}", the same data as /status):
  cold          ppp0 up with the ISP's addresses and DNS, ping to the ISP passes;
  isp_hangup    the network ends the call (NO CARRIER, data stops): pppd exits, the
                ladder redials, ppp0 returns and carries traffic;
  pppd_exits    pppd SIGKILLed (KILLED), the ISP's pppd terminating the link (exit 16:
                MODEM_HANGUP) and the line going silent (LCP echoes unanswered): each
                reason and the redial rung in the log and in status, ppp0 returns;
  firmware_hang the stick's firmware hangs (AT silent): redial and reset fail, the
                ladder power-cycles the hub port (the device vanishes from the guest's
                sysfs), the host resets the simulator when QEMU shows the device gone
                (as a real stick loses power), the link is redialed.
Then, in the same boot, the net data path ([modem] data = net): the guest also has a QEMU
usb-net device behind the same hub (port .2, bound by cdc_ether: the stick's network
interface) whose backend is QEMU's user-mode network (slirp: the carrier, gateway 10.0.2.2,
its DHCP lease 10.0.2.15), and a wired uplink (virtio-net on a second, restricted slirp
network, gateway 10.0.3.2). failberryd is stopped, the host swaps the simulator for a
Huawei stick in NCM mode (its ^DHCP? tells slirp's lease) and raises the interface's
carrier (the guest waits for it), and failberryd starts again with both uplinks:
  net           the session connected over AT (^NDISDUP), 10.0.2.15 on the stick's
                interface, the wired link cut (QEMU set_link): the default route moves to
                the stick's interface; ping and a TCP transfer to the carrier's host (a
                sink on the host's loopback, reached at 10.0.2.2) pass over it; the wired
                link comes back (the failback is held);
  net_drop      the network ends the session (^NDISSTAT: 0 URC): the default route moves to
                the wired uplink at once, within the carrier-loss budget (before the stick's
                probes could have noticed: probe_interval x down_count), the ladder redials
                and the session returns;
  net_hang      the firmware hangs: the poll times out, redial and reset fail, the hub port
                is power-cycled, the session returns.
QEMU's usb-serial and usb-net are separate USB devices, so the uplink names the interface
and the power cycle cuts only the AT port's hub port (a real stick loses both).
Timing lines "T <event> <guest uptime>" and "TPUT <ppp|net> <bytes> <start> <end>"
(guest uptimes; with FBCELL_BENCH=1 also over ppp0 to a sink in the ISP's namespace,
FBCELL_BENCH_KB KiB each, default 256, and the net path without the wired uplink, so
each session carries the default route at once) feed tests/bench/cellular_bench.py.
Exit 0 all passed, 1 a failure, 77 skipped.
"""
import json, os, re, shutil, socket, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "guest"))
import fbguest  # noqa: E402
import systest  # noqa: E402

MODULES = ["xhci_pci", "usbserial", "ftdi_sio", "ppp_generic", "ppp_async", "8250_pci",
           # failberryd's nftables table and conntrack flush (not a dry run)
           "nf_tables", "nft_ct", "nft_chain_nat", "nft_masq", "nf_conntrack_netlink",
           # the stick's network interface (usb-net) and the wired uplink (virtio-net)
           "cdc_ether", "virtio_pci", "virtio_net"]
PPP_SCENARIOS = ["cold", "isp_hangup", "pppd_exits", "firmware_hang"]
NET_SCENARIOS = ["net", "net_drop", "net_hang"]
SCENARIOS = PPP_SCENARIOS + NET_SCENARIOS
ISP, OURS, DNS = "10.64.0.1", "10.64.0.2", "10.64.0.53"
# The carrier (slirp behind usb-net): its gateway is the host, its DHCP lease the one
# address it gives; the Huawei stick's ^DHCP? tells the same. The wired uplink's slirp.
CARRIER_GW, STICK_IP, WIRED_GW, WIRED_IP = "10.0.2.2", "10.0.2.15", "10.0.3.2", "10.0.3.15"
# The stick's probes: a carrier loss must move the default before they could notice.
NET_PROBE_INTERVAL, NET_DOWN_COUNT = 5, 3
# The net path's uplinks: the wired one first, the stick's interface as the backup;
# the failback to the wired link is held, so the stick still carries the default when
# its session drops (net_drop). FBCELL_BENCH: no wired uplink.
NET_WIRED_INI = """[uplink.wired]
interface = $WAN
gateway = @WIRED_GW@
priority = 10
probe_targets = @WIRED_GW@
probe_interval = 1s
probe_timeout = 500ms
up_count = 1
down_count = 2
"""

# [ppp] and [recovery]: the guest's real pppd, a short ladder.
MORE_INI = """[ppp]
pppd = /usr/local/bin/pppd
lcp_echo_interval = 1s
lcp_echo_failure = 3
connect_timeout = 40s
[recovery]
redial_attempts = @REDIALS@
reset_attempts = 1
power_cycle_attempts = 2
backoff_initial = 500ms
backoff_max = 2s
stable_after = 4s
"""
# FBCELL_BENCH: a sink for the throughput over ppp0, in the ISP's namespace (one per call).
ISP_SINK = "(sleep 100000 | nc -l -p 5001 >/dev/null &); "
NET_INI = r"""cat > /t/f.ini <<EOF
[general]
mode = router
dry_run = false
log_level = debug
control_socket = /run/failberry/control.sock
state_dir = /var/lib/failberry
[modem]
apn = internet
device = $DEV
profile = huawei
data = net
command_timeout = 2s
@WIRED@[uplink.lte]
interface = $STICK
kind = cellular
priority = 20
probe_targets = @CARRIER_GW@
probe_interval = @NET_PROBE_INTERVAL@s
probe_timeout = 1s
up_count = 1
down_count = @NET_DOWN_COUNT@
[failover]
failback_hold = 1h
[nat]
lan_interface = lo
[health]
enabled = false
""" + MORE_INI + """EOF
"""
SCRIPT = r"""
for m in @MODULES@; do modprobe "$m" 2>/dev/null; done
mkdir -p /var/run /etc/ppp /run/failberry /var/lib/failberry
up() { date +%s; cut -d' ' -f1 /proc/uptime; }
mark() { echo "T $1 $(cut -d' ' -f1 /proc/uptime)"; }
""" + systest.SH_UPTO + systest.SH_FIND_HUB + r"""upto 30 find_hub || { echo "NO HUB"; exit 1; }
DEV=$HUB.1
upto 30 ls -d /sys/bus/usb/devices/$DEV:1.0/ttyUSB0 >/dev/null 2>&1 || { echo "NO TTY at $DEV"; exit 1; }
ISPTTY=
for t in /sys/class/tty/ttyS*; do
  readlink -f $t/device 2>/dev/null | grep -q pci && ISPTTY=/dev/${t##*/}
done
[ -n "$ISPTTY" ] || { echo "NO ISP TTY"; ls -l /sys/class/tty/; exit 1; }
echo "MODEM AT $DEV ISP ON $ISPTTY"
stty -F $ISPTTY raw -echo 115200
status() { echo "J $(failberryctl --socket /run/failberry/control.sock status --json 2>&1 | tr -d '\n')"; }
# tput PATH HOST PORT KB: KB KiB of zeros to a sink at HOST:PORT ("TPUT PATH BYTES T0 T1 REPLY")
tput() {
  t0=$(cut -d' ' -f1 /proc/uptime)
  r=$(dd if=/dev/zero bs=1024 count=$4 2>/dev/null | nc $2 $3 2>&1 | tr -d '\n')
  echo "TPUT $1 $(($4 * 1024)) $t0 $(cut -d' ' -f1 /proc/uptime) $r"
}
# Each fault must meet a fresh ladder: wait until the daemon reports every rung's
# budget full again (it refills them after [recovery] stable_after online).
ladder_fresh() {
  failberryctl --socket /run/failberry/control.sock status --json 2>/dev/null | tr -d ' \n' |
    grep -o '"budget_used":{[^}]*}' | grep -qv ':[1-9]'
}
settle() { upto 30 ladder_fresh || { echo "LADDER NOT REFILLED"; status; return 1; }; }
# usb_cycle: the stick's hub port loses power and comes back (sysfs)
usb_cycle() {
  upto 240 sh -c "! ls -d /sys/bus/usb/devices/$DEV >/dev/null 2>&1" && { mark usb_gone; echo "USB GONE $DEV"; }
  upto 60 ls -d /sys/bus/usb/devices/$DEV >/dev/null 2>&1 && { mark usb_back; echo "USB BACK $DEV"; }
}
if [ -n "@PPP_SCENARIOS@" ]; then
# The ISP: pppd in its own namespace, passive until the call arrives, again after each call.
( while :; do
    unshare -n sh -c "ip link set lo up; @ISP_SINK@exec pppd $ISPTTY nodetach local nolock passive noauth \
      @ISP@:@OURS@ ms-dns @DNS@ lcp-echo-interval 1 lcp-echo-failure 3 linkname isp" >/tmp/isp.log 2>&1
    echo "ISP pppd exited $?"; sleep 0.3
  done ) &
""" + systest.failberry_ini(dry_run=False, profile="generic", more=MORE_INI) + r"""failberryd --config /t/f.ini 2>&1 | sed 's/^/D /' &
ppp_up() { ip -4 addr show dev ppp0 2>/dev/null | grep -q "inet @OURS@ peer @ISP@"; }
ppp_gone() { ! ip link show dev ppp0 >/dev/null 2>&1; }
our_pppd() {
  for p in $(pidof pppd); do
    pp=$(sed -n 's/^PPid:\s*//p' /proc/$p/status)
    [ "$(cat /proc/$pp/comm 2>/dev/null)" = failberryd ] && echo $p
  done
}
online() {  # wait for ppp0 and failberryd's own view of it, then prove traffic
  upto 180 ppp_up || { echo "PPP0 NOT UP"; ip addr; return 1; }
  mark ppp_up
  upto 30 sh -c 'failberryctl --socket /run/failberry/control.sock status --json | grep -q "\"state\": \"online\""' \
    || echo "DAEMON NOT ONLINE"
  ip -4 addr show dev ppp0 | sed 's/^/A /'
  ping -c 3 -W 5 @ISP@ >/tmp/ping.log 2>&1 && echo "PING OK $(grep -c 'bytes from' /tmp/ping.log)" || { echo "PING FAILED"; cat /tmp/ping.log; }
  [ @BENCH_KB@ -gt 0 ] && tput ppp @ISP@ 5001 @BENCH_KB@
  status
  echo "RSS $(sed -n 's/^VmRSS:\s*//p' /proc/$(pidof failberryd)/status)"
}
down_then_online() {  # $1: what happened; wait for the link to drop, then for it to return
  upto 60 ppp_gone || { echo "PPP0 DID NOT GO DOWN after $1"; return 1; }
  mark ppp_down
  status
  online
}
online || exit 1
for s in @PPP_SCENARIOS@; do
  settle || exit 1
  case $s in
  cold) echo "PHASE cold done" ;;
  isp_hangup)
    mark fault; echo "PHASE isp_hangup"  # the host tells the simulator to hang up
    down_then_online isp_hangup || exit 1 ;;
  pppd_exits)
    echo "PHASE sigkill"; mark fault; kill -9 $(our_pppd)
    down_then_online sigkill || exit 1
    settle || exit 1; echo "PHASE isp_terminate"; mark fault
    for p in $(pidof pppd); do [ "$p" = "$(our_pppd)" ] || kill -TERM $p; done
    down_then_online isp_terminate || exit 1
    settle || exit 1; mark fault; echo "PHASE silent"  # the host makes the line silent, then talks again
    down_then_online silent || exit 1 ;;
  firmware_hang)
    mark fault; echo "PHASE hang"  # the host hangs the firmware; power loss resets it
    usb_cycle
    down_then_online firmware_hang || exit 1 ;;
  esac
done
status
fi
if [ -n "@NET_SCENARIOS@" ]; then
# The stick's network interface (usb-net at hub port .2) and the wired uplink (virtio-net).
upto 30 ls /sys/bus/usb/devices/$HUB.2:1.0/net >/dev/null 2>&1 && STICK=$(ls /sys/bus/usb/devices/$HUB.2:1.0/net)
WAN=
for n in /sys/class/net/*; do
  case "$(readlink $n/device/driver)" in */virtio_net) WAN=${n##*/} ;; esac
done
echo "NET STICK $STICK ($(basename "$(readlink /sys/class/net/$STICK/device/driver)")) WIRED $WAN"
[ -n "$STICK" ] && [ -n "$WAN" ] || { echo "NO NET INTERFACES"; ls -l /sys/class/net; exit 1; }
ip addr add @WIRED_IP@/24 dev $WAN && ip link set $WAN up
if pidof failberryd >/dev/null; then
  kill -TERM $(pidof failberryd)
  upto 60 sh -c '! pidof failberryd >/dev/null' || { echo "FAILBERRYD DID NOT STOP"; exit 1; }
fi
echo "PHASE net_swap"  # the host puts the Huawei stick in and raises its interface's carrier
ip link set $STICK up
upto 60 grep -qx 1 /sys/class/net/$STICK/carrier || { echo "NO CARRIER ON $STICK"; exit 1; }
ip link set $STICK down  # bringing the stick's interface up is failberryd's job
""" + NET_INI + r"""failberryd --config /t/f.ini 2>&1 | tee /tmp/fb.log | sed 's/^/D /' &
logcount() { [ "$(grep -c "$1" /tmp/fb.log)" -ge "$2" ]; }
stick_up() { ip -4 addr show dev $STICK 2>/dev/null | grep -q "inet @STICK_IP@/"; }
# the kernel's choice for an address no link has (TEST-NET-1): the main default in force
default_on() { ip -4 route get 192.0.2.1 2>/dev/null | grep -q "dev $1 "; }
route() { ip -4 route get 192.0.2.1 2>&1 | head -1; }
sessions() { grep -c "data session up on" /tmp/fb.log; }
net_online() {  # $1, $2: sessions and stick uplink ups seen before; wait for one more of each
  upto 300 logcount "data session up on" $(($1 + 1)) || { echo "NO SESSION"; return 1; }
  upto 60 stick_up || { echo "NO ADDRESS ON $STICK"; ip addr; return 1; }
  mark net_up
  ip -4 addr show dev $STICK | sed 's/^/A /'
  upto 60 logcount 'uplink\[lte\].*--> up' $(($2 + 1)) || { echo "LTE UPLINK NOT UP"; return 1; }
}
net_traffic() {  # to the carrier's host only: ping its gateway, a TCP transfer to the test's sink
  echo "VIA $(ip -4 route get @CARRIER_GW@ | head -1)"
  ping -c 3 -W 5 @CARRIER_GW@ >/tmp/ping.log 2>&1 && echo "PING OK $(grep -c 'bytes from' /tmp/ping.log)" || { echo "PING FAILED"; cat /tmp/ping.log; }
  tput net @CARRIER_GW@ @SINK_PORT@ @NET_KB@
  status
  echo "RSS $(sed -n 's/^VmRSS:\s*//p' /proc/$(pidof failberryd)/status)"
}
lte_ups() { grep -c 'uplink\[lte\].*--> up' /tmp/fb.log; }
for s in @NET_SCENARIOS@; do
  [ $s = net ] || settle || exit 1
  s0=$(sessions); u0=$(lte_ups)  # (upto uses $n)
  case $s in
  net)
    net_online $s0 $u0 || exit 1
    if [ -n "@HAVE_WIRED@" ]; then
      upto 60 default_on $WAN || { echo "DEFAULT NOT ON WIRED"; ip route; exit 1; }
      echo "R0 $(route)"
      mark cut; echo "PHASE net_cut"  # the host pulls the wired link's cable
    fi
    upto 60 default_on $STICK || { echo "DEFAULT NOT ON $STICK"; ip route; exit 1; }
    mark default_on_stick
    echo "R1 $(route)"
    net_traffic
    if [ -n "@HAVE_WIRED@" ]; then
      w=$(grep -c 'uplink\[wired\].*--> up' /tmp/fb.log)
      echo "PHASE net_wired_back"  # the host plugs it in again
      upto 60 logcount 'uplink\[wired\].*--> up' $((w + 1)) || { echo "WIRED NOT BACK"; exit 1; }
      echo "R2 $(route)"
    fi ;;
  net_drop)
    mark fault; echo "PHASE net_drop"  # the host: the network ends the session (^NDISSTAT: 0)
    if [ -n "@HAVE_WIRED@" ]; then
      upto 60 default_on $WAN || { echo "DEFAULT NOT BACK ON WIRED"; ip route; exit 1; }
      mark default_on_wired
      echo "R3 $(route)"
    fi
    net_online $s0 $u0 || exit 1
    net_traffic ;;
  net_hang)
    mark fault; echo "PHASE net_hang"  # the host hangs the firmware; power loss resets it
    usb_cycle
    net_online $s0 $u0 || exit 1
    net_traffic ;;
  esac
done
fi
status
echo "SCRIPT DONE"
"""


class Relay:
    """Bytes both ways between the guest's usb-serial socket and modemsim. When the
    simulator drops its side (power cycle), connect to it again: the USB device stays."""

    def __init__(self, guest_sock, sim_path):
        self.a, self.path, self.b, self.stop = guest_sock, sim_path, None, False
        self.lock = threading.Lock()
        self._connect()
        threading.Thread(target=self._guest_to_sim, daemon=True).start()
        threading.Thread(target=self._sim_to_guest, daemon=True).start()

    def _connect(self):
        for _ in range(200):
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(self.path)
                self.b = s
                return
            except OSError:
                s.close()
                time.sleep(0.05)
        raise RuntimeError("cannot connect to modemsim")

    def _guest_to_sim(self):
        try:
            while True:
                data = self.a.recv(4096)
                if not data:
                    return
                try:
                    self.b.sendall(data)
                except OSError:
                    pass  # the stick is rebooting: bytes are lost, as on a real line
        except OSError:
            return

    def _sim_to_guest(self):
        while not self.stop:
            try:
                data = self.b.recv(4096)
            except OSError:
                data = b""
            if not data:
                if self.stop:
                    return
                self.b.close()
                self._connect()  # modemsim listens again after its power cycle
                continue
            try:
                self.a.sendall(data)
            except OSError:
                return

    def close(self):
        self.stop = True
        if self.b:
            self.b.close()


def power_watch(g, sims, stop, events, trace):
    """Model of the hardware (the current stick: sims[-1]): when the hub's port loses power (ClearPortFeature
    PORT_POWER in QEMU's usb-hub trace), the stick's firmware restarts (modemsim
    powercycle); when the
    guest drops DTR (FTDI SET_MODEM_CTRL in QEMU's usb-serial trace: the tty's last
    close with HUPCL, or pppd's hangup), the stick ends a data call (AT&D2)."""
    pos = 0
    while not stop.is_set():
        try:
            with open(trace) as f:
                f.seek(pos)
                text = f.read()
                pos = f.tell()
        except OSError:
            text = ""
        for req, value in re.findall(r"got control 0x([0-9a-f]+), value 0x([0-9a-f]+)", text):
            if int(req, 16) == 0x4001 and int(value, 16) & 0x100 and not int(value, 16) & 0x1:
                r = sims[-1].control("dtr 0")
                if "call ended" in r:
                    events.append(("dtr_hangup", time.monotonic()))
        for m in re.finditer(r"usb_hub_clear_port_feature.*feature (\S+)", text):
            if "power" in m.group(1).lower():
                events.append(("power_off", time.monotonic()))
                events.append(("powercycle", sims[-1].control("powercycle")))
        stop.wait(0.1)


class Sink:
    """The carrier's host end of the test traffic: a TCP listener on the host's loopback
    (the guest reaches it at slirp's gateway). Reads each connection to its end, then
    answers "GOT <bytes>"; got: the byte counts."""

    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(4)
        self.port, self.got = self.s.getsockname()[1], []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c):
        n = 0
        with c:
            c.settimeout(300)
            try:
                while True:
                    data = c.recv(65536)
                    if not data:
                        break
                    n += len(data)
                self.got.append(n)
                c.sendall(f"GOT {n}\n".encode())
            except OSError:
                pass

    def close(self):
        self.s.close()


def seen(g, start, pattern):
    """The first console line since line index `start` matching `pattern` (a match), or None:
    for log lines whose order against the guest's own lines is not fixed."""
    for line in g.lines[start:]:
        m = re.search(pattern, line or "")
        if m:
            return m
    return None


def net_phase(g, check, tag, scenarios, sims, relay, sink, events, tmp, wired):
    """The host's side of the net data path scenarios (see the module's docstring)."""
    m = g.expect(r"^NET STICK (\S+) \((\S*)\) WIRED (\S+)", 900)
    stick, driver, wan = m.groups()
    check(driver in ("cdc_ether", "rndis_host"), "net: the stick's interface is a USB network interface",
          m.group(0))
    g.expect(r"^PHASE net_swap", 120)
    os.makedirs(os.path.join(tmp, "huawei"))
    new = systest.ModemSim(os.path.join(tmp, "huawei"), "huawei")
    r = new.control(f"set lte=1 cdrom=off net_ip={STICK_IP}/24,{CARRIER_GW}")
    check(r.startswith("ok"), "net: a Huawei stick in NCM mode replaces the PPP stick", r)
    relay.path = new.sock
    sims.append(new)
    sims[0].close()  # the relay reconnects to the new stick
    g.monitor("set_link carrier on")
    m = g.expect(r"D .*tracking (\d) uplink\(s\)(.*)", 120)
    check(m.group(1) == ("2" if wired else "1") and "dry-run" not in m.group(2),
          "net: failberryd restarted with the stick's interface as an uplink", m.group(0).split("D ")[-1])
    m = g.expect(r"D .*starting the data session on (\S+): (\S+)", 300)
    check(m.group(1) == stick and m.group(2).startswith("AT^NDISDUP=1,1"), "net: the session started over AT",
          m.group(0).split("D ")[-1])
    m = g.expect(r"D .*data session up on (\S+): (\S+) via (\S+)", 120)
    check(m.groups() == (stick, f"{STICK_IP}/24", CARRIER_GW),
          "net: connected; the address and gateway from ^DHCP? (the carrier's DHCP lease)",
          m.group(0).split("D ")[-1])
    m = g.expect(r"^A +inet (\S+)", 120)
    check(m.group(1) == f"{STICK_IP}/24", f"net: the address is on {stick}", m.group(0).strip())

    def traffic(what):
        m = g.expect(r"^VIA (.*)", 120)
        check(f"dev {stick} " in m.group(1) + " ", f"{what}: the carrier's host is reached over {stick}", m.group(1))
        m = g.expect(r"^PING (OK|FAILED)", 60)
        check(m.group(1) == "OK", f"{what}: ping to the carrier's gateway", m.group(0))
        m = g.expect(r"^TPUT net (\d+) (\S+) (\S+) ?(.*)", 600)
        check(m.group(4) == f"GOT {m.group(1)}" and int(m.group(1)) in sink.got,
              f"{what}: a TCP transfer to the carrier's host arrives whole", f"{m.group(1)} bytes sent, {m.group(4)}")
        j = next_status(g)
        check(j.get("modem", {}).get("state") == "online", f"{what}: status online",
              json.dumps(j.get("modem", {}))[:300])
        m = g.expect(r"^RSS (\d+) kB", 30)
        print(f"INFO: {tag} failberryd VmRSS online (net): {m.group(1)} kB")

    budget = NET_PROBE_INTERVAL * NET_DOWN_COUNT * 1000
    for s in scenarios:
        if s == "net":
            if wired:
                m = g.expect(r"^R0 (.*)", 300)
                check(f"dev {wan} " in m.group(1) + " ", "net: the default route on the wired uplink while it is up",
                      m.group(1))
                g.expect(r"^PHASE net_cut", 60)
                start = len(g.lines)
                g.monitor("set_link wan off")
                m = g.expect_from(start, r"D .*default route now via lte \((.*)\), ([\d.]+) ms", 120)
                check(f"dev {stick} " in m.group(1) + " ", "net: the wired link cut, the default route moves to the stick",
                      m.group(0).split("D ")[-1])
            m = g.expect(r"^R1 (.*)", 120)
            check(f"dev {stick} " in m.group(1) + " ", f"net: the guest's default route is on {stick}", m.group(1))
            traffic("net")
            if wired:
                g.expect(r"^PHASE net_wired_back", 120)
                g.monitor("set_link wan on")
                m = g.expect(r"^R2 (.*)", 120)
                check(f"dev {stick} " in m.group(1) + " ", "net: the wired link back, the failback held",
                      m.group(1))
        elif s == "net_drop":
            g.expect(r"^PHASE net_drop", 120)
            start = len(g.lines)
            r = sims[-1].control("netdrop")
            check(r.startswith("ok"), "net_drop: the network ended the session (^NDISSTAT: 0)", r)
            if wired:
                m = g.expect_from(start, r"^R3 (.*)", 120)
                check(f"dev {wan} " in m.group(1) + " ", "net_drop: the guest's default route is on the wired uplink",
                      m.group(1))
            m = g.expect_from(start, r"D .*data session up on (\S+): (\S+)", 300)
            check(m.group(2) == f"{STICK_IP}/24", "net_drop: redialed, the session is back", m.group(0).split("D ")[-1])
            lost = seen(g, start, r"D .*data session on (\S+) lost: (.*)")
            check(lost and "NDISSTAT" in lost.group(2), "net_drop: failberryd read the URC",
                  lost.group(0).split("D ")[-1] if lost else "no 'lost' line")
            down = seen(g, start, r"D .*modem: online --link_down\((\w+)")
            check(down and down.group(1) == "NET_DISCONNECTED", "net_drop: the modem's link down, NET_DISCONNECTED",
                  down.group(0).split("modem: ", 1)[1][:160] if down else "no link_down")
            rung = seen(g, start, r"D .*recovery: (\w+) attempt (\d+)/(\d+) in \S+ \(after (\w+)")
            check(rung and rung.group(1) == "redial" and rung.group(4) == "NET_DISCONNECTED",
                  "net_drop: the ladder's rung is redial", rung.group(0).split("recovery: ", 1)[1] if rung else "")
            if wired:
                m = seen(g, start, r"D .*default route now via wired \((.*)\), ([\d.]+) ms after the event")
                ms = float(m.group(2)) if m else None
                check(m and ms < budget, f"net_drop: failover to the wired uplink within the carrier-loss budget "
                      f"(before the stick's probes: {budget} ms)", f"{ms} ms after the event" if m else "no switch")
                print(f"INFO: {tag} net_drop: session lost -> default via wired: {ms} ms")
            traffic("net_drop")
        elif s == "net_hang":
            g.expect(r"^PHASE net_hang", 120)
            start, cycles = len(g.lines), sum(e[0] == "power_off" for e in events)
            check(sims[-1].control("hang").startswith("ok"), "net_hang: the firmware hangs")
            m = g.expect(r"D .*modem: recovering --recover\(reset_modem\)", 300)
            check(True, "net_hang: the ladder reached the modem reset", m.group(0).split("D ")[-1])
            m = g.expect(r"D .*modem: recovering --recover\(power_cycle\)", 300)
            check(True, "net_hang: the ladder reached the USB power cycle", m.group(0).split("D ")[-1])
            m = g.expect(r"^USB GONE (\S+)", 300)
            check(True, "net_hang: the AT port vanished from the guest's sysfs", m.group(0))
            m = g.expect(r"D .*data session up on (\S+): (\S+)", 300)
            check(m.group(2) == f"{STICK_IP}/24", "net_hang: the session is back after the power cycle",
                  m.group(0).split("D ")[-1])
            check(sum(e[0] == "power_off" for e in events) > cycles,
                  "net_hang: QEMU's hub cut the port's power; the stick was reset")
            m = seen(g, start, r"USB power cycle done by (\S+)")
            check(m, "net_hang: failberryd reports the power cycle", m.group(0) if m else "")
            traffic("net_hang")


def next_status(g):
    """The next status the guest prints (failberryctl status --json), {} if unreadable."""
    m = g.expect(r"^J (.*)$", 60)
    try:
        return json.loads(m.group(1))
    except ValueError:
        return {"unreadable": m.group(1)[:200]}


def main():
    arch, daemon, ctl, pppd = systest.args(__doc__, 4, at_least=True)[:4]
    scenarios = sys.argv[5:] or SCENARIOS
    if any(s not in SCENARIOS for s in scenarios):
        print(f"scenarios: {' '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    tag = f"cellular[{arch}]"
    systest.require_root(tag)
    fbguest.exit_on_signals()
    if pppd == "auto":
        try:
            if arch == "x86_64":
                pppd = "/usr/sbin/pppd"
            else:
                import test_ppp_guest
                pppd = test_ppp_guest.arm64_pppd()
        except fbguest.GuestUnavailable as e:
            systest.skip(f"{tag}: {e}")
    systest.require_built(tag, daemon, ctl, pppd)
    echo = sys.stderr if os.environ.get("FBGUEST_VERBOSE") else None
    check = systest.Checks(tag)

    def link_down(g, reason_re, what):
        """The daemon's log names the reason; the ladder's first rung for it is a redial."""
        m = g.expect(r"D .*modem: online --link_down\((\w+)", 120)
        check(re.fullmatch(reason_re, m.group(1)), f"{what}: reason {m.group(1)} in the log",
              m.group(0).split("modem: ", 1)[1][:160])
        r = g.expect(r"D .*recovery: (\w+) attempt (\d+)/(\d+) in \S+ \(after (\w+)", 60)
        check(r.group(1) == "redial" and r.group(4) == m.group(1), f"{what}: the ladder's rung is redial",
              r.group(0).split("recovery: ", 1)[1][:160])
        return m.group(1)

    ppp_s = [s for s in scenarios if s in PPP_SCENARIOS]
    net_s = [s for s in scenarios if s in NET_SCENARIOS]
    bench_kb = int(os.environ.get("FBCELL_BENCH") and os.environ.get("FBCELL_BENCH_KB", "256") or 0)
    wired = not bench_kb  # the benchmark: each session carries the default at once

    with tempfile.TemporaryDirectory(prefix="fbcell-") as tmp:
        sims = [systest.ModemSim(tmp, "generic", data=True)]  # the current stick last
        sink = Sink()
        stop, events = threading.Event(), []
        trace = os.path.join(tmp, "qemu-usb-serial.log")
        try:
            hang = "firmware_hang" in scenarios or "net_hang" in scenarios
            script = (SCRIPT.replace("@MODULES@", " ".join(MODULES))
                      .replace("@PPP_SCENARIOS@", " ".join(ppp_s)).replace("@NET_SCENARIOS@", " ".join(net_s))
                      .replace("@WIRED@", NET_WIRED_INI if wired else "").replace("@HAVE_WIRED@", "1" if wired else "")
                      .replace("@ISP_SINK@", ISP_SINK if bench_kb else "")
                      .replace("@BENCH_KB@", str(bench_kb)).replace("@NET_KB@", str(bench_kb or 64))
                      .replace("@SINK_PORT@", str(sink.port)).replace("@CARRIER_GW@", CARRIER_GW)
                      .replace("@STICK_IP@", STICK_IP).replace("@WIRED_GW@", WIRED_GW).replace("@WIRED_IP@", WIRED_IP)
                      .replace("@NET_PROBE_INTERVAL@", str(NET_PROBE_INTERVAL))
                      .replace("@NET_DOWN_COUNT@", str(NET_DOWN_COUNT))
                      .replace("@ISP@", ISP).replace("@OURS@", OURS).replace("@DNS@", DNS)
                      .replace("@REDIALS@", "1" if hang else "3"))
            bins = [(daemon, "/usr/local/bin/failberryd"), (ctl, "/usr/local/bin/failberryctl"),
                    (pppd, "/usr/local/bin/pppd")]
            qemu = ["-trace", "usb_serial_handle_control", "-trace", "usb_hub_clear_port_feature", "-D", trace,
                    "-chardev", f"socket,id=isp,path={sims[0].net},reconnect=1", "-device", "pci-serial,chardev=isp"]
            if net_s:  # the stick's interface behind the hub (carrier: slirp), the wired uplink (no way out);
                # IPv4 only (the carrier gives the session no IPv6 here): slirp's router advertisements would leave
                # an IPv6 address on the interface after the session ends, and the uplink up with it
                qemu += ["-netdev", "user,id=carrier,net=10.0.2.0/24,ipv6=off", "-device",
                         "usb-net,bus=xhci.0,port=1.2,netdev=carrier", "-netdev",
                         "user,id=wan,net=10.0.3.0/24,restrict=on,ipv6=off", "-device", "virtio-net-pci,netdev=wan"]
            with fbguest.Guest(arch, script, bins=bins, modules=MODULES, echo=echo, timeout=900,
                               qemu_args=qemu) as g:
                if net_s:
                    g.monitor("set_link carrier off")  # no session, no carrier until the stick is in
                relay = Relay(g.serial, sims[0].sock)
                watcher = threading.Thread(target=power_watch, args=(g, sims, stop, events, trace), daemon=True)
                watcher.start()  # the stick's hardware: no power, no firmware
                m = g.expect(r"MODEM AT (\S+) ISP ON (\S+)", 120)
                port = m.group(1)
                if ppp_s:
                    m = g.expect(r"D .*tracking 1 uplink\(s\)(.*)", 120)
                    check("dry-run" not in m.group(1), "cold: failberryd runs for real (its nftables table in the guest)",
                          m.group(0).split("D ")[-1])
                    m = g.expect(r"D .*modem: absent --scanned\((.*)\)--> probing", 120)
                    check(port in m.group(1), "cold: modem found by its USB path", m.group(1))
                    m = g.expect(r"D .*modem: searching --polled\((home|roaming)\)--> dialing", 120)
                    check(True, "cold: registered", m.group(0).split("modem: ", 1)[1])
                    g.expect(r"D .*CONNECT.*handing the line to pppd", 120)
                    check(True, "cold: dialed, CONNECT handed to pppd")
                    m = g.expect(r"^A +inet (\S+) peer (\S+)", 240)
                    check(m.group(1) == OURS and m.group(2).split("/")[0] == ISP, "cold: ppp0 has the ISP's addresses",
                          m.group(0).strip())
                    m = g.expect(r"^PING (OK|FAILED)", 60)
                    check(m.group(1) == "OK", "cold: ping to the ISP through ppp0", m.group(0))
                    j = next_status(g)
                    ms = (j or {}).get("modem", {})
                    check(ms.get("state") == "online" and ms.get("ppp", {}).get("local") == OURS and
                          ms.get("ppp", {}).get("remote") == ISP and DNS in str(ms.get("ppp", {}).get("dns")) and
                          isinstance(ms.get("ppp", {}).get("up_seconds"), int) and ms["ppp"]["up_seconds"] >= 0,
                          "cold: status online with ppp0's addresses and DNS", json.dumps(ms.get("ppp")))
                    m = g.expect(r"^RSS (\d+) kB", 30)
                    print(f"INFO: {tag} failberryd VmRSS online: {m.group(1)} kB")

                    for s in ppp_s:
                        if s == "isp_hangup":
                            g.expect(r"^PHASE isp_hangup", 60)
                            r = sims[0].control("hangup")
                            check(r.startswith("ok"), "isp_hangup: the network hung up", r)
                            link_down(g, r"LCP_ECHO_TIMEOUT|MODEM_HANGUP|PEER_TERMINATED", "isp_hangup")
                            m = g.expect(r"^PING (OK|FAILED)", 240)
                            check(m.group(1) == "OK", "isp_hangup: ppp0 back, ping passes", m.group(0))
                            j = next_status(g)
                            check(j.get("modem", {}).get("state") == "online" and
                                  j.get("recovery", {}).get("failures", 0) >= 1,
                                  "isp_hangup: status online, failure counted",
                                  json.dumps(j.get("recovery", {}))[:300])
                        elif s == "pppd_exits":
                            for phase, reason, action in (("sigkill", "KILLED", None),
                                                          ("isp_terminate", "MODEM_HANGUP|PEER_TERMINATED", None),
                                                          ("silent", "LCP_ECHO_TIMEOUT|MODEM_HANGUP", "silent")):
                                g.expect(r"^PHASE " + phase, 120)
                                if phase == "isp_terminate":  # the network tears the bearer down too
                                    g.expect(r"LCP terminated by peer", 60)
                                    check(sims[0].control("hangup").startswith("ok"), f"{phase}: the network hung up")
                                if action == "silent":
                                    check(sims[0].control("set silent=1").startswith("ok"), f"{phase}: line silenced")
                                got = link_down(g, reason, phase)
                                if action == "silent":
                                    sims[0].control("set silent=0")
                                    sims[0].control("hangup")  # the carrier gives up on the dead call
                                m = g.expect(r"^PING (OK|FAILED)", 240)
                                check(m.group(1) == "OK", f"{phase}: redialed, ppp0 back, ping passes", m.group(0))
                                j = next_status(g)
                                rec = j.get("recovery", {})
                                check(rec.get("attempts", {}).get("redial", 0) >= 1 and rec.get("failures", 0) >= 1 and
                                      j.get("modem", {}).get("state") == "online",
                                      f"{phase}: status counts the failure ({got}) and the redial, back online",
                                      json.dumps(rec)[:300])
                        elif s == "firmware_hang":
                            g.expect(r"^PHASE hang", 60)
                            check(sims[0].control("hang").startswith("ok"), "firmware_hang: the firmware hangs")
                            m = g.expect(r"D .*modem: recovering --recover\(reset_modem\)", 300)
                            check(True, "firmware_hang: the ladder reached the modem reset", m.group(0).split("D ")[-1])
                            m = g.expect(r"D .*modem: recovering --recover\(power_cycle\)", 300)
                            check(True, "firmware_hang: the ladder reached the USB power cycle",
                                  m.group(0).split("D ")[-1])
                            m = g.expect(r"^USB GONE (\S+)", 300)
                            check(True, "firmware_hang: the device vanished from the guest's sysfs", m.group(0))
                            m = g.expect(r"^PING (OK|FAILED)", 300)
                            check(m.group(1) == "OK", "firmware_hang: redialed, ppp0 back, ping passes", m.group(0))
                            out = g.output
                            check(re.search(r"^USB BACK ", out, re.M), "firmware_hang: the device came back in sysfs")
                            check(any(e[0] == "power_off" for e in events),
                                  "firmware_hang: QEMU's hub cut the port's power; the stick was reset",
                                  str([e for e in events if e[0] == "powercycle"]))
                            m = re.search(r"USB power cycle done by (\S+)", out)
                            check(m, "firmware_hang: failberryd reports the power cycle", m.group(0) if m else "")
                            j = next_status(g)
                            check("ok by" in j.get("recovery", {}).get("last_power_cycle", ""),
                                  "firmware_hang: status reports the power cycle",
                                  j.get("recovery", {}).get("last_power_cycle", ""))
                if net_s:
                    net_phase(g, check, tag, net_s, sims, relay, sink, events, tmp, wired)
                g.expect(r"^SCRIPT DONE", 120)
                rc, check.output = g.wait()
                check(rc == 0, "guest script finished", f"rc={rc}")
                relay.close()
        except fbguest.GuestUnavailable as e:
            systest.skip(f"{tag}: {e}")
        except fbguest.GuestError as e:
            check.output = e.output
            check(False, "guest", str(e).splitlines()[0])
        finally:
            stop.set()
            sink.close()
            for sim in sims:
                sim.close()
            print(f"INFO: {tag} hardware model events: {events}")
            if os.environ.get("FBCELL_TRACE_COPY") and os.path.exists(trace):
                shutil.copyfile(trace, os.environ["FBCELL_TRACE_COPY"])
    return check.end(console=bool(os.environ.get("FBGUEST_VERBOSE")), need_one=True)


if __name__ == "__main__":
    sys.exit(main())
