#!/usr/bin/env bash
# tests/ddns/fuzz/run_fuzz.sh [--out DIR] [libFuzzer args...]
#
# Builds fuzz_ddns.cpp with the pure DDNS protocol sources (ddns/, no libcurl,
# no Asio) and fb_common's address code, with clang++ -fsanitize=fuzzer,
# address,undefined, and runs it on a copy of the seed corpus (default: a
# bounded -max_total_time=20). Exit 77 (skipped) with a SKIPPED: line when
# clang or libFuzzer is missing; otherwise libFuzzer's exit code (non-zero on a
# crash, with the reproducer in DIR). Longer runs by hand:
#   tests/ddns/fuzz/run_fuzz.sh --out /tmp/fz -max_total_time=600 -jobs=2
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT=${TMPDIR:-/tmp}/failberry-fuzz-ddns
if [[ ${1:-} == --out ]]; then OUT=$2; shift 2; fi
ARGS=("$@")
[[ ${#ARGS[@]} -gt 0 ]] || ARGS=(-max_total_time=20)

CXX=$(command -v clang++-14 || command -v clang++ || true)
[[ -n $CXX ]] || { echo "SKIPPED: fuzz.ddns: no clang++ (apt-get install clang-14)" >&2; exit 77; }
mkdir -p "$OUT/corpus"
SOURCES=("$HERE/fuzz_ddns.cpp"
  "$ROOT"/ddns/{crypto,reply,lambda,route53,sigv4,secrets}.cpp
  "$ROOT"/firmware/common/{net_types,log}.cpp)
BIN=$OUT/fuzz_ddns
if [[ ! -x $BIN ]] || [[ -n $(find "${SOURCES[@]}" "$ROOT/ddns/include" -newer "$BIN" -print -quit) ]]; then
  if ! "$CXX" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I"$ROOT/ddns/include" -I"$ROOT/firmware/common/include" "${SOURCES[@]}" -lcrypto -o "$BIN.new" \
      2> "$OUT/build.log"; then
    if grep -q -e 'libclang_rt.fuzzer' -e 'unsupported option' "$OUT/build.log"; then
      echo "SKIPPED: fuzz.ddns: $CXX has no libFuzzer: $(head -1 "$OUT/build.log")" >&2; exit 77
    fi
    cat "$OUT/build.log" >&2; exit 1
  fi
  mv "$BIN.new" "$BIN"
fi
cd "$OUT"  # crash-* reproducers land here
echo "run_fuzz.sh: $BIN ${ARGS[*]} $OUT/corpus $HERE/corpus" >&2
exec "$BIN" "${ARGS[@]}" -print_final_stats=1 "$OUT/corpus" "$HERE/corpus"
