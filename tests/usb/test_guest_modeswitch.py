#!/usr/bin/env python3
"""System test: the libusb mode switch against a real kernel's usb-storage, in the QEMU guest.

usage: test_guest_modeswitch.py ARCH TOOL_PATH   (ARCH: x86_64|arm64; TOOL_PATH: fb_modeswitch_tool
       built for ARCH — the arm64 one comes from the cross tree build-arm64/)

The guest (tests/system/guest/fbguest.py) gets an emulated `usb-storage` device on its xHCI
controller, backed by a small raw disk image made here. In the guest: usb-storage binds to it
(checked through sysfs, and sd_mod makes it a block device), then fb_modeswitch_tool finds it by
its id (QEMU's own 46f4:0001, given explicitly: it is not in the product table), detaches
usb-storage, claims the interface, sends StandardEject (PREVENT ALLOW MEDIUM REMOVAL and START
STOP UNIT for LUN 0 and LUN 1) and reads each CSW. The emulated disk never turns into a modem, so
the tool must end with the stable MODESWITCH_FAILED error naming what happened (still 46f4:0001
in storage mode, usb-storage detached) after its wait, without spinning through it (CPU time of
the tool from the shell's `times`), and usb-storage must stay detached. Without --method the
product table decides, and it refuses this unknown id by name. Cancelled while waiting, the
switch ends without a result and leaves nothing behind on its io_context.
Then a model of a stick that does switch: the tool runs again (no driver to detach now) with the
FTDI id as its target; once it says it is waiting, the test unplugs the storage device through the
QEMU monitor and plugs a usb-serial device into the same hub port, like a real stick leaving the
bus and coming back in modem mode. The tool must notice through sysfs (kernel uevents) and end
with SWITCHED naming the new id and port, exit 0.
Prints PASS/FAIL per check and "N passed, N failed". Exit 0 all passed, 1 a failure, 77 skipped.
Env: FBGUEST_VERBOSE=1 streams the guest console to stderr.
"""
import os, re, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system", "guest"))
import fbguest  # noqa: E402
import systest  # noqa: E402

MODULES = ["xhci_pci", "usb_storage", "sd_mod", "usbserial", "ftdi_sio"]
WAIT_MS = 3000
GUEST_SCRIPT = r"""
fails=0
check() { echo "CHECK $1 $2 $3"; [ "$2" = PASS ] || fails=$((fails + 1)); }
upto() { n=$(($1 * 10)); shift; until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }
for m in @MODULES@; do modprobe "$m" || echo "modprobe $m failed"; done
find_disk() {
  for d in /sys/bus/usb/devices/*; do
    [ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = 46f4:0001 ] && { DEV=${d##*/}; return 0; }
  done; return 1
}
driver() { l=$(readlink "/sys/bus/usb/devices/$DEV:1.0/driver" 2>/dev/null) && echo "${l##*/}" || echo none; }
bound() { [ "$(driver)" = usb-storage ]; }
disk() { ls -d /sys/bus/usb/devices/$DEV:1.0/host*/target*/*/block/* >/dev/null 2>&1; }
if upto 30 find_disk; then check found PASS "46f4:0001 at $DEV ($(cat /sys/bus/usb/devices/$DEV/product))"
else check found FAIL "no 46f4:0001 in /sys/bus/usb/devices: $(ls /sys/bus/usb/devices | tr '\n' ' ')"; fi
if [ -n "$DEV" ] && upto 30 bound && upto 30 disk; then
  check bound_before PASS "$DEV:1.0 driver $(driver), block $(ls /sys/bus/usb/devices/$DEV:1.0/host*/target*/*/block/)"
else check bound_before FAIL "driver $(driver), no block device"; fi
fb_modeswitch_tool --device usb:46f4:0001 --method standard-eject --target 19d2:0117 --wait @WAIT@ \
  >/tmp/tool.out 2>/tmp/tool.log
rc=$?
echo "TOOL-CPU $(times | tail -1)"  # user and system time of the children: the tool, mostly waiting
sed 's/^/tool-log: /' /tmp/tool.log; sed 's/^/tool-out: /' /tmp/tool.out
echo "TOOL-RC=$rc"
fb_modeswitch_tool --device usb:46f4:0001 >/tmp/tool3.out 2>/dev/null  # no --method: the product table decides
echo "TOOL3-RC=$? $(cat /tmp/tool3.out | tail -1)"
fb_modeswitch_tool --device usb:46f4:0001 --method standard-eject --wait 60000 --cancel-after 1500 >/tmp/tool4.out 2>&1
echo "TOOL4-RC=$?"; sed 's/^/tool4-out: /' /tmp/tool4.out
if [ -n "$DEV" ]; then
  [ "$(driver)" = none ] && check detached_after PASS "$DEV:1.0 has no driver" || check detached_after FAIL "driver $(driver)"
  [ -e "/sys/bus/usb/devices/$DEV" ] && check still_there PASS "$DEV $(cat /sys/bus/usb/devices/$DEV/idVendor):$(cat /sys/bus/usb/devices/$DEV/idProduct)" ||
    check still_there FAIL "the device left the bus"
fi
echo "SCENARIO swap"
# stderr (the log) straight to the console: the host waits for "waiting" before it swaps devices
fb_modeswitch_tool --device usb:46f4:0001 --method standard-eject --target 0403:6001 --wait 60000 >/tmp/tool2.out
rc=$?
sed 's/^/tool2-out: /' /tmp/tool2.out
echo "TOOL2-RC=$rc"
tty=$(ls -d /sys/bus/usb/devices/$DEV:1.0/ttyUSB* 2>/dev/null | head -1)
[ "$(cat /sys/bus/usb/devices/$DEV/idVendor 2>/dev/null):$(cat /sys/bus/usb/devices/$DEV/idProduct 2>/dev/null)" = 0403:6001 ] &&
  [ -n "$tty" ] && check modem_after PASS "$DEV is 0403:6001 with ${tty##*/}" || check modem_after FAIL "$DEV: $(ls /sys/bus/usb/devices | tr '\n' ' ')"
exit $fails
"""


