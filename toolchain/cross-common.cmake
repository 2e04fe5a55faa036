# toolchain/cross-common.cmake -- shared body of arm64.cmake / armhf.cmake.
# Do not use directly; the per-arch files set FB_ARCH, FB_TRIPLET, FB_QEMU and
# CMAKE_SYSTEM_PROCESSOR, then include this.
#
# Layout (see toolchain/sysroot.sh for why the sysroot is extracted .debs and
# not `apt-get install foo:ARCH`):
#   /usr/<triplet>/{include,lib}        libc, libstdc++, libgcc: Debian's cross
#                                        toolchain; the compiler finds it alone.
#   $FB_SYSROOT_DIR/<arch>/             the project's -dev libs (Boost headers,
#     usr/include, usr/include/<triplet>,  libsystemd, libnl, libnftables, libusb,
#     usr/lib/<triplet>, lib/<triplet>    libcurl, OpenSSL, nlohmann-json, doctest)
# We deliberately do NOT pass --sysroot (CMAKE_SYSROOT): the cross gcc would then
# look for libc inside the extracted dir, which has none. The sysroot dirs are
# added as system include dirs and as -L / -Wl,-rpath-link dirs instead.
#
# Running target binaries (try_run, add_test, doctest discovery, ctest):
#   CMAKE_CROSSCOMPILING_EMULATOR = <qemu-static> -L /usr/<triplet>
#       -E LD_LIBRARY_PATH=<sysroot>/lib/<triplet>:<sysroot>/usr/lib/<triplet>
# -L makes the guest's /lib/ld-linux-*.so and /lib/libc.so.6 resolve inside the
# cross toolchain dir; -E sets LD_LIBRARY_PATH inside the guest only (the host
# environment is untouched) so ld.so finds the sysroot libs. No combined root
# dir is needed. A test that fork+execs another ARM binary (the adapter tests
# spawn failberryd) needs binfmt_misc (see TESTING.md: mount binfmt_misc,
# `update-binfmts --enable qemu-arm` / qemu-aarch64): the kernel then starts
# the child under qemu, which takes its -L from QEMU_LD_PREFIX, put in the
# guest env by -E below and inherited like LD_LIBRARY_PATH. Without binfmt the
# exec fails (exit 127 in the child). toolchain/sysroot.sh enables binfmt.
# The same three dirs are what an ARM image/initramfs needs:
#   /usr/<triplet>/lib  <sysroot>/lib/<triplet>  <sysroot>/usr/lib/<triplet>
# (FB_RUNTIME_LIB_DIRS below holds them.)

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_LIBRARY_ARCHITECTURE ${FB_TRIPLET})

if(DEFINED ENV{FB_SYSROOT_DIR} AND NOT "$ENV{FB_SYSROOT_DIR}" STREQUAL "")
  set(FB_SYSROOT "$ENV{FB_SYSROOT_DIR}/${FB_ARCH}")
else()
  set(FB_SYSROOT "/var/cache/failberry/sysroot/${FB_ARCH}")
endif()
if(NOT EXISTS "${FB_SYSROOT}/.failberry-sysroot.stamp")
  message(FATAL_ERROR "failberry: no ${FB_ARCH} sysroot at ${FB_SYSROOT}; "
          "run toolchain/sysroot.sh ${FB_ARCH} (or tests/cross/build.sh ${FB_ARCH})")
endif()
set(FB_CROSS_LIBC "/usr/${FB_TRIPLET}")

set(CMAKE_C_COMPILER   ${FB_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${FB_TRIPLET}-g++)

set(_fb_inc "${FB_SYSROOT}/usr/include/${FB_TRIPLET}" "${FB_SYSROOT}/usr/include")
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES   ${_fb_inc})
set(CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES ${_fb_inc})

set(FB_RUNTIME_LIB_DIRS "${FB_CROSS_LIBC}/lib"
    "${FB_SYSROOT}/lib/${FB_TRIPLET}" "${FB_SYSROOT}/usr/lib/${FB_TRIPLET}")
set(_fb_ld "")
foreach(d "${FB_SYSROOT}/usr/lib/${FB_TRIPLET}" "${FB_SYSROOT}/lib/${FB_TRIPLET}")
  string(APPEND _fb_ld " -L${d} -Wl,-rpath-link,${d}")
endforeach()
foreach(kind EXE SHARED MODULE)
  set(CMAKE_${kind}_LINKER_FLAGS_INIT "${_fb_ld}")
endforeach()

# find_* look in the sysroot and the cross libc only; programs on the host.
set(CMAKE_FIND_ROOT_PATH "${FB_SYSROOT}" "${FB_CROSS_LIBC}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (host pkgconf) sees only the sysroot's .pc files; their
# prefix=/usr gets the sysroot prepended. Never the host's /usr/lib/pkgconfig.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${FB_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${FB_SYSROOT}/usr/lib/${FB_TRIPLET}/pkgconfig:${FB_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(FB_QEMU_EXE ${FB_QEMU} REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${FB_QEMU_EXE}" -L "${FB_CROSS_LIBC}"
    -E "LD_LIBRARY_PATH=${FB_SYSROOT}/lib/${FB_TRIPLET}:${FB_SYSROOT}/usr/lib/${FB_TRIPLET}"
    -E "QEMU_LD_PREFIX=${FB_CROSS_LIBC}")
