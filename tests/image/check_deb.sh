#!/bin/bash
# check_deb.sh ARCH DEB SOURCE_DIR VERSION -- checks one failberry .deb
# (made by `cmake --build BUILD --target deb`) without installing it:
#   * control: Package/Version/Architecture; conffiles list the INI and the
#     sysctl drop-in; postinst/prerm/postrm present, executable, `sh -n` clean;
#   * contents: every expected path with its mode and root:root, the overlay
#     files byte-identical to image/overlay/, the copyright file, changelog and
#     man pages their sources (gzip -9n), the binaries ELF for ARCH;
#   * Recommends: udhcpc (the net data path's DHCP client);
#   * Depends: names ppp; every library the packaged binaries need (NEEDED)
#     is covered by a Depends entry (the package that owns that soname, looked
#     up independently: dpkg -S on the host for the host arch, the shlibs
#     database's file lists for a cross arch); no *-cross package leaked in;
#     every Depends package exists for ARCH in the apt index and its candidate
#     version satisfies the constraint (so apt can install it).
# Exit 0 pass, 1 fail, 77 skipped (no .deb: build it first).
set -uo pipefail
ARCH=${1:?arch}; DEB=${2:?deb}; SRC=${3:?source dir}; VERSION=${4:?version}
[ -f "$DEB" ] || { echo "SKIPPED: $DEB not built (cmake --build <tree> --target deb; tests/run_all.sh does)" >&2; exit 77; }
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
f() { dpkg-deb -f "$DEB" "$1"; }

# --- control ---------------------------------------------------------------
[ "$(f Package)" = failberry ] && pass "Package: failberry" || fail "Package: $(f Package)"
[ "$(f Version)" = "$VERSION" ] && pass "Version: $VERSION" || fail "Version: $(f Version), want $VERSION"
[ "$(f Architecture)" = "$ARCH" ] && pass "Architecture: $ARCH" || fail "Architecture: $(f Architecture), want $ARCH"
dpkg-deb -e "$DEB" "$W/ctl"
if diff <(sort "$W/ctl/conffiles") <(printf '/etc/failberry/failberry.ini\n/etc/sysctl.d/90-failberry.conf\n') > /dev/null; then
  pass "conffiles: $(tr '\n' ' ' < "$W/ctl/conffiles")"
else fail "conffiles: $(tr '\n' ' ' < "$W/ctl/conffiles" 2> /dev/null)"; fi
for s in postinst prerm postrm; do
  if [ -x "$W/ctl/$s" ] && sh -n "$W/ctl/$s" && cmp -s "$W/ctl/$s" "$SRC/image/debian/$s"; then
    pass "$s: executable, sh -n clean, same as image/debian/$s"
  else fail "$s missing, not executable, not valid sh or not image/debian/$s"; fi
done

# --- contents ----------------------------------------------------------------
dpkg-deb -c "$DEB" | awk '{print $1, $2, $6}' | sed 's| \./| /|' > "$W/list"
want="-rwxr-xr-x /usr/sbin/failberryd
-rwxr-xr-x /usr/bin/failberryctl
-rwxr-xr-x /usr/libexec/failberry/config-edited
-rwxr-xr-x /usr/libexec/failberry/udhcpc-event
-rw-r--r-- /lib/systemd/system/failberryd.service
-rw-r--r-- /lib/udev/rules.d/77-failberry.rules
-rw-r--r-- /etc/sysctl.d/90-failberry.conf
-rw-r--r-- /etc/failberry/failberry.ini
-rw-r--r-- /usr/share/failberry/failberry.ini
-rw-r--r-- /usr/share/doc/failberry/CONFIG.md
-rw-r--r-- /usr/share/doc/failberry/copyright
-rw-r--r-- /usr/share/doc/failberry/changelog.gz
-rw-r--r-- /usr/share/man/man8/failberryd.8.gz
-rw-r--r-- /usr/share/man/man8/failberryctl.8.gz
-rw-r--r-- /usr/share/man/man5/failberry.ini.5.gz"
while read -r mode path; do
  line=$(awk -v p="$path" '$3 == p' "$W/list")
  if [ "$line" = "$mode root/root $path" ]; then pass "contains $mode root/root $path"
  else fail "want $mode root/root $path, have '${line:-nothing}'"; fi
done <<< "$want"
bad=$(awk '$2 != "root/root"' "$W/list")
[ -z "$bad" ] && pass "every entry owned by root/root" || fail "entries not owned by root: $bad"
dpkg-deb -x "$DEB" "$W/x"
for p in etc/failberry/failberry.ini etc/sysctl.d/90-failberry.conf lib/systemd/system/failberryd.service \
         lib/udev/rules.d/77-failberry.rules usr/libexec/failberry/config-edited usr/libexec/failberry/udhcpc-event; do
  cmp -s "$W/x/$p" "$SRC/image/overlay/$p" && pass "/$p is image/overlay/$p" || fail "/$p differs from image/overlay/$p"
