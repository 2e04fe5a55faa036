#!/bin/bash
# image.monitoring: the Prometheus example, alert rules and Grafana dashboard
# under image/monitoring/, checked with the real promtool:
#   promtool check config (the scrape example, its rule file and targets file)
#   promtool check rules, promtool test rules (each alert fires when it
#   should, after its `for`, and not when it should not)
# and the dashboard: valid JSON, every panel queries something, and every
# failberry_* metric the rules and the dashboard name is one the daemon
# exports (a name taken from the sources that write /metrics), so a renamed
# metric cannot leave a silent alert behind.
# promtool comes from Debian's prometheus package: from PATH, or extracted
# (not installed: no server is started) into /var/cache/failberry.
# Usage: monitoring_test.sh SOURCE_DIR
set -euo pipefail
SRC=${1:?source dir}
MON=$SRC/image/monitoring
CACHE=/var/cache/failberry/promtool

promtool=$(command -v promtool || true)
if [ -z "$promtool" ] && [ -x "$CACHE/usr/bin/promtool" ]; then promtool=$CACHE/usr/bin/promtool; fi
if [ -z "$promtool" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: promtool is not installed and fetching Debian's prometheus package needs root"
    exit 77
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download prometheus >/dev/null 2>&1) || {
    echo "SKIP: could not download Debian's prometheus package (apt-get download prometheus) for promtool"
    exit 77
  }
  mkdir -p "$CACHE"
  dpkg-deb -x "$work"/prometheus_*.deb "$CACHE"
  promtool=$CACHE/usr/bin/promtool
fi
echo "promtool: $("$promtool" --version 2>&1 | head -1)"

cd "$MON"
"$promtool" check config prometheus.yml
"$promtool" check rules failberry.rules.yml
"$promtool" test rules failberry.rules.test.yml

# The names the daemon writes into /metrics.
exported=$(grep -rhoE 'failberry_[A-Za-z0-9_]+' "$SRC"/health/*.cpp "$SRC"/firmware/*.cpp | sort -u)
python3 - "$exported" <<'PY'
import json, re, sys
exported = set(sys.argv[1].split())
errors = []
def names(expr):
    return set(re.findall(r'\bfailberry_[A-Za-z0-9_]+', expr))
used = {}
for line in open("failberry.rules.yml"):
    m = re.match(r'\s*expr:\s*(.*)', line)
    if m:
        for n in names(m.group(1)): used.setdefault(n, "failberry.rules.yml")
with open("grafana-dashboard.json") as f:
    dash = json.load(f)
ids = set()
for p in dash.get("panels", []):
    if p["id"] in ids: errors.append(f"panel id {p['id']} used twice")
    ids.add(p["id"])
    targets = p.get("targets", [])
    if not targets or not all(t.get("expr") for t in targets):
        errors.append(f"panel '{p['title']}' has no query")
    for t in targets:
        for n in names(t.get("expr", "")): used.setdefault(n, f"dashboard panel '{p['title']}'")
for v in dash.get("templating", {}).get("list", []):
    for n in names(v.get("query", "") if isinstance(v.get("query"), str) else ""): used.setdefault(n, "dashboard variable " + v["name"])
for n, where in sorted(used.items()):
    base = re.sub(r'_(bucket|sum|count)$', '', n)
    if n not in exported and base not in exported:
        errors.append(f"{where} uses {n}, which failberryd does not export")
if not used: errors.append("no failberry_* metric found in the rules or the dashboard")
for e in errors: print("FAIL:", e)
print(f"dashboard: {len(dash.get('panels', []))} panels; {len(used)} failberry metrics used, all exported" if not errors else "")
sys.exit(1 if errors else 0)
PY
echo "PASS: monitoring examples"
