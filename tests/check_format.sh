#!/bin/bash
# Fails when any tracked C++ file differs from .clang-format's layout.
# Usage: tests/check_format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
CF=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$CF" ]; then echo "SKIPPED: clang-format not installed" >&2; exit 77; fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cpp' '*.hpp' '*.h' '*.in' | grep -v '\.in$' || true)
[ ${#files[@]} -gt 0 ] || { echo "no C++ files found" >&2; exit 1; }
if [ "${1:-}" = "--fix" ]; then "$CF" -i "${files[@]}"; exit 0; fi
bad=0
for f in "${files[@]}"; do
  if ! diff -q <("$CF" "$f") "$f" > /dev/null; then echo "not formatted: $f (run tests/check_format.sh --fix)"; bad=1; fi
done
[ $bad -eq 0 ] && echo "format: ${#files[@]} files OK"
exit $bad