done
cmp -s "$W/x/usr/share/doc/failberry/copyright" "$SRC/image/debian/copyright" &&
  pass "/usr/share/doc/failberry/copyright is image/debian/copyright" || fail "copyright differs from image/debian/copyright"
for p in usr/share/doc/failberry/changelog.gz:image/debian/changelog usr/share/man/man8/failberryd.8.gz:docs/man/failberryd.8 \
         usr/share/man/man8/failberryctl.8.gz:docs/man/failberryctl.8 usr/share/man/man5/failberry.ini.5.gz:docs/man/failberry.ini.5; do
  gz=${p%%:*}; src=${p#*:}
  # gzip -9n of the source, byte for byte: no name, no timestamp (reproducible)
  cmp -s "$W/x/$gz" <(gzip -9nc "$SRC/$src") && pass "/$gz is gzip -9n of $src" || fail "/$gz is not gzip -9n of $src"
done
cmp -s "$W/x/usr/share/failberry/failberry.ini" "$SRC/image/overlay/etc/failberry/failberry.ini" &&
  pass "pristine example is the overlay's INI" || fail "/usr/share/failberry/failberry.ini differs"
case $ARCH in amd64) mach=X86-64 ;; arm64) mach=AArch64 ;; armhf) mach=ARM ;; *) mach=? ;; esac
for b in usr/sbin/failberryd usr/bin/failberryctl; do
  m=$(readelf -h "$W/x/$b" 2> /dev/null | sed -n 's/^ *Machine: *//p')
  case "$m" in *"$mach"*) pass "/$b is ELF $m" ;; *) fail "/$b machine '$m', want $mach" ;; esac
done

# --- Depends -----------------------------------------------------------------
DEPENDS=$(f Depends)
echo "Depends: $DEPENDS"
mapfile -t DEPS < <(tr ',' '\n' <<< "$DEPENDS" | sed 's/^ *//; s/ *$//' | grep -v '^$')
depname() { sed 's/[ (].*//' <<< "$1"; }
names=" $(for d in "${DEPS[@]}"; do depname "$d"; done | tr '\n' ' ')"
[[ $names == *" ppp "* ]] && pass "Depends names ppp" || fail "Depends lacks ppp"
[[ $names == *-cross* ]] && fail "a *-cross package in Depends" || pass "no *-cross package in Depends"
[ "$(f Recommends)" = udhcpc ] && pass "Recommends: udhcpc" || fail "Recommends: '$(f Recommends)', want udhcpc"

if [ "$ARCH" = "$(dpkg --print-architecture)" ]; then
  owner() { local p; p=$(ldconfig -p | awk -v s="$1" '$1 == s {print $NF; exit}')
    [ -n "$p" ] || return 0
    local r; r=$(readlink -f "$p")   # merged /usr: dpkg may know either spelling
    for q in "$p" "$r" "${p#/usr}" "${r#/usr}" "/usr${p#/usr}" "/usr${r#/usr}"; do
      dpkg -S "$q" 2> /dev/null | head -1 | cut -d: -f1 | grep . && return 0
    done; }
else
  DB=${FB_SHLIBS_DIR:-/var/cache/failberry/shlibs}/$ARCH
  owner() { grep -l "/$1\$" "$DB"/admin/info/*.list 2> /dev/null | head -1 | xargs -r basename | sed -e 's/\.list$//' -e 's/:.*//'; }
fi
for b in usr/sbin/failberryd usr/bin/failberryctl; do
  for so in $(readelf -d "$W/x/$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    pkg=$(owner "$so")
    if [ -z "$pkg" ]; then fail "no package found owning $so (needed by /$b)"
    elif [[ $names == *" $pkg "* ]]; then pass "$so (/$b) -> $pkg is in Depends"
    else fail "$so (/$b) is owned by $pkg, which Depends lacks"; fi
  done
done
apt-cache policy > /dev/null 2>&1 || true
for d in "${DEPS[@]}"; do
  n=$(depname "$d"); rel=$(sed -n 's/.*(\(.*\)).*/\1/p' <<< "$d")
  cand=$(apt-cache policy "$n:$ARCH" 2> /dev/null | sed -n 's/^ *Candidate: *//p')
  if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then fail "$n:$ARCH has no candidate in the apt index"; continue; fi
  if [ -n "$rel" ]; then
    op=${rel%% *}; ver=${rel#* }
    case $op in ">=") dop=ge ;; ">>") dop=gt ;; "=") dop=eq ;; "<=") dop=le ;; "<<") dop=lt ;; *) dop= ;; esac
    if [ -n "$dop" ] && dpkg --compare-versions "$cand" "$dop" "$ver"; then pass "$n:$ARCH candidate $cand satisfies ($rel)"
    else fail "$n:$ARCH candidate $cand does not satisfy ($rel)"; fi
  else pass "$n:$ARCH exists (candidate $cand)"; fi
done
echo "$fails failed"
[ $fails -eq 0 ]