def main():
    arch, tool = systest.args(__doc__, 2)
    tag = f"guest_modeswitch[{arch}]"
    systest.require_root(tag, "apt-get, kernel cache under /var/cache")
    if not os.path.isfile(tool):
        systest.skip(f"{tag}: fb_modeswitch_tool missing: {tool}" +
                     (" (run tests/cross/build.sh arm64)" if arch == "arm64" else ""))
    fbguest.exit_on_signals()
    systest.prepare(arch, tag)

    check = systest.Checks(tag)
    script = GUEST_SCRIPT.replace("@MODULES@", " ".join(MODULES)).replace("@WAIT@", str(WAIT_MS))
    echo = sys.stderr if os.environ.get("FBGUEST_VERBOSE") else None
    rc = None
    with tempfile.TemporaryDirectory(prefix="fb-modeswitch-") as tmp:
        disk = os.path.join(tmp, "stick.img")
        with open(disk, "wb") as f:
            f.truncate(1024 * 1024)  # 1 MiB of zeros: a "CD-ROM" nobody reads
        # Behind the guest's USB 2 hub (port 1.2), so the serial device plugged in its place
        # later enumerates at the same speed and the same port path, as a switched stick does.
        qemu = ["-drive", f"if=none,id=fbstick,format=raw,file={disk}",
                "-device", "usb-storage,bus=xhci.0,port=1.2,drive=fbstick,removable=on,id=fbstickdev",
                "-chardev", "null,id=fbnull"]
        with check.guest():
            with fbguest.Guest(arch, script, bins=[(tool, "/usr/local/bin/fb_modeswitch_tool")], modules=MODULES,
                               qemu_args=qemu, timeout=110, echo=echo) as g:
                try:
                    g.expect(r"^SCENARIO swap", timeout=90)
                    g.expect(r"modeswitch\[.*to come back as a modem", timeout=30)
                    gone = g.monitor("device_del fbstickdev").strip()
                    plugged = g.monitor("device_add usb-serial,bus=xhci.0,port=1.2,chardev=fbnull,"
                                        "always-plugged=on,id=fbmodem").strip()
                    check(not gone and not plugged, "swap_devices",
                          f"device_del: {gone or 'ok'}; device_add: {plugged or 'ok'}")
                except fbguest.GuestError as e:
                    check(False, "swap_devices", str(e))
                rc, check.output = g.wait()
    total = time.monotonic() - check.t0
    output = check.output

    reported = check.guest_said(output, ("found", "bound_before", "detached_after", "still_there"))
    dev = re.search(r"CHECK found PASS 46f4:0001 at (\S+)", output)
    dev = dev.group(1) if dev else "?"
    tool_rc = re.search(r"TOOL-RC=(\d+)", output)
    check(tool_rc is not None and tool_rc.group(1) == "3", "tool_exit",
          f"rc={tool_rc.group(1) if tool_rc else 'none'} (3: MODESWITCH_FAILED)")
    out = [l[len("tool-out: "):] for l in output.splitlines() if l.startswith("tool-out: ")]
    log = "\n".join(l for l in output.splitlines() if l.startswith("tool-log: "))
    check(any(l.startswith(f"found 46f4:0001 at {dev} ") and "driver usb-storage" in l for l in out), "tool_found",
          next((l for l in out if l.startswith("found")), "no 'found' line"))
    check(re.search(r"detached usb-storage from interface 0", log) is not None, "tool_detached",
          "log says it detached usb-storage" if "detached usb-storage" in log else "no detach in the log")
    check(re.search(r"claimed interface 0 after detaching usb-storage", log) is not None, "tool_claimed")
    msgs = [l for l in out if l.startswith("message ")]
    check(len(msgs) == 4, "four_messages", f"{len(msgs)} message lines")
    for i, what in ((1, "PREVENT ALLOW MEDIUM REMOVAL lun 0"), (2, "START STOP UNIT (eject) lun 0")):
        want = f"message {i}/4 {what}: sent, CSW passed"
        check(want in msgs, f"csw_{i}", next((m for m in msgs if m.startswith(f"message {i}/")), "missing"))
    for i in (3, 4):  # LUN 1 does not exist: a refusal (stall or failed CSW) is fine, silence is not
        m = next((m for m in msgs if m.startswith(f"message {i}/4 ")), "")
        check(re.search(r"lun 1: .*(CSW (passed|failed|phase error)|CBW stalled)", m) is not None, f"answer_{i}",
              m or "missing")
    # Not a timing assert: a loop spinning through the 3 s wait would burn seconds of CPU.
    cpu = re.search(r"TOOL-CPU (\d+)m([\d.]+)s (\d+)m([\d.]+)s", output)
    cpu_s = (int(cpu.group(1)) * 60 + float(cpu.group(2)) + int(cpu.group(3)) * 60 + float(cpu.group(4))) if cpu else None
    check(cpu_s is not None and cpu_s < 1.0, "no_spin",
          f"user+sys {cpu_s:.2f}s over a {WAIT_MS} ms wait" if cpu_s is not None else "no TOOL-CPU line")
    table = re.search(r"TOOL3-RC=(\d+) (.*)", output)
    check(table is not None and table.group(1) == "3" and
          table.group(2) == f"MODESWITCH_FAILED: 46f4:0001 at {dev} is not a known storage-mode stick",
          "table_refuses_unknown", table.group(0) if table else "no TOOL3-RC line")
    check("idle after the end: yes" in out, "idle_after_failure", "no timer, fd or socket left on the io_context")
    out4 = [l[len("tool4-out: "):] for l in output.splitlines() if l.startswith("tool4-out: ")]
    tool4_rc = re.search(r"TOOL4-RC=(\d+)", output)
    check(tool4_rc is not None and tool4_rc.group(1) == "5" and "cancelling in state watching" in out4 and
          "idle after the end: yes" in out4 and "CANCELLED without a result" in out4, "cancel_while_watching",
          " | ".join(l for l in out4 if not l.startswith("20")) or "no output")
    err = next((l for l in out if l.startswith("MODESWITCH_FAILED: ")), "")
    want_tail = f"no modem within {WAIT_MS} ms: still 46f4:0001 (storage mode) at {dev}, usb-storage detached"
    check(err.startswith(f"MODESWITCH_FAILED: 46f4:0001 at {dev}: standard-eject, 4 of 4 message(s) sent")
          and err.endswith(want_tail), "timeout_error", err or "no MODESWITCH_FAILED line")
    check(reported.get("modem_after", (False,))[0], "modem_after", reported.get("modem_after", (0, "not reported"))[1])
    tool2_rc = re.search(r"TOOL2-RC=(\d+)", output)
    check(tool2_rc is not None and tool2_rc.group(1) == "0", "switched_exit",
          f"rc={tool2_rc.group(1) if tool2_rc else 'none'} (0: SWITCHED)")
    out2 = [l[len("tool2-out: "):] for l in output.splitlines() if l.startswith("tool2-out: ")]
    switched = next((l for l in out2 if l.startswith("SWITCHED ")), "")
    check(switched.startswith(f"SWITCHED 0403:6001 at {dev}: standard-eject, 4 of 4 message(s) sent"), "switched",
          switched or " | ".join(out2[-3:]) or "no output")
    check("idle after the end: yes" in out2, "idle_after_switch")
    check(any(l.startswith(f"found 46f4:0001 at {dev} ") and "driver none" in l for l in out2), "second_run_unbound",
          next((l for l in out2 if l.startswith("found")), "no 'found' line"))
    check(rc == 0, "guest_script_exit", f"rc={rc}")
    print(f"TIMING: {tag} total={total:.1f}s")
    return check.end(timed=False)


if __name__ == "__main__":
    sys.exit(main())
