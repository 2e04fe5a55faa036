#!/bin/bash
# Fails when an #include "fb/..." goes against the documented layer order
# (docs/DESIGN.md, "Layers and folders"):
#   common  <-  drivers/at  <-  drivers/modem  <-  drivers/usb  <-  drivers/ppp  <-  drivers/dhcp  <-  drivers/hilink
# A folder may include its own headers and those of folders to its left,
# nothing to its right: the arrows stay one-way and no include cycle can
# form. common/ includes only common/ headers; drivers/ includes nothing
# from netcfg/, health/, ddns/ or firmware/.
# Usage: tests/check_includes.sh [ROOT]   (ROOT: a source tree, default this one)
#        tests/check_includes.sh --self-test   (a back edge and a common/ edge
#        planted in a copy of the tree must each make the check fail)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --self-test ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  plant() {  # plant FILE LINE: a copy of the tree with LINE added to FILE must fail the check
    rm -rf "$tmp/tree" && mkdir "$tmp/tree" && cp -r "$HERE/../common" "$HERE/../drivers" "$tmp/tree/"
    echo "$2" >> "$tmp/tree/$1"
    if "$HERE/check_includes.sh" "$tmp/tree" > "$tmp/out"; then
      echo "self-test: $1 with '$2' passed the check"
      return 1
    fi
    grep -q "^$1:" "$tmp/out" || { echo "self-test: the failure does not name $1:"; cat "$tmp/out"; return 1; }
  }
  plant drivers/include/fb/at/framing.hpp '#include "fb/modem/profile.hpp"'
  plant drivers/modem/profile.cpp '#include "fb/usb/modeswitch.hpp"'
  plant drivers/include/fb/usb/port_power.hpp '#include "fb/ppp/pppd.hpp"'
  plant drivers/ppp/pppd.cpp '#include "fb/net/status.hpp"'
  plant drivers/ppp/runner.cpp '#include "fb/hilink/xml.hpp"'
  plant drivers/ppp/runner.cpp '#include "fb/dhcp/udhcpc.hpp"'
  plant drivers/dhcp/udhcpc.cpp '#include "fb/hilink/xml.hpp"'
  plant common/log.cpp '#include "fb/at/error.hpp"'
  "$HERE/check_includes.sh" "$HERE/.." > /dev/null  # and the tree as it is passes
  echo "self-test: every planted edge was caught"
  exit 0
fi
ROOT=${1:-$HERE/..}
cd "$ROOT"
[ -d common ] && [ -d drivers ] || { echo "check_includes: $ROOT has no common/ and drivers/" >&2; exit 2; }

declare -A rank=([common]=0 [at]=1 [modem]=2 [usb]=3 [ppp]=4 [dhcp]=5 [hilink]=6)

# The common/ headers, by their include path ("fb/log.hpp").
declare -A common_header=([fb/version.hpp]=1)  # generated from common/version.hpp.in
while IFS= read -r h; do common_header[${h#*include/}]=1; done < <(find common -path '*/include/fb/*' -name '*.hpp')

# The layer of a file: common, or the drivers/ folder it lives in.
layer_of() {
  case "$1" in
    common/*) echo common ;;
    drivers/include/fb/*/*) local rest=${1#drivers/include/fb/}; echo "${rest%%/*}" ;;
    drivers/*/*) local rest=${1#drivers/}; echo "${rest%%/*}" ;;
    *) echo "?" ;;
  esac
}

bad=0 edges=0
while IFS= read -r file; do
  self=$(layer_of "$file")
  if [ -z "${rank[$self]:-}" ]; then
    echo "$file: not in a known layer (common, drivers/{at,modem,usb,ppp,dhcp,hilink}): add it to the order"
    bad=1
    continue
  fi
  while IFS=: read -r line target; do
    edges=$((edges + 1))
    if [ -n "${common_header[$target]:-}" ]; then continue; fi  # the leaf: anyone may include it
    if [ "$self" = common ]; then
      echo "$file:$line: common/ includes \"$target\", which is not a common/ header"
      bad=1
      continue
    fi
    dir=${target#fb/}
    dir=${dir%%/*}
    if [ -z "${rank[$dir]:-}" ] || [ "$dir" = common ]; then
      echo "$file:$line: drivers/$self includes \"$target\", outside common/ and drivers/"
      bad=1
    elif [ "${rank[$dir]}" -gt "${rank[$self]}" ]; then
      echo "$file:$line: drivers/$self includes \"$target\": $dir sits above $self (order: common <- at <- modem <- usb <- ppp <- dhcp <- hilink)"
      bad=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"fb/' "$file" |
    sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/' || true)
done < <(find common drivers -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)

[ $bad -eq 0 ] && echo "includes: $edges fb/ includes in common/ and drivers/ follow the order"
exit $bad
