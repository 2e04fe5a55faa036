#!/bin/bash
# Benchmark (reported, never asserted): what a stick flooding garbage costs the
# AT framer (tests/bench/modem_flood_bench.cpp): CPU ms per MB for 1 MB and
# 8 MB floods of several kinds and their ratio (~1 linear, ~8 quadratic), each
# kind against random bytes, and high bytes after pending lines of growing
# length. With --fuzz, also the modem fuzzer's exec/s: tests/fuzz/run.sh modem
# from its seed corpus only, -seed=1, for SECONDS (the same command before and
# after a change gives comparable figures on the same machine).
# Usage: tests/bench/modem_flood_bench.sh [--build DIR] [--mb N] [--fuzz SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$ROOT/build
MB=1
FUZZ=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift 2 ;;
    --mb) MB=$2; shift 2 ;;
    --fuzz) FUZZ=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--mb N] [--fuzz SECONDS]" >&2; exit 2 ;;
  esac
done
[ -f "$BUILD/CMakeCache.txt" ] || { echo "modem_flood_bench: configure $BUILD first (see README: Building by hand)" >&2; exit 1; }
cmake --build "$BUILD" --target fb_modem_flood_bench > /dev/null
"$BUILD/tests/bench/fb_modem_flood_bench" "$MB"

[ "$FUZZ" -gt 0 ] || exit 0
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo
echo "modem fuzzer, ${FUZZ}s from the seeds (-seed=1):"
rc=0
"$ROOT/tests/fuzz/run.sh" modem --out "$OUT" -max_total_time="$FUZZ" -seed=1 > "$OUT/fuzz.log" 2>&1 || rc=$?
if [ $rc -eq 77 ]; then grep SKIPPED "$OUT/fuzz.log" || true; exit 0; fi
if [ $rc -ne 0 ]; then tail -20 "$OUT/fuzz.log" >&2; exit $rc; fi
grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' "$OUT/fuzz.log"
