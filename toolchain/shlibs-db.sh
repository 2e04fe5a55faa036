#!/usr/bin/env bash
# toolchain/shlibs-db.sh ARCH   (ARCH = arm64 | armhf)
#
# A dpkg database of ARCH's runtime library packages, so dpkg-shlibdeps can
# compute a cross-built binary's Depends: with real package names and versions
# from the packages' own shlibs/symbols files. Prints the directory, which holds
#   root/                 the packages' files (dpkg-deb -x)
#   admin/status          one "install ok installed" stanza per package
#   admin/info/P.list     P's files as *host* paths (root/...), so that
#                         `dpkg-query --search` maps a library dpkg-shlibdeps
#                         found under root/ back to its package
#   admin/info/P.shlibs, P.symbols   from the package's control archive
# Use: DPKG_ADMINDIR=DIR/admin DEB_HOST_ARCH=ARCH dpkg-shlibdeps
#        -lDIR/root/lib/TRIPLET -lDIR/root/usr/lib/TRIPLET BINARY...
# (image/cpack-cross.cmake does this for CPack).
#
# Which packages: the runtime (non -dev, arch-specific) packages of the cross
# sysroot's closure (toolchain/sysroot.sh records it in its stamp) plus the
# ARCH packages behind every installed X-ARCH-cross runtime package (libc6,
# libstdc++6, libgcc-s1, ...), which the cross toolchain provides to the
# linker. The .debs are those apt-get download picks for ARCH now: the
# versions an ARCH system installs from the same mirror.
# Cached in ${FB_SHLIBS_DIR:-/var/cache/failberry/shlibs}/ARCH with a stamp
# holding the package list; a rerun with the same list exits at once.
set -euo pipefail
ARCH=${1:-}
case "$ARCH" in
  arm64) TRIPLET=aarch64-linux-gnu ;;
  armhf) TRIPLET=arm-linux-gnueabihf ;;
  *) echo "usage: $0 arm64|armhf" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "shlibs-db.sh: error: $*" >&2; exit 1; }
log() { echo "shlibs-db.sh: $*" >&2; }

SYSROOT=$("$HERE/sysroot.sh" "$ARCH")
STAMP_SYSROOT=$SYSROOT/.failberry-sysroot.stamp
[ -f "$STAMP_SYSROOT" ] || die "no sysroot stamp at $STAMP_SYSROOT"
PKGS=()
for p in $(sed -n 2p "$STAMP_SYSROOT"); do
  case $p in *-dev:"$ARCH" | *-dev | *-dbg:* ) continue ;; *:"$ARCH") PKGS+=("${p%:"$ARCH"}") ;; esac
done
while read -r name ver; do
  [ -n "$ver" ] || continue
  case $name in *-dev | *-dbg | linux-*) continue ;; esac
  PKGS+=("$name")
done < <(dpkg-query -W -f='${Package} ${Version}\n' "*-$ARCH-cross" 2>/dev/null | sed "s/-$ARCH-cross / /")
mapfile -t PKGS < <(printf '%s\n' "${PKGS[@]}" | sort -u)
((${#PKGS[@]})) || die "no runtime packages found"

DEST=${FB_SHLIBS_DIR:-/var/cache/failberry/shlibs}/$ARCH
WANT="arch=$ARCH packages=${PKGS[*]}"
if [ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$WANT" ]; then echo "$DEST"; exit 0; fi

mkdir -p "$(dirname "$DEST")"
exec 9>>"$(dirname "$DEST")/.lock-$ARCH"; flock -w 600 9 || die "timed out waiting for the lock"
if [ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$WANT" ]; then echo "$DEST"; exit 0; fi
TMP=$(mktemp -d "$(dirname "$DEST")/.tmp-$ARCH.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/debs" "$TMP/db/root" "$TMP/db/admin/info" "$TMP/ctl"
chmod 755 "$TMP"; chown _apt "$TMP/debs" 2>/dev/null || true
log "apt-get download ${#PKGS[@]} $ARCH packages"
dl() { (cd "$TMP/debs" && apt-get download -qq "$@" >&2); }
dl "${PKGS[@]/%/:$ARCH}" || { apt-get update -qq >&2 || true; dl "${PKGS[@]/%/:$ARCH}"; } ||
  die "apt-get download failed for some of: ${PKGS[*]/%/:$ARCH}"

R=$TMP/db/root
: > "$TMP/db/admin/status"
for deb in "$TMP"/debs/*.deb; do
  dpkg-deb -x "$deb" "$R" || die "dpkg-deb -x $deb"
  rm -rf "$TMP/ctl"; dpkg-deb -e "$deb" "$TMP/ctl" || die "dpkg-deb -e $deb"
  f() { dpkg-deb -f "$deb" "$1"; }
  pkg=$(f Package); ma=$(f Multi-Arch)
  key=$pkg; [ "$ma" = same ] && key=$pkg:$ARCH
  {
    echo "Package: $pkg"; echo "Status: install ok installed"; echo "Maintainer: $(f Maintainer)"
    echo "Architecture: $(f Architecture)"
    [ -n "$ma" ] && echo "Multi-Arch: $ma"
    echo "Version: $(f Version)"; [ -n "$(f Source)" ] && echo "Source: $(f Source)"
    echo "Description: $(f Description | head -n1)"; echo
  } >> "$TMP/db/admin/status"
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e '/^$/d' |
    sed "s|^|$DEST/root|" > "$TMP/db/admin/info/$key.list"
  for c in shlibs symbols; do [ -f "$TMP/ctl/$c" ] && cp "$TMP/ctl/$c" "$TMP/db/admin/info/$key.$c"; done
done
touch "$TMP/db/admin/available" "$TMP/db/admin/diversions"
echo 1 > "$TMP/db/admin/info/format"   # multiarch db layout: info/P:ARCH.* for Multi-Arch: same
echo "$WANT" > "$TMP/db/.stamp"
rm -rf "$DEST"; mv "$TMP/db" "$DEST"
log "$(grep -c '^Package:' "$DEST/admin/status") packages in $DEST"
echo "$DEST"
