#!/bin/bash
# patch-image.sh -- put failberry into a Raspberry Pi OS Lite image, offline:
# no mounting, no loop devices, no root needed for the image itself.
#
#   image/patch-image.sh --overlay failberry-overlay_VER_ARCH.tar.gz \
#       [--deb failberry_VER_ARCH.deb] [--config my-failberry.ini] \
#       [--userconf 'USER:CRYPTED-PASSWORD'] [--ssh] \
#       [-o OUT.img | --in-place] [--force] IMAGE.img
#
# What it does, after checking everything first:
#   root partition (ext4, debugfs -w): the overlay tarball's files with their
#     modes and root ownership (failberryd, failberryctl, the unit and its
#     multi-user.target.wants link, sysctl and udev drop-ins, the example INI or
#     --config's INI as /etc/failberry/failberry.ini); the .deb, if given, as
#     /var/cache/failberry/failberry_VER_ARCH.deb, so `apt install` of it later
#     registers the files with dpkg and pulls any missing dependency.
#   boot partition (FAT32, mtools): with --ssh only, an empty `ssh` file
#     (Raspberry Pi OS then enables sshd on first boot; off by default, so a
#     flashed card opens no remote login nobody asked for), and --userconf's
#     line as userconf.txt (Raspberry Pi OS has no default user; the line is
#     USER:$(openssl passwd -6)).
# Checks first, and refuses with a clear message (exit 2) and the input
# untouched: not a disk image, not Raspberry Pi OS's layout (MBR, partition 1
# FAT32 with config.txt, partition 2 ext4 holding Debian), overlay for another
# CPU than the image's, not enough free space or inodes, --config that is not
# valid (checked with a failberryd this host can run: $FAILBERRYD, the
# source tree's build/firmware/failberryd or one in PATH), a name debugfs would
# misread: an overlay entry, link target or .deb file name outside
# A-Z a-z 0-9 . _ + : @ ~ - /, an image or -o path with ? @ or a control
# character (the --config and --userconf files go in under fixed names).
# The input is never modified unless --in-place: the result goes to -o OUT
# (default IMAGE without .img + -failberry.img), written as OUT.partial and
# renamed only when complete and clean (e2fsck -fn, fsck.vfat -n).
# Exit 0 done, 1 failure while writing (OUT removed), 2 refused (usage/input).
set -euo pipefail
PROG=patch-image.sh
refuse() { echo "$PROG: refused: $*" >&2; exit 2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }

OVERLAY= DEB= CONFIG= USERCONF= SSH=0 OUT= INPLACE=0 FORCE=0 IMAGE=
while [ $# -gt 0 ]; do
  case $1 in
    --overlay) OVERLAY=${2:?--overlay needs a file}; shift 2 ;;
    --deb) DEB=${2:?--deb needs a file}; shift 2 ;;
    --config) CONFIG=${2:?--config needs a file}; shift 2 ;;
    --userconf) USERCONF=${2:?--userconf needs USER:CRYPTED}; shift 2 ;;
    --ssh) SSH=1; shift ;;
    --no-ssh) SSH=0; shift ;;   # the default; still accepted
    -o) OUT=${2:?-o needs a file}; shift 2 ;;
    --in-place) INPLACE=1; shift ;;
    --force) FORCE=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) refuse "unknown option $1 (see --help)" ;;
    *) [ -z "$IMAGE" ] || refuse "more than one image given ($IMAGE, $1)"; IMAGE=$1; shift ;;
  esac
done
[ -n "$IMAGE" ] || refuse "no image given (see --help)"
[ -n "$OVERLAY" ] || refuse "--overlay is required (cmake --build build-ARCH --target overlay makes it)"
for t in sfdisk debugfs dumpe2fs e2fsck mcopy mdir minfo fsck.vfat tar readelf dd cmp; do
  command -v "$t" > /dev/null || refuse "$t not found (packages: fdisk e2fsprogs mtools dosfstools binutils)"
done
export MTOOLS_SKIP_CHECK=1 LC_ALL=C

