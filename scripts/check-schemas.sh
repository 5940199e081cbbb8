#!/usr/bin/env bash
# Checks hegui's JSON Schemas with a third-party validator (check-jsonschema from PyPI):
# every fixture passes the facts schema, every pack file its schema, every JSON result the
# result schema, and each file in tests/data/schema-broken fails the schema its name names.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v check-jsonschema >/dev/null; then
  python3 -m pip install --quiet check-jsonschema
fi
cargo build --quiet
hegui=target/debug/hegui
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for kind in facts result pack questions rules tests ledger coverage batch; do
  "$hegui" schema "$kind" -o "$out/$kind.json"
done
"$hegui" schema facts --rules tests/data/demo -o "$out/demo-facts.json"
pack=rules/hlj-2017-mobile-internet
check() { echo "-- $1"; shift; check-jsonschema "$@"; }
check "fixtures: facts schema" --schemafile "$out/facts.json" fixtures/companies/*.yaml
check "demo facts" --schemafile "$out/demo-facts.json" tests/data/facts/*.yaml
# A pack set's facts schema (facts/2: `format`, `packs`, `library`) and answers for it.
multi=tests/data/multi
"$hegui" schema facts --rules "$multi/rules/multi-a" --rules "$multi/rules/multi-b" -o "$out/multi-facts.json"
"$hegui" questionnaire --rules "$multi/rules/multi-a" --rules "$multi/rules/multi-b" --date 2026-01-01 -o "$out/multi-blank.yaml"
check "pack set facts" --schemafile "$out/multi-facts.json" "$multi"/facts/*.yaml "$out/multi-blank.yaml"
app=rules/cn-app-pi-2019
check "rule files" --schemafile "$out/rules.json" "$pack"/rules/*.yaml "$app"/rules/*.yaml tests/data/demo/rules/*.yaml
check "question files" --schemafile "$out/questions.json" "$pack"/questions/*.yaml "$app"/questions/*.yaml library/*/questions/*.yaml tests/data/demo/questions/*.yaml
check "pack.yaml" --schemafile "$out/pack.json" "$pack"/pack.yaml "$app"/pack.yaml tests/data/demo/pack.yaml
"$hegui" --quiet schema tests --pack cn-app-pi-2019 -o "$out/app-tests.json"
check "self-tests" --schemafile "$out/tests.json" "$pack"/tests/*.yaml
check "self-tests of the App pack" --schemafile "$out/app-tests.json" "$app"/tests/*.yaml
check "citation ledgers" --schemafile "$out/ledger.json" "$pack"/ledger.yaml "$app"/ledger.yaml tests/data/demo/ledger.yaml
check "coverage files" --schemafile "$out/coverage.json" "$pack"/coverage.yaml "$app"/coverage.yaml tests/data/demo/coverage.yaml
# Both shipped packs together: their set's facts schema, the App fixtures (answered for both) and a blank.
"$hegui" --quiet schema facts --pack hlj-2017-mobile-internet --pack cn-app-pi-2019 -o "$out/both-facts.json"
"$hegui" --quiet questionnaire --pack hlj-2017-mobile-internet --pack cn-app-pi-2019 --date 2026-01-01 -o "$out/both-blank.yaml"
check "facts of both shipped packs" --schemafile "$out/both-facts.json" fixtures/app-pi/*.yaml "$out/both-blank.yaml"
for f in fixtures/companies/*.yaml; do
  "$hegui" assess "$f" --format json -o "$out/$(basename "$f" .yaml).result.json"
done
# A result of a pack set (several packs, per-app items as objects) against the same schema.
"$hegui" assess tests/data/multi/facts/a-and-b.yaml --rules tests/data/multi/rules/multi-a \
  --rules tests/data/multi/rules/multi-b --format json -o "$out/multi-a-and-b.result.json"
check "JSON results" --schemafile "$out/result.json" "$out"/*.result.json
# Batch summaries: one pack (hegui.batch/1, rejected inputs included) and a pack set (/2); a /2
# summary with a score over the packs together is refused.
"$hegui" batch tests/data/batch/inputs --rules tests/data/demo --as-of 2026-12-01 --out "$out/batch-one" >/dev/null 2>&1 || true
"$hegui" batch "$multi/facts" --rules "$multi/rules/multi-a" --rules "$multi/rules/multi-b" --as-of 2026-12-01 --out "$out/batch-set" >/dev/null 2>&1
check "batch summaries" --schemafile "$out/batch.json" "$out/batch-one/summary.json" "$out/batch-set/summary.json"
python3 - "$out/batch-set/summary.json" "$out/joint-score.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["submissions"][0]["score"] = 55
json.dump(s, open(sys.argv[2], "w"))
PY
if check-jsonschema --schemafile "$out/batch.json" "$out/joint-score.json" >/dev/null 2>&1; then
  echo "FAIL: a hegui.batch/2 summary with a joint score passed the batch schema"; exit 1
else
  echo "ok -- a hegui.batch/2 summary with a joint score is refused by the batch schema"
fi
# Blank questionnaire: valid against the facts schema too.
"$hegui" questionnaire --date 2026-01-01 -o "$out/blank.yaml"
check "blank questionnaire" --schemafile "$out/facts.json" "$out/blank.yaml"
failed=0
for f in tests/data/schema-broken/*; do
  kind=$(basename "$f" | cut -d- -f1)
  if check-jsonschema --schemafile "$out/$kind.json" "$f" >/dev/null 2>&1; then
    echo "FAIL: $f passed the $kind schema but is broken"; failed=1
  else
    echo "ok -- $f is refused by the $kind schema"
  fi
done
exit $failed
