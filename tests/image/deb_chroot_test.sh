#!/bin/bash
# deb_chroot_test.sh DEB -- install, edit, remove, reinstall and purge the
# host-arch failberry .deb with apt/dpkg in a throwaway Debian 12 chroot (a
# copy of tests/system/debian_rootfs.sh amd64: systemd, init-system-helpers,
# like a Raspberry Pi OS Lite userland). apt fetches the Depends (ppp, ...)
# from Debian's mirror into the shared cache /var/cache/failberry/rootfs/.
# Checks after each step: dpkg status, files and modes, the unit's
# enablement, what postinst says, that failberryd runs in the chroot with only
# its Depends installed, conffile handling, and that purge leaves nothing.
# Exit 0 pass, 1 fail, 77 skipped (not root / no .deb).
set -uo pipefail
DEB=${1:?usage: deb_chroot_test.sh DEB}
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root (chroot, dpkg)" >&2; exit 77; }
[ -f "$DEB" ] || { echo "SKIPPED: $DEB not built (cmake --build build --target deb)" >&2; exit 77; }
ARCH=$(dpkg --print-architecture)
[ "$ARCH" = amd64 ] || { echo "SKIPPED: the test chroot is amd64, host is $ARCH" >&2; exit 77; }
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

t0=$(date +%s)
BASE=$("$HERE/../system/debian_rootfs.sh" amd64) || { echo "FAIL: could not build the amd64 chroot"; exit 1; }
CACHE=$(dirname "$BASE")/debs
W=$(mktemp -d /var/tmp/fb-debchroot.XXXXXX)
R=$W/root
cleanup() {
  for m in $(awk -v p="$W/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2> /dev/null; done
  rm -rf --one-file-system "$W"
}
trap cleanup EXIT
cp -a "$BASE" "$R"
mkdir -p "$R/var/cache/apt/archives/partial"
mount -t proc proc "$R/proc"
mount --bind "$CACHE" "$R/var/cache/apt/archives"
cp "$DEB" "$R/tmp/"
D=/tmp/$(basename "$DEB")
echo "chroot ready in $(($(date +%s) - t0)) s"
# Run in the chroot; stdout+stderr to $W/out (and echoed), exit code returned.
c() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@" > "$W/out" 2>&1
  local rc=$?; sed 's/^/    | /' "$W/out"; return $rc; }
status() { chroot "$R" dpkg-query -W -f='${Status}' failberry 2> /dev/null; }
enabled() { [ "$(chroot "$R" systemctl is-enabled failberryd.service 2> /dev/null)" = enabled ]; }
APT=(apt-get -q -y -o Dpkg::Use-Pty=0 -o APT::Keep-Downloaded-Packages=true --no-install-recommends)

echo "--- install: apt-get install ./$(basename "$DEB")"
if ! c "${APT[@]}" install "$D"; then
  c "${APT[@]}" update > /dev/null; c "${APT[@]}" install "$D"; fi
check "installed (status: $(status))" [ "$(status)" = "install ok installed" ]
check "Depends pulled ppp" [ -x "$R/usr/sbin/pppd" ]
check "postinst says the service waits for an edited INI" grep -q "enabled but not started" "$W/out"
check "failberryd.service is enabled" enabled
check "enablement link in multi-user.target.wants" \
  [ "$(readlink "$R/etc/systemd/system/multi-user.target.wants/failberryd.service")" = /lib/systemd/system/failberryd.service ]
for f in 755:/usr/sbin/failberryd 755:/usr/bin/failberryctl 755:/usr/libexec/failberry/config-edited \
         755:/usr/libexec/failberry/udhcpc-event \
         644:/lib/systemd/system/failberryd.service 644:/etc/failberry/failberry.ini \
         644:/etc/sysctl.d/90-failberry.conf 644:/lib/udev/rules.d/77-failberry.rules; do
  check "${f#*:} mode ${f%%:*} root:root" [ "$(stat -c '%a %U:%G' "$R${f#*:}" 2> /dev/null)" = "${f%%:*} root:root" ]
done
check "failberryd runs with only its Depends installed (--version)" c /usr/sbin/failberryd --version
check "the shipped example passes --check-config" c /usr/sbin/failberryd --check-config /etc/failberry/failberry.ini
c /usr/libexec/failberry/config-edited /etc/failberry/failberry.ini; rc=$?
check "start condition refuses the unedited example (exit $rc)" [ $rc = 1 ]
check "... and says what to do" grep -q "systemctl start failberryd" "$W/out"

echo "--- edit the INI"
echo "# edited by the test" >> "$R/etc/failberry/failberry.ini"
check "start condition accepts the edited INI" c /usr/libexec/failberry/config-edited /etc/failberry/failberry.ini

echo "--- remove"
c "${APT[@]}" remove failberry > /dev/null
check "removed, config kept (status: $(status))" [ "$(status)" = "deinstall ok config-files" ]
check "binaries gone" [ ! -e "$R/usr/sbin/failberryd" -a ! -e "$R/usr/bin/failberryctl" ]
check "unit file gone" [ ! -e "$R/lib/systemd/system/failberryd.service" ]
check "no enablement link left" [ ! -e "$R/etc/systemd/system/multi-user.target.wants/failberryd.service" ]
check "edited INI kept" grep -q "edited by the test" "$R/etc/failberry/failberry.ini"

echo "--- reinstall over the kept config"
c "${APT[@]}" install "$D" > /dev/null
check "reinstalled (status: $(status))" [ "$(status)" = "install ok installed" ]
check "the user's INI was not replaced" grep -q "edited by the test" "$R/etc/failberry/failberry.ini"
check "postinst has nothing to complain about" sh -c "! grep -q 'not started' '$W/out'"
check "enabled again" enabled

echo "--- purge"
mkdir -p "$R/var/lib/failberry/state" && echo x > "$R/var/lib/failberry/state/file"
c "${APT[@]}" purge failberry > /dev/null
check "purged (status: '$(status)')" [ -z "$(status)" -o "$(status)" = "unknown ok not-installed" ]
check "/etc/failberry gone" [ ! -e "$R/etc/failberry" ]
check "sysctl drop-in gone" [ ! -e "$R/etc/sysctl.d/90-failberry.conf" ]
check "state dir /var/lib/failberry gone" [ ! -e "$R/var/lib/failberry" ]
left=$(find "$R/etc/systemd" "$R/var/lib/systemd" -name 'failberry*' 2> /dev/null; grep -rls failberryd "$R/var/lib/systemd/deb-systemd-helper-enabled" 2> /dev/null)
check "no unit traces under /etc/systemd or /var/lib/systemd${left:+: $left}" [ -z "$left" ]
check "ppp stays (purge removes only failberry)" [ -x "$R/usr/sbin/pppd" ]

echo "$fails failed ($(($(date +%s) - t0)) s)"
[ $fails -eq 0 ]