# Names that reach debugfs. debugfs -f reads one command per line, splits it at
# blanks, takes "..." as quoting, runs a line starting with ! in a shell and
# skips one starting with #; a path starting with < is an inode number. A name
# with a newline, blank, quote or such would change or add commands, so only
# plain names pass (failberry's own files all fit), short enough for ext4 (255
# bytes a component) and for debugfs's line buffer.
safe() { # NAME WHAT
  [[ $1 =~ ^[A-Za-z0-9._+:@~/-]+$ ]] && [ ${#1} -le 1024 ] && ! [[ /$1/ =~ /[^/]{256,}/ ]] ||
    refuse "$2 $(printf %q "$1") has a character outside A-Z a-z 0-9 . _ + : @ ~ - / or is too long: debugfs would misread it"
}
# The image and output paths reach debugfs and mtools as arguments, not
# commands, but with an offset appended: ext2fs cuts the name at its first ?,
# mtools at its first @@, and then opens (and writes) another file.
imgpath() { # WHAT PATH
  [[ $2 != *[?@[:cntrl:]]* && $2 != -* ]] ||
    refuse "$1 $(printf %q "$2") contains ? @ or a control character or starts with -: debugfs/mtools would open another file; rename it"
}
imgpath image "$IMAGE"
[ -z "$OUT" ] || imgpath -o "$OUT"

W=$(mktemp -d); PARTIAL=
trap 'rm -rf "$W"; [ -z "$PARTIAL" ] || rm -f "$PARTIAL"' EXIT
safe "$W" "the temporary directory (TMPDIR)"

# --- the input image ---------------------------------------------------------
[ -e "$IMAGE" ] || refuse "$IMAGE does not exist"
[ -f "$IMAGE" ] || refuse "$IMAGE is not a regular file (a block device? write an image file, then flash it)"
[ -r "$IMAGE" ] || refuse "$IMAGE is not readable"
SIZE=$(stat -c %s "$IMAGE")
[ "$SIZE" -ge $((4 * 1024 * 1024)) ] && [ $((SIZE % 512)) -eq 0 ] ||
  refuse "$IMAGE is not a disk image (size $SIZE bytes is not a multiple of 512 or below 4 MiB)"
sfdisk -d "$IMAGE" > "$W/table" 2> "$W/err" || refuse "$IMAGE has no partition table ($(head -c 200 "$W/err"))"
grep -q '^label: dos' "$W/table" || refuse "$IMAGE: partition table is $(sed -n 's/^label: //p' "$W/table"), Raspberry Pi OS uses MBR (dos)"
mapfile -t PARTS < <(grep ' : start=' "$W/table")
[ ${#PARTS[@]} -eq 2 ] || refuse "$IMAGE has ${#PARTS[@]} partitions; Raspberry Pi OS has 2 (FAT32 boot, ext4 root)"
field() { sed -n "s/.*[ ,]$2= *\([^ ,]*\).*/\1/p" <<< "${PARTS[$1]}"; }
P1_START=$(field 0 start) P1_SIZE=$(field 0 size) P1_TYPE=$(field 0 type)
P2_START=$(field 1 start) P2_SIZE=$(field 1 size) P2_TYPE=$(field 1 type)
case $P1_TYPE in b | c) ;; *) refuse "$IMAGE: partition 1 has type $P1_TYPE, want FAT32 (b or c) for the boot partition" ;; esac
[ "$P2_TYPE" = 83 ] || refuse "$IMAGE: partition 2 has type $P2_TYPE, want Linux (83) for the root partition"
[ $((P2_START)) -ge $((P1_START + P1_SIZE)) ] || refuse "$IMAGE: partition 2 overlaps partition 1"
[ $(((P2_START + P2_SIZE) * 512)) -le "$SIZE" ] ||
  refuse "$IMAGE is truncated: partition 2 ends at byte $(((P2_START + P2_SIZE) * 512)), the file has $SIZE"
BOOT_OFF=$((P1_START * 512)) ROOT_OFF=$((P2_START * 512))
BOOTFS="$IMAGE@@$BOOT_OFF" ROOTFS="$IMAGE?offset=$ROOT_OFF"
minfo -i "$BOOTFS" :: > "$W/minfo" 2>&1 || refuse "$IMAGE: partition 1 holds no FAT filesystem"
mdir -i "$BOOTFS" ::config.txt > /dev/null 2>&1 || refuse "$IMAGE: the boot partition has no config.txt: not a Raspberry Pi OS image"
dumpe2fs -h "$ROOTFS" > "$W/sb" 2> /dev/null || refuse "$IMAGE: partition 2 holds no ext2/3/4 filesystem"
sb() { sed -n "s/^$1: *//p" "$W/sb"; }
grep -q '^Filesystem features:.*extent' "$W/sb" || refuse "$IMAGE: the root filesystem is not ext4"
[ "$(sb 'Filesystem state')" = clean ] ||
  refuse "$IMAGE: the root filesystem is not clean ($(sb 'Filesystem state')); let e2fsck repair a copy first"
dbg() { debugfs -R "$1" "$ROOTFS" 2> /dev/null; }
dbg "stat /etc/debian_version" | grep -q '^Inode:' || refuse "$IMAGE: the root filesystem has no /etc/debian_version: not Raspberry Pi OS/Debian"
dbg "dump /usr/bin/dpkg $W/dpkg" > /dev/null
IMG_MACH=$(readelf -h "$W/dpkg" 2> /dev/null | sed -n 's/^ *Machine: *//p')
[ -n "$IMG_MACH" ] || refuse "$IMAGE: no readable /usr/bin/dpkg on the root filesystem: not Raspberry Pi OS/Debian"

# --- what goes in ----------------------------------------------------------------
[ -f "$OVERLAY" ] || refuse "overlay $OVERLAY not found"
mkdir "$W/stage"
tar -C "$W/stage" --no-same-owner -xzf "$OVERLAY" 2> "$W/err" || refuse "$OVERLAY is not a gzip tarball ($(head -c 200 "$W/err"))"
[ -f "$W/stage/usr/sbin/failberryd" ] && [ -f "$W/stage/lib/systemd/system/failberryd.service" ] ||
  refuse "$OVERLAY is not a failberry overlay (no usr/sbin/failberryd or lib/systemd/system/failberryd.service)"
OV_MACH=$(readelf -h "$W/stage/usr/sbin/failberryd" | sed -n 's/^ *Machine: *//p')
[ "$OV_MACH" = "$IMG_MACH" ] || refuse "the overlay is built for $OV_MACH but the image's userland is $IMG_MACH (use the overlay for that architecture)"
if [ -n "$DEB" ]; then
  [ -f "$DEB" ] || refuse "--deb $DEB not found"
  dpkg-deb -f "$DEB" Package 2> /dev/null | grep -qx failberry || refuse "--deb $DEB is not a failberry .deb"
  DEB_NAME=failberry_$(dpkg-deb -f "$DEB" Version)_$(dpkg-deb -f "$DEB" Architecture).deb
  safe "$DEB_NAME" "--deb $DEB: its Version and Architecture make the file name"
  mkdir -p "$W/stage/var/cache/failberry"; cp "$DEB" "$W/stage/var/cache/failberry/$DEB_NAME"
  chmod 644 "$W/stage/var/cache/failberry/$DEB_NAME"
fi
if [ -n "$CONFIG" ]; then
  [ -f "$CONFIG" ] || refuse "--config $CONFIG not found"
  for c in "${FAILBERRYD:-}" "$(dirname "$0")/../build/firmware/failberryd" "$(command -v failberryd || true)"; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" --version > /dev/null 2>&1; then
      "$c" --check-config "$CONFIG" > "$W/err" 2>&1 || refuse "--config $CONFIG is not valid:
$(cat "$W/err")"
      break
    fi
  done
  cp "$CONFIG" "$W/stage/etc/failberry/failberry.ini"; chmod 644 "$W/stage/etc/failberry/failberry.ini"
fi
if [ -n "$USERCONF" ]; then
  [[ $USERCONF =~ ^[a-z_][a-z0-9_-]*:\$[0-9a-z]+\$ ]] ||
    refuse "--userconf wants USER:CRYPTED (e.g. pi:\$(openssl passwd -6)), not a plain password"
fi

# Every entry is written by a debugfs command naming it (see safe()); only
# files, directories and links: a fifo would block the write, a device node
# would copy a host device into the image.
while IFS= read -r -d '' f; do
  p=${f#"$W/stage"}
  safe "$p" "overlay entry"
  if [ -L "$f" ]; then
    t=$(readlink "$f" && echo x); safe "${t%$'\n'x}" "the target of overlay link $p"
  elif [ ! -f "$f" ] && [ ! -d "$f" ]; then
    refuse "overlay entry $p is a $(stat -c %F "$f"), not a file, directory or link"
  fi
done < <(find "$W/stage" -mindepth 1 -print0)

# Raspberry Pi OS (bookworm) has merged /usr: /lib is a link to usr/lib, and
# debugfs does not create through links, so write to the real directory.
if dbg "stat /lib" | grep -q 'Type: symlink'; then
  tgt=$(dbg "stat /lib" | sed -n 's/^Fast link dest: "\(.*\)"/\1/p')
  [ "$tgt" = usr/lib ] || [ "$tgt" = /usr/lib ] || refuse "$IMAGE: /lib links to '$tgt', expected usr/lib"
  if [ -d "$W/stage/lib" ]; then mkdir -p "$W/stage/usr/lib"; cp -a "$W/stage/lib/." "$W/stage/usr/lib/"; rm -rf "$W/stage/lib"; fi
fi

# space: every file's blocks, one block per directory, 5% and 256 blocks spare
BS=$(sb 'Block size')
need=$(find "$W/stage" -mindepth 1 -printf '%y %s\n' | awk -v bs="$BS" '
  $1 == "f" {b += int(($2 + bs - 1) / bs) + 1} $1 == "d" || $1 == "l" {b += 1} END {print int(b * 1.05) + 256}')
ninodes=$(find "$W/stage" -mindepth 1 | wc -l)
free=$(($(sb 'Free blocks') - $(sb 'Reserved block count')))
[ "$free" -ge "$need" ] || refuse "$IMAGE: the root filesystem has $((free * BS / 1024)) KiB free (not counting root's reserve), failberry needs $((need * BS / 1024)) KiB: use an image with a bigger root partition (grow partition 2 and resize2fs a copy)"
[ "$(sb 'Free inodes')" -ge $((ninodes + 16)) ] || refuse "$IMAGE: the root filesystem has $(sb 'Free inodes') free inodes, failberry needs $((ninodes + 16))"
bfree=$(mdir -i "$BOOTFS" :: 2> /dev/null | sed -n 's/^ *\([0-9][0-9 ]*\) bytes free.*/\1/p' | tr -d ' ')
[ "${bfree:-0}" -ge 65536 ] || refuse "$IMAGE: the boot partition has ${bfree:-no} bytes free, need 64 KiB for ssh/userconf.txt"

# --- write -------------------------------------------------------------------------
if [ $INPLACE = 1 ]; then
  [ -z "$OUT" ] || refuse "-o and --in-place exclude each other"
  [ -w "$IMAGE" ] || refuse "$IMAGE is not writable"
  TARGET=$IMAGE
  say "modifying $IMAGE in place (--in-place)"
else
  [ -n "$OUT" ] || OUT=${IMAGE%.img}-failberry.img
  [ "$(realpath -m "$OUT")" != "$(realpath "$IMAGE")" ] || refuse "-o $OUT is the input image; use --in-place to modify it"
  [ ! -e "$OUT" ] || [ $FORCE = 1 ] || refuse "$OUT exists (use --force to replace it)"
  PARTIAL=$OUT.partial
  cp --sparse=always "$IMAGE" "$PARTIAL" || die "cannot write $PARTIAL"
  TARGET=$PARTIAL
fi
ROOTFS="$TARGET?offset=$ROOT_OFF" BOOTFS="$TARGET@@$BOOT_OFF"
exists() { debugfs -R "stat $1" "$ROOTFS" 2> /dev/null | grep -q '^Inode:'; }

(
  cd "$W/stage"
  find . -mindepth 1 -type d | sort | while read -r d; do
    p=${d#.}
    if ! exists "$p"; then
      echo "mkdir $p"
      printf 'sif %s mode 0%o\nsif %s uid 0\nsif %s gid 0\n' "$p" "0x$(stat -c %f "$d")" "$p" "$p"
    fi
  done
  find . -mindepth 1 ! -type d | sort | while read -r f; do
    p=${f#.}
    echo "rm $p"
    if [ -L "$f" ]; then
      echo "symlink $p $(readlink "$f")"
    else
      echo "write $W/stage$p $p"
      printf 'sif %s mode 0%o\n' "$p" "0x$(stat -c %f "$f")"
    fi
    printf 'sif %s uid 0\nsif %s gid 0\n' "$p" "$p"
  done
) > "$W/cmds"
debugfs -w -f "$W/cmds" "$ROOTFS" > "$W/dbg.out" 2>&1 || die "debugfs -w failed: $(tail -3 "$W/dbg.out")"
# rm of a file that was not there is expected; anything else is not
if grep -v -e '^debugfs ' -e 'rm: File not found by ext2_lookup' "$W/dbg.out" | grep -qi -e error -e 'not found' -e 'could not' -e 'no free space'; then
  die "debugfs reported: $(grep -v '^debugfs ' "$W/dbg.out" | grep -v 'rm: File not found' | head -5)"
fi
say "root: wrote $(grep -c '^write ' "$W/cmds") files, $(grep -c '^symlink ' "$W/cmds") links, $(grep -c '^mkdir ' "$W/cmds") directories"

if [ $SSH = 1 ]; then
  : > "$W/ssh"; mcopy -o -i "$BOOTFS" "$W/ssh" ::ssh || die "mcopy ssh failed"
  say "boot: ssh enabled (empty /boot/firmware/ssh, --ssh)"
else
  say "boot: ssh left as the image has it (off on Raspberry Pi OS; --ssh enables it)"
fi
if [ -n "$USERCONF" ]; then
  printf '%s\n' "$USERCONF" > "$W/userconf.txt"; mcopy -o -i "$BOOTFS" "$W/userconf.txt" ::userconf.txt || die "mcopy userconf.txt failed"
  say "boot: userconf.txt for user ${USERCONF%%:*}"
fi

# --- verify the result ------------------------------------------------------------
e2fsck -fn "$ROOTFS" > "$W/fsck" 2>&1 || die "e2fsck -fn on the patched root filesystem failed:
$(tail -5 "$W/fsck")"
dd if="$TARGET" of="$W/boot.vfat" bs=512 skip="$P1_START" count="$P1_SIZE" status=none
fsck.vfat -n "$W/boot.vfat" > "$W/fsck" 2>&1 || die "fsck.vfat -n on the patched boot partition failed:
$(tail -5 "$W/fsck")"
say "verified: e2fsck -fn and fsck.vfat -n clean"

# Depends the image lacks: not fatal (the .deb pulls them), but say so.
if [ -n "$DEB" ]; then
  dbg "dump /var/lib/dpkg/status $W/status" > /dev/null
  missing=()
  for d in $(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/[ (].*//; s/^ *//' | grep .); do
    awk -v p="$d" '$0 == "Package: " p {f = 1} f && /^Status:/ {print; exit}' "$W/status" 2> /dev/null |
      grep -q 'install ok installed' || missing+=("$d")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "note: the image lacks ${missing[*]} (in the .deb's Depends); after first boot run"
    say "  sudo apt install /var/cache/failberry/$DEB_NAME"
  fi
fi
if command -v systemd-analyze > /dev/null; then
  unit=$(find "$W/stage" -path '*/systemd/system/failberryd.service' -type f | head -1)
  score=$(systemd-analyze security --offline=yes "$unit" 2> /dev/null |
    sed -n 's/.*Overall exposure level for failberryd.service: //p' || true)
  [ -z "$score" ] || say "systemd-analyze security failberryd.service: $score"
fi
if [ -n "$PARTIAL" ]; then mv -f "$PARTIAL" "$OUT"; PARTIAL=; TARGET=$OUT; fi
say "done: $TARGET"
