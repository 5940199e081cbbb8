#!/usr/bin/env bash
# Converts every fixture's Word report (fixtures/companies/*.yaml; Chinese, plus one in both
# languages with branding) to PDF with LibreOffice (`soffice --headless --convert-to pdf`) and
# checks each PDF: it exists, has pages, and its text (pdftotext) names the company and the
# report's title, so the Chinese text came through. Needs soffice, pdftotext and a CJK font
# (`.ci/run` installs libreoffice-writer-nogui, poppler-utils and fonts-noto-cjk).
# PDF_DIR=DIR keeps the PDFs there (to look at them: pdftoppm -png FILE.pdf PREFIX).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in soffice pdftotext pdfinfo; do
  command -v "$tool" >/dev/null || { echo "FAILED: $tool is needed (see docs/TEMPLATES.md, Word report)" >&2; exit 1; }
done
cargo build --quiet
hegui="$PWD/target/debug/hegui"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="${PDF_DIR:-$tmp/pdf}"
mkdir -p "$out" "$tmp/docx" "$tmp/brand"
for f in fixtures/companies/*.yaml; do
  "$hegui" assess "$f" --format docx -o "$tmp/docx/$(basename "$f" .yaml).docx"
done
# One branded, bilingual report (a logo made here; nothing binary is shipped).
python3 - "$tmp/brand/logo.png" <<'PY'
import struct, sys, zlib
def chunk(k, d): return struct.pack('>I', len(d)) + k + d + struct.pack('>I', zlib.crc32(k + d) & 0xffffffff)
w, h = 240, 60
raw = b''.join(b'\x00' + bytes([139, 0, 0]) * w for _ in range(h))
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PY
printf 'firm: 某某合规咨询 Example Compliance Consulting\nlogo: logo.png\naccent: "#8b0000"\nconfidentiality: 保密 — 仅供客户内部使用\n' > "$tmp/brand/word.yaml"
"$hegui" assess fixtures/companies/mini-program-shop.yaml --format docx --lang both \
  --templates "$tmp/brand" -o "$tmp/docx/mini-program-shop.branded-both.docx"
# The report of a pack set (two test packs, one set of answers), in both languages.
multi=tests/data/multi
"$hegui" assess "$multi/facts/a-and-b.yaml" --rules "$multi/rules/multi-a" \
  --rules "$multi/rules/multi-b" --format docx --lang both -o "$tmp/docx/set-a-and-b.docx"
# The two shipped packs together, on the App fixture answered for both.
"$hegui" assess fixtures/app-pi/app-pi-compliant.yaml --format docx -o "$tmp/docx/set-real-app-pi-compliant.docx"
# A campaign's Word rectification notice (issue 21): the README quick start's first round, one keyed
# answer from the news app.
c="$tmp/campaign"
"$hegui" --quiet campaign init "$c" --roster fixtures/campaign/名单.csv --due 2099-12-31 --rectify-by 2099-12-31 >/dev/null
"$hegui" --quiet campaign invite "$c" --format yaml >/dev/null
mkdir -p "$tmp/inbox"
{ grep -A1 '^submission:' "$c/invitations/round-1/91230103MA1CK4T714.yaml"; cat fixtures/companies/news-app.yaml; } > "$tmp/inbox/news.yaml"
"$hegui" --quiet campaign collect "$c" "$tmp/inbox" >/dev/null
"$hegui" --quiet campaign notices "$c" --format docx --authority "某市网信办" --doc-number "某网信〔2026〕1号" --date 2026-12-15 >/dev/null
notice=$(find "$c/notices" -name '*.docx' | head -1)
[ -n "$notice" ] || { echo "FAILED: campaign notices wrote no Word file" >&2; exit 1; }
cp "$notice" "$tmp/docx/notice-news-app.docx"
(cd "$tmp/docx" && soffice --headless -env:UserInstallation=file://"$tmp"/profile \
  --convert-to pdf --outdir "$out" ./*.docx >/dev/null 2>&1)
n=0
for d in "$tmp"/docx/*.docx; do
  name=$(basename "$d" .docx)
  pdf="$out/$name.pdf"
  [ -s "$pdf" ] || { echo "FAILED: LibreOffice made no PDF of $name.docx" >&2; exit 1; }
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  min=3; [ "${name#notice-}" != "$name" ] && min=1
  [ "${pages:-0}" -ge "$min" ] || { echo "FAILED: $name.pdf has ${pages:-0} page(s)" >&2; exit 1; }
  case "$name" in
    set-real-*)
      org=$("$hegui" assess "fixtures/app-pi/${name#set-real-}.yaml" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["organisation"]["name"])')
      wants=("多规则包合规自评报告" "总体结论" "$org" "不构成法律意见") ;;
    notice-*)
      wants=("整改" "某网信〔2026〕1号" "某市网信办") ;;
    set-*)
      org=$("$hegui" assess "$multi/facts/${name#set-}.yaml" --rules "$multi/rules/multi-a" \
        --rules "$multi/rules/multi-b" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["organisation"]["name"])')
      wants=("多规则包合规自评报告" "总体结论" "$org" "不构成法律意见") ;;
    *)
      org=$("$hegui" assess "fixtures/companies/${name%%.*}.yaml" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["organisation"]["name"])')
      wants=("合规差距报告" "$org" "不构成法律意见") ;;
  esac
  text=$(pdftotext "$pdf" - | tr -d ' \n')
  for want in "${wants[@]}"; do
    case "$text" in *"$want"*) ;; *) echo "FAILED: $name.pdf does not show \"$want\"" >&2; exit 1 ;; esac
  done
  echo "ok $name.pdf: $pages pages"
  n=$((n + 1))
done
echo "$n Word reports converted to PDF by LibreOffice"
