#!/usr/bin/env bash
# toolchain/sysroot.sh ARCH   (ARCH = arm64 | armhf)
#
# Builds a cross sysroot with failberryd's -dev libraries for ARCH in
# ${FB_SYSROOT_DIR:-/var/cache/failberry/sysroot}/ARCH and prints its path.
#
# Why not `apt-get install libfoo-dev:ARCH`: Multi-Arch: same packages must be
# at exactly the host's version, and the foreign-arch index on our mirror often
# lags the amd64 one (e.g. libssl3 3.0.22 amd64 vs 3.0.20 arm64), so the
# install fails unless host packages are downgraded. Instead we `apt-get
# download` the ARCH .debs (the -dev packages plus the closure of their
# Depends) and `dpkg -x` them into a private directory. libc/libstdc++/
# libgcc/kernel headers come from Debian's cross toolchain (/usr/<triplet>),
# so every package that a *-ARCH-cross package already provides is left out.
#
# Idempotent: a stamp file holding ARCH + the package list makes a rerun exit
# at once. Delete the sysroot dir (or change the list) to rebuild.
set -euo pipefail

ARCH=${1:-}
case "$ARCH" in
  arm64) TRIPLET=aarch64-linux-gnu;   QEMU=qemu-aarch64-static; BINFMT=qemu-aarch64 ;;
  armhf) TRIPLET=arm-linux-gnueabihf; QEMU=qemu-arm-static;     BINFMT=qemu-arm ;;
  *) echo "usage: $0 arm64|armhf" >&2; exit 2 ;;
esac
CXX_PKG=g++-$TRIPLET
ROOTS=(libboost1.74-dev libsystemd-dev libnl-3-dev libnl-route-3-dev
       libnl-nf-3-dev libnftables-dev libusb-1.0-0-dev libcurl4-openssl-dev
       libssl-dev nlohmann-json3-dev doctest-dev)
BASE=${FB_SYSROOT_DIR:-/var/cache/failberry/sysroot}
DEST=$BASE/$ARCH
STAMP=$DEST/.failberry-sysroot.stamp
WANT="arch=$ARCH triplet=$TRIPLET packages=${ROOTS[*]}"

die() { echo "sysroot.sh: error: $*" >&2; exit 1; }
log() { echo "sysroot.sh: $*" >&2; }

# binfmt_misc lets an ARM test exec another ARM binary (adapter tests spawn
# failberryd) under qemu. Best effort, and before the stamp check: it is lost
# at reboot while the sysroot stays.
binfmt() {
  local f=/proc/sys/fs/binfmt_misc
  [[ -e $f/$BINFMT ]] && return 0
  [[ -e $f/register ]] || mount -t binfmt_misc binfmt_misc "$f" 2>/dev/null || true
  if ! update-binfmts --enable "$BINFMT" 2>/dev/null; then
    log "warning: could not enable binfmt $BINFMT; ARM tests that exec ARM children will fail"
  fi
}

if [[ -f $STAMP && "$(head -n1 "$STAMP")" == "$WANT" ]] &&
   command -v "$TRIPLET-g++" "$QEMU" pkgconf >/dev/null; then
  binfmt; echo "$DEST"; exit 0
fi

# --- host tools ------------------------------------------------------------
UPDATED=0
apt_update_once() {   # returns 1 if already done this run
  ((UPDATED)) && return 1; UPDATED=1; log "apt-get update"
  apt-get update -qq >&2 || log "warning: apt-get update had errors (mirror sync?); using the lists we have"
}
need=()
for p in "$CXX_PKG" qemu-user-static binfmt-support pkgconf; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2 ||
    { apt_update_once && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2; } ||
    die "apt-get install ${need[*]} failed"
fi
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
  log "dpkg --add-architecture $ARCH"
  dpkg --add-architecture "$ARCH"; UPDATED=0; apt_update_once
fi
binfmt

# --- package closure ---------------------------------------------------------
# Packages the cross toolchain provides: every installed X-ARCH-cross gives X.
EXCLUDE=" gcc-12-base libc-dev-bin $(dpkg-query -W -f='${Package}\n' "*-$ARCH-cross" 2>/dev/null |
          sed -n "s/-$ARCH-cross\$//p" | tr '\n' ' ') "
