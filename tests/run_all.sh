#!/bin/bash
# The README's test command: installs what is missing, builds failberry for
# the host (warnings are errors) and cross-builds it for arm64 and armhf,
# prepares the QEMU guests, then runs every test layer through ctest:
# lint, unit, adapter (real notify socket, network namespaces), system (QEMU
# x86_64 and arm64 guests), cross (unit tests under qemu-user) and image
# (the .deb packages of all three builds, the image patcher, the boot test).
# Run as root on Debian 12. Tests that cannot run here are reported by ctest
# as skipped (exit 77), never as passed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
JOBS=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
tests/setup_deps.sh all

step "host build (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFB_WERROR=ON > build.log.tmp || { cat build.log.tmp; exit 1; }
rm -f build.log.tmp
cmake --build build -j "$JOBS"
step "host .deb and overlay tarball (build/packages/)"
cmake --build build --target deb overlay

for arch in arm64 armhf; do
  step "cross build for $arch (build-$arch/)"
  tests/cross/build.sh "$arch"
  step "$arch .deb and overlay tarball (build-$arch/packages/)"
  cmake --build "build-$arch" --target deb overlay
done

for arch in x86_64 arm64; do
  step "QEMU guest files for $arch"
  tests/system/guest/prepare.sh "$arch"
done

step "tests"
cd build
ctest --output-on-failure -j "$JOBS" "$@"
