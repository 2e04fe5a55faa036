#!/bin/bash
# Installs, with apt-get, the Debian 12 packages failberry needs to build and
# test (host side). Idempotent: only missing packages are installed, and the
# package lists are refreshed only when something is missing.
# Usage: tests/setup_deps.sh [build|lab|all]   (default: all; lab = build + what
# the failover lab of tests/lab/run_demo.sh needs)
set -euo pipefail
BUILD=(cmake ninja-build g++ pkg-config clang-format
       libboost-dev libsystemd-dev doctest-dev nlohmann-json3-dev
       libnl-3-dev libnl-route-3-dev libnl-nf-3-dev libnftables-dev
       libusb-1.0-0-dev libcurl4-openssl-dev libssl-dev)
TEST=(iproute2 python3 binutils file kmod cpio busybox-static udhcpc ppp uhubctl
      qemu-system-x86 qemu-system-arm qemu-user-static binfmt-support openssl
      g++-aarch64-linux-gnu g++-arm-linux-gnueabihf clang-14 libclang-rt-14-dev
      dpkg-dev debootstrap e2fsprogs mtools dosfstools fdisk lintian
      chromium chromium-driver python3-selenium lldpd ansible-core openssh-client)
LAB=(iproute2 python3 nftables socat)
want=("${BUILD[@]}")
case "${1:-all}" in
  build) ;;
  lab) want+=("${LAB[@]}") ;;
  *) want+=("${TEST[@]}" nftables socat) ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "setup_deps: run as root (apt-get install is needed)" >&2
  exit 1
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup_deps: all ${#want[@]} packages present"
  exit 0
fi
echo "setup_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A mirror mid-sync makes update fail for one index (seen: a foreign-arch
# security index); the lists it did fetch are still good, and install says
# clearly if a package is really missing.
apt-get update -q || echo "setup_deps: warning: apt-get update reported errors; installing from the lists it has" >&2
# No service a package brings may start on this machine (lldpd would send
# LLDP on its real interfaces): the tests start their own, in namespaces.
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# tests/setup_deps.sh: no service starts while it installs\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  made_policy=1
fi
status=0
apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
exit $status
