#!/bin/bash
# check_manpages.sh FAILBERRYD FAILBERRYCTL SOURCE_DIR -- the man pages in
# docs/man/ stay true to the programs: failberryd.8 names every option
# `failberryd --help` prints, failberryctl.8 every option and command
# `failberryctl --help` prints (as an entry of its own), and all three pages
# (failberry.ini.5 is generated from the schema; the unit test keeps it
# current) format without a warning from man.
# Exit 0 pass, 1 fail.
set -uo pipefail
FAILBERRYD=${1:?failberryd}; FAILBERRYCTL=${2:?failberryctl}; SRC=${3:?source dir}
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# A page's source with roff's minus signs as plain '-'. Read once into a
# variable: `page | grep -q` under pipefail failed whenever grep found its
# match before sed had written the whole page (sed dies of SIGPIPE).
page_text() { sed 's/\\-/-/g' "$SRC/docs/man/$1"; }
d_page=$(page_text failberryd.8)
ctl_page=$(page_text failberryctl.8)
ctl_entries=$(grep -A1 -x '\.TP' <<< "$ctl_page")  # each entry's tag line

for opt in $("$FAILBERRYD" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  if grep -q -- "$opt" <<< "$d_page"; then pass "failberryd.8 names $opt"
  else fail "failberryd --help prints $opt, docs/man/failberryd.8 does not name it"; fi
done

help=$("$FAILBERRYCTL" --help)
for opt in $(grep -o -- '--[a-z][a-z-]*' <<< "$help" | sort -u); do
  if grep -q -- "$opt" <<< "$ctl_page"; then pass "failberryctl.8 names $opt"
  else fail "failberryctl --help prints $opt, docs/man/failberryctl.8 does not name it"; fi
done
# The commands: the first word of each indented line, or each word of a
# "a | b | c" line.
commands=$(sed -n 's/^  \([a-z]\)/\1/p' <<< "$help" | sed 's/  .*//' |
  awk '/ \| / { n = split($0, w, / \| /); for (i = 1; i <= n; i++) print w[i]; next } { print $1 }' | sort -u)
[ -n "$commands" ] || fail "no commands found in failberryctl --help"
for c in $commands; do
  # an entry: a .TP tag line that starts with the command
  if grep -q -E "^\.B[IR]? \"?$c( |\"|$)" <<< "$ctl_entries"; then
    pass "failberryctl.8 has an entry for $c"
  else fail "failberryctl --help lists $c, docs/man/failberryctl.8 has no entry for it"; fi
done

if command -v man > /dev/null; then
  for p in failberryd.8 failberryctl.8 failberry.ini.5; do
    w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$SRC/docs/man/$p" 2>&1 > /dev/null)
    [ -z "$w" ] && pass "$p formats without warnings" || fail "$p: $w"
  done
else echo "NOTE: man (man-db) not installed: formatting not checked here (lintian checks it on the .deb)"; fi

echo "$fails failed"
[ $fails -eq 0 ]
