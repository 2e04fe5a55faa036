"""systest -- what failberry's system test scripts share (Python 3 stdlib only).

On the host: how a test reads its arguments and skips (exit 77), and modemsim.py run as
the stick behind the guest's usb-serial port (ModemSim). For the guest script: the shell
helpers (SH_UPTO, SH_FIND_HUB) and failberryd's INI for the stick at $DEV
(failberry_ini()), pasted into the script text.
"""
import contextlib, json, os, socket, subprocess, sys, time

import fbguest
from fbguest import ARCHES

MODEMSIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "modem", "modemsim.py")

# upto SECONDS CMD...: run CMD every 0.1 s until it succeeds, at most SECONDS.
SH_UPTO = r"""upto() { n=$(($1 * 10)); shift; until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1; done; }
"""
# find_hub: HUB = the emulated hub (bDeviceClass 09) that is not a root hub (devpath 0).
SH_FIND_HUB = r"""find_hub() {
  for d in /sys/bus/usb/devices/*; do
    [ "$(cat "$d/bDeviceClass" 2>/dev/null)" = 09 ] && [ "$(cat "$d/devpath")" != 0 ] && { HUB=${d##*/}; return 0; }
  done; return 1
}
"""




def daemon_test(doc, name):
    """The start of a guest test of the built daemon: its arguments (ARCH
    FAILBERRYD FAILBERRYCTL), root and both binaries required (else a loud
    skip), signals ending the guest; returns (arch, daemon, ctl, tag, echo,
    check) with tag "NAME[ARCH]", echo the guest's console when
    FBGUEST_VERBOSE is set, and the test's Checks."""
    arch, daemon, ctl = args(doc, 3)
    tag = f"{name}[{arch}]"
    require_root(tag)
    require_built(tag, daemon, ctl)
    fbguest.exit_on_signals()
    echo = sys.stderr if os.environ.get("FBGUEST_VERBOSE") else None
    return arch, daemon, ctl, tag, echo, Checks(tag)

def sh_run_daemon(tag, rounds, status="status", filt="sed 's/^/S /'"):
    """Shell lines: failberryd on /t/f.ini in the background, its output
    prefixed with `tag`, then `rounds` rounds 2 s apart of failberryctl
    `status` piped through `filt` (the host reads those lines)."""
    return f"""failberryd --config /t/f.ini 2>&1 | sed 's/^/{tag} /' &
i=0
while [ $i -lt {rounds} ]; do
  sleep 2
  failberryctl --socket /run/failberry/control.sock {status} 2>&1 | {filt}
  i=$((i + 1))
done
"""

def failberry_ini(dry_run=True, profile="zte", more=""):
    """Shell lines writing /t/f.ini: failberryd with its control socket and state in the
    usual places, the stick at $DEV as the one cellular uplink, no health server; `more`
    holds further sections (after [modem])."""
    return f"""cat > /t/f.ini <<EOF
[general]
dry_run = {"true" if dry_run else "false"}
log_level = debug
control_socket = /run/failberry/control.sock
state_dir = /var/lib/failberry
[modem]
apn = internet
device = $DEV
profile = {profile}
command_timeout = 2s
{more}[uplink.cellular]
interface = ppp0
kind = ppp
priority = 10
[health]
enabled = false
EOF
"""


def skip(why):
    """Ends the test as skipped (ctest: 77), saying why."""
    print(f"SKIPPED: {why}", file=sys.stderr)
    sys.exit(77)


