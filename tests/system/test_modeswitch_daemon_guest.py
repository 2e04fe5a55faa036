#!/usr/bin/env python3
"""System test: failberryd mode-switches a storage-mode stick in the QEMU guest, then runs the modem.

usage: test_modeswitch_daemon_guest.py ARCH FAILBERRYD FAILBERRYCTL   (ARCH: x86_64|arm64)

The guest (tests/system/guest/fbguest.py) gets an emulated `usb-storage` device behind its hub
(port <hub>.2); usb-storage binds to it. failberryd (dry-run for the network side) runs with
[modem] device = that USB port path. QEMU's usb-storage ids (46f4:0001) are in no product table,
so the test names them through the test-only environment FAILBERRY_TEST_MODESWITCH
("46f4:0001=0403:6001": treat that id as a storage-mode stick, StandardEject, expect the FTDI id);
no config key reaches it. Everything else is the daemon's own path: discovery finds the stick in
storage mode, the ModemMachine says ModeSwitch, fb::usb::ModeSwitcher detaches usb-storage and
sends the messages through libusb to the real kernel.
 1. never a modem: the stick stays a disk; the daemon must report MODESWITCH_FAILED with the
    switcher's detail (still 46f4:0001 in storage mode) in its log and in status, and not switch
    again before its retry timer (one switch start in the window).
 2. a stick that does switch: failberryd is started again; once the switcher says it waits for
    the modem, the test unplugs the storage device through the QEMU monitor and plugs a
    usb-serial device into the same hub port (its other end relayed to modemsim.py, a ZTE),
    like a real stick leaving the bus and coming back in modem mode. The daemon must find the
    modem there, run the init and reach registration (status: registration home).
Prints PASS/FAIL per check and "N passed, N failed". Exit 0 all passed, 1 a failure, 77 skipped.
Env: FBGUEST_VERBOSE=1 streams the guest console to stderr.
"""
import os, socket, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "guest"))
sys.path.insert(0, HERE)
import fbguest  # noqa: E402
import systest  # noqa: E402
from test_modem_guest import Relay  # noqa: E402

MODULES = ["xhci_pci", "usb_storage", "sd_mod", "usbserial", "ftdi_sio"]
SCRIPT = r"""
for m in @MODULES@; do modprobe "$m"; done
""" + systest.SH_UPTO + r"""find_disk() {
  for d in /sys/bus/usb/devices/*; do
    [ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = 46f4:0001 ] && { DEV=${d##*/}; return 0; }
  done; return 1
}
upto 30 find_disk || { echo "NO STICK"; exit 1; }
upto 30 test -e /sys/bus/usb/devices/$DEV:1.0/driver
echo "STICK AT $DEV driver $(basename $(readlink /sys/bus/usb/devices/$DEV:1.0/driver))"
mkdir -p /run/failberry /var/lib/failberry
""" + systest.failberry_ini() + r"""export FAILBERRY_TEST_MODESWITCH=46f4:0001=0403:6001
echo "PHASE never"
""" + systest.sh_run_daemon("D", 20, "status --json", r"""sed -n 's/^ *\("error"\|"mode_switch"\)/J \1/p'""") + r"""kill $(pidof failberryd)
upto 10 sh -c '! pidof failberryd >/dev/null' || { echo "FAILBERRYD DID NOT STOP"; exit 1; }
echo "PHASE switch"
""" + systest.sh_run_daemon("E", 100)


def main():
    arch, daemon, ctl, tag, echo, check = systest.daemon_test(__doc__, "modeswitch_daemon")
    systest.prepare(arch, tag)

    with tempfile.TemporaryDirectory(prefix="fbmsd-") as tmp:
        disk = os.path.join(tmp, "stick.img")
        with open(disk, "wb") as f:
            f.truncate(1024 * 1024)  # 1 MiB of zeros: the "CD-ROM"
        modem_sock = os.path.join(tmp, "usbmodem.sock")
        qemu = ["-drive", f"if=none,id=fbstick,format=raw,file={disk}",
                "-device", "usb-storage,bus=xhci.0,port=1.2,drive=fbstick,removable=on,id=fbstickdev",
                "-chardev", f"socket,id=fbmodem,path={modem_sock},server=on,wait=off"]
        relay = None
        with systest.ModemSim(tmp, "zte") as sim, check.guest("guest", first_line=True):
            script = SCRIPT.replace("@MODULES@", " ".join(MODULES))
            bins = [(daemon, "/usr/local/bin/failberryd"), (ctl, "/usr/local/bin/failberryctl")]
            with fbguest.Guest(arch, script, bins=bins, modules=MODULES, echo=echo, timeout=500,
                               qemu_args=qemu) as g:
                m = g.expect(r"STICK AT (\S+) driver (\S+)", 120)
                port = m.group(1)
                check(m.group(2) == "usb-storage", "usb-storage bound before", m.group(0))
                # 1. never a modem
                m = g.expect(r"D .*modem: absent --scanned\(storage (.*)\)--> mode_switching", 120)
                check(port in m.group(1), "found in storage mode by its USB path", m.group(1))
                m = g.expect(r"D .*modem: MODESWITCH_FAILED: (.*) \(trying again in (\d+)s\)", 120)
                check("46f4:0001" in m.group(1) and "storage" in m.group(1), "MODESWITCH_FAILED names what is there",
                      m.group(1))
                g.expect(r'J "error": "MODESWITCH_FAILED"', 60)
                m = g.expect(r'J "mode_switch": "(.*)"', 10)
                check(m.group(1).startswith("MODESWITCH_FAILED: 46f4:0001"), "status has the switch's outcome",
                      m.group(1)[:200])
                g.expect(r"^PHASE switch", 120)
                out = g.output
                never = out[:out.find("PHASE switch")]
                check(never.count("mode switch of 46f4:0001") == 1, "no second switch before the retry timer",
                      f"{never.count('mode switch of 46f4:0001')} starts in ~40 s")
                # 2. the stick turns into a modem at the same port
                g.expect(r"E .*modeswitch\[.*to come back as a modem", 60)
                gone = g.monitor("device_del fbstickdev").strip()
                plugged = g.monitor("device_add usb-serial,bus=xhci.0,port=1.2,chardev=fbmodem,"
                                    "always-plugged=on,id=fbmodemdev").strip()
                check(not gone and not plugged, "swap_devices", f"device_del: {gone or 'ok'}; "
                      f"device_add: {plugged or 'ok'}")
                s = socket.socket(socket.AF_UNIX)
                s.connect(modem_sock)
                relay = Relay(s, sim.sock)
                m = g.expect(r"E .*mode switch done: (.*)", 60)
                check("0403:6001" in m.group(1), "the switcher saw the modem", m.group(1))
                m = g.expect(r"E .*modem: absent --scanned\((.*)\)--> probing", 60)
                check(port in m.group(1) and "0403:6001" in m.group(1), "found as a modem after the switch",
                      m.group(1))
                # Status is printed every 2 s from before the init ends: the
                # first lines may still say unknown; wait for home, up to 180 s.
                deadline = time.monotonic() + 180
                m = g.expect(r"S +registration (\S+), operator (.*), signal", 180)
                while m.group(1) != "home" and time.monotonic() < deadline:
                    m = g.expect(r"S +registration (\S+), operator (.*), signal",
                                 max(1, deadline - time.monotonic()))
                check(m.group(1) == "home", "registration in status", m.group(0))
                check.output = g.output
        if relay:
            relay.close()
    return check.end(need_one=True)


if __name__ == "__main__":
    sys.exit(main())
