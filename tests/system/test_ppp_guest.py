#!/usr/bin/env python3
"""System test: fb::ppp::PppdRunner against real pppd on a real PPP kernel.

usage: test_ppp_guest.py ARCH GUEST_TEST_BINARY PPPD_BINARY   (ARCH: x86_64|arm64)

Boots the QEMU guest (tests/system/guest/fbguest.py) with ppp_generic/ppp_async,
the runner's doctest binary (tests/ppp/runner_guest_test.cpp) and pppd of the
same arch, and runs the binary there: link up with the peer's addresses, the
peer hanging up, the line cut, LCP echo timeout, SIGKILL, SIGTERM->SIGKILL
escalation, exit codes 8/15/16/19, PAP credentials, up timeout. The "ISP"
pppd runs in its own network namespace inside the guest. Exit 0 passed,
1 failed, 77 skipped (SKIPPED: on stderr).
"""
import os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest"))
import fbguest  # noqa: E402

MODULES = ["ppp_generic", "ppp_async"]
SCRIPT = r"""
for m in ppp_generic ppp_async; do modprobe $m || echo "modprobe $m failed"; done
mkdir -p /var/run /etc/ppp
/usr/local/bin/fb_ppp_guest_tests --duration=true
"""
PAP_SECRETS = b'# client server secret addresses\n"fbuser" * "fb \\"pass\\"" *\n'


def skip(reason):
    print(f"SKIPPED: {reason}", file=sys.stderr)
    sys.exit(77)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in fbguest.ARCHES:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    arch, binary, pppd = sys.argv[1:]
    tag = f"ppp_guest[{arch}]"
    if os.geteuid() != 0:
        skip(f"{tag}: needs root (kernel cache under /var/cache)")
    for path in (binary, pppd):
        if not os.path.isfile(path):
            skip(f"{tag}: missing {path}")
    fbguest.exit_on_signals()
    echo = sys.stderr if os.environ.get("FBGUEST_VERBOSE") else None
    t0 = time.monotonic()
    try:
        rc, output = fbguest.run(arch, SCRIPT, modules=MODULES, timeout=300, echo=echo,
                                 bins=[(binary, "/usr/local/bin/fb_ppp_guest_tests"), (pppd, "/usr/local/bin/pppd")],
                                 files={"/etc/ppp/pap-secrets": PAP_SECRETS})
    except fbguest.GuestUnavailable as e:
        skip(f"{tag}: {e}")
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
