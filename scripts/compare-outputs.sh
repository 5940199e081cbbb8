#!/usr/bin/env bash
# Runs every command of two hegui binaries on every fixture with a fixed --generated-at and
# compares the bytes they write (stdout, stderr, exit code and output files). Used to show that a
# change that should not change behaviour (the workspace move of issue 14) changes no output.
#
#   scripts/compare-outputs.sh OLD_HEGUI NEW_HEGUI [WORKDIR]
#
# Build the old binary from the commit before (`git worktree add /tmp/old COMMIT && cargo build
# --release --manifest-path /tmp/old/Cargo.toml`). Prints one line per difference and exits 1 if
# there is any; xlsx outputs are compared part by part (unzipped), since zip metadata is the
# same but a difference shows more readably per part.
set -uo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
work=${3:-$(mktemp -d)}
root=$(cd "$(dirname "$0")/.." && pwd)
at=2026-12-01T08:00:00Z
export SOURCE_DATE_EPOCH=1764576000 TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1

run_all() { # BIN DIR
  local bin=$1 out=$2 n=0
  rm -rf "$out"; mkdir -p "$out"; cd "$out" || exit 2
  cp -r "$root/fixtures" "$root/tests/data" .
  step() { # NAME CMD...
    local name=$1; shift
    n=$((n + 1))
    "$@" >"$name.stdout" 2>"$name.stderr"; echo $? >"$name.rc"
  }
  local f b
  for f in fixtures/companies/*.yaml; do
    b=$(basename "$f" .yaml)
    for fmt in markdown html json; do
      for lang in zh en both; do
        step "assess-$b-$fmt-$lang" "$bin" assess "$f" --format "$fmt" --lang "$lang" --generated-at "$at" -o "assess-$b-$lang.$fmt"
      done
    done
    step "assess-$b-ignore-waivers" "$bin" assess "$f" --ignore-waivers --fail-on high --generated-at "$at"
    step "assess-$b-deadlines" "$bin" assess "$f" --format html --deadlines critical=15,high=30 --generated-at "$at"
    step "validate-$b" "$bin" validate "$f"
    step "assess-$b-json-stdout" "$bin" --error-format json assess "$f" --format json
    for qf in yaml markdown html xlsx; do
      step "questionnaire-$b-$qf" "$bin" questionnaire --format "$qf" --answers "$f" --date 2026-12-01 -o "q-$b.$qf"
    done
    [ -f "q-$b.xlsx" ] && step "import-$b" "$bin" import "q-$b.xlsx" -o "imported-$b.yaml"
    step "migrate-$b" "$bin" migrate "$f" --from "$root/rules/hlj-2017-mobile-internet" -o "migrated-$b.yaml"
    step "diff-$b-facts" "$bin" diff fixtures/companies/half-blank.yaml "$f"
    step "diff-$b-json" "$bin" diff --format json fixtures/companies/half-blank.yaml "$f"
  done
  for f in assess-*-zh.json; do
    step "diff-results-$f" "$bin" diff assess-half-blank-zh.json "$f"
  done
  for qf in yaml markdown html xlsx; do
    step "questionnaire-blank-$qf" "$bin" questionnaire --format "$qf" --date 2026-12-01 -o "blank.$qf"
  done
  for lang in zh en both; do
    step "questionnaire-md-$lang" "$bin" questionnaire --format markdown --lang "$lang" --date 2026-12-01
  done
  step "import-libreoffice" "$bin" import fixtures/workbooks/ride-hailing.libreoffice.xlsx -o imported-lo.yaml
  for kind in facts result pack questions rules tests; do step "schema-$kind" "$bin" schema "$kind"; done
  step coverage "$bin" coverage
  step rules-list "$bin" rules list
  for r in $("$bin" rules list | awk 'NF>2 && $2 ~ /required|recommended/ {print $1}'); do
    step "rules-show-$r" "$bin" rules show "$r"
  done
  step version "$bin" --version
  step test "$bin" test
  step test-demo "$bin" test --rules tests/data/demo
  step validate-demo "$bin" validate --rules tests/data/demo
  step help "$bin" --help
  for c in assess validate rules questionnaire import test coverage schema batch diff migrate completions man; do
    step "help-$c" "$bin" "$c" --help
  done
  for sh in bash zsh fish; do step "completions-$sh" "$bin" completions "$sh"; done
  step man "$bin" man
  mkdir -p inbox && cp fixtures/companies/*.yaml inbox/ && cp q-news-app.xlsx inbox/ 2>/dev/null
  step batch "$bin" batch inbox --out batch-out --reports html --lang both
  step batch-json "$bin" batch inbox --out batch-out-json --reports json --ignore-waivers
  step synth "$bin" synth --count 50 --seed 7 --out synth
  step batch-synth "$bin" batch synth --out batch-synth
  # Binary names differ between the two builds: normalise them in what was printed.
  sed -i "s|$(basename "$bin")|hegui|g" ./*.stdout ./*.stderr
  # Workbooks part by part; the questionnaire workbook's creation time is the wall clock
  # (rust_xlsxwriter's default), so those two timestamps are blanked before comparing.
  for x in $(find . -name '*.xlsx'); do
    mkdir -p "$x.parts" && (cd "$x.parts" && unzip -qo ../"$(basename "$x")" 2>/dev/null)
    rm "$x"
  done
  find . -path '*.parts/docProps/core.xml' -exec sed -i -E 's|(<dcterms:(created\|modified)[^>]*>)[^<]*|\1…|g' {} +
  echo "$n commands" >&2
}

run_all "$old" "$work/old"
run_all "$new" "$work/new"
if diff -r "$work/old" "$work/new" >"$work/diff.txt"; then
  echo "byte-identical: $(ls "$work/new" | wc -l) files and directories compared"
else
  echo "DIFFERENT (see $work/diff.txt):"; grep -E '^(diff|Only|Binary)' "$work/diff.txt" | head -50; exit 1
fi
