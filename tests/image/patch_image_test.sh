#!/bin/bash
# patch_image_test.sh OVERLAY.tar.gz DEB FAILBERRYD -- image/patch-image.sh on
# synthetic images with Raspberry Pi OS's layout (tests/image/mk_rpi_image.sh,
# no mounting; merged /usr, /usr/bin/dpkg of the overlay's arch, a dpkg status):
#   good image -> exit 0; the input's sha256 unchanged; the result passes
#   e2fsck -fn and fsck.vfat -n (run here on partitions cut out with dd); every
#   overlay file is in the root fs with its mode, root:root and content (lib/
#   under usr/lib), the enablement link, the --config INI, the .deb; files that
#   were there before are untouched; userconf.txt on the boot fs, no ssh file
#   (sshd stays off without --ssh); a --config whose name holds a newline, a
#   quote and a debugfs shell escape (!) goes in as the INI and runs nothing:
#   no marker file, no top-level entry in the root fs beyond the image's and
#   the overlay's. --in-place --ssh changes the given file, leaves it clean and
#   adds the ssh file.
#   bad inputs -> exit 2, a clear message, input sha256 unchanged, no output
#   left: not an image (text, zeros), wrong layout (GPT, one partition, no
#   config.txt), another CPU, no space, an invalid --config, an existing -o,
#   -o = input; names debugfs would misread: an overlay link whose target has a
#   newline and a "!touch" line (a shell command under the old patcher), an
#   overlay directory with a newline, an overlay file with a quote and a blank,
#   an overlay fifo, a .deb whose Architecture has a blank, an image path with ?,
#   an -o path with @@ (both make ext2fs/mtools open another file).
# Exit 0 pass, 1 fail, 77 skipped.
set -uo pipefail
OVERLAY=${1:?overlay}; DEB=${2:?deb}; FAILBERRYD=${3:?failberryd}
HERE=$(cd "$(dirname "$0")" && pwd); SRC=$(cd "$HERE/../.." && pwd)
PATCH=$SRC/image/patch-image.sh MK=$HERE/mk_rpi_image.sh
[ -f "$OVERLAY" ] || { echo "SKIPPED: $OVERLAY not built (cmake --build build --target overlay)" >&2; exit 77; }
[ -f "$DEB" ] || { echo "SKIPPED: $DEB not built (cmake --build build --target deb)" >&2; exit 77; }
for t in sfdisk mkfs.vfat mkfs.ext4 mcopy debugfs e2fsck fsck.vfat; do
  command -v $t > /dev/null || { echo "SKIPPED: $t missing (tests/setup_deps.sh installs it)" >&2; exit 77; }
