#!/usr/bin/env python3
"""System test: failberryd brings the cellular link up and recovers it, end to end.

usage: test_cellular_guest.py ARCH FAILBERRYD FAILBERRYCTL PPPD|auto [SCENARIO ...]
       (ARCH: x86_64|arm64; SCENARIO: cold, isp_hangup, pppd_exits, firmware_hang; default all)

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
Timing lines "T <event> <guest uptime>" feed tests/bench/cellular_bench.py.
Exit 0 all passed, 1 a failure, 77 skipped.
"""
import json, os, re, shutil, socket, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "guest"))
import fbguest  # noqa: E402
import systest  # noqa: E402

MODULES = ["xhci_pci", "usbserial", "ftdi_sio", "ppp_generic", "ppp_async", "8250_pci",
           # failberryd's nftables table and conntrack flush (not a dry run)
           "nf_tables", "nft_ct", "nft_chain_nat", "nft_masq", "nf_conntrack_netlink"]
SCENARIOS = ["cold", "isp_hangup", "pppd_exits", "firmware_hang"]
ISP, OURS, DNS = "10.64.0.1", "10.64.0.2", "10.64.0.53"

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
# The ISP: pppd in its own namespace, passive until the call arrives, again after each call.
( while :; do
    unshare -n sh -c "ip link set lo up; exec pppd $ISPTTY nodetach local nolock passive noauth \
      @ISP@:@OURS@ ms-dns @DNS@ lcp-echo-interval 1 lcp-echo-failure 3 linkname isp" >/tmp/isp.log 2>&1
    echo "ISP pppd exited $?"; sleep 0.3
  done ) &
""" + systest.failberry_ini(dry_run=False, profile="generic", more=MORE_INI) + r"""failberryd --config /t/f.ini 2>&1 | sed 's/^/D /' &
status() { echo "J $(failberryctl --socket /run/failberry/control.sock status --json 2>&1 | tr -d '\n')"; }
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
  status
  echo "RSS $(sed -n 's/^VmRSS:\s*//p' /proc/$(pidof failberryd)/status)"
}
down_then_online() {  # $1: what happened; wait for the link to drop, then for it to return
  upto 60 ppp_gone || { echo "PPP0 DID NOT GO DOWN after $1"; return 1; }
  mark ppp_down
  status
  online
}
# Each fault must meet a fresh ladder: wait until the daemon reports every rung's
# budget full again (it refills them after [recovery] stable_after online).
ladder_fresh() {
  failberryctl --socket /run/failberry/control.sock status --json 2>/dev/null | tr -d ' \n' |
    grep -o '"budget_used":{[^}]*}' | grep -qv ':[1-9]'
}
settle() { upto 30 ladder_fresh || { echo "LADDER NOT REFILLED"; status; return 1; }; }
online || exit 1
for s in @SCENARIOS@; do
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
    upto 240 sh -c "! ls -d /sys/bus/usb/devices/$DEV >/dev/null 2>&1" && { mark usb_gone; echo "USB GONE $DEV"; }
    upto 60 ls -d /sys/bus/usb/devices/$DEV >/dev/null 2>&1 && { mark usb_back; echo "USB BACK $DEV"; }
    down_then_online firmware_hang || exit 1 ;;
  esac
done
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


def power_watch(g, sim, stop, events, trace):
    """Model of the hardware: when the hub's port loses power (ClearPortFeature
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
                r = sim.control("dtr 0")
                if "call ended" in r:
                    events.append(("dtr_hangup", time.monotonic()))
        for m in re.finditer(r"usb_hub_clear_port_feature.*feature (\S+)", text):
            if "power" in m.group(1).lower():
                events.append(("power_off", time.monotonic()))
                events.append(("powercycle", sim.control("powercycle")))
        stop.wait(0.1)


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

    with tempfile.TemporaryDirectory(prefix="fbcell-") as tmp:
        sim = systest.ModemSim(tmp, "generic", data=True)
        stop, events = threading.Event(), []
        trace = os.path.join(tmp, "qemu-usb-serial.log")
        try:
            script = (SCRIPT.replace("@MODULES@", " ".join(MODULES)).replace("@SCENARIOS@", " ".join(scenarios))
                      .replace("@ISP@", ISP).replace("@OURS@", OURS).replace("@DNS@", DNS)
                      .replace("@REDIALS@", "1" if "firmware_hang" in scenarios else "3"))
            bins = [(daemon, "/usr/local/bin/failberryd"), (ctl, "/usr/local/bin/failberryctl"),
                    (pppd, "/usr/local/bin/pppd")]
            qemu = ["-trace", "usb_serial_handle_control", "-trace", "usb_hub_clear_port_feature", "-D", trace, "-chardev", f"socket,id=isp,path={sim.net},reconnect=1", "-device", "pci-serial,chardev=isp"]
            with fbguest.Guest(arch, script, bins=bins, modules=MODULES, echo=echo, timeout=900,
                               qemu_args=qemu) as g:
                relay = Relay(g.serial, sim.sock)
                watcher = threading.Thread(target=power_watch, args=(g, sim, stop, events, trace), daemon=True)
                watcher.start()  # the stick's hardware: no power, no firmware
                m = g.expect(r"MODEM AT (\S+) ISP ON (\S+)", 120)
                port = m.group(1)
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

                for s in scenarios:
                    if s == "isp_hangup":
                        g.expect(r"^PHASE isp_hangup", 60)
                        r = sim.control("hangup")
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
                                check(sim.control("hangup").startswith("ok"), f"{phase}: the network hung up")
                            if action == "silent":
                                check(sim.control("set silent=1").startswith("ok"), f"{phase}: line silenced")
                            got = link_down(g, reason, phase)
                            if action == "silent":
                                sim.control("set silent=0")
                                sim.control("hangup")  # the carrier gives up on the dead call
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
                        check(sim.control("hang").startswith("ok"), "firmware_hang: the firmware hangs")
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
            sim.close()
            print(f"INFO: {tag} hardware model events: {events}")
            if os.environ.get("FBCELL_TRACE_COPY") and os.path.exists(trace):
                shutil.copyfile(trace, os.environ["FBCELL_TRACE_COPY"])
    return check.end(console=bool(os.environ.get("FBGUEST_VERBOSE")), need_one=True)


if __name__ == "__main__":
    sys.exit(main())
