"""The feedback to senders: a returns workbook per sender, read back as the sender opens it; the months a
timesheet missed."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import openpyxl
import pytest
from conftest import AS_OF

from pipeline import french
from pipeline.extracts.reference import FACILITATEURS
from pipeline.extracts.rules import CATALOGUE, sentence
from pipeline.ingest.validate import SHAPE

pytestmark = pytest.mark.integration


def _workbooks(root) -> dict[str, openpyxl.Workbook]:
    folder = root / "exports" / "latest" / "retours"
    return {p.name.split("_")[1]: openpyxl.load_workbook(p) for p in sorted(folder.glob(f"retours_*_{AS_OF}.xlsx"))}


def _quarantine(root) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        return con.execute("select chemin, ligne, statut from qualite.quarantaine").fetchall()


def test_every_facilitator_and_the_procurement_register_get_a_workbook(demo_root):
    books = _workbooks(demo_root)
    assert set(FACILITATEURS) | {"ACHATS", "OBJECTIFS"} <= set(books)
    for sender, book in books.items():
        expected = ["Synthèse", "Lignes à corriger", "Lignes en attente"]
        assert book.sheetnames == expected + (["Mois manquants"] if sender in FACILITATEURS else [])
        assert book["Synthèse"].freeze_panes == "A2"


def test_every_quarantined_and_held_row_is_in_exactly_one_workbook_at_its_line(demo_root):
    seen = []
    for book in _workbooks(demo_root).values():
        for sheet, status in (("Lignes à corriger", "REJETEE"), ("Lignes en attente", "EN_ATTENTE")):
            seen += [(r[0], r[1], status) for r in book[sheet].iter_rows(min_row=2, values_only=True) if r[0]]
    assert sorted(seen) == sorted(_quarantine(demo_root))
    # The line is the one the sender sees: the CSV line (header on its own line) holds the value reported.
    book = _workbooks(demo_root)["F1"]
    path, line, _, value, rule, text = next(book["Lignes à corriger"].iter_rows(min_row=2, values_only=True))
    written = (demo_root / "raw" / path).read_bytes().decode("cp1252").splitlines()[line - 1]
    # A timesheet holds personal data: its values are reported by their shape only (« forme : 9999-99-99 »).
    shapes = [SHAPE + re.sub(r"\d", "9", re.sub(r"[^\W\d_]", "x", cell)) for cell in written.split(";")]
    assert value in shapes and "À faire" in text and rule in CATALOGUE


def test_no_personal_value_in_a_returns_workbook(demo_root):
    from test_docs import _personal_values

    personal = _personal_values(demo_root / "raw")
    for book in _workbooks(demo_root).values():
        for ws in book.worksheets:
            for row in ws.iter_rows(values_only=True):
                assert not any(str(v) in personal for v in row if v is not None)


def test_every_rule_has_a_sentence_for_its_sender():
    for code in CATALOGUE:
        text = sentence(code, "Colonne X", "valeur", "date (jj/mm/aaaa)", ("A", "B"))
        assert text.startswith("Colonne « Colonne X »") and "À faire : " in text and "{" not in text


def test_missing_months_are_listed_for_their_facilitator(fixture_root):
    with duckdb.connect(str(fixture_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        missing = con.execute("select facilitateur, strftime(mois, '%Y-%m') from qualite.completude_heures "
                              "where statut = 'MANQUANT' order by all").fetchall()  # fmt: skip
    # F4 follows M1 (03/2023 to 03/2024) and M4 (from 02/2024): no hours in 07/2023 to 12/2023, nor after 03/2024.
    assert ("F4", "2023-07") in missing and ("F4", "2024-04") in missing and ("F4", "2024-02") not in missing
    # F1 follows M3 (09/2023 to 03/2024): 12/2023 and 02/2024, 03/2024 have no F1 hours.
    assert ("F1", "2023-12") in missing and ("F1", "2023-10") not in missing
    book = openpyxl.load_workbook(fixture_root / "exports" / "latest" / "retours" / f"retours_F4_{AS_OF}.xlsx")
    listed = [r[0] for r in book["Mois manquants"].iter_rows(min_row=2, values_only=True)]
    assert "07/2023" in listed and len(listed) == len([m for m in missing if m[0] == "F4"])


def test_a_late_file_is_a_revision_carried_to_the_next_publication(fixture_root, tmp_path):
    from conftest import copy_of, heure, run_graph, write_csv

    copy_of(fixture_root, tmp_path)
    # A late timesheet: F4 states 2023-09 for P1 on M1 (P1 is F4's reference in the fixture).
    write_csv(tmp_path / "raw" / "heures" / "zz_tardif.csv", [heure(mois="2023-09", heures="10")])
    assert run_graph(tmp_path).success
    with duckdb.connect(str(tmp_path / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        history = con.execute(
            "select count(*), count(distinct publie_le) from qualite.historique_publications"
        ).fetchall()
        revised = dict(con.execute("select indicateur, valeur - valeur_precedente from qualite.revisions "
                                   "where annee = 2023").fetchall())  # fmt: skip
    assert history == [(2, 2)]
    assert revised["heures_realisees"] == 10 and "nb_marches" not in revised  # unchanged figures have no row
    html = (tmp_path / "exports" / "latest" / f"rapport_spaser_{AS_OF}.html").read_text()
    assert "Depuis la publication précédente" in html and "Heures d&#39;insertion réalisées, 2023" in html


def test_a_sheet_too_long_to_read_lists_its_first_lines_and_says_where_they_all_are(demo_root, tmp_path, monkeypatch):
    """A file rejected whole can leave millions of lines waiting: the sheet stops at MAX_LISTED, says so on its
    last row, and the CSV beside it holds every line, as French Excel opens it."""
    import csv

    from pipeline.exports import returns

    monkeypatch.setattr(returns, "MAX_LISTED", 1)
    returns.write_returns(demo_root / "warehouse" / "clauses.duckdb", tmp_path, dt.date.fromisoformat(AS_OF))
    seen, spilled = [], 0
    for path in sorted(tmp_path.glob("retours_*.xlsx")):
        book = openpyxl.load_workbook(path)
        for sheet, status in (("Lignes à corriger", "REJETEE"), ("Lignes en attente", "EN_ATTENTE")):
            listed = [r for r in book[sheet].iter_rows(min_row=2, values_only=True) if r[0]]
            spill = path.with_name(f"{path.stem}_{returns.SLUGS[sheet]}.csv")
            if not spill.exists():
                assert len(listed) <= 1
                seen += [(r[0], r[1], status) for r in listed]
                continue
            spilled += 1
            with spill.open(encoding="utf-8-sig", newline="") as fh:  # what Excel reads: BOM, then `;`
                lines = list(csv.reader(fh, delimiter=";"))
            assert lines[0] == returns.SHEETS[sheet][0]
            assert listed[0][:2] == (lines[1][0], int(lines[1][1]))  # the sheet's first line is the CSV's first
            more = french.format_number(len(lines) - 2)
            assert listed[1][0] == (f"… et {more} autres lignes : la liste complète est "
                                    f"dans {spill.name}, à côté de ce classeur.")  # fmt: skip
            seen += [(r[0], int(r[1]), status) for r in lines[1:]]
    assert spilled >= 2  # the demo has senders with several lines to correct, and with several waiting
    assert sorted(seen) == sorted(_quarantine(demo_root))  # every line in one place exactly
