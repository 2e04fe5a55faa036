#!/bin/bash
# debian_rootfs.sh ARCH [PACKAGE...] -- a minimal Debian 12 root filesystem,
# built with debootstrap (qemu-user via binfmt for a foreign ARCH), cached under
#   ${FB_ROOTFS_CACHE:-/var/cache/failberry/rootfs}/ARCH/root
# and printed on stdout. Progress and timings go to stderr.
#   arm64  boots with systemd as init under qemu-system-aarch64 -M virt
#          (tests/system/boot_image_test.sh)
#   amd64  a chroot like a Raspberry Pi OS Lite userland (systemd, apt,
#          init-system-helpers) for the .deb install/remove/purge test
#
# Two cache layers, each with a stamp:
#   base/  debootstrap --variant=minbase + systemd-sysv, udev; for arm64 also
#          the Debian arm64 kernel and initramfs-tools (MODULES=list: its
#          initrd holds virtio and ext4 only) and systemd-networkd (DHCP on eth0).
#   root/  base + PACKAGE... (apt-get install in the chroot: the runtime
#          dependencies the caller needs, e.g. the Depends: of a .deb), keyed
#          by the package list so a changed list rebuilds only this layer.
#          FB_ROOTFS_LAYER=NAME keeps it in NAME/ instead, so that callers with
#          different lists (the image boot, the Ansible deployment) do not
#          rebuild each other's layer.
# Downloaded .debs stay in $FB_ROOTFS_CACHE/ARCH/debs (debootstrap
# --cache-dir and apt's archives) so a rebuild does not fetch them again.
# Exit 3 = something could not be installed or downloaded (the message says what).
set -euo pipefail
ARCH=${1:-}
case "$ARCH" in
  arm64) BASE_PKGS=(systemd-sysv udev kmod iproute2 procps); KERNEL_PKGS=(linux-image-arm64 initramfs-tools) ;;
  amd64) BASE_PKGS=(systemd-sysv init-system-helpers udev kmod procps); KERNEL_PKGS=() ;;
  *) echo "usage: $0 arm64|amd64 [PACKAGE...]" >&2; exit 2 ;;