done
OVERLAY=$(realpath "$OVERLAY") DEB=$(realpath "$DEB") FAILBERRYD=$(realpath -m "$FAILBERRYD")   # the test runs in $W
export MTOOLS_SKIP_CHECK=1 FAILBERRYD
fails=0; t0=$(date +%s)
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
quiet() { "$@" > /dev/null 2>&1; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1   # where a command injected into debugfs -f would drop its marker

# A root fs that looks like Raspberry Pi OS's to the patcher.
R=$W/rootdir
mkdir -p "$R"/{etc,usr/bin,usr/sbin,usr/lib/systemd/system,var/lib/dpkg,var/cache,root}
ln -s usr/lib "$R/lib"; ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"
echo 12.8 > "$R/etc/debian_version"; echo raspberrypi > "$R/etc/hostname"
cp "$(readlink -f /usr/bin/dpkg)" "$R/usr/bin/dpkg"
printf 'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\n' > "$R/var/lib/dpkg/status"
echo "[Unit]" > "$R/usr/lib/systemd/system/ssh.service"
chmod 700 "$R/root"
GOOD=$W/good.img
"$MK" "$GOOD" "$R" 64 64 || { echo "FAIL: could not build the synthetic image"; exit 1; }
echo "synthetic image: $(sfdisk -d "$GOOD" | grep -c start=) partitions, $(du -h --apparent-size "$GOOD" | cut -f1)"
sum() { sha256sum "$1" | cut -d' ' -f1; }
P1=$((8192 * 512)) P2=$(((8192 + 64 * 2048) * 512))

# --- the good case ---------------------------------------------------------------
# the INI's own name never reaches debugfs: it lands as failberry.ini, verbatim
INI=$W/$'my "q\n!touch HOSTMARK\nmkdir pwned.ini'
{ cat "$SRC/image/overlay/etc/failberry/failberry.ini"; echo "# mine"; } > "$INI"
before=$(sum "$GOOD")
"$PATCH" --overlay "$OVERLAY" --deb "$DEB" --config "$INI" --userconf 'pi:$6$salt$hash' -o "$W/out.img" "$GOOD" 2> "$W/err"
rc=$?; sed 's/^/    | /' "$W/err"
check "good image patched (exit $rc)" [ $rc = 0 ]
check "input unchanged (sha256)" [ "$(sum "$GOOD")" = "$before" ]
check "no .partial left" [ ! -e "$W/out.img.partial" ]
check "patcher reported the security score" grep -q "systemd-analyze security failberryd.service: [0-9]" "$W/err"
OUT=$W/out.img
dd if="$OUT" of="$W/root.ext4" bs=1M skip=$((P2 / 1048576)) count=64 status=none
dd if="$OUT" of="$W/boot.vfat" bs=1M skip=$((P1 / 1048576)) count=64 status=none
check "e2fsck -fn on the root partition" quiet e2fsck -fn "$W/root.ext4"
check "fsck.vfat -n on the boot partition" quiet fsck.vfat -n "$W/boot.vfat"
dstat() { debugfs -R "stat $1" "$W/root.ext4" 2> /dev/null; }
mkdir "$W/ov"; tar -C "$W/ov" -xzf "$OVERLAY"
cp "$INI" "$W/ov/etc/failberry/failberry.ini"   # --config replaces the example
nfiles=0
while read -r perm own path; do
  path=${path#.}; [ -n "$path" ] || continue
  ip=$path; case $ip in /lib/*) ip=/usr$ip ;; /lib) continue ;; esac
  st=$(dstat "$ip")
  if [ -z "$st" ]; then fail "$ip missing in the image"; continue; fi
  mode=$(sed -n 's/.*Mode: *\([0-7]*\).*/\1/p' <<< "$st" | head -1)
  uid=$(sed -n 's/.*User: *\([0-9]*\) *Group: *\([0-9]*\).*/\1:\2/p' <<< "$st" | head -1)
  want=$(stat -c %a "$W/ov$path")
  [ "$own" = 0/0 ] || fail "tarball entry $path not owned by root ($own)"
  if [[ $perm == -* ]]; then
    nfiles=$((nfiles + 1))
    debugfs -R "dump $ip $W/dumped" "$W/root.ext4" > /dev/null 2>&1
    if [ "$((8#$mode))" = "$((8#$want))" ] && [ "$uid" = 0:0 ] && cmp -s "$W/dumped" "$W/ov$path"; then :
    else fail "$ip: mode $mode owner $uid (want $want 0:0) or content differs"; fi
  elif [[ $perm == l* ]]; then
    grep -q "Fast link dest: \"$(readlink "$W/ov$path")\"" <<< "$st" || fail "$ip: link target wrong"
  elif [[ $perm == d* ]] && [ "$uid" != 0:0 ]; then fail "$ip: directory owner $uid"; fi
done < <(tar -tvzf "$OVERLAY" | awk '{print $1, $2, $6}')
check "all $nfiles overlay files with mode, root:root and content" [ $fails = 0 ]
check "enablement link multi-user.target.wants/failberryd.service" \
  sh -c "debugfs -R 'stat /etc/systemd/system/multi-user.target.wants/failberryd.service' '$W/root.ext4' 2>/dev/null | grep -q 'Fast link dest: \"/lib/systemd/system/failberryd.service\"'"
debugfs -R "dump /etc/failberry/failberry.ini $W/ini" "$W/root.ext4" > /dev/null 2>&1
check "/etc/failberry/failberry.ini is the --config file" cmp -s "$W/ini" "$INI"
DEBNAME=failberry_$(dpkg-deb -f "$DEB" Version)_$(dpkg-deb -f "$DEB" Architecture).deb
debugfs -R "dump /var/cache/failberry/$DEBNAME $W/deb" "$W/root.ext4" > /dev/null 2>&1
check "the .deb is /var/cache/failberry/$DEBNAME" cmp -s "$W/deb" "$DEB"
check "the patcher noted the Depends the image lacks (ppp)" grep -q "image lacks.*ppp" "$W/err"
check "/lib is still the usr/lib link" sh -c "debugfs -R 'stat /lib' '$W/root.ext4' 2>/dev/null | grep -q 'Fast link dest: \"usr/lib\"'"
debugfs -R "dump /etc/hostname $W/hn" "$W/root.ext4" > /dev/null 2>&1
check "existing /etc/hostname untouched" cmp -s "$W/hn" "$R/etc/hostname"
check "existing /usr/lib/systemd/system/ssh.service kept" sh -c "debugfs -R 'stat /usr/lib/systemd/system/ssh.service' '$W/root.ext4' 2>/dev/null | grep -q '^Inode:'"
check "existing /root keeps mode 0700" sh -c "debugfs -R 'stat /root' '$W/root.ext4' 2>/dev/null | grep -q 'Mode:  0700'"
check "ssh off by default: no ::ssh on the boot fs" sh -c "! mdir -i '$OUT@@$P1' ::ssh > /dev/null 2>&1"
check "the odd --config name ran no host command (no HOSTMARK)" [ ! -e "$W/HOSTMARK" ]
rootnames() { debugfs -R "ls -p /" "$1" 2> /dev/null | awk -F/ 'NF > 5 {print $6}' | sort -u; }
dd if="$GOOD" of="$W/root0.ext4" bs=1M skip=$((P2 / 1048576)) count=64 status=none
{ rootnames "$W/root0.ext4"; tar -tzf "$OVERLAY" | sed 's|^\./||; s|/.*||' | grep .; } | sort -u > "$W/want.top"
rootnames "$W/root.ext4" > "$W/got.top"
check "no top-level entry in the root fs beyond the image's and the overlay's" cmp -s "$W/want.top" "$W/got.top"
mtype -i "$OUT@@$P1" ::userconf.txt > "$W/uc" 2> /dev/null
check "userconf.txt on the boot fs" grep -qx 'pi:$6$salt$hash' "$W/uc"
check "config.txt still there" sh -c "mdir -i '$OUT@@$P1' ::config.txt > /dev/null 2>&1"

# --- --in-place ---------------------------------------------------------------------
cp --sparse=always "$GOOD" "$W/inplace.img"; b=$(sum "$W/inplace.img")
"$PATCH" --overlay "$OVERLAY" --ssh --in-place "$W/inplace.img" 2> "$W/err"; rc=$?
check "--in-place --ssh patched (exit $rc)" [ $rc = 0 ]
check "--in-place changed the file" [ "$(sum "$W/inplace.img")" != "$b" ]
check "--in-place result: e2fsck -fn clean" quiet e2fsck -fn "$W/inplace.img?offset=$P2"
check "--ssh: empty ::ssh on the boot fs" sh -c "mdir -i '$W/inplace.img@@$P1' ::ssh 2>/dev/null | grep -qE '^ssh +0 '"
"$PATCH" --overlay "$OVERLAY" --in-place "$W/inplace.img" 2> "$W/err"; rc=$?
check "patching twice works (exit $rc)" [ $rc = 0 ]

# --- refusals -------------------------------------------------------------------------
# refused NAME IMAGE PATTERN [patcher args...]: exit 2, message matches, input unchanged, no output
refused() {
  local name=$1 img=$2 pat=$3; shift 3
  local b; b=$(sum "$img"); rm -f "$W/r.img" "$W/r.img.partial"
  timeout 120 "$PATCH" --overlay "$OVERLAY" "$@" "$img" > /dev/null 2> "$W/err"; local rc=$?
  if [ $rc = 2 ] && grep -qE -e "$pat" "$W/err" && [ "$(sum "$img")" = "$b" ] && [ ! -e "$W/r.img" ] && [ ! -e "$W/r.img.partial" ]; then
    pass "refused $name: $(head -c 160 "$W/err" | head -1)"
  else fail "$name: exit $rc, message '$(head -c 200 "$W/err")', input changed: $([ "$(sum "$img")" = "$b" ] && echo no || echo YES)"; fi
}
seq 1 2000000 > "$W/text.img"
refused "a text file" "$W/text.img" "not a disk image" -o "$W/r.img"
truncate -s 16M "$W/zeros.img"
refused "16 MiB of zeros" "$W/zeros.img" "no partition table" -o "$W/r.img"
"$MK" "$W/gpt.img" "$R" 64 64 gpt
refused "a GPT image" "$W/gpt.img" "partition table is gpt" -o "$W/r.img"
truncate -s 80M "$W/one.img"; printf 'label: dos\nstart=8192, type=83\n' | sfdisk -q "$W/one.img"
refused "one partition" "$W/one.img" "has 1 partitions" -o "$W/r.img"
cp --sparse=always "$GOOD" "$W/noconf.img"; mdel -i "$W/noconf.img@@$P1" ::config.txt
refused "a boot fs without config.txt" "$W/noconf.img" "no config.txt" -o "$W/r.img"
# no space: fill the root fs up to 64 blocks beyond root's reserve
cp --sparse=always "$GOOD" "$W/full.img"
sb=$(dumpe2fs -h "$W/full.img?offset=$P2" 2> /dev/null)
v() { sed -n "s/^$1: *//p" <<< "$sb"; }
head -c $((($(v 'Free blocks') - $(v 'Reserved block count') - 300) * $(v 'Block size'))) /dev/urandom > "$W/filler"  # zeros: debugfs writes holes
debugfs -w -R "write $W/filler /filler" "$W/full.img?offset=$P2" > /dev/null 2>&1
check "filler written and fs still clean" quiet e2fsck -fn "$W/full.img?offset=$P2"
refused "a full root fs" "$W/full.img" "KiB free .*needs .* KiB" -o "$W/r.img" --deb "$DEB"
# another CPU: the image's /usr/bin/dpkg is an AArch64 ELF (the cross libc)
FOREIGN=/usr/aarch64-linux-gnu/lib/libc.so.6
if [ "$(uname -m)" != aarch64 ] && [ -f $FOREIGN ]; then
  cp -a "$R" "$W/rootdir2"; cp $FOREIGN "$W/rootdir2/usr/bin/dpkg"
  "$MK" "$W/arm.img" "$W/rootdir2" 64 64 2> /dev/null
  refused "an image of another CPU" "$W/arm.img" "built for .* but the image's userland is AArch64" -o "$W/r.img"
else echo "note: no AArch64 ELF at $FOREIGN, the other-CPU case is not tried"; fi
printf '[general]\nbogus_key = 1\n' > "$W/bad.ini"
refused "an invalid --config" "$GOOD" "is not valid" -o "$W/r.img" --config "$W/bad.ini"
cp "$GOOD" "$W/exists.img"; b=$(sum "$W/exists.img")
refused "an existing -o" "$GOOD" "exists \(use --force" -o "$W/exists.img"
check "the existing -o file untouched" [ "$(sum "$W/exists.img")" = "$b" ]
refused "-o = input" "$GOOD" "is the input image" -o "$GOOD"

# Names debugfs would misread. badov NAME CMD...: the overlay plus what CMD
# (run in its unpacked tree) adds, as $W/NAME.tgz; a later --overlay wins.
badov() {
  local n=$1; shift; rm -rf "$W/bo"; mkdir "$W/bo"; tar -C "$W/bo" -xzf "$OVERLAY"
  (cd "$W/bo" && "$@") && tar -C "$W/bo" --owner=0 --group=0 -czf "$W/$n.tgz" .
}
badov link ln -s $'x\n!touch HOSTMARK' etc/failberry/evil
refused "an overlay link target with a newline and !touch" "$GOOD" "target of overlay link /etc/failberry/evil" \
  -o "$W/r.img" --overlay "$W/link.tgz"
check "no injected shell command ran (no HOSTMARK)" [ ! -e "$W/HOSTMARK" ]
badov dir mkdir $'etc/failberry/d\npwned'
refused "an overlay directory with a newline" "$GOOD" "overlay entry .*/etc/failberry/d" -o "$W/r.img" --overlay "$W/dir.tgz"
badov quote touch 'etc/failberry/a" b'
refused "an overlay file with a quote and a blank" "$GOOD" "overlay entry .*/etc/failberry/a" -o "$W/r.img" --overlay "$W/quote.tgz"
badov fifo mkfifo etc/failberry/fifo
refused "an overlay fifo" "$GOOD" "overlay entry /etc/failberry/fifo is a fifo" -o "$W/r.img" --overlay "$W/fifo.tgz"
# a .deb whose control file says "Architecture: amd64 x": dpkg-deb -f only warns
mkdir "$W/bd"; (cd "$W/bd" && ar x "$DEB" && mkdir c && tar -C c -xf control.tar.* &&
  sed -i 's/^Architecture: .*/& x/' c/control && rm control.tar.* && tar -C c -czf control.tar.gz . &&
  ar rc "$W/badarch.deb" debian-binary control.tar.gz data.tar.*)
check "the odd .deb reads back (Architecture with a blank)" sh -c "dpkg-deb -f '$W/badarch.deb' Architecture 2>/dev/null | grep -q ' x\$'"
refused "a .deb whose Architecture has a blank" "$GOOD" "--deb .*file name" -o "$W/r.img" --deb "$W/badarch.deb"
cp --sparse=always "$GOOD" "$W/what?.img"
refused "an image path with ?" "$W/what?.img" "image .* contains \? @" -o "$W/r.img"
refused "an -o path with @@" "$GOOD" "-o .* contains \? @" -o "$W/r@@.img"
check "no -o file with @@ left" [ ! -e "$W/r@@.img" -a ! -e "$W/r@@.img.partial" ]

echo "$fails failed ($(($(date +%s) - t0)) s)"
[ $fails -eq 0 ]
