#!/usr/bin/env python3
"""System test: fb::usb::HubPower switches a real (emulated) hub port off and on.

usage: test_usb_power_guest.py ARCH USB_POWER_TOOL   (ARCH: x86_64|arm64)

The QEMU guest (tests/system/guest/fbguest.py) has an xHCI controller, a hub with
port power switching (usb-hub,port-power=on) on xhci port 1 and an FTDI usb-serial
"modem" behind its port 1 (1-1.1). Inside the guest, usb_power_tool (built from
drivers/usb) reads the hub descriptor, then switches the modem's port off and on
with each method — sysfs `disable` and libusb PORT_POWER — and power-cycles it with
the automatic choice, then once more with the sysfs file shadowed so that auto must
fall back to libusb. After every step the guest script checks sysfs itself: the
device directory and its ttyUSB really vanished (for libusb under QEMU 7.2, whose hub
does not report the disconnect until power returns: the port's sysfs `disable`
attribute, which the kernel reads from the hub, says unpowered), and came back as a
freshly enumerated device (a new devnum). It also checks
refused requests: a port the hub does not have, and the port of a USB network
adapter (QEMU usb-net on port 2). The test owns the usb-serial
socket's other end and checks a line still crosses it after the last cycle.
Prints PASS/FAIL per check; exit 0 all passed, 1 a failure, 77 skipped.
"""
import os, secrets, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest"))
import fbguest  # noqa: E402
import systest  # noqa: E402

MODULES = ["xhci_pci", "usbserial", "ftdi_sio", "cdc_ether", "rndis_host"]
# A USB network adapter on the hub's port 2: cutting that port must be refused.
QEMU_ARGS = ["-device", "usb-net,bus=xhci.0,port=1.2"]
CHECKS = ["hub", "descriptor", "off_sysfs", "gone_sysfs", "on_sysfs", "back_sysfs", "off_libusb", "gone_libusb",
          "on_libusb", "back_libusb", "cycle_auto", "gone_during_cycle", "back_after_cycle", "fallback_libusb",
          "back_after_fallback", "refused", "refused_network",
          "serial_after"]
