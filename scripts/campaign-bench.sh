#!/usr/bin/env bash
# Prepares the campaign measurements of docs/PERFORMANCE.md ("Campaigns"): 100,000 synthetic
# JSON submissions (`hegui synth`, seed 1), a roster of their organisations, a campaign with
# `invite --shared` keys, and each file given its organisation's key ("submission" first).
# Usage: scripts/campaign-bench.sh HEGUI DIR [COUNT]   (DIR gets json/, keyed/, roster.csv, c0/)
set -euo pipefail
H=$1 D=$2 N=${3:-100000}
mkdir -p "$D"
[ -d "$D/json" ] || "$H" synth --count "$N" --format json --seed 1 --out "$D/json"
python3 - "$D" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
seen = {}
for name in sorted(os.listdir(f"{d}/json")):
    o = json.load(open(f"{d}/json/{name}", encoding="utf-8"))["organisation"]
    code = o.get("credit_code")
    if code and code not in seen:
        seen[code] = (o["name"], o.get("region_code", ""), o.get("industry", ""))
with open(f"{d}/roster.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["credit_code", "name", "region_code", "industry"])
    for code, (n, r, i) in seen.items():
        w.writerow([code, n, r, i])
print(len(seen), "organisations")
PY
rm -rf "$D/c0"
"$H" --quiet campaign init "$D/c0" --roster "$D/roster.csv" --due 2099-12-31
"$H" --quiet campaign invite "$D/c0" --shared --format yaml
python3 - "$D" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
keys = {}
with open(f"{d}/c0/invitations/round-1/keys.csv", encoding="utf-8-sig") as f:
    for row in csv.DictReader(f):
        keys[row["credit_code"]] = row["submission_key"]
os.makedirs(f"{d}/keyed", exist_ok=True)
for name in sorted(os.listdir(f"{d}/json")):
    doc = json.load(open(f"{d}/json/{name}", encoding="utf-8"))
    key = keys.get(doc["organisation"].get("credit_code"))
    out = {"submission": {"key": key}} if key else {}
    out.update(doc)
    with open(f"{d}/keyed/{name}", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=2)
PY
echo "ready: $D/keyed ($(ls "$D/keyed" | wc -l) files), campaign $D/c0 (copy it before each collect)"
