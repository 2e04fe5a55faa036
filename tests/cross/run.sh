#!/usr/bin/env bash
# tests/cross/run.sh ARCH BUILD_DIR [ctest args...]   (ARCH = arm64 | armhf)
#
# Runs every test labelled `unit` of an already cross-built tree
# (tests/cross/build.sh ARCH) with that tree's ctest, which starts each one
# under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), and passes the result through. Exit 77 (skipped)
# with a SKIPPED: line on stderr when there is no such binary or no qemu.
#
# Libraries: libc/libstdc++ come from Debian's cross toolchain in
# /usr/<triplet> (qemu -L), the project's libs from the sysroot that
# toolchain/sysroot.sh extracted from .debs (it is not apt-installed because
# the foreign-arch index lags the host's versions), passed to the guest's
# ld.so as LD_LIBRARY_PATH with qemu -E. Same scheme as toolchain/*.cmake
# (QEMU_LD_PREFIX there is for ARM children started through binfmt_misc).
set -euo pipefail

ARCH=${1:-}; BUILD_DIR=${2:-}
case "$ARCH" in
  arm64) TRIPLET=aarch64-linux-gnu;   QEMU=qemu-aarch64-static ;;
  armhf) TRIPLET=arm-linux-gnueabihf; QEMU=qemu-arm-static ;;
  *) echo "usage: $0 arm64|armhf BUILD_DIR [test args...]" >&2; exit 2 ;;
esac
[[ -n $BUILD_DIR ]] || { echo "usage: $0 arm64|armhf BUILD_DIR [test args...]" >&2; exit 2; }
shift 2
skip() { echo "SKIPPED: cross unit tests ($ARCH): $*" >&2; exit 77; }

BIN=$BUILD_DIR/tests/unit/fb_unit_tests   # where the target lives today: tests/
[[ -x $BIN ]] || BIN=$BUILD_DIR/tests/fb_unit_tests
[[ -x $BIN ]] || skip "no $BUILD_DIR/tests/{unit/,}fb_unit_tests (build it with tests/cross/build.sh $ARCH)"
command -v "$QEMU" >/dev/null || skip "$QEMU not installed (apt-get install qemu-user-static)"
SYSROOT=${FB_SYSROOT_DIR:-/var/cache/failberry/sysroot}/$ARCH
[[ -d $SYSROOT/usr/lib/$TRIPLET ]] ||
  { echo "run.sh: error: $BIN exists but no sysroot at $SYSROOT (set FB_SYSROOT_DIR as for the build)" >&2; exit 2; }
file -L "$BIN" 2>/dev/null | grep -q ' ARM' ||
  { echo "run.sh: error: $BIN is not an ARM binary: $(file -L "$BIN" 2>&1)" >&2; exit 2; }

echo "run.sh: ctest -L unit in $BUILD_DIR (each test under $QEMU)" >&2
exec ctest --test-dir "$BUILD_DIR" -L unit --no-tests=error --output-on-failure "$@"
