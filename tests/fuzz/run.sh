#!/usr/bin/env bash
# tests/fuzz/run.sh TARGET [--out DIR] [libFuzzer args...]   TARGET: http | modem | ddns | dhcp | hilink
#
# Builds TARGET's libFuzzer harness with the pure sources it exercises (no
# Asio, no libcurl) using clang++ -fsanitize=fuzzer,address,undefined —
# rebuilt only when a source or header changed — and runs it on a copy of
# its seed corpus with the given libFuzzer args (default: a bounded
# -max_total_time=20). Exit 77 (skipped) with a SKIPPED: line when clang or
# libFuzzer is missing; otherwise libFuzzer's exit code (non-zero on a crash,
# with the reproducer in DIR). Longer runs by hand:
#   tests/fuzz/run.sh modem --out /tmp/fz -max_total_time=600 -jobs=2
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET=${1:-}
LIBS=()
case "$TARGET" in
  http)   # Beast's request parser into the health handler
    HARNESS=tests/fuzz/http_request_fuzz.cpp; SEEDS=tests/fuzz/http_corpus
    SOURCES=(health/{handler,uplink_health,host_health,signal_history,lldp}.cpp common/{net_types,event,text}.cpp)
    GENERATED_PAGE=1  # the status page's .cpp, made from health/status_page.html as CMake makes it
    INCLUDES=(health/include common/include) ;;
  modem)  # the AT framer and every modem parser
    HARNESS=tests/modem/fuzz/fuzz_at.cpp; SEEDS=tests/modem/fuzz/corpus
    SOURCES=(drivers/at/{charset,error,fields,framing,parse_3gpp}.cpp
             drivers/modem/{parse_vendor,profile,discovery,dial,pdp_choice}.cpp drivers/usb/modeswitch.cpp
             common/{net_types,text}.cpp)
    INCLUDES=(drivers/include common/include) ;;
  ddns)   # every DDNS reply and credentials parser
    HARNESS=tests/ddns/fuzz/fuzz_ddns.cpp; SEEDS=tests/ddns/fuzz/corpus
    SOURCES=(ddns/{crypto,reply,lambda,route53,sigv4,secrets,cloudwatch}.cpp common/{net_types,log,secret_file,text}.cpp)
    INCLUDES=(ddns/include common/include); LIBS=(-lcrypto) ;;
  dhcp)   # the udhcpc event script's lines
    HARNESS=tests/dhcp/fuzz/fuzz_dhcp.cpp; SEEDS=tests/dhcp/fuzz/corpus
    SOURCES=(drivers/dhcp/udhcpc.cpp common/{net_types,text}.cpp)
    INCLUDES=(drivers/include common/include) ;;
  hilink) # the HiLink reply reader and every typed reading, and the ZTE goform JSON ones
    HARNESS=tests/hilink/fuzz/fuzz_hilink.cpp; SEEDS=tests/hilink/fuzz/corpus
    SOURCES=(drivers/hilink/{error,xml,api,goform}.cpp drivers/at/{charset,error,fields,parse_3gpp}.cpp
             common/{net_types,text}.cpp)
    INCLUDES=(drivers/include common/include); LIBS=(-lcrypto) ;;
  *) echo "usage: $0 http|modem|ddns|dhcp|hilink [--out DIR] [libFuzzer args...]" >&2; exit 2 ;;
esac
shift
OUT=${TMPDIR:-/tmp}/failberry-fuzz-$TARGET
if [[ ${1:-} == --out ]]; then OUT=$2; shift 2; fi
ARGS=("$@")
[[ ${#ARGS[@]} -gt 0 ]] || ARGS=(-max_total_time=20)

CXX=$(command -v clang++-14 || command -v clang++ || true)
[[ -n $CXX ]] || { echo "SKIPPED: fuzz.$TARGET: no clang++ (apt-get install clang-14)" >&2; exit 77; }
mkdir -p "$OUT/corpus"
cd "$ROOT"
if [[ -n ${GENERATED_PAGE:-} ]]; then
  python3 - health/status_page.cpp.in health/status_page.html "$OUT/status_page.cpp" <<'PY'
import sys
template, page, out = sys.argv[1:]
text = open(template).read().replace("@FB_STATUS_PAGE@", open(page).read())
try:
    if open(out).read() == text: sys.exit(0)  # unchanged: no rebuild
except OSError:
    pass
open(out, "w").write(text)
PY
  SOURCES+=("$OUT/status_page.cpp")
fi
BIN=$OUT/fuzz_$TARGET
if [[ ! -x $BIN ]] || [[ -n $(find "$HARNESS" "${SOURCES[@]}" "${INCLUDES[@]}" -newer "$BIN" -print -quit) ]]; then
  if ! "$CXX" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      "${INCLUDES[@]/#/-I}" "$HARNESS" "${SOURCES[@]}" "${LIBS[@]}" -o "$BIN.new" 2> "$OUT/build.log"; then
    if grep -q -e 'libclang_rt.fuzzer' -e 'unsupported option' "$OUT/build.log"; then
      echo "SKIPPED: fuzz.$TARGET: $CXX has no libFuzzer: $(head -1 "$OUT/build.log")" >&2; exit 77
    fi
    cat "$OUT/build.log" >&2; exit 1
  fi
  mv "$BIN.new" "$BIN"
fi
cd "$OUT"  # crash-* reproducers land here
echo "run.sh: $BIN ${ARGS[*]} $OUT/corpus $ROOT/$SEEDS" >&2
# libFuzzer's own exit code for a crash, a leak or a timeout is 77, which
# ctest takes for "skipped": a finding must fail the test instead.
exec "$BIN" -error_exitcode=1 -timeout_exitcode=1 "${ARGS[@]}" -print_final_stats=1 "$OUT/corpus" "$ROOT/$SEEDS"
