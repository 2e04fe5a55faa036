#!/usr/bin/env python3
"""System test: fb::ppp::PppdRunner against real pppd on a real PPP kernel.

usage: test_ppp_guest.py ARCH GUEST_TEST_BINARY PPPD_BINARY|auto   (ARCH: x86_64|arm64)

Boots the QEMU guest (tests/system/guest/fbguest.py) with ppp_generic/ppp_async,
the runner's doctest binary (tests/ppp/runner_guest_test.cpp) and pppd of the
same arch, and runs the binary there: link up with the peer's addresses, the
peer hanging up, the line cut, LCP echo timeout, SIGKILL, SIGTERM->SIGKILL
escalation, exit codes 8/15/16/19, PAP credentials, up timeout. The "ISP"
pppd runs in its own network namespace inside the guest. PPPD_BINARY `auto`: the
host's /usr/sbin/pppd for x86_64; for arm64, Debian's ppp:arm64 and the libraries
it needs, fetched once with apt-get download into $FB_GUEST_CACHE/arm64/ppp.
Exit 0 passed, 1 failed, 77 skipped (SKIPPED: on stderr).
"""
import os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest"))
import fbguest  # noqa: E402
import systest  # noqa: E402

MODULES = ["ppp_generic", "ppp_async"]
SCRIPT = r"""
for m in ppp_generic ppp_async; do modprobe $m || echo "modprobe $m failed"; done
mkdir -p /var/run /etc/ppp
/usr/local/bin/fb_ppp_guest_tests --duration=true
"""
PAP_SECRETS = b'# client server secret addresses\n"fbuser" * "fb \\"pass\\"" *\n'


# ppp:arm64 and the libraries its pppd needs beyond the cross sysroot's.
PPP_ARM64_DEBS = ["ppp", "libcrypt1", "libpam0g", "libaudit1", "libcap-ng0", "libpcap0.8", "libdbus-1-3",
                  "libibverbs1"]


def arm64_pppd():
    """Path of an arm64 pppd (fetched once); adds its library dirs for fbguest."""
    cache = os.path.join(os.environ.get("FB_GUEST_CACHE", "/var/cache/failberry/guest"), "arm64", "ppp")
    if not os.path.exists(os.path.join(cache, ".prepared")):
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        dl = tempfile.mkdtemp(prefix="ppp-arm64-", dir=os.path.dirname(cache))
        try:
            os.chmod(dl, 0o755)
            debs = [d + ":arm64" for d in PPP_ARM64_DEBS]
            p = subprocess.run(["apt-get", "download", "-qq", *debs], cwd=dl, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                raise fbguest.GuestUnavailable(f"apt-get download {' '.join(debs)} failed: {p.stdout.strip()}")
            root = os.path.join(dl, "root")
            for deb in sorted(f for f in os.listdir(dl) if f.endswith(".deb")):
                subprocess.run(["dpkg", "-x", os.path.join(dl, deb), root], check=True)
            open(os.path.join(root, ".prepared"), "w").close()
            shutil.rmtree(cache, ignore_errors=True)
            os.rename(root, cache)
        finally:
            shutil.rmtree(dl, ignore_errors=True)
    dirs = [os.path.join(cache, "lib/aarch64-linux-gnu"), os.path.join(cache, "usr/lib/aarch64-linux-gnu")]
    base = os.environ.get("FB_GUEST_LIBDIRS_ARM64", fbguest.DEFAULT_LIBDIRS_ARM64)
    os.environ["FB_GUEST_LIBDIRS_ARM64"] = ":".join([base, *dirs])
    return os.path.join(cache, "usr/sbin/pppd")


def main():
    arch, binary, pppd = systest.args(__doc__, 3)
    tag = f"ppp_guest[{arch}]"
    systest.require_root(tag)
    fbguest.exit_on_signals()
    if pppd == "auto":
        try:
            pppd = "/usr/sbin/pppd" if arch == "x86_64" else arm64_pppd()
        except fbguest.GuestUnavailable as e:
            systest.skip(f"{tag}: {e}")
    for path in (binary, pppd):
        if not os.path.isfile(path):
            systest.skip(f"{tag}: missing {path}")
    echo = sys.stderr if os.environ.get("FBGUEST_VERBOSE") else None
    t0 = time.monotonic()
    try:
        rc, output = fbguest.run(arch, SCRIPT, modules=MODULES, timeout=300, echo=echo,
                                 bins=[(binary, "/usr/local/bin/fb_ppp_guest_tests"), (pppd, "/usr/local/bin/pppd")],
                                 files={"/etc/ppp/pap-secrets": PAP_SECRETS})
    except fbguest.GuestUnavailable as e:
        systest.skip(f"{tag}: {e}")
    except fbguest.GuestError as e:
        print(f"FAIL: {tag}: {e}\n--- guest console ---\n{e.output}\n--- end ---", file=sys.stderr)
        return 1
    summary = [l for l in output.splitlines() if l.startswith("[doctest]")]
    ran_cases = any("test cases:" in l and "| 0 passed" not in l for l in summary)
    ok = rc == 0 and ran_cases
    if not ok or os.environ.get("FBGUEST_VERBOSE") is None:
        print(output if not ok else "\n".join(summary))
    print(f"{'PASS' if ok else 'FAIL'}: {tag} rc={rc} in {time.monotonic() - t0:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
