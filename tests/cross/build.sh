#!/usr/bin/env bash
# tests/cross/build.sh ARCH   (ARCH = arm64 | armhf)
#
# Cross-builds the whole tree into <repo>/build-ARCH: makes the sysroot
# (toolchain/sysroot.sh: extracted .debs, because apt can't install the
# :ARCH -dev packages while the foreign-arch index lags the host's versions),
# then configures with toolchain/ARCH.cmake and builds. Works from any cwd.
# Extra args go to the cmake configure step. Then: tests/cross/run.sh ARCH
# build-ARCH (or ctest in build-ARCH: tests run under qemu-user).
set -euo pipefail

ARCH=${1:-}
case "$ARCH" in arm64|armhf) ;; *) echo "usage: $0 arm64|armhf [cmake args...]" >&2; exit 2 ;; esac
shift
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

"$ROOT/toolchain/sysroot.sh" "$ARCH" >/dev/null
cmake -S "$ROOT" -B "$ROOT/build-$ARCH" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/toolchain/$ARCH.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFB_WERROR=ON "$@"
cmake --build "$ROOT/build-$ARCH"
