#!/bin/bash
# mkoverlay.sh BUILD_DIR OUT.tar.gz -- the overlay tarball: `cmake --install
# --strip` of BUILD_DIR (prefix /usr: the .deb's files) plus the enablement
# link multi-user.target.wants/failberryd.service, every entry owned by
# root:root, modes as installed. image/patch-image.sh writes it into an image.
set -euo pipefail
umask 022   # directory modes in the tarball must not depend on the caller
BUILD=${1:?usage: mkoverlay.sh BUILD_DIR OUT.tar.gz}
OUT=${2:?usage: mkoverlay.sh BUILD_DIR OUT.tar.gz}
STAGE=$(mktemp -d); trap 'rm -rf "$STAGE"' EXIT
chmod 755 "$STAGE"
DESTDIR=$STAGE cmake --install "$BUILD" --prefix /usr --strip > /dev/null
mkdir -p "$STAGE/etc/systemd/system/multi-user.target.wants"
ln -s /lib/systemd/system/failberryd.service "$STAGE/etc/systemd/system/multi-user.target.wants/failberryd.service"
mkdir -p "$(dirname "$OUT")"
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner --sort=name -czf "$OUT.tmp" .
mv "$OUT.tmp" "$OUT"
echo "overlay: $OUT"
