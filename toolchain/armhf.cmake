# toolchain/armhf.cmake -- cross-compile failberry for 32-bit Raspbian /
# Debian armhf (ARMv7 hard-float; a Pi 3 runs it) with Debian's
# arm-linux-gnueabihf-g++ and the sysroot made by `toolchain/sysroot.sh armhf`
# (in $FB_SYSROOT_DIR/armhf, default /var/cache/failberry/sysroot/armhf).
# Tests run under qemu-arm-static. Details and runtime library dirs:
# cross-common.cmake.
#   cmake -S . -B build-armhf -G Ninja -DCMAKE_TOOLCHAIN_FILE=toolchain/armhf.cmake
set(FB_ARCH armhf)
set(FB_TRIPLET arm-linux-gnueabihf)
set(FB_QEMU qemu-arm-static)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
# GCC prints a "parameter passing ... changed in GCC 7.1" note (-Wpsabi) for
# every std::map/vector of pairs on ARM EABI; everything here is built by one
# GCC, so the note is noise.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
include("${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake")
