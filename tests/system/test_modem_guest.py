#!/usr/bin/env python3
"""System test: failberryd finds the emulated USB serial modem by its USB path and runs it.

usage: test_modem_guest.py ARCH FAILBERRYD FAILBERRYCTL   (ARCH: x86_64|arm64)

The QEMU guest (tests/system/guest/fbguest.py) has an xHCI controller, a hub on xhci
port 1 and an FTDI usb-serial "modem" behind its port 1 (<hub>.1). The host end of that
serial port is relayed to modemsim.py (a ZTE MF190 whose CD-ROM mode starts on). In the
guest, failberryd (dry-run for the network side) is configured with [modem] device =
the USB port path; the guest prints its log and, every two seconds, `failberryctl
status`. The test checks that the daemon discovered the stick by that path, ran the
init, switched CD-ROM mode off (the simulator's flash says so), read registration and
signal into status; then it unplugs the stick (the usb-serial socket closes, the guest
sees the device vanish) and plugs it back: MODEM_GONE, found again, CD-ROM queried and
left off (no second AT+ZCDRUN=8). Prints PASS/FAIL per check; exit 0 all passed,
1 a failure, 77 skipped.
"""
import os, socket, sys, tempfile, threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "guest"))
import fbguest  # noqa: E402
import systest  # noqa: E402

MODULES = ["xhci_pci", "usbserial", "ftdi_sio"]
SCRIPT = r"""
for m in @MODULES@; do modprobe "$m"; done
""" + systest.SH_UPTO + systest.SH_FIND_HUB + r"""upto 30 find_hub || { echo "NO HUB"; exit 1; }
DEV=$HUB.1
upto 30 ls -d /sys/bus/usb/devices/$DEV:1.0/ttyUSB0 >/dev/null 2>&1 || echo "NO TTY at $DEV"
echo "MODEM AT $DEV"
mkdir -p /run/failberry /var/lib/failberry
""" + systest.failberry_ini() + systest.sh_run_daemon("D", 150)


class Relay:
    """Bytes both ways between the guest's usb-serial socket and modemsim's unix socket."""

    def __init__(self, guest_sock, sim_path):
        self.a = guest_sock
        self.b = socket.socket(socket.AF_UNIX)
        self.b.connect(sim_path)
        self.threads = [threading.Thread(target=self._pump, args=(x, y), daemon=True)
                        for x, y in ((self.a, self.b), (self.b, self.a))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                if os.environ.get("FBGUEST_VERBOSE"):
                    print(f"relay {src.fileno()}->{dst.fileno()}: {data!r}", file=sys.stderr)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        # shutdown first: a plain close() would not wake the pump blocked in recv()
        # on the same socket, and the connection would stay up.
        for s in (self.a, self.b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self.threads:
            t.join(5)
        self.b.close()


def main():
    arch, daemon, ctl, tag, echo, check = systest.daemon_test(__doc__, "modem")

    with tempfile.TemporaryDirectory(prefix="fbmodem-") as tmp:
        with systest.ModemSim(tmp, "zte") as sim, check.guest("guest", first_line=True):
            script = SCRIPT.replace("@MODULES@", " ".join(MODULES))
            bins = [(daemon, "/usr/local/bin/failberryd"), (ctl, "/usr/local/bin/failberryctl")]
            with fbguest.Guest(arch, script, bins=bins, modules=MODULES, echo=echo, timeout=420,
                               serial_always_plugged=False) as g:
                relay = Relay(g.serial, sim.sock)
                m = g.expect(r"MODEM AT (\S+)", 120)
                port = m.group(1)
                m = g.expect(r"D .*modem: absent --scanned\((.*)\)--> probing", 120)
                check(port in m.group(1), "discovered by its USB path", m.group(1))
                g.expect(r"D .*modem: probing --probed\(ok\)--> probing", 120)
                g.expect(r"D .*modem: .*--> dialing", 120)
                check(sim.state()["cdrom"] is False, "CD-ROM mode off in the stick's flash")
                m = g.expect(r"S +registration (\S+), operator (.*), signal (-?\d+) dBm \((\d)/4 bars\), "
                             r"CD-ROM (\S+?)(: (.*))?$", 120)
                check(m.group(1) == "home" and m.group(2) == "failberry sim", "registration in status",
                      m.group(0))
                check(m.group(3) == "-79" and m.group(4) == "3", "signal in status", m.group(0))
                check(m.group(5) == "off" and m.group(7) == "disabled", "CD-ROM disabled in status", m.group(0))
                check(g.output.count("-> AT+ZCDRUN=8") == 1, "AT+ZCDRUN=8 sent once")

                # Unplug, then plug the same stick back in.
                relay.close()
                g.serial_close()
                m = g.expect(r"D .*modem: .*--> absent \[MODEM_GONE\]", 120)
                check(True, "unplug seen as MODEM_GONE", m.group(0))
                g.serial_accept(60)
                relay = Relay(g.serial, sim.sock)
                m = g.expect(r"D .*modem: absent --scanned\((.*)\)--> probing", 120)
                check(port in m.group(1), "found again after the replug", m.group(1))
                g.expect(r"D .*modem: .*--> dialing", 120)
                out = g.output
                check(out.count("-> AT+ZCDRUN=4") >= 2 and out.count("-> AT+ZCDRUN=8") == 1,
                      "CD-ROM queried again and left off", f"queries {out.count('-> AT+ZCDRUN=4')}")
                m = g.expect(r"S +registration .*CD-ROM (\S+?)(: .*)?$", 120)
                check(m.group(1) == "off", "status after the replug", m.group(0))
                check.output = g.output
    return check.end(need_one=True)


if __name__ == "__main__":
    sys.exit(main())
