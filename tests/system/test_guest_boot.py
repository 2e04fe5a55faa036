#!/usr/bin/env python3
"""System test: the failberry guest boots and has what failberryd needs.

usage: test_guest_boot.py ARCH FAILBERRYD_PATH EXPECTED_VERSION_SUBSTRING   (ARCH: x86_64|arm64)

In a QEMU TCG guest of ARCH (tests/system/guest/fbguest.py) it checks: ppp_generic,
ppp_async, xhci_pci, usbserial, ftdi_sio load; /dev/ppp exists; the USB hub (class 09, not
a root hub) and the FTDI serial device behind its port 1 are enumerated (tty found through
sysfs, never by number); `failberryd --version` prints the expected substring; and the test
owns the other end of that ttyUSB: a line goes guest->host over the chardev socket, one goes
host->guest and the guest acknowledges it. Prints PASS/FAIL per check, timings, and a
closing "N passed, N failed". Exit 0 all passed, 1 a failure, 77 skipped (SKIPPED: on stderr).
Env: FBGUEST_VERBOSE=1 streams the guest console to stderr; see fbguest.py for the rest.
"""
import os, secrets, shlex, shutil, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest"))
import fbguest  # noqa: E402
import systest  # noqa: E402

MODULES = ["ppp_generic", "ppp_async", "xhci_pci", "usbserial", "ftdi_sio"]
GUEST_CHECKS = ["modules", "dev_ppp", "hub", "usb_serial", "version", "host_to_guest"]
GUEST_SCRIPT = r"""
fails=0
check() { echo "CHECK $1 $2 $3"; [ "$2" = PASS ] || fails=$((fails + 1)); }  # CHECK <id> PASS|FAIL <detail>
upto() {  # upto SECONDS CMD...: poll CMD every 0.1 s, at most SECONDS
  n=$(($1 * 10)); shift
  until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done
}
bad=
for m in @MODULES@; do modprobe "$m" || bad="$bad $m"; done
[ -z "$bad" ] && check modules PASS "@MODULES@" || check modules FAIL "modprobe failed:$bad"
[ -c /dev/ppp ] && check dev_ppp PASS "$(ls -l /dev/ppp)" || check dev_ppp FAIL "no /dev/ppp"

find_hub() {  # a hub (bDeviceClass 09) that is not a root hub (devpath 0)
  for d in /sys/bus/usb/devices/*; do
    [ "$(cat "$d/bDeviceClass" 2>/dev/null)" = 09 ] && [ "$(cat "$d/devpath")" != 0 ] &&
      { HUB=${d##*/}; return 0; }
  done; return 1
}
find_tty() { TTY=$(ls -d /sys/bus/usb/devices/"$HUB".1:1.0/ttyUSB* 2>/dev/null | head -1); [ -n "$TTY" ]; }
if upto 30 find_hub; then check hub PASS "$HUB $(cat /sys/bus/usb/devices/$HUB/idVendor):$(cat /sys/bus/usb/devices/$HUB/idProduct) ports=$(cat /sys/bus/usb/devices/$HUB/maxchild)"
else check hub FAIL "no non-root hub in /sys/bus/usb/devices: $(ls /sys/bus/usb/devices | tr '\n' ' ')"; fi
if [ -n "$HUB" ] && upto 30 find_tty; then
  TTY=/dev/${TTY##*/}; D=/sys/bus/usb/devices/$HUB.1
  check usb_serial PASS "$TTY at $HUB.1 ($(cat $D/idVendor):$(cat $D/idProduct) $(cat $D/product))"
else check usb_serial FAIL "no ttyUSB under /sys/bus/usb/devices/$HUB.1:1.0"; TTY=; fi

out=$(failberryd --version 2>&1); rc=$?
echo "failberryd --version (rc=$rc): $out"
case "$out" in *@EXPECT@*) [ $rc = 0 ] && check version PASS "$out" || check version FAIL "rc=$rc" ;;
  *) check version FAIL "output lacks the expected substring" ;; esac

if [ -n "$TTY" ]; then
  exec 3<>"$TTY"
  stty -F "$TTY" 115200 raw -echo -echoe -echok -echoctl -echoke -crtscts -ixon -ixoff clocal
  echo "guest-to-host @NONCE@" >&3
  if IFS= read -r -t 60 line <&3; then
    echo "ack $line" >&3
    [ "$line" = "host-to-guest @NONCE@" ] && check host_to_guest PASS "read '$line' from $TTY" ||
      check host_to_guest FAIL "read '$line' from $TTY"
  else check host_to_guest FAIL "nothing read from $TTY within 60 s"; fi
  exec 3>&-
else check host_to_guest FAIL "no ttyUSB"; fi
exit $((fails > 0))
"""


def main():
    arch, binary, expect = systest.args(__doc__, 3)
    tag = f"guest_boot[{arch}]"
    systest.require_root(tag, "apt-get, kernel cache under /var/cache")
    if not os.path.isfile(binary):
        systest.skip(f"{tag}: failberryd binary missing: {binary}")
    fbguest.exit_on_signals()
    env = systest.prepare(arch, tag)
    if not shutil.which(env["QEMU"]):
        systest.skip(f"{tag}: {env['QEMU']} missing")

    nonce = secrets.token_hex(6)
    script = (GUEST_SCRIPT.replace("@MODULES@", " ".join(MODULES))
              .replace("@EXPECT@", shlex.quote(expect)).replace("@NONCE@", nonce))
    check = systest.Checks(tag)
    echo = sys.stderr if os.environ.get("FBGUEST_VERBOSE") else None
    rc, g = None, None
    with check.guest():
        with fbguest.Guest(arch, script, bins=[(binary, "/usr/local/bin/failberryd")], modules=MODULES, echo=echo) as g:
            try:  # the test's end of the guest's ttyUSB: a line each way, then the guest's ack
                got = g.serial_readline(timeout=200).decode(errors="replace")
                check(got == f"guest-to-host {nonce}", "guest_to_host", f"host read {got!r}")
                g.serial.sendall(f"host-to-guest {nonce}\n".encode())
                ack = g.serial_readline(timeout=60).decode(errors="replace")
                check(ack == f"ack host-to-guest {nonce}", "guest_ack", f"host read {ack!r}")
            except fbguest.GuestError as e:
                check(False, "serial_exchange", str(e))
            usb = g.monitor("info usb")
            check("Hub" in usb and "Serial" in usb, "monitor_info_usb", " | ".join(usb.split("\n")[:3]))
            rc, check.output = g.wait()
    total = time.monotonic() - check.t0

    check(g is not None and g.t_init is not None, "boot_to_init",
          f"{g.t_init:.1f}s host, guest uptime {g.uptime_at_init}s" if g and g.t_init else "no /init")
    check.guest_said(check.output, GUEST_CHECKS)
    check(rc == 0, "guest_script_exit", f"rc={rc}")
    if g and g.t_init:
        print(f"TIMING: {tag} boot_to_init={g.t_init:.2f}s guest_uptime_at_init={g.uptime_at_init}s "
              f"total={total:.1f}s initrd={g.initrd_size} bytes")
    return check.end(timed=False)


if __name__ == "__main__":
    sys.exit(main())