def args(doc, count, at_least=False):
    """The test's arguments: `count` words (or more, with at_least), ARCH first. Otherwise
    prints the usage paragraph of `doc` (its second) and exits 2."""
    a = sys.argv[1:]
    if (len(a) < count if at_least else len(a) != count) or a[0] not in ARCHES:
        print(doc.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    return a


def require_root(tag, why="kernel cache under /var/cache"):
    if os.geteuid() != 0:
        skip(f"{tag}: needs root ({why})")


def require_built(tag, *paths):
    """Skips the test when a binary it runs in the guest is not there."""
    for path in paths:
        if not os.path.isfile(path):
            skip(f"{tag}: {path} not built")


def prepare(arch, tag):
    """fbguest.prepare(arch): the guest's kernel and tools; skips the test when the
    guest cannot run here."""
    try:
        return fbguest.prepare(arch)
    except fbguest.GuestUnavailable as e:
        skip(f"{tag}: {e}")


class ModemSim:
    """modemsim.py as a `vendor` stick: its AT side on the unix socket `sock` (for a Relay to
    the guest's usb-serial port), its flash in TMP/flash.json; with `data`, a data call's
    bytes on the unix socket `net`. control() sends one command to its control socket."""

    def __init__(self, tmp, vendor, data=False):
        self.sock = os.path.join(tmp, "modem.sock")
        self.net = os.path.join(tmp, "isp.sock")
        self.ctl = os.path.join(tmp, "ctl.sock")
        argv = [sys.executable, MODEMSIM, "--vendor", vendor, "--unix", self.sock]
        if data:
            argv += ["--data-listen", self.net]
        argv += ["--control", self.ctl, "--state", os.path.join(tmp, "flash.json")]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("modemsim did not start: " + line)

    def control(self, command):
        s = socket.socket(socket.AF_UNIX)
        for _ in range(100):
            try:
                s.connect(self.ctl)
                break
            except OSError:
                time.sleep(0.05)  # the control socket appears right after "ready"
        s.sendall((command + "\n").encode())
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
        s.close()
        return reply.decode().strip()

    def state(self):
        return json.loads(self.control("state")[3:])

    def close(self):
        self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Checks:
    """A test's PASS/FAIL lines, each `TAG NAME: detail`. end() shows the guest console
    (self.output) when a check failed (or always, with console), prints the count and
    returns the exit code: 1 when a check failed (or none ran, with need_one), else 0."""

    def __init__(self, tag):
        self.tag, self.results, self.t0, self.output = tag, [], time.monotonic(), ""

    def __call__(self, ok, name, detail=""):
        self.results.append(bool(ok))
        print(f"{'PASS' if ok else 'FAIL'}: {self.tag} {name}{': ' + detail if detail else ''}", flush=True)

    def guest_said(self, output, names, more=None):
        """One check for each of `names` from the guest script's own lines
        `CHECK NAME PASS|FAIL detail` (`more`: results the host adds, by name); returns
        them all, by name: (ok, detail)."""
        reported = dict(more or {})
        for line in output.splitlines():
            p = line.split(" ", 3)
            if len(p) >= 3 and p[0] == "CHECK":
                reported[p[1]] = (p[2] == "PASS", p[3] if len(p) > 3 else "")
        for name in names:
            ok, detail = reported.get(name, (False, "not reported by the guest"))
            self(ok, name, detail)
        return reported

    @contextlib.contextmanager
    def guest(self, name="guest_run", first_line=False):
        """Around a guest's run: a guest that cannot run here skips the test; one that
        fails is the failed check `name` (with first_line, the error's first line only)
        and its console is kept for end()."""
        try:
            yield
        except fbguest.GuestUnavailable as e:
            skip(f"{self.tag}: {e}")
        except fbguest.GuestError as e:
            self.output = e.output
            self(False, name, str(e).splitlines()[0] if first_line else str(e))

    def end(self, timed=True, console=False, need_one=False):
        failed = self.results.count(False)
        output = self.output
        if (failed or console) and output:
            print(f"--- guest console ({self.tag}) ---\n{output}\n--- end ---", file=sys.stderr)
        took = f" in {time.monotonic() - self.t0:.1f}s" if timed else ""
        print(f"{self.tag}: {len(self.results) - failed} passed, {failed} failed{took}")
        return 1 if failed or (need_one and not self.results) else 0
