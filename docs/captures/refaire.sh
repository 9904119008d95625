#!/usr/bin/env bash
# Redo the screenshots of docs/captures/ from an export set (default: exports/latest, after `make run`).
# Needs Debian's chromium, and LibreOffice (libreoffice-calc-nogui) with poppler-utils for the workbook.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
set_dir="${1:-$here/../../exports/latest}"
report="$(ls "$set_dir"/rapport_spaser_*.html)"
workbook="$(ls "$set_dir"/indicateurs_spaser_*.xlsx)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
shoot() {  # width height output; the page is $report
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profil" \
    --window-size="$1,$2" --screenshot="$3" "file://$report" 2>/dev/null
}
shoot 1400 2400 "$here/rapport_bureau.png"
# A phone: the page framed 390 px wide (headless Chromium's own window is never narrower than 500 px), cut out.
cp "$report" "$work/rapport.html"
echo '<body style="margin:0"><iframe src="rapport.html" style="width:390px;height:2400px;border:0"></iframe>' \
  > "$work/cadre.html"
report="$work/cadre.html" shoot 500 2400 "$work/telephone.png"
"${PYTHON:-python3}" - "$work/telephone.png" "$here/rapport_telephone.png" <<'PY'
import sys
from PIL import Image
Image.open(sys.argv[1]).crop((0, 0, 390, 2400)).save(sys.argv[2])
PY
soffice --headless --convert-to pdf --outdir "$work" "$workbook" >/dev/null
# Cover, then the themes, territories and the contract list as they print (A4 landscape).
pdftoppm -r 60 -png -f 1 -l 5 "$(ls "$work"/*.pdf)" "$work/classeur"
for page in "$work"/classeur-*.png; do cp "$page" "$here/classeur_page_$(basename "$page" | grep -o '[0-9]*\.png')"; done
ls -la "$here"
