# toolchain/arm64.cmake -- cross-compile failberry for 64-bit Raspberry Pi OS /
# Debian arm64 with Debian's aarch64-linux-gnu-g++ and the sysroot made by
# `toolchain/sysroot.sh arm64` (in $FB_SYSROOT_DIR/arm64, default
# /var/cache/failberry/sysroot/arm64). Tests run under qemu-aarch64-static.
# Details and the runtime library dirs: cross-common.cmake.
#   cmake -S . -B build-arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=toolchain/arm64.cmake
set(FB_ARCH arm64)
set(FB_TRIPLET aarch64-linux-gnu)
set(FB_QEMU qemu-aarch64-static)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake")