esac
shift
SUITE=bookworm
MIRROR=${FB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${FB_ROOTFS_CACHE:-/var/cache/failberry/rootfs}/$ARCH
EXTRA=("$@")
LAYER=${FB_ROOTFS_LAYER:-root}
case "$LAYER" in base|debs|.*|*/*|"") echo "debian_rootfs.sh: bad FB_ROOTFS_LAYER '$LAYER'" >&2; exit 2 ;; esac
log() { echo "debian_rootfs.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 3; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

mkdir -p "$CACHE/debs"
exec 9>>"$CACHE/.lock"
flock -w 1800 9 || die "timed out waiting for $CACHE/.lock"

need=()
for p in debootstrap qemu-user-static binfmt-support; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
    { apt-get update -qq >&2 || true; apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; } ||
    die "apt-get install ${need[*]} failed"
fi
F=/proc/sys/fs/binfmt_misc
if [ "$ARCH" = arm64 ] && [ "$(dpkg --print-architecture)" != arm64 ]; then
  [ -e $F/register ] || mount -t binfmt_misc binfmt_misc $F 2>/dev/null || true
  [ -e $F/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >&2 || true
  [ -e $F/qemu-aarch64 ] || die "binfmt for qemu-aarch64 is not enabled (package qemu-user-static)"
fi

# Run CMD in the chroot with /proc, /sys, /dev bound; always unmounted again.
in_chroot() {
  local r=$1; shift
  mount -t proc proc "$r/proc"; mount --rbind /sys "$r/sys"; mount --rbind /dev "$r/dev"
  local rc=0
  chroot "$r" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" >&2 || rc=$?
  umount -R "$r/dev" "$r/sys" 2>/dev/null || umount -lR "$r/dev" "$r/sys" 2>/dev/null || true
  umount "$r/proc" 2>/dev/null || umount -l "$r/proc" 2>/dev/null || true
  return $rc
}
# apt inside the chroot keeps its archives in the shared cache.
apt_in() {
  local r=$1; shift
  mkdir -p "$r/var/cache/apt/archives/partial"
  mount --bind "$CACHE/debs" "$r/var/cache/apt/archives"
  local rc=0
  in_chroot "$r" apt-get -o Dpkg::Use-Pty=0 -o APT::Keep-Downloaded-Packages=true "$@" || rc=$?
  umount "$r/var/cache/apt/archives" || umount -l "$r/var/cache/apt/archives" || true
  return $rc
}
NEW=
cleanup() { if [ -n "$NEW" ] && [ -d "$NEW" ]; then
  for m in $(awk -v p="$NEW" '$2 ~ "^"p {print $2}' /proc/mounts | sort -r); do umount -l "$m" || true; done
  rm -rf --one-file-system "$NEW"; fi; }
trap cleanup EXIT

# --- layer 1: base ---------------------------------------------------------
WANT_BASE="suite=$SUITE mirror=$MIRROR packages=${BASE_PKGS[*]} kernel=${KERNEL_PKGS[*]} v=2"
if ! [ -f "$CACHE/base/.stamp" ] || [ "$(cat "$CACHE/base/.stamp")" != "$WANT_BASE" ]; then
  t0=$(date +%s)
  NEW=$CACHE/.base.new; cleanup; NEW=$CACHE/.base.new
  log "debootstrap $SUITE $ARCH (minbase) into $NEW"
  debootstrap --arch=$ARCH --variant=minbase --cache-dir="$CACHE/debs" \
    --include="$(IFS=,; echo "${BASE_PKGS[*]}")" $SUITE "$NEW" "$MIRROR" >&2 ||
    die "debootstrap failed (see $NEW/debootstrap/debootstrap.log)"
  log "debootstrap took $(( $(date +%s) - t0 )) s"
  echo failberry-test > "$NEW/etc/hostname"
  if [ "$ARCH" = arm64 ]; then
    printf '/dev/vda2 / ext4 defaults,noatime 0 1\n' > "$NEW/etc/fstab"
    mkdir -p "$NEW/etc/systemd/network"
    printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' > "$NEW/etc/systemd/network/10-eth0.network"
    in_chroot "$NEW" systemctl enable systemd-networkd.service
  fi
  if [ ${#KERNEL_PKGS[@]} -gt 0 ]; then
    # Only the drivers a -M virt guest needs in the initrd: MODULES=most runs
    # modinfo on every module, which under qemu-user takes over 10 minutes.
    mkdir -p "$NEW/etc/initramfs-tools/conf.d"
    echo MODULES=list > "$NEW/etc/initramfs-tools/conf.d/failberry-test.conf"
    printf '%s\n' virtio_mmio virtio_pci virtio_blk virtio_net ext4 > "$NEW/etc/initramfs-tools/modules"
    t1=$(date +%s)
    apt_in "$NEW" install -y -q --no-install-recommends "${KERNEL_PKGS[@]}" ||
      die "apt-get install ${KERNEL_PKGS[*]} failed in the $ARCH chroot"
    log "kernel + initramfs took $(( $(date +%s) - t1 )) s"
  fi
  in_chroot "$NEW" apt-get clean
  rm -rf "$CACHE/base"; mv "$NEW" "$CACHE/base"; NEW=
  echo "$WANT_BASE" > "$CACHE/base/.stamp"
  log "base layer built in $(( $(date +%s) - t0 )) s"
fi

# --- layer 2: base + EXTRA ---------------------------------------------------
WANT_ROOT="$WANT_BASE extra=${EXTRA[*]}"
if ! [ -f "$CACHE/$LAYER/.stamp" ] || [ "$(cat "$CACHE/$LAYER/.stamp")" != "$WANT_ROOT" ]; then
  t0=$(date +%s)
  NEW=$CACHE/.$LAYER.new; cleanup; NEW=$CACHE/.$LAYER.new
  cp -a "$CACHE/base" "$NEW"; rm -f "$NEW/.stamp"
  if [ ${#EXTRA[@]} -gt 0 ]; then
    log "apt-get install ${EXTRA[*]} in the chroot"
    apt_in "$NEW" install -y -q --no-install-recommends "${EXTRA[@]}" ||
      { apt_in "$NEW" update -q || true; apt_in "$NEW" install -y -q --no-install-recommends "${EXTRA[@]}"; } ||
      die "apt-get install ${EXTRA[*]} failed in the $ARCH chroot"
  fi
  rm -rf "$CACHE/$LAYER"; mv "$NEW" "$CACHE/$LAYER"; NEW=
  echo "$WANT_ROOT" > "$CACHE/$LAYER/.stamp"
  log "package layer $LAYER built in $(( $(date +%s) - t0 )) s"
fi
echo "$CACHE/$LAYER"
