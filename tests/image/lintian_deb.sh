#!/bin/bash
# lintian_deb.sh ARCH DEB VERSION -- Debian's own package checker on one
# failberry .deb (made by `cmake --build BUILD --target deb`): no error and no
# warning (lintian --fail-on error,warning); the info and pedantic tags it
# still has are printed, not counted. Beside lintian: the newest changelog
# entry is the package's version (lintian does not compare them in a binary
# package).
# Exit 0 pass, 1 fail, 77 skipped (no .deb, or no lintian: tests/setup_deps.sh
# installs it).
set -uo pipefail
ARCH=${1:?arch}; DEB=${2:?deb}; VERSION=${3:?version}
[ -f "$DEB" ] || { echo "SKIPPED: $DEB not built (cmake --build <tree> --target deb; tests/run_all.sh does)" >&2; exit 77; }
command -v lintian > /dev/null || { echo "SKIPPED: lintian not installed (apt-get install lintian; tests/setup_deps.sh does)" >&2; exit 77; }
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

[ "$(dpkg-deb -f "$DEB" Architecture)" = "$ARCH" ] && pass "Architecture: $ARCH" ||
  fail "Architecture: $(dpkg-deb -f "$DEB" Architecture), want $ARCH"

echo "--- $(lintian --version)"
# --display-info and --pedantic only widen what is shown; --fail-on decides the exit code.
lintian --fail-on error,warning --display-info --pedantic --tag-display-limit 0 "$DEB" > "$W/out" 2> "$W/err"
rc=$?
sed 's/^/    | /' "$W/out"
grep -v 'running with root privileges is not recommended' "$W/err" | sed 's/^/    ! /'
bad=$(grep -c -E '^[EW]: ' "$W/out")
if [ $rc -eq 0 ] && [ "$bad" -eq 0 ]; then pass "lintian: no error, no warning ($(grep -c -E '^[IP]: ' "$W/out") info/pedantic)"
else fail "lintian: exit $rc, $bad error/warning tag(s)"; fi

dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$W" ./usr/share/doc/failberry/changelog.gz 2> /dev/null
top=$(zcat "$W/usr/share/doc/failberry/changelog.gz" 2> /dev/null | sed -n '1s/^failberry (\([^)]*\)).*/\1/p')
[ "$top" = "$VERSION" ] && pass "newest changelog entry is $VERSION" ||
  fail "newest changelog entry is '${top:-none}', the package is $VERSION: add an entry to image/debian/changelog"

echo "$fails failed"
[ $fails -eq 0 ]
