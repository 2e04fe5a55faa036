#!/usr/bin/env python3
"""System test: a patched arm64 Debian image boots with systemd and runs failberryd.

usage: boot_image_test.py ARM64_DEB ARM64_OVERLAY_TGZ [--unedited]

1. tests/system/debian_rootfs.sh arm64 <the .deb's Depends>: a minimal Debian 12 arm64
   root filesystem (debootstrap + qemu-user, cached under /var/cache/failberry/rootfs;
   built when the cache is empty) with systemd, the Debian arm64 kernel and the .deb's
   runtime dependencies.
2. tests/image/mk_rpi_image.sh: that tree as the ext4 root of an image with Raspberry Pi
   OS's layout (FAT32 boot + ext4 root), without mounting; a test-only oneshot unit,
   fb-boot-report.service (After=failberryd.service), is added with debugfs, and the
   serial console getty masked: the report is the only writer besides systemd and the
   kernel (agetty hangs the tty up as it starts, which cut a report off once).
3. image/patch-image.sh --overlay --deb --config: the overlay, the .deb and an edited INI
   (the example with this network's gateway), exactly as a user would patch an image.
4. qemu-system-aarch64 -M virt (TCG) boots the image's kernel and initrd with root on
   the image's partition 2 and systemd as init; user-mode networking forwards a loopback
   port on the host to the guest's TCP 9000.
Checks: the report unit prints failberryd.service's state once systemd has finished
starting it (for Type=notify that is after READY=1): ActiveState=active,
SubState=running; the start condition passed; GET /health from the host answers HTTP
(503 until uplink tracking lands: every uplink is "unknown"); GET /status is JSON naming
the daemon's uplinks; inside failberryd's mount namespace (nsenter -m) the state
directory and /run/pppd are writable while /run, /run/systemd/system and /etc are not,
and bookworm's pppd 2.4.9 started there writes its pid files, which land in /run/pppd.
--unedited: patch without --config, so the image holds the shipped example INI; then
the unit's start condition must skip the start at boot (inactive, the journal says
what to do) and nothing answers on the forwarded port.
Prints PASS/FAIL lines, timings, "N passed, N failed".
Exit 0 all passed, 1 a failure, 77 skipped (SKIPPED: reason on stderr).
Env: FB_BOOT_VERBOSE=1 streams the guest console; FB_BOOT_TIMEOUT (s, default 600).
"""
import http.client, json, os, re, selectors, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")
MARKER = re.compile(r"(FB-REPORT |FB-JOURNAL |FB-SANDBOX |FB-PPPD-LOG |FB-PPPD |FB-REPORT-END)")
REPORT_UNIT = """[Unit]
Description=failberry boot test: report failberryd.service's state on the console
After=failberryd.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
StandardOutput=tty
TTYPath=/dev/ttyAMA0
ExecStart=/usr/local/sbin/fb-boot-report

[Install]
WantedBy=multi-user.target
"""
REPORT_SCRIPT = """#!/bin/sh
# Runs once systemd has finished starting failberryd.service (After=): for
# Type=notify that is after READY=1 or after the start failed.
echo "FB-REPORT $(systemctl show -p ActiveState -p SubState -p Result -p ExecMainPID failberryd.service | tr '\\n' ' ')"
journalctl -b -u failberryd.service --no-pager -o cat | tail -n 15 | sed 's/^/FB-JOURNAL /'
pid=$(systemctl show -p MainPID --value failberryd.service)
if [ "${pid:-0}" -gt 0 ]; then
  # The file system as failberryd's sandbox sees it (its mount namespace), tried by the
  # shell and by bookworm's pppd 2.4.9 with the options failberryd gives it.
  ns() { nsenter -t "$pid" -m -- "$@"; }
  try() { if ns sh -c ": > '$1' && rm -f '$1'" 2>/dev/null; then echo "FB-SANDBOX $1 writable"; else echo "FB-SANDBOX $1 read-only"; fi; }
  try /var/lib/failberry/.fb-boot-probe
  try /run/pppd/.fb-boot-probe
  try /run/.fb-boot-probe
  try /run/systemd/system/fb-boot-probe.service
  try /etc/.fb-boot-probe
  # pppd on a pty that never answers: it makes its unit, writes its pid files, then
  # gives up when the pty's command ends.
  ns /usr/sbin/pppd pty "sleep 20" nodetach noauth nolock noipdefault local unit 9 \
     linkname fbboot > /run/fb-boot-pppd.log 2>&1 &
  ppp=$!
  for i in $(seq 1 100); do [ -s /run/pppd/ppp-fbboot.pid ] && [ -s /run/pppd/ppp9.pid ] && break; sleep 0.1; done
  linkpid=$(head -n1 /run/pppd/ppp-fbboot.pid 2>/dev/null)
  echo "FB-PPPD linkpid=$linkpid unitpid=$(head -n1 /run/pppd/ppp9.pid 2>/dev/null) comm=$(cat /proc/${linkpid:-0}/comm 2>/dev/null) in_run=$(ls /run/ppp9.pid /run/ppp-fbboot.pid 2>/dev/null | wc -l)"
  kill "$ppp" 2>/dev/null; wait "$ppp"
  sed 's/^/FB-PPPD-LOG /' /run/fb-boot-pppd.log
fi
echo FB-REPORT-END
"""
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}: {name}{(' -- ' + detail) if detail else ''}", flush=True)


