#!/bin/bash
# Builds a libFuzzer target with clang (ASan + UBSan) and runs it for a
# bounded time; exits non-zero on any crash or sanitizer finding.
# Usage: tests/fuzz/run.sh TARGET SECONDS [BUILD_DIR]
#   TARGET: http_request (health/handler through Beast's parser)
# Exit 77 (skipped) when clang with libFuzzer is not installed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${1:?target}; SECONDS_MAX=${2:?seconds}; OUT=${3:-$ROOT/build/fuzz}
CXX=$(command -v clang++-14 || command -v clang++ || true)
[ -n "$CXX" ] || { echo "SKIPPED: fuzz $TARGET: clang++ not installed" >&2; exit 77; }
case "$TARGET" in
  http_request)
    SRC=("$ROOT/tests/fuzz/http_request_fuzz.cpp" "$ROOT/health/handler.cpp" "$ROOT/firmware/common/net_types.cpp")
    INC=(-I"$ROOT/health/include" -I"$ROOT/firmware/common/include") ;;
  *) echo "run.sh: unknown fuzz target $TARGET" >&2; exit 2 ;;
esac
mkdir -p "$OUT/$TARGET-corpus"
BIN=$OUT/$TARGET-fuzz
"$CXX" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "${INC[@]}" "${SRC[@]}" -o "$BIN"
# Seeds: real check requests, so the fuzzer starts from valid HTTP.
printf 'GET /health/wired HTTP/1.1\r\nHost: pi.example.com:9000\r\nUser-Agent: Amazon-Route53-Health-Check-Service\r\nAccept-Encoding: identity,gzip,deflate\r\n\r\n' > "$OUT/$TARGET-corpus/seed-route53"
printf 'HEAD /status?x=1 HTTP/1.0\r\n\r\n' > "$OUT/$TARGET-corpus/seed-head"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' > "$OUT/$TARGET-corpus/seed-chunked"
cd "$OUT"
rc=0
"$BIN" -max_total_time="$SECONDS_MAX" -print_final_stats=1 -artifact_prefix="$OUT/$TARGET-" \
  "$OUT/$TARGET-corpus" > "$OUT/$TARGET.log" 2>&1 || rc=$?
grep -E 'stat::number_of_executed_units|stat::peak_rss|^Done' "$OUT/$TARGET.log" || true
if [ $rc -ne 0 ]; then
  echo "fuzz $TARGET: FINDING (exit $rc); reproducer: $OUT/$TARGET-crash-*" >&2
  grep -E -A30 'ERROR|SUMMARY|deadly signal' "$OUT/$TARGET.log" | head -60 >&2
fi
exit $rc
