#!/bin/bash
# prepare.sh ARCH (x86_64|arm64) -- fetch everything the failberry QEMU test guest
# needs for ARCH, idempotently:
#   * host packages (QEMU, kmod, binutils, busybox-static, arm64 cross libc) via
#     apt-get install, only those missing;
#   * Debian's current kernel package for ARCH (apt-get download + dpkg -x, then
#     depmod -b) and, for arm64, busybox-static:arm64, unpacked into
#     ${FB_GUEST_CACHE:-/var/cache/failberry/guest}/ARCH/ with a stamp file.
# On success prints KEY=VALUE lines (ARCH KVER KERNEL MODROOT BUSYBOX QEMU) on
# stdout; progress goes to stderr. Exit 2 = usage, 3 = something could not be
# installed or downloaded (the message names the package).
# Env: FB_GUEST_CACHE (cache root), FB_GUEST_KERNEL_PKG (pin a kernel package).
set -euo pipefail

ARCH=${1:-}
case "$ARCH" in
  x86_64) QEMU=qemu-system-x86_64; QPKG=qemu-system-x86; KMETA=linux-image-amd64 ;;
  arm64)  QEMU=qemu-system-aarch64; QPKG=qemu-system-arm; KMETA=linux-image-arm64:arm64 ;;
  *) echo "usage: $0 x86_64|arm64" >&2; exit 2 ;;
esac
CACHE=${FB_GUEST_CACHE:-/var/cache/failberry/guest}/$ARCH
STAMP=$CACHE/.prepared
log() { echo "prepare.sh[$ARCH]: $*" >&2; }
die() { log "ERROR: $*"; exit 3; }
export DEBIAN_FRONTEND=noninteractive
UPDATED=
apt_update_once() { [ -n "$UPDATED" ] || { log "apt-get update"; apt-get update -qq >&2 || true; UPDATED=1; }; }

# one preparer per ARCH at a time (parallel test runs share the cache)
mkdir -p "$CACHE" 2>/dev/null || true
if [ -w "$CACHE" ]; then exec 9>>"$CACHE/.lock"; flock -w 900 9 || die "timed out waiting for $CACHE/.lock"; fi

# 1. host packages, installed only when missing
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
want=(kmod binutils python3 "$QPKG")
[ "$ARCH" = x86_64 ] && want+=(busybox-static) || want+=(libc6-arm64-cross)
missing=(); for p in "${want[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "not root, cannot install: ${missing[*]}"
  log "installing ${missing[*]}"
  inst() { apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "$@" >&2; }
  inst "${missing[@]}" || { apt_update_once; inst "${missing[@]}"; } ||
    die "apt-get install failed for: ${missing[*]}"
fi

# 2. which kernel package is current (fall back to the stamp when offline)
resolve_kpkg() { apt-cache depends "$KMETA" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}'; }
KPKG=${FB_GUEST_KERNEL_PKG:-}
# apt-cache takes ~1.5 s: skip it while no package list is newer than the stamp
if [ -z "$KPKG" ] && [ -f "$STAMP" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -newer "$STAMP" 2>/dev/null | head -1)" ]; then
  KPKG=$(sed -n 's/^KPKG=//p' "$STAMP"); fi
if [ -z "$KPKG" ]; then
  KPKG=$(resolve_kpkg)
  [ -f "$STAMP" ] && grep -qxF "KPKG=$KPKG" "$STAMP" && touch "$STAMP"  # still current
fi
[ -n "$KPKG" ] || { apt_update_once; KPKG=$(resolve_kpkg); }
if [ -z "$KPKG" ] && [ -f "$STAMP" ]; then KPKG=$(sed -n 's/^KPKG=//p' "$STAMP"); fi
[ -n "$KPKG" ] || die "cannot resolve the kernel package behind $KMETA (apt-cache depends $KMETA)"
PKGS=("$KPKG"); [ "$ARCH" = arm64 ] && PKGS+=(busybox-static:arm64)

# 3. download + unpack, unless the stamp says this exact set is already there
if ! { [ -f "$STAMP" ] && grep -qxF "PKGS=${PKGS[*]}" "$STAMP"; }; then
  [ "$(id -u)" = 0 ] || [ -w "$(dirname "$CACHE")" ] || die "not root, cannot write $CACHE"
  mkdir -p "$CACHE"; DL=$(mktemp -d "$CACHE/.dl.XXXXXX"); chmod 755 "$DL"; NEW=$CACHE/.root.new
  trap 'rm -rf "$DL" "$NEW"' EXIT
  rm -rf "$NEW"; mkdir -p "$NEW"
  for p in "${PKGS[@]}"; do
    log "apt-get download $p"
    ( cd "$DL" && { apt-get download -qq "$p" >&2 || { apt_update_once; apt-get download -qq "$p" >&2; }; } ) ||
      die "apt-get download $p failed (package $p; is Debian's mirror reachable?)"
  done
  for deb in "$DL"/*.deb; do dpkg -x "$deb" "$NEW" || die "dpkg -x $(basename "$deb") failed"; done
  kv=$(find "$NEW/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | head -1)
  if [ -z "$kv" ] || [ ! -f "$NEW/boot/vmlinuz-$kv" ]; then die "$KPKG has no /boot/vmlinuz or /lib/modules"; fi
  depmod -b "$NEW" "$kv" || die "depmod -b failed for $kv"
  rm -rf "$CACHE/root"; mv "$NEW" "$CACHE/root"
  printf 'KPKG=%s\nPKGS=%s\nKVER=%s\n' "$KPKG" "${PKGS[*]}" "$kv" > "$STAMP"
  log "unpacked ${PKGS[*]} into $CACHE/root"
fi

KVER=$(sed -n 's/^KVER=//p' "$STAMP")
ROOT=$CACHE/root
if [ "$ARCH" = arm64 ]; then BUSYBOX=$ROOT/bin/busybox; else BUSYBOX=$(command -v busybox || echo /bin/busybox); fi
[ -f "$ROOT/boot/vmlinuz-$KVER" ] || die "cache $ROOT is incomplete: remove $STAMP and rerun"
[ -x "$BUSYBOX" ] || die "no busybox at $BUSYBOX (package busybox-static)"
readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'program interpreter' && die "$BUSYBOX is not static (install busybox-static)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (package $QPKG)"
printf 'ARCH=%s\nKVER=%s\nKERNEL=%s\nMODROOT=%s\nBUSYBOX=%s\nQEMU=%s\n' \
  "$ARCH" "$KVER" "$ROOT/boot/vmlinuz-$KVER" "$ROOT" "$BUSYBOX" "$(command -v "$QEMU")"
