"""What people see, tried as they see it: the CSVs as French Excel reads them, and statistical secrecy that an
attacker with the exports in hand cannot undo (docs/indicateurs.md, the statistical secrecy)."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.exports import secrecy
from pipeline.exports.data import KPI_TABLES

SECRET_MIN = 5  # the default of CLAUSES_SECRET_MIN, which the demo run uses


def excel_fr(cell: str) -> str:
    """What French Excel makes of a CSV cell: a number, a date, a boolean, a blank or text."""
    if cell == "":
        return "blank"
    if re.fullmatch(r"-?\d+(,\d+)?", cell):
        return "number"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
        return "date"
    return "boolean" if cell in ("VRAI", "FAUX") else "text"


@pytest.mark.parametrize("table", KPI_TABLES)
def test_every_number_of_the_csv_opens_as_a_number_in_french_excel(demo_root, table):
    folder = demo_root / "exports" / "latest"
    exact = pl.read_parquet(folder / f"{table}.parquet")
    text = pl.read_csv(folder / f"{table}.csv", separator=";", infer_schema=False, encoding="utf8-lossy")
    assert text.columns == exact.columns[: len(text.columns)]
    for column in text.columns:
        kinds = {excel_fr(v) for v in text[column].fill_null("").to_list() if v != secrecy.SECRET}
        if exact.schema[column].is_numeric():
            assert kinds <= {"number", "blank"}, (column, kinds)
        if column.startswith(("taux_", "part_")):  # rounded: 0,7879, not 0.7878787878787878
            assert all(len(v.partition(",")[2]) <= 4 for v in text[column].drop_nulls()), column
        if exact.schema[column] == pl.String:
            assert not any(v[:1] in "=+-@" for v in text[column].drop_nulls() if v), column


def test_parquet_says_null_when_no_cell_is_masked(demo_root):
    annuel = pl.read_parquet(demo_root / "exports" / "latest" / "kpi_annuel.parquet")
    assert "" not in annuel["cellules_masquees"].to_list()


# -- secrecy: the groups whose cells add up to a total that is shown, as an attacker would use them --
GROUPS = {
    "kpi_territoire": [["annee"]],  # against kpi_annuel
    "kpi_residence": [["annee"]],  # against kpi_annuel
    "kpi_impact_heures": [["perimetre", "annee_sortie"], ["tranche_heures"]],  # against the year, TOUTES_ANNEES
    "kpi_annuel": [["dans_spaser"]],  # against kpi_spaser
    "kpi_sorties_publics": [["periode", "dimension"]],  # against the period's whole
}
Z = 1.959963984540054


def wilson(x: int, n: int, side: str) -> float:
    p, z2 = x / n, Z * Z
    half = Z * (p * (1 - p) / n + z2 / (4 * n * n)) ** 0.5
    return (p + z2 / (2 * n) + (-half if side == "bas" else half)) / (1 + z2 / n)


def _numerator(rate: str, value: float, n: int) -> int:
    """The count a rate over n gives back: rate x n, or for a Wilson bound the count whose bound it is."""
    if "_ic_" not in rate:
        return round(value * n)
    side = rate.rsplit("_", 1)[1]
    return min(range(n + 1), key=lambda x: abs(wilson(x, n, side) - value))


def _learn(known: dict[str, int], shown_row: dict) -> bool:
    """One pass of what rates, complements and row sums give from what is known; True when something was learnt."""
    learnt = False
    for rate, (numerator, denominator) in secrecy.RATES.items():
        value = shown_row.get(rate)
        if value is None or denominator not in known or not known[denominator]:
            continue
        missing = [c for c in numerator if c not in known]
        if len(missing) == 1:
            total = _numerator(rate, value, known[denominator])
            known[missing[0]] = total - sum(known[c] for c in numerator if c in known)
            learnt = True
    for total, *parts in secrecy.ROW_SUMS:
        cells = [total, *parts]
        missing = [c for c in cells if c not in known]
        if len(missing) == 1 and (missing[0] == total or all(p in known for p in parts if p != missing[0])):
            rest = sum(known[p] for p in parts if p in known)
            known[missing[0]] = rest if missing[0] == total else known[total] - rest
            learnt = True
    return learnt


def attacker(shown: pl.DataFrame) -> list[dict[str, int]]:
    """Per row, every count of persons the shown cells give: shown, rate x count, complement, total minus parts."""
    rows = []
    for shown_row in shown.iter_rows(named=True):
        known = {c: shown_row[c] for c in secrecy.COUNTS if shown_row.get(c) is not None}
        while _learn(known, shown_row):
            pass
        rows.append(known)
    return rows


def recoverable(exact: pl.DataFrame, shown: pl.DataFrame, groups: list[list[str]]) -> list[str]:
    """Counts of 1 to 4 persons that the shown cells give back, alone or as the total of a group minus the others."""
    persons, known = attacker(exact), attacker(shown)
    found = [f"{c} row {i} = {n}" for i, row in enumerate(known) for c, n in row.items() if 0 < n < SECRET_MIN]
    for keys in groups:
        for _, part in exact.with_row_index("row").group_by(keys):
            for c in {c for r in part["row"] for c in persons[r]}:
                lone = [r for r in part["row"] if c not in known[r]]
                if len(lone) == 1 and persons[lone[0]].get(c, 0) > 0:
                    found.append(f"{c} row {lone[0]} = total minus the other {keys}")
    return found


@pytest.mark.parametrize("table", sorted(set(KPI_TABLES) - {"kpi_objectifs", "kpi_comparaison"}))
def test_no_masked_cell_of_the_demo_can_be_recomputed_from_the_shown_ones(demo_root, table):
    with duckdb.connect(str(demo_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        exact = con.sql(f"select * from marts.{table}").pl()
    if table == "kpi_annuel":
        exact = exact.with_columns(dans_spaser=pl.col("annee").is_between(2023, 2026))
    shown = secrecy.shown(secrecy.mark(exact, SECRET_MIN, table))
    assert recoverable(exact, shown, GROUPS.get(table, [])) == []


def test_the_attacker_finds_what_primary_masking_alone_leaves():
    """The issue's attack: a lone masked facilitator is the year's total minus the others; a shown rate times a
    shown count gives 2 persons. Primary masking leaves both; the rule closes both."""
    exact = pl.DataFrame(
        {
            "annee": [2024, 2024, 2024],
            "nb_sortants_situation_connue": [3, 40, 50],
            "taux_emploi_durable": [1 / 3, 0.5, 0.04],
        }
    )
    primary = exact.with_columns(
        pl.when(pl.col("nb_sortants_situation_connue") < SECRET_MIN).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("nb_sortants_situation_connue", "taux_emploi_durable")
    )
    found = recoverable(exact, primary, [["annee"]])
    assert "nb_emploi_durable row 2 = 2" in found
    assert "nb_sortants_situation_connue row 0 = total minus the other ['annee']" in found
    shown = secrecy.shown(secrecy.mark(exact, SECRET_MIN, "kpi_territoire"))
    assert recoverable(exact, shown, [["annee"]]) == []
    assert shown["nb_sortants_situation_connue"].to_list() == [None, None, 50]  # the smallest other goes too


def test_a_complement_of_one_to_four_persons_is_masked_too():
    """The issue's leaks by complement: 24 known exits at 87.5 % dynamic leave 3 people without work; 30 exits of
    which 27 known leave 3 unknown. Counts and rates all above the threshold, yet each reveals 3 persons."""
    exact = pl.DataFrame(
        {
            "annee": [2026],
            "nb_sortants": [30],
            "nb_sortants_situation_connue": [27],
            "nb_sortants_situation_inconnue": [3],
            "taux_situation_connue": [0.9],
            "nb_sorties_dynamiques": [24],
            "taux_sorties_dynamiques": [24 / 27],
            "taux_sorties_dynamiques_bas": [24 / 30],
            "taux_sorties_dynamiques_haut": [27 / 30],
        }
    )
    primary_only = exact.with_columns(pl.lit(None, pl.Int64).alias("nb_sortants_situation_inconnue"))
    assert {f.split(" ")[0] for f in recoverable(exact, primary_only, [])} >= {
        "nb_sortants_situation_inconnue",
        "_autre_situation",
    }
    shown = secrecy.shown(secrecy.mark(exact, SECRET_MIN, "kpi_annuel"))
    assert recoverable(exact, shown, []) == []
    assert shown["taux_sorties_dynamiques_haut"].to_list() == [None]  # (D + U) / N gives U back beside D / N


# -- the workbook, read back as Excel would open it ---------------------------------------------------
CODE = re.compile(r"^[A-Z0-9]+(_[A-Z0-9]+)+$")  # MARSEILLE_PROVENCE, ACHEVE_OBJECTIF_NON_ATTEINT
NUMBER_AS_TEXT = re.compile(r"^-?[\d\s\u202f\u00a0]+([,.]\d+)?$")


@pytest.fixture(scope="module")
def workbook(demo_root):
    import openpyxl

    (path,) = (demo_root / "exports" / "latest").glob("indicateurs_spaser_*.xlsx")
    return openpyxl.load_workbook(path)


def _identifiers(demo_root) -> dict[str, set[str]]:
    """Per sheet, the cells Excel is told hold text on purpose (`ignoredErrors numberStoredAsText`)."""
    import zipfile

    (path,) = (demo_root / "exports" / "latest").glob("indicateurs_spaser_*.xlsx")
    with zipfile.ZipFile(path) as xlsx:
        book = xlsx.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="rId(\d+)"', book)
        out = {}
        for name, number in sheets:
            xml = xlsx.read(f"xl/worksheets/sheet{number}.xml").decode()
            refs = re.findall(r'<ignoredError sqref="([^"]+)" numberStoredAsText="1"', xml)
            out[name.replace("&amp;", "&")] = set(" ".join(refs).split())
    return out


def test_workbook_cells_are_numbers_and_words_not_text_numbers_or_codes(workbook, demo_root):
    identifiers = _identifiers(demo_root)
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    where = f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                    assert not NUMBER_AS_TEXT.match(cell.value) or cell.coordinate in identifiers[ws.title], where
                    assert not CODE.match(cell.value), where
                    assert "CLAUSES_" not in cell.value and "warehouse/" not in cell.value, where


def test_every_sheet_prints_one_page_wide_on_a4_landscape_with_its_header_frozen(workbook):
    for ws in workbook.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToHeight == 0, ws.title
        assert setup.fitToWidth in (None, 1), ws.title
        if ws.title != "Couverture":
            assert ws.freeze_panes, ws.title
    # a header repeats on each printed page only where it heads the sheet's one table
    assert workbook["Objectifs"].print_title_rows and workbook["Exécution des marchés"].print_title_rows
    assert not workbook["Résultats"].print_title_rows and not workbook["Territoires"].print_title_rows
    for title in ("Exécution des marchés", "Territoires", "Objectifs"):
        assert workbook[title].auto_filter.ref, title


def test_workbook_columns_are_wide_enough_for_what_they_hold(workbook):
    from pipeline.exports import labels

    def shown(cell) -> str:
        if isinstance(cell.value, dt.datetime):
            return f"{cell.value:%d/%m/%Y}"
        if isinstance(cell.value, int | float):
            return labels.formatted(cell.value, "rate" if "%" in cell.number_format else "count")
        return str(cell.value)

    merged = {c for ws in workbook.worksheets for r in ws.merged_cells.ranges for c in r.cells}
    for ws in workbook.worksheets:
        header_rows = {c.row for row in ws.iter_rows() for c in row if c.font and c.font.b}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or (cell.row, cell.column) in merged or cell.row in header_rows:
                    continue
                # openpyxl files a run of equal widths (<col min="3" max="4">) under its first letter
                spans = [d for d in ws.column_dimensions.values() if d.min and d.min <= cell.column <= d.max]
                width = spans[0].width if spans else ws.column_dimensions[cell.column_letter].width
                text = shown(cell)
                # a number is never cut; a text wraps at its spaces (after a hyphen too), onto a row tall enough
                identifier = " " not in text and any(c.isdigit() for c in text)
                words = [text] if identifier or not isinstance(cell.value, str) else re.findall(r"[^\s-]+-?", text)
                where = f"{ws.title}!{cell.coordinate} {cell.value!r} in {width}"
                assert width >= max(len(w) for w in words), where
                if len(text) > 1.2 * width:
                    assert (ws.row_dimensions[cell.row].height or 15) > 15, where


def test_the_year_in_progress_is_marked_as_such(workbook):
    header = [c.value for c in next(workbook["Heures et personnes"].iter_rows(min_row=2, max_row=2))]
    assert "2026 (au 25/11)" in header and 2025 in header


# -- the report, rendered by Chromium as a phone, a desktop and a printer show it --------------------
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
# Put in a copy of the page only (the report itself carries no script): what overflows the window, told to the
# page that frames it at the width under test (headless Chromium's own window is never narrower than 500 px).
MEASURE = """<script>
addEventListener("load", () => {
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth + 1);
  parent.postMessage(JSON.stringify({page: document.documentElement.scrollWidth, window: innerWidth,
    wide: wide.filter(e => !e.closest(".tableau")).map(e => e.tagName + "." + e.className).slice(0, 5)}), "*");
});
</script>"""
FRAME = """<!doctype html><body><iframe src="{src}" style="width: {width}px; height: 800px; border: 0"></iframe>
<script>addEventListener("message", e => {{ document.body.dataset.mesure = e.data; }});</script></body>"""


def _report(demo_root) -> Path:
    (path,) = (demo_root / "exports" / "latest").glob("rapport_spaser_*.html")
    return path


def _chromium(tmp_path: Path, *arguments: str) -> str:
    done = subprocess.run([*CHROMIUM, f"--user-data-dir={tmp_path / 'profil'}", *arguments],
                          capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return done.stdout


@needs_chromium
@pytest.mark.parametrize("width", [390, 1400])
def test_the_report_fits_the_window_of_a_phone_and_of_a_desktop(demo_root, tmp_path, width):
    page, frame = tmp_path / "rapport.html", tmp_path / "cadre.html"
    page.write_text(_report(demo_root).read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    frame.write_text(FRAME.format(src=page.name, width=width))
    dom = _chromium(tmp_path, "--window-size=1600,900", "--virtual-time-budget=5000", "--dump-dom", frame.as_uri())
    measure = json.loads(html.unescape(re.search(r'data-mesure="([^"]+)"', dom).group(1)))
    assert measure["window"] == width
    assert measure["page"] <= width and measure["wide"] == [], measure


@needs_chromium
def test_the_report_prints_on_a_few_a4_pages(demo_root, tmp_path):
    pdf = tmp_path / "rapport.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", _report(demo_root).as_uri())
    content = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", content))
    assert 3 <= pages <= 8, pages
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45]\.\d*\s+84[12]\.", content)  # A4: 595 x 842 points


def test_the_report_says_what_it_shows_in_words(demo_root):
    text = _report(demo_root).read_text(encoding="utf-8")
    assert '<meta name="viewport"' in text
    assert "2026* : année en cours" not in text and "* 2026 : année en cours" in text
    assert "Marchés (commande publique, DECP)" in text and ">marches<" not in text
    assert re.search(r"<td>\d{1,3}\u202f\d{3}</td>", text)  # 17 101, not 17101
    assert "Métropole Aix-Marseille-…" not in text and "Pays d'Aix" in text


def test_the_national_indicator_stands_among_the_contracts_with_its_target(workbook):
    from pipeline.exports import labels

    rows = {r[0]: r for r in workbook["Marchés et clauses"].iter_rows(values_only=True) if r[0]}
    header = rows["Indicateur"]
    national = rows[labels.label("part_marches_consideration_sociale")]
    assert national[header.index("Cible 2025")] == pytest.approx(0.30)


# -- the terminal: what `clauses run` prints, in a journal 80 columns wide -----------------------------
def test_the_run_summary_fits_80_columns_and_counts_as_the_warehouse_does(demo_root, monkeypatch):
    import io

    from conftest import project_env
    from rich.console import Console

    from assets.cli import summary

    out = io.StringIO()
    monkeypatch.setattr(summary, "console", Console(file=out, width=80, highlight=False))
    with project_env(demo_root) as settings:
        summary.print_summary(settings, 12.0, "0123456789abcdef")
    text = out.getvalue()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80, text
    assert "dont remplacées depuis" in text and "(run 01234567," in text
    with duckdb.connect(str(demo_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        sql = "select sum(lignes_chargees) from qualite.qualite_fichiers where type_extrait = 'heures'"
        figure = f"{con.execute(sql).fetchone()[0]:,}".replace(",", "\u202f")
    assert figure in text


def test_help_says_no_more_than_help(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CLAUSES_PSEUDONYM_KEY"}
    clauses = str(Path(sys.executable).with_name("clauses"))
    done = subprocess.run([clauses, "--help"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 0 and "attention" not in done.stdout + done.stderr
    assert "service" in done.stdout


def test_no_outcome_target_of_the_demo_is_met_before_its_window_closes(demo_root):
    with duckdb.connect(str(demo_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        early = con.execute(
            "select annee, indicateur from marts.kpi_objectifs where statut = 'ATTEINT' and not fenetre_close "
            "and regexp_matches(indicateur, '^(taux|part)_')"
        ).fetchall()
        outcomes = con.execute(
            "select count(*) from marts.kpi_objectifs where indicateur like 'taux_sorties%' and realise is not null"
        ).fetchone()[0]
    assert outcomes and early == []


def test_the_workbook_and_the_report_show_outcome_rates_as_ranges_with_their_n(workbook, demo_root):
    ranged = re.compile(r"^\d+(–\d+)?\u202f% \(n\u00a0=\u00a0[\d\u202f]+\)$")
    sheet = workbook["Résultats"]
    rows = {r[0].value: [c.value for c in r[1:]] for r in sheet.iter_rows() if isinstance(r[0].value, str)}
    dynamic = [v for v in rows["Sorties dynamiques : fourchette (sorties observables)"] if isinstance(v, str)]
    assert dynamic and all(ranged.match(v) or v == secrecy.SECRET for v in dynamic), dynamic  # targets: numbers
    known = rows["Sorties dynamiques parmi les situations connues [IC 95 %]"]
    assert all(
        isinstance(v, str) and "[" in v and "(n\u00a0=\u00a0" in v for v in known if v not in (None, secrecy.SECRET)
    )
    assert not any(label == "Sorties dynamiques" for label in rows)  # never the bare rate
    (report,) = (demo_root / "exports" / "latest").glob("rapport_spaser_*.html")
    text = html.unescape(report.read_text(encoding="utf-8"))
    assert re.search(r"\d+–\d+\u202f% \(n\u00a0=\u00a0[\d\u202f]+\)", text) and "intervalle de confiance à 95 %" in text


def test_the_report_charts_speak_words_not_codes(demo_root):
    """Issue 25, point 5: the peers chart under « Catégorie DEPARTEMENT », facilitators as codes beside names,
    a people chart without a legend, and a first year where everybody is new without a word."""
    (report,) = (demo_root / "exports" / "latest").glob("rapport_spaser_*.html")
    text = html.unescape(report.read_text(encoding="utf-8"))
    assert "Catégorie DEPARTEMENT" not in text and "Départements en " in text and "le Département" in text
    assert "première année des données, toutes sont nouvelles" in text
    people = text[text.index("Personnes ayant travaillé dans l'année") :]
    assert "dont nouvelles" in people[: people.index("</svg>")]  # the legend names the orange bars
    missing = text[text.index("Relevés d'heures manquants") :] if "Relevés d'heures manquants" in text else ""
    assert not re.search(r"<td>F\d</td>", missing)
    hours = text[text.index("Heures par facilitateur en") :]
    assert re.search(r"Pays d'Aix : [\d\u202f]+ h", hours[: hours.index("</svg>")])


def test_wrapped_headers_get_the_height_their_lines_need(workbook):
    """Issue 25, point 3 (part): LibreOffice does not grow a row for wrapped text written by xlsxwriter, so a header
    on two lines printed over the first data row; each row of wrapped cells now carries its height."""
    from pipeline.exports.workbook import _lines

    checked = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (cell.font and cell.font.b and isinstance(cell.value, str) and cell.alignment.wrap_text):
                    continue
                spans = [d for d in ws.column_dimensions.values() if d.min and d.min <= cell.column <= d.max]
                width = (spans[0].width if spans else 8) - 2
                if _lines(cell.value, width) > 1:
                    height = ws.row_dimensions[cell.row].height
                    assert height and height >= 15 * _lines(cell.value, width), (ws.title, cell.coordinate)
                    checked += 1
    assert checked  # the demo's workbook has wrapped headers: the test looked at some