def skip(why):
    print(f"SKIPPED: {why}", file=sys.stderr)
    sys.exit(77)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        c.close()


def console_marker(line):
    """(marker, the rest of the line) for a report line, (None, None) otherwise."""
    m = MARKER.search(line)
    return (m.group(1), line[m.end():]) if m else (None, None)


def self_test():
    """The console parse on lines seen from real boots (ctest unit.boot_console)."""
    cases = [
        ("FB-REPORT ActiveState=active Result=success", ("FB-REPORT ", "ActiveState=active Result=success")),
        # getty's prompt and the report on one console line (seen in a full run)
        ("failberry-test login: FB-REPORT Result=success ExecMainPID=291 ",
         ("FB-REPORT ", "Result=success ExecMainPID=291 ")),
        ("failberry-test login: FB-JOURNAL started", ("FB-JOURNAL ", "started")),
        ("failberry-test login: FB-REPORT-END", ("FB-REPORT-END", "")),
        ("FB-REPORT-END", ("FB-REPORT-END", "")),
        ("FB-PPPD linkpid=312 comm=pppd", ("FB-PPPD ", "linkpid=312 comm=pppd")),
        ("FB-PPPD-LOG Using interface ppp9", ("FB-PPPD-LOG ", "Using interface ppp9")),
        ("FB-SANDBOX /run/.fb-boot-probe read-only", ("FB-SANDBOX ", "/run/.fb-boot-probe read-only")),
        ("Debian GNU/Linux 12 failberry-test ttyAMA0", (None, None)),
    ]
    bad = [(line, console_marker(line), want) for line, want in cases if console_marker(line) != want]
    for line, got, want in bad:
        print(f"FAIL console_marker({line!r}) = {got!r}, want {want!r}")
    print(f"{len(cases) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


def arm64_root(deb, extra=(), layer="root"):
    """(root, kernel, initrd) of the cached arm64 Debian root with the .deb's Depends and
    `extra` packages (debian_rootfs.sh, its package layer named `layer`), or None after a
    FAIL line."""
    depends = run(["dpkg-deb", "-f", deb, "Depends"], capture_output=True).stdout
    pkgs = sorted({re.sub(r"[ (].*", "", d.strip()) for d in depends.split(",") if d.strip()})
    r = subprocess.run([os.path.join(HERE, "debian_rootfs.sh"), "arm64", *pkgs, *extra], text=True,
                       stdout=subprocess.PIPE, env=dict(os.environ, FB_ROOTFS_LAYER=layer))
    if r.returncode != 0:
        check("arm64 root filesystem built" + (f" (with {' '.join(extra)})" if extra else ""), False,
              f"debian_rootfs.sh exit {r.returncode}")
        return None
    root = r.stdout.strip().splitlines()[-1]
    kernels = sorted(f for f in os.listdir(os.path.join(root, "boot")) if f.startswith("vmlinuz-"))
    if not kernels:
        check("kernel in the root filesystem", False, f"no vmlinuz in {root}/boot")
        return None
    kver = kernels[-1][len("vmlinuz-"):]
    return (root, *(os.path.join(root, "boot", f"{p}-{kver}") for p in ("vmlinuz", "initrd.img")))


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    unedited = sys.argv[3:] == ["--unedited"]
    if len(sys.argv) != 3 and not unedited:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    deb, overlay = map(os.path.abspath, sys.argv[1:3])
    if os.geteuid() != 0:
        skip("needs root (debootstrap, chroot)")
    for f, how in ((deb, "deb"), (overlay, "overlay")):
        if not os.path.isfile(f):
            skip(f"{f} not built (cmake --build build-arm64 --target {how}; tests/run_all.sh does)")
    qemu = shutil.which("qemu-system-aarch64")
    if not qemu:
        skip("qemu-system-aarch64 not installed (package qemu-system-arm)")
    timeout = float(os.environ.get("FB_BOOT_TIMEOUT", "600"))
    verbose = os.environ.get("FB_BOOT_VERBOSE") == "1"
    times = {}

    t = time.monotonic()
    found = arm64_root(deb)
    if not found:
        return 1
    root, kernel, initrd = found
    times["rootfs (cache hit or build)"] = time.monotonic() - t

    with tempfile.TemporaryDirectory(prefix="fb-boot.") as w:
        t = time.monotonic()
        used_mib = int(run(["du", "-sm", "--exclude=./proc", root], capture_output=True).stdout.split()[0])
        base = os.path.join(w, "base.img")
        run([os.path.join(SRC, "tests/image/mk_rpi_image.sh"), base, root, "64", str(used_mib + 160)],
            stderr=subprocess.DEVNULL)
        p2 = (8192 + 64 * 2048) * 512
        unit, script = os.path.join(w, "fb-boot-report.service"), os.path.join(w, "fb-boot-report")
        with open(unit, "w") as f:
            f.write(REPORT_UNIT)
        with open(script, "w") as f:
            f.write(REPORT_SCRIPT)
        run(["debugfs", "-w", "-f", "-", f"{base}?offset={p2}"], capture_output=True, input=(
            f"write {unit} /etc/systemd/system/fb-boot-report.service\n"
            "sif /etc/systemd/system/fb-boot-report.service mode 0100644\n"
            f"write {script} /usr/local/sbin/fb-boot-report\n"
            "sif /usr/local/sbin/fb-boot-report mode 0100755\n"
            "symlink /etc/systemd/system/multi-user.target.wants/fb-boot-report.service "
            "/etc/systemd/system/fb-boot-report.service\n"
            # No login prompt on the console the report is written to: agetty's vhangup() of
            # ttyAMA0 as it starts cut the report's writes off once (seen in a run of 10), and
            # its prompt shared a line with the report another time.
            "symlink /etc/systemd/system/serial-getty@ttyAMA0.service /dev/null\n"))
        times["image built (mke2fs -d)"] = time.monotonic() - t

        t = time.monotonic()
        ini = os.path.join(w, "failberry.ini")
        with open(os.path.join(SRC, "image/overlay/etc/failberry/failberry.ini")) as f:
            text = f.read()
        text = text.replace("gateway = 192.168.1.1", "gateway = 10.0.2.2")  # QEMU user-mode network
        # The host's requests arrive on the wired uplink (eth0) from slirp's 10.0.2.2: /status is
        # served there only when the user says so.
        text = text.replace("interface = eth0\n", "interface = eth0\nserve_status = true\n", 1)
        text = re.sub(r"(?m)^#status_allow = .*$", "status_allow = 127.0.0.0/8, 10.0.2.2/32", text, count=1)
        with open(ini, "w") as f:
            f.write(text + "\n# boot test: QEMU user-mode network\n")
        patched = os.path.join(w, "patched.img")
        config = [] if unedited else ["--config", ini]
        p = subprocess.run([os.path.join(SRC, "image/patch-image.sh"), "--overlay", overlay, "--deb", deb,
                            *config, "-o", patched, base], text=True, stderr=subprocess.PIPE)
        print("".join("    | " + l + "\n" for l in p.stderr.splitlines()), end="")
        check("image patched (overlay, .deb, %s INI)" % ("example" if unedited else "edited"),
              p.returncode == 0, f"exit {p.returncode}")
        if p.returncode != 0:
            return 1
        m = re.search(r"systemd-analyze security failberryd.service: (\S+)", p.stderr)
        if m:
            print(f"systemd-analyze security exposure: {m.group(1)}")
        times["patch-image.sh"] = time.monotonic() - t

        port = free_port()
        cmd = [qemu, "-M", "virt", "-cpu", "cortex-a53", "-m", "1024", "-smp", "2", "-accel", "tcg",
               "-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
               "-append", "root=/dev/vda2 rootfstype=ext4 rw console=ttyAMA0 net.ifnames=0 panic=-1",
               "-drive", f"file={patched},if=none,format=raw,id=d0", "-device", "virtio-blk-pci,drive=d0",
               "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:9000",
               "-device", "virtio-net-pci,netdev=n0"]
        t = time.monotonic()
        q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        report, journal, console, sandbox, pppd, pppd_log = None, [], [], {}, None, []
        try:
            sel = selectors.DefaultSelector()
            sel.register(q.stdout, selectors.EVENT_READ)
            buf = b""
            deadline = time.monotonic() + timeout
            done = False
            while not done and time.monotonic() < deadline:
                if not sel.select(timeout=max(0.1, deadline - time.monotonic())):
                    continue
                chunk = os.read(q.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    line = ANSI.sub("", raw.decode(errors="replace"))
                    console.append(line)
                    if verbose:
                        print("    guest| " + line, file=sys.stderr)
                    # A marker counts anywhere in a line: getty and the report share the
                    # console, so "login: " may stand before it (each of our lines is one
                    # write, which the tty never splits).
                    kind, rest = console_marker(line)
                    if kind is None:
                        continue
                    if kind == "FB-REPORT " and report is None:
                        report = kind + rest
                        times["boot to failberryd.service started"] = time.monotonic() - t
                    elif kind == "FB-JOURNAL ":
                        journal.append(rest)
                    elif kind == "FB-SANDBOX ":
                        path, _, verdict = rest.strip().rpartition(" ")
                        sandbox[path] = verdict
                    elif kind == "FB-PPPD ":
                        pppd = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
                    elif kind == "FB-PPPD-LOG ":
                        pppd_log.append(rest)
                    elif kind == "FB-REPORT-END":
                        done = True
            check("the guest booted with systemd and reported failberryd.service's state", report is not None,
                  "no report within %.0f s; console tail:\n%s" % (timeout, "\n".join(console[-25:]))
                  if report is None else "")
            if report is None:
                return 1
            print(report)
            print("failberryd journal in the guest:\n" + "\n".join("    | " + l for l in journal))
            props = dict(kv.split("=", 1) for kv in report.split()[1:] if "=" in kv)
            if unedited:
                check("failberryd.service skipped by its start condition (inactive, Result=exec-condition)",
                      props.get("ActiveState") == "inactive" and props.get("Result") == "exec-condition", report)
                check("the journal says the INI is the unedited example and what to do",
                      any("unedited example" in l for l in journal)
                      and any("systemctl start failberryd" in l for l in journal))
                try:
                    st, _ = http_get(port, "/health")
                    check("nothing answers on the forwarded port", False, f"HTTP {st}")
                except (OSError, http.client.HTTPException) as e:
                    check("nothing answers on the forwarded port", True, repr(e))
                return finish(times)
            check("failberryd.service ActiveState=active (Type=notify: READY=1 received)",
                  props.get("ActiveState") == "active", report)
            check("failberryd.service SubState=running", props.get("SubState") == "running", report)
            check("the start condition accepted the edited INI",
                  not any("unedited example" in l for l in journal))
            check_sandbox(sandbox, pppd, pppd_log)
            # The report ran after READY=1 and network-online: the endpoint listens and the
            # guest has its address, so one request must be answered.
            status = body = None
            err = ""
            try:
                status, body = http_get(port, "/health")
            except (OSError, http.client.HTTPException) as e:
                err = repr(e)
            check("/health answers from the host (hostfwd 127.0.0.1:%d -> guest :9000)" % port,
                  status in (200, 503), f"status {status} body {body!r}" if status else err)
            try:
                st, sbody = http_get(port, "/status")
                doc = json.loads(sbody)
                names = sorted(u.get("name", "?") for u in doc.get("uplinks", []))
                check("/status is JSON from the guest's daemon naming its uplinks",
                      st == 200 and names == ["cellular", "wired"], f"uplinks {names}")
            except (OSError, http.client.HTTPException, ValueError) as e:
                check("/status is JSON from the guest's daemon naming its uplinks", False, repr(e))
        finally:
            q.kill()
            q.wait()
    return finish(times)


def check_sandbox(sandbox, pppd, pppd_log):
    """The unit's file system view, seen from inside failberryd's mount namespace."""
    want = {"/var/lib/failberry/.fb-boot-probe": "writable", "/run/pppd/.fb-boot-probe": "writable",
            "/run/.fb-boot-probe": "read-only", "/run/systemd/system/fb-boot-probe.service": "read-only",
            "/etc/.fb-boot-probe": "read-only"}
    for path, verdict in want.items():
        check(f"in failberryd's sandbox {path} is {verdict}", sandbox.get(path) == verdict,
              f"seen: {sandbox.get(path, 'not reported')}")
    p = pppd or {}
    log = "\n".join(pppd_log)
    check("pppd 2.4.9 in the sandbox writes its pid files, which the host sees in /run/pppd",
          bool(p.get("linkpid")) and p.get("unitpid") == p["linkpid"] and p.get("comm") == "pppd",
          f"{p} pppd said:\n{log}")
    check("pppd wrote nothing straight into /run", p.get("in_run") == "0", str(p))
    check("pppd logged no pid file failure", pppd is not None and "Failed to create pid file" not in log, log)


def finish(times):
    for k, v in times.items():
        print(f"time: {k}: {v:.1f} s")
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
