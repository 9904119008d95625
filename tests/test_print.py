"""The workbooks as LibreOffice Calc prints them (many local authorities use it instead of Excel): each sheet one
A4 page wide in type of 8 points or more, and the long contract list in a workbook of its own.

The PDF LibreOffice writes is read back with pypdf: the size of each piece of text as printed (its font size times
the page's scale), and the sheet each page belongs to (its footer: "<sheet> — données au …").
"""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice is not installed (Debian: apt install libreoffice-calc-nogui; .ci/run installs it)",
)
SMALLEST_TYPE = 8.0  # points, as printed


def _printed(workbook: Path, tmp_path: Path) -> dict[str, list[float]]:
    """Sheet -> the smallest printed type on each of its pages."""
    import pypdf

    profile = tmp_path / "profil"  # one profile per test: two LibreOffice sharing one refuse to start
    command = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
               "--outdir", str(tmp_path), str(workbook)]  # fmt: skip
    subprocess.run(command, capture_output=True, timeout=300, check=True)
    pages: dict[str, list[float]] = defaultdict(list)
    for page in pypdf.PdfReader(tmp_path / f"{workbook.stem}.pdf").pages:
        sizes, footer = [], []

        def visit(text, cm, tm, font, size, sizes=sizes, footer=footer):
            if " — données au " in text:
                footer.append(text.split(" — données au ")[0].strip())
            elif text.strip() and not text.startswith("Page "):
                sizes.append(size * (abs(cm[3] * tm[3]) or abs(cm[0] * tm[0])))

        page.extract_text(visitor_text=visit)
        pages[footer[0] if footer else "?"].append(min(sizes, default=0.0))
    return dict(pages)


def _only(folder: Path, pattern: str) -> Path:
    (path,) = folder.glob(pattern)
    return path


def test_every_sheet_of_the_workbook_prints_in_readable_type_without_the_contract_list(demo_root, tmp_path):
    workbook = _only(demo_root / "exports" / "latest", "indicateurs_spaser_*.xlsx")
    pages = _printed(workbook, tmp_path)
    assert list(pages) == openpyxl.load_workbook(workbook, read_only=True).sheetnames  # every sheet, in order
    for sheet, smallest in pages.items():
        assert min(smallest) >= SMALLEST_TYPE, f"{sheet}: {min(smallest):.1f} pt"
    assert pages["Exécution des marchés"] == pages["Exécution des marchés"][:1]  # a summary: one page
    assert sum(map(len, pages.values())) <= 30, {sheet: len(p) for sheet, p in pages.items()}


def test_the_contract_list_prints_on_its_own_in_readable_type(demo_root, tmp_path):
    listed = _only(demo_root / "exports" / "latest", "liste_marches_*.xlsx")
    pages = _printed(listed, tmp_path)
    assert list(pages) == ["Marchés"]
    assert min(pages["Marchés"]) >= SMALLEST_TYPE
    sheet = openpyxl.load_workbook(listed)["Marchés"]
    assert sheet.print_title_rows and sheet.page_setup.orientation == "landscape"  # the header on every page
