#!/usr/bin/env python3
"""Benchmark (reported, never asserted): time from a fault to ppp0 up again, and
failberryd's RSS while online, from QEMU guest runs of tests/system/test_cellular_guest.py.

usage: tests/bench/cellular_bench.py [--arch x86_64|arm64] [--runs N] [--build DIR] [--paths]   (as root)

One guest boot per arch runs N "isp_hangup" faults (the network ends the call: pppd
notices through LCP echoes, the ladder redials) and N "firmware_hang" faults (AT silent:
redial and modem reset time out, the hub port is power-cycled, the stick comes back and is
redialed), each against a fresh ladder. Times are guest uptime from the fault to ppp0
having the ISP's addresses again, so they include the test's [recovery]/[ppp] timings
(lcp_echo_interval 1s x 3, command_timeout 2s, backoff from 500ms, redial_attempts 1):
they measure the daemon's reaction under those settings on an emulated (TCG) machine,
not a real stick. RSS is VmRSS of failberryd each time the link is up.

With --paths: PPP against the stick's network interface ([modem] data = net), in one
guest run (FBCELL_BENCH=1): a cold dial and N ISP hangups over PPP, then the same guest's
failberryd on a Huawei stick's session (usb-net, slirp as the carrier) with N session
drops (^NDISSTAT: 0). For each connection: the time from "connected" (CONNECT handed to
pppd; the stick's ^NDISSTAT: 1) to the kernel's first default route on the interface
(failberryd's own netcfg line, wall clock of its log), and the throughput of a TCP
transfer of FBCELL_BENCH_KB KiB (default 256) of zeros: over ppp0 to a sink in the
ISP's namespace (PPP through the emulated serial ports and modemsim's relay), over the
stick's interface to a sink on the host's loopback (slirp). Printed as medians and as
net/PPP ratios; TCG timings, not a real stick's.
"""
import argparse, datetime, os, re, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST = os.path.join(ROOT, "tests", "system", "test_cellular_guest.py")


def pct(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def log_time(line):
    """The wall clock of a failberryd log line ("D 2026-12-06T10:12:39.887 ..."), seconds."""
    m = re.match(r"D (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) ", line)
    return datetime.datetime.fromisoformat(m.group(1)).timestamp() if m else None


def paths(lines):
    """From a --paths run's console: {"ppp"|"net": [seconds from connected to the first
    default route on the interface]} and {"ppp"|"net": [bytes per second]}."""
    to_route, tput, pending = {"ppp": [], "net": []}, {"ppp": [], "net": []}, None
    for line in lines:
        t = log_time(line)
        if t is not None and re.search(r"CONNECT.*handing the line to pppd", line):
            pending = ("ppp", t)
        elif t is not None and re.search(r"urc \^NDISSTAT: 1", line):
            pending = ("net", t)
        elif t is not None and pending and re.search(
                r"netcfg: ip -4 route replace default .*dev (ppp\d+|usb\d+) proto \d+ metric", line):
            to_route[pending[0]].append(t - pending[1])
            pending = None
        m = re.match(r"TPUT (ppp|net) (\d+) ([\d.]+) ([\d.]+)", line)
        if m and float(m.group(4)) > float(m.group(3)):
            tput[m.group(1)].append(int(m.group(2)) / (float(m.group(4)) - float(m.group(3))))
    return to_route, tput


def run_paths(a, daemon, ctl):
    scenarios = ["cold"] + ["isp_hangup"] * a.runs + ["net"] + ["net_drop"] * a.runs
    env = dict(os.environ, FBGUEST_VERBOSE="1", FBCELL_BENCH="1")
    p = subprocess.run([sys.executable, TEST, a.arch, daemon, ctl, "auto", *scenarios], env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        print(p.stdout[-6000:])
        print(f"cellular_bench --paths: the guest run failed (exit {p.returncode}); no figures")
        return 1
    to_route, tput = paths(p.stdout.split("\n--- guest console")[0].splitlines())
    print(f"cellular_bench --paths arch={a.arch} runs={a.runs} (QEMU TCG, 1 vCPU; PPP vs the stick's interface)")
    for name, v, unit, scale in (("connected -> default route on the interface", to_route, "ms", 1000),
                                 ("TCP throughput to the network's side", tput, "KiB/s", 1 / 1024)):
        for path in ("ppp", "net"):
            if v[path]:
                print(f"  {name}, {path}: n={len(v[path])} median {statistics.median(v[path]) * scale:.1f} {unit}, "
                      f"min {min(v[path]) * scale:.1f}, max {max(v[path]) * scale:.1f}")
        if v["ppp"] and v["net"]:
            print(f"  {name}: net/ppp = {statistics.median(v['net']) / statistics.median(v['ppp']):.3f}")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="x86_64")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--build", default=None, help="build dir (default build/ or build-arm64/)")
    ap.add_argument("--paths", action="store_true", help="PPP vs the stick's network interface (see above)")
    a = ap.parse_args()
    build = a.build or os.path.join(ROOT, "build" if a.arch == "x86_64" else "build-arm64")
    daemon, ctl = (os.path.join(build, "firmware", b) for b in ("failberryd", "failberryctl"))
    if a.paths:
        return run_paths(a, daemon, ctl)
    scenarios = ["isp_hangup"] * a.runs + ["firmware_hang"] * a.runs
    env = dict(os.environ, FBGUEST_VERBOSE="1")
    p = subprocess.run([sys.executable, TEST, a.arch, daemon, ctl, "auto", *scenarios], env=env, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout
    if p.returncode != 0:
        print(out[-6000:])
        print(f"cellular_bench: the guest run failed (exit {p.returncode}); no figures")
        return 1
    times, rss, pending, label = {"isp_hangup": [], "firmware_hang": []}, [], None, None
    for line in out.split("\n--- guest console")[0].splitlines():  # the echo, not the dump after it
        m = re.match(r"T (\w+) ([\d.]+)$", line)
        if m and m.group(1) == "fault":
            pending, label = float(m.group(2)), None
        elif line.startswith("PHASE ") and pending is not None:
            label = {"isp_hangup": "isp_hangup", "hang": "firmware_hang"}.get(line.split()[1])
        elif m and m.group(1) == "ppp_up" and pending is not None:
            if label:
                times[label].append(float(m.group(2)) - pending)
            pending = None
        m = re.match(r"RSS (\d+) kB", line)
        if m:
            rss.append(int(m.group(1)))
    print(f"cellular_bench arch={a.arch} runs={a.runs} (guest uptime seconds, QEMU TCG, 1 vCPU)")
    for name, v in times.items():
        if v:
            print(f"  fault -> ppp0 up, {name:13s}: n={len(v)} median {statistics.median(v):.2f} s, "
                  f"p95 {pct(v, 95):.2f} s, min {min(v):.2f} s, max {max(v):.2f} s")
    if rss:
        print(f"  failberryd VmRSS while online: n={len(rss)} median {statistics.median(rss):.0f} kB, "
              f"max {max(rss)} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
