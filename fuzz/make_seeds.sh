#!/usr/bin/env bash
# Makes the seed inputs under fuzz/seeds/ and the project imports go into (fuzz/project) from
# the test fixtures, the sample project and a few `lector` commands (run once; both are
# committed). Needs a built `lector` (cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
lector=${LECTOR:-target/debug/lector}
seeds=fuzz/seeds
sep=$'\n@@LECTOR-FUZZ-FILE@@ '
rm -rf "$seeds" && mkdir -p "$seeds"
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT

# A project folder as one input: every file, `<separator><path>\n<content>`.
bundle() {
  local root=$1 out=$2 first=1
  (cd "$root" && find . -type f | sed 's|^\./||' | sort) | while read -r rel; do
    if [ $first = 1 ]; then first=0; else printf '%s' "$sep"; fi
    printf '%s\n' "$rel"
    cat "$root/$rel"
  done >"$out"
}

# The project imports go into (fuzz/project, committed): one short article with Cyrillic, an
# emoji with a skin tone and a line break, annotated with entities, a discontinuous
# prediction with attributes, and a claim with a note.
rm -rf fuzz/project "$work/p"
"$lector" new "$work/p" --name fuzz >/dev/null
printf 'Putin möter Лукашенко 👍🏽 i Sotji.\nDet är troligt att Minsk får stöd, om han samarbetar.\n' >"$work/article.txt"
"$lector" add "$work/p" "$work/article.txt" >/dev/null
a() { "$lector" annotate "$work/p" --document article --annotator anna "$@" >/dev/null; }
a --label Person --span 0:5 --entity "Vladimir Putin"
a --label Person --span 12:21 --entity "Alexander Lukashenko"
a --label Place --span 27:32
a --label Prediction --span 34:48,53:67 --attr certainty=probable --attr holder=alexander-lukashenko --attr "condition=om han samarbetar"
a --label Claim --span 53:67 --note "Minsk: stöd?"
mkdir -p fuzz/project/documents
cp "$work/p/project.ron" fuzz/project/
cp "$work/p/documents/article.txt" fuzz/project/documents/

mkdir -p "$seeds/project_loader"
bundle "$work/p" "$seeds/project_loader/fuzz-project"
bundle tests/fixtures/format-v1 "$seeds/project_loader/format-v1"
bundle projects/sotji-talks "$seeds/project_loader/sotji-talks"

for format in jsonl doccano w3c; do
  mkdir -p "$seeds/import_$format"
  "$lector" export "$work/p" --format "$format" --out "$seeds/import_$format/article" >/dev/null 2>&1
done
"$lector" export "$work/p" --format xmi --out "$work/xmi" >/dev/null 2>&1
mkdir -p "$seeds/import_xmi" && cp "$work/xmi/anna/article.xmi" "$seeds/import_xmi/article"
"$lector" export "$work/p" --format label-studio --out "$work/ls" >/dev/null 2>&1
mkdir -p "$seeds/import_label_studio" && cp "$work/ls/tasks.json" "$seeds/import_label_studio/article"
"$lector" export "$work/p" --format brat --out "$work/brat" >/dev/null 2>&1
mkdir -p "$seeds/import_brat"
bundle "$work/brat/anna" "$seeds/import_brat/article"

mkdir -p "$seeds"/article_{txt,md,html,pdf,docx}
cp projects/sotji-talks/documents/sotji-talks.txt "$seeds/article_txt/"
printf '\xff\xfeH\x00e\x00j\x00\r\x00\n\x00' >"$seeds/article_txt/utf16"
printf 'V\xe4rlden \x96 Lukasjenko\r\n' >"$seeds/article_txt/cp1252"
sed -n '1,60p' README.md >"$seeds/article_md/readme.md"
cp tests/fixtures/articles/sotji-news.html "$seeds/article_html/"
cp tests/fixtures/articles/*.pdf "$seeds/article_pdf/"
python3 - "$seeds/article_docx/minimal.docx" <<'PY'
import sys, zipfile
body = ('<w:p><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Punkt</w:t></w:r></w:p>'
        '<w:p><w:r><w:t xml:space="preserve">Putin och </w:t></w:r><w:r><w:t>Lukasjenko</w:t></w:r></w:p>'
        '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc></w:tr></w:tbl>')
xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
       + body + '</w:body></w:document>')
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    z.writestr("word/document.xml", xml)
PY
du -sh "$seeds"
