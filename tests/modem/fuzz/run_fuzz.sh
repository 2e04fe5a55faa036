#!/usr/bin/env bash
# tests/modem/fuzz/run_fuzz.sh [--out DIR] [libFuzzer args...]
#
# Builds fuzz_at.cpp and the pure modem sources (drivers/at, drivers/modem,
# drivers/usb, sysfs discovery — no Asio) with clang++ -fsanitize=fuzzer,address,undefined,
# then runs it on a copy of the seed corpus with the given libFuzzer args
# (default: a bounded -max_total_time=20). Exit 77 (skipped) with a SKIPPED:
# line when clang or libFuzzer is missing; otherwise libFuzzer's exit code
# (non-zero on a crash, with the reproducer in DIR). Longer runs by hand:
#   tests/modem/fuzz/run_fuzz.sh --out /tmp/fz -max_total_time=600 -jobs=2
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT=${TMPDIR:-/tmp}/failberry-fuzz-modem
if [[ ${1:-} == --out ]]; then OUT=$2; shift 2; fi
ARGS=("$@")
[[ ${#ARGS[@]} -gt 0 ]] || ARGS=(-max_total_time=20)

CXX=$(command -v clang++-14 || command -v clang++ || true)
[[ -n $CXX ]] || { echo "SKIPPED: fuzz.modem: no clang++ (apt-get install clang-14)" >&2; exit 77; }
mkdir -p "$OUT/corpus"
SOURCES=("$HERE/fuzz_at.cpp"
  "$ROOT"/drivers/at/{fields,framing,parse_3gpp}.cpp
  "$ROOT"/drivers/modem/{error,parse_vendor,profile,discovery}.cpp
  "$ROOT"/drivers/usb/modeswitch.cpp)
BIN=$OUT/fuzz_at
if [[ ! -x $BIN ]] || [[ -n $(find "${SOURCES[@]}" "$ROOT/drivers/include" -newer "$BIN" -print -quit) ]]; then
  if ! "$CXX" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -I"$ROOT/drivers/include" "${SOURCES[@]}" -o "$BIN.new" 2> "$OUT/build.log"; then
    if grep -q -e 'libclang_rt.fuzzer' -e 'unsupported option' "$OUT/build.log"; then
      echo "SKIPPED: fuzz.modem: $CXX has no libFuzzer: $(head -1 "$OUT/build.log")" >&2; exit 77
    fi
    cat "$OUT/build.log" >&2; exit 1
  fi
  mv "$BIN.new" "$BIN"
fi
cd "$OUT"  # crash-* reproducers land here
echo "run_fuzz.sh: $BIN ${ARGS[*]} $OUT/corpus $HERE/corpus" >&2
exec "$BIN" "${ARGS[@]}" -print_final_stats=1 "$OUT/corpus" "$HERE/corpus"