SCRIPT = r"""
fails=0
check() { echo "CHECK $1 $2 $3"; [ "$2" = PASS ] || fails=$((fails + 1)); }
upto() { n=$(($1 * 10)); shift; until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }
for m in @MODULES@; do modprobe "$m"; done
find_hub() {
  for d in /sys/bus/usb/devices/*; do
    [ "$(cat "$d/bDeviceClass" 2>/dev/null)" = 09 ] && [ "$(cat "$d/devpath")" != 0 ] && { HUB=${d##*/}; return 0; }
  done; return 1
}
tty_of() { ls -d /sys/bus/usb/devices/$DEV:1.0/ttyUSB* 2>/dev/null | head -1; }
present() { [ -d /sys/bus/usb/devices/$DEV ] && [ -n "$(tty_of)" ] && [ -e "/dev/$(basename "$(tty_of)")" ]; }
absent() { [ ! -e /sys/bus/usb/devices/$DEV ] && ! ls /sys/bus/usb/devices/ | grep -q "^$DEV:"; }
tool() { echo "+ usb_power_tool $*"; usb_power_tool "$@" > /tmp/out 2>&1; rc=$?; cat /tmp/out; return $rc; }
result() { grep '^RESULT' /tmp/out; }

if upto 30 find_hub; then DEV=$HUB.1; upto 30 present && check hub PASS "$HUB, modem $DEV $(basename "$(tty_of)")" ||
  check hub FAIL "no ttyUSB at $DEV"; else check hub FAIL "no hub"; fi

tool status --hub $HUB && result | grep -q ok=1 && grep -q 'switching=per-port' /tmp/out &&
  check descriptor PASS "$(grep DESCRIPTOR /tmp/out)" || check descriptor FAIL "$(cat /tmp/out | tr '\n' ' ')"

PORT=/sys/bus/usb/devices/$HUB/$HUB:1.0/$HUB-port1
devnum() { cat /sys/bus/usb/devices/$DEV/devnum 2>/dev/null; }
reenumerated() { present && [ "$(devnum)" != "$BEFORE" ]; }
for method in sysfs libusb; do
  [ $method = sysfs ] && want=sysfs-disable || want=libusb-port-power
  TTY=$(basename "$(tty_of)"); BEFORE=$(devnum)
  if tool off --tty $TTY --method $method && result | grep -q "ok=1 method=$want .*watched=1"; then
    check off_$method PASS "$(result)"; else check off_$method FAIL "$(cat /tmp/out | tr '\n' ' ')"; fi
  # Judged from sysfs here, not from the tool. sysfs `disable`: the kernel drops
  # the device and its tty at once. libusb: QEMU 7.2's usb-hub cuts the port
  # without reporting a connection change, so the kernel keeps the dead device
  # until power returns; the port's `disable` attribute (the kernel asks the hub
  # for the port status) must read 1, and after "on" the device must be a new one.
  if [ $method = sysfs ]; then
    absent && [ ! -e /dev/$TTY ] && check gone_$method PASS "$DEV and /dev/$TTY gone" ||
      check gone_$method FAIL "$(ls /sys/bus/usb/devices | tr '\n' ' ') $(ls /dev/ttyUSB* 2>&1)"
  else
    [ "$(cat $PORT/disable)" = 1 ] && check gone_$method PASS "$PORT/disable reads 1: the hub says unpowered" ||
      check gone_$method FAIL "$PORT/disable reads $(cat $PORT/disable 2>&1)"
  fi
  if tool on --hub $HUB --port 1 --modem $DEV --method $method && result | grep -q "ok=1 method=$want"; then
    check on_$method PASS "$(result)"; else check on_$method FAIL "$(cat /tmp/out | tr '\n' ' ')"; fi
  upto 20 reenumerated && check back_$method PASS "$DEV back as $(basename "$(tty_of)"), devnum $BEFORE -> $(devnum)" ||
    check back_$method FAIL "devnum $BEFORE -> $(devnum): $(ls /sys/bus/usb/devices | tr '\n' ' ')"
done

# The automatic choice over a full cycle, watched from a second process.
( gone=0; n=0; while [ $n -lt 600 ]; do absent && gone=1 && break; n=$((n + 1)); sleep 0.02; done
  echo "WATCH gone=$gone" ) > /tmp/watch &
W=$!
if tool cycle --tty $(basename "$(tty_of)") --off-ms 500 && result | grep -q 'ok=1 method=sysfs-disable .*watched=1'; then
  check cycle_auto PASS "$(result)"; else check cycle_auto FAIL "$(cat /tmp/out | tr '\n' ' ')"; fi
wait $W
grep -q 'gone=1' /tmp/watch && check gone_during_cycle PASS "a watcher saw $DEV vanish" ||
  check gone_during_cycle FAIL "$(cat /tmp/watch)"
upto 20 present && check back_after_cycle PASS "$DEV back as $(basename "$(tty_of)")" || check back_after_cycle FAIL "-"

# The order of methods: with the port's sysfs `disable` file shadowed by a plain
# file (the write "works" but cuts nothing, like a hub that ignores the request),
# auto sees the device stay, switches the port back on and falls back to libusb.
touch /tmp/fake-disable && mount --bind /tmp/fake-disable $PORT/disable
if tool cycle --tty $(basename "$(tty_of)") --off-ms 300 --gone-ms 2000 &&
   result | grep -q 'ok=1 method=libusb-port-power' && grep -q '^ATTEMPT sysfs-disable: device .* still present' /tmp/out; then
  check fallback_libusb PASS "$(result) / $(grep ATTEMPT /tmp/out)"; else check fallback_libusb FAIL "$(cat /tmp/out | tr '\n' ' ')"; fi
umount $PORT/disable
upto 20 present && check back_after_fallback PASS "$DEV back, devnum $(devnum)" || check back_after_fallback FAIL "-"

if tool off --hub $HUB --port 9; then check refused FAIL "port 9 accepted"; else
  result | grep -q 'fault=REFUSED.*has 8 ports; there is no port 9' && present &&
    check refused PASS "$(result)" || check refused FAIL "$(cat /tmp/out | tr '\n' ' ')"; fi

NET=$(ls /sys/bus/usb/devices/$HUB.2:*/net 2>/dev/null | head -1)
if [ -z "$NET" ]; then check refused_network FAIL "no network interface at $HUB.2"
elif tool off --hub $HUB --port 2; then check refused_network FAIL "port 2 ($NET) accepted"
else result | grep -q "fault=REFUSED.*network interface $NET ($HUB.2)" && [ -d /sys/class/net/$NET ] &&
    check refused_network PASS "$(result)" || check refused_network FAIL "$(cat /tmp/out | tr '\n' ' ')"; fi

TTY=/dev/$(basename "$(tty_of)")
stty -F $TTY 115200 raw -echo -echoe -echok -echoctl -echoke -crtscts -ixon -ixoff clocal
echo "after-cycle @NONCE@" > $TTY
exit $((fails > 0))
"""


def main():
    arch, tool = systest.args(__doc__, 2)
    tag = f"usb_power[{arch}]"
    systest.require_root(tag)
    if not os.path.isfile(tool):
        systest.skip(f"{tag}: usb_power_tool missing: {tool}")
    fbguest.exit_on_signals()
    nonce = secrets.token_hex(6)
    script = SCRIPT.replace("@MODULES@", " ".join(MODULES)).replace("@NONCE@", nonce)
    echo = sys.stderr if os.environ.get("FBGUEST_VERBOSE") else None
    check, rc, serial = systest.Checks(tag), None, False

    with check.guest():
        with fbguest.Guest(arch, script, bins=[(tool, "/usr/local/bin/usb_power_tool")], modules=MODULES,
                           echo=echo, timeout=300, qemu_args=QEMU_ARGS) as g:
            # The guest writes its nonce through the port after the power cycles: the
            # host's end of the re-plugged usb-serial still carries data.
            try:
                while True:
                    line = g.serial_readline(timeout=240).decode(errors="replace")
                    if line == f"after-cycle {nonce}":
                        break
                serial = True
            except fbguest.GuestError:
                serial = False
            rc, check.output = g.wait()
    check.guest_said(check.output, CHECKS,
                     {"serial_after": (serial, "host read the guest's line after the cycles" if serial else "no line")})
    check(rc == 0, "guest_script_exit", f"rc={rc}")
    return check.end()


if __name__ == "__main__":
    sys.exit(main())