# Package -> Architecture for the roots (one apt-cache call per pass: each
# call costs ~1.5 s here). Architecture: all ones (nlohmann, doctest) are
# unknown as NAME:ARCH, so they are looked up again without it.
declare -A AOF=()
arch_of() {
  local k v
  while read -r k v; do [[ -n ${AOF[$k]:-} ]] || AOF[$k]=$v; done < <(
    { apt-cache show --no-all-versions "$@" 2>/dev/null || true; } |
    awk '/^Package: /{p=$2} /^Architecture: /{print p, $2}')
}
arch_of "${ROOTS[@]/%/:$ARCH}"; arch_of "${ROOTS[@]}"
if ((${#AOF[@]} < ${#ROOTS[@]})) && apt_update_once; then
  AOF=(); arch_of "${ROOTS[@]/%/:$ARCH}"; arch_of "${ROOTS[@]}"
fi
qual=()
for p in "${ROOTS[@]}"; do
  case ${AOF[$p]:-} in
    all) qual+=("$p") ;;
    "$ARCH") qual+=("$p:$ARCH") ;;
    *) die "package $p:$ARCH not found in the apt index (${AOF[$p]:-no candidate})" ;;
  esac
done
# Walk the recursive Depends graph from the roots, not entering excluded
# packages (so libc6-dev's own deps are not pulled), keeping real :ARCH
# packages; of an OR group or a virtual package only the first choice.
mapfile -t PKGS < <(
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${qual[@]}" |
  awk -v roots="${qual[*]}" -v excl="$EXCLUDE" -v arch=":$ARCH" '
    function strip(n) { sub(arch "$", "", n); return n }
    /^[^ ]/ { cur = $0; alt = 0; virt = ""; next }
    /^  \|?(Pre)?Depends: / {
      d = $2; isalt = alt; alt = ($1 ~ /^\|/); virt = ""
      if (isalt) next
      if (d ~ /^</) { virt = d; next }
      edge[cur] = edge[cur] " " d; next }
    /^    / { if (virt != "") { edge[cur] = edge[cur] " " $1; virt = "" } next }
    END {
      n = split(roots, q, " ")
      for (i = 1; i <= n; i++) { seen[q[i]] = 1; out[q[i]] = 1 }
      while (n > 0) {
        p = q[n--]; m = split(edge[p], ds, " ")
        for (j = 1; j <= m; j++) { d = ds[j]
          if (d in seen) continue; seen[d] = 1
          if (d !~ arch "$" || index(excl, " " strip(d) " ")) continue
          out[d] = 1; q[++n] = d }
      }
      for (p in out) print p
    }' | sort)
((${#PKGS[@]})) || die "empty package closure"
log "${#PKGS[@]} packages for $ARCH: ${PKGS[*]}"

# --- download + extract -------------------------------------------------------
mkdir -p "$BASE"   # temp dir beside DEST so the final mv is a rename
TMP=$(mktemp -d "$BASE/.tmp-$ARCH.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/debs" "$TMP/root"
chmod 755 "$TMP"; chown _apt "$TMP/debs" 2>/dev/null || true  # apt downloads as _apt
dl() { (cd "$TMP/debs" && apt-get download -qq "$@" >&2); }
if ! dl "${PKGS[@]}"; then
  apt_update_once || true
  if ! dl "${PKGS[@]}"; then
    bad=(); for p in "${PKGS[@]}"; do dl "$p" 2>/dev/null || bad+=("$p"); done
    die "apt-get download failed for: ${bad[*]:-(see apt errors above)}"
  fi
fi
for deb in "$TMP"/debs/*.deb; do dpkg -x "$deb" "$TMP/root" || die "dpkg -x failed: $deb"; done

# Absolute symlinks (libfoo.so -> /lib/<triplet>/libfoo.so.1) would point at
# the host: rewrite them relative to their place inside the sysroot.
while IFS= read -r -d '' l; do
  t=$(readlink "$l"); [[ $t == /* ]] || continue
  ln -sfn "$(realpath -ms --relative-to="$(dirname "$l")" "$TMP/root$t")" "$l"
done < <(find "$TMP/root" -type l -print0)
# No .pc fix-up: they use prefix=/usr, and PKG_CONFIG_SYSROOT_DIR (set by the
# toolchain files) prepends the sysroot to -I/-L.

printf '%s\n%s\n' "$WANT" "${PKGS[*]}" > "$TMP/root/.failberry-sysroot.stamp"
rm -rf "$DEST" && mv "$TMP/root" "$DEST"
echo "$DEST"
