"""The plan's turn (docs/indicateurs.md, les plans et leur bilan): plans are data, each plan has its review, and
the law of August 2026 is checked contract by contract."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import marche, project_env, write_csv
from hand_fixture import write_hand_fixture

pytestmark = pytest.mark.integration


def run_at(root, as_of: str):
    """The real graph on root/raw at another as-of date."""
    from assets.cli.runner import run_once
    from pipeline.settings import load_settings

    with project_env(root):
        mp = pytest.MonkeyPatch()
        mp.setenv("CLAUSES_AS_OF", as_of)
        try:
            return run_once(load_settings(), trigger="test")
        finally:
            mp.undo()


@pytest.fixture(scope="module")
def next_plan(tmp_path_factory):
    """The hand fixture seen in March 2027, once the Département has deposited its 2027-2030 plan and targets."""
    root = tmp_path_factory.mktemp("plan_suivant")
    write_hand_fixture(root / "raw")
    write_csv(
        root / "raw" / "plans" / "2026-12-15_plans.csv",
        [{"plan": "SPASER 2027-2030", "debut": "01/01/2027", "fin": "31/12/2030", "adopte_le": "15/12/2026"}],
    )
    write_csv(
        root / "raw" / "objectifs" / "2026-12-15_cibles_2027_2030.csv",
        [
            {"annee": "2027", "indicateur": "taux_couverture_clause", "cible": "100 %"},
            {"annee": "2030", "indicateur": "nb_marches_clause", "cible": "12"},
        ],
    )
    write_csv(root / "raw" / "marches" / "2027-02-01_marches_loi_climat.csv", ARTICLE_35)
    write_csv(  # the services contract's exception, documented in its own file rather than in the extract
        root / "raw" / "exceptions" / "2027-02-15_exceptions.csv",
        [{"N° marché": "SERV", "exception": "marché de services sociaux (R2123-1)", "commentaire": ""}],
    )
    outcome = run_at(root, "2027-03-01")
    assert outcome.success, outcome.reason
    return root


def _contract(id_marche: str, notified: str, amount: str, **over) -> dict:
    """A contract of the Département's extract with the optional columns of article 35."""
    row = marche(id_marche=id_marche, date_notification=notified, montant_ht=amount, clause_insertion="non",
                 heures_insertion_prevues="", facilitateur="", clause_environnementale="oui",
                 critere_environnemental="", date_lancement_consultation="", exception_article_35="")  # fmt: skip
    return {**row, **over}


# The cases, above the works threshold of 2026-2027 (5,404,000 € HT) unless said otherwise.
ARTICLE_35 = [
    _contract("L20", "20/08/2026", "6000000"),  # notified the day before: out of scope
    _contract(
        "L21", "21/08/2026", "6000000", clause_insertion="oui", heures_insertion_prevues="5000", facilitateur="F4"
    ),  # fmt: skip
    _contract("CRIT", "15/09/2026", "6000000", critere_social="oui"),  # an award criterion alone
    _contract("EXC", "01/10/2026", "6000000", exception_article_35="urgence impérieuse (R2122-1)"),
    _contract("SERV", "01/10/2026", "300000", famille="NETTOYAGE", cpv="90910000-9"),  # services, between the two
    _contract(
        "VERT",
        "05/10/2026",
        "100000",
        famille="NETTOYAGE",
        cpv="90910000-9",
        clause_environnementale="non",
        date_lancement_consultation="01/09/2026",
    ),  # fmt: skip
]


def test_a_new_plan_is_a_change_of_data_only(next_plan):
    with duckdb.connect(str(next_plan / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        current = con.execute("select periode, periode_debut from marts.kpi_spaser").fetchall()
        plans = con.execute("select periode, termine, en_cours from marts.kpi_plans order by periode").fetchall()
        targets = con.execute(
            "select annee, plan, indicateur, cible, statut from marts.kpi_objectifs where annee >= 2027 order by 1"
        ).fetchall()
    assert [(p, str(d)) for p, d in current] == [("SPASER 2027-2030", "2027-01-01")]
    assert plans == [("SPASER 2023-2026", True, False), ("SPASER 2027-2030", False, True)]
    assert targets == [
        (2027, "SPASER 2027-2030", "taux_couverture_clause", 1.0, "SANS_DONNEE"),
        (2030, "SPASER 2027-2030", "nb_marches_clause", 12.0, "A_VENIR"),
    ]
    latest = next_plan / "exports" / "latest"
    (report,) = latest.glob("rapport_spaser_*.html")
    assert "les indicateurs du SPASER 2027-2030" in report.read_text(encoding="utf-8")
    import openpyxl

    (path,) = latest.glob("indicateurs_spaser_*.xlsx")
    assert "SPASER 2027-2030" in openpyxl.load_workbook(path)["Couverture"]["A1"].value


def test_the_review_of_an_ended_plan_comes_with_the_nightly_exports(next_plan):
    import openpyxl

    folder = next_plan / "exports" / "latest" / "bilans"
    assert sorted(p.name for p in folder.iterdir()) == [
        "bilan_spaser_2023-2026_2027-03-01.html",
        "bilan_spaser_2023-2026_2027-03-01.xlsx",
    ]
    sheet = openpyxl.load_workbook(folder / "bilan_spaser_2023-2026_2027-03-01.xlsx")["Bilan"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=5, max_col=7, values_only=True) if r[0] and r[5]}
    coverage = rows["Taux de couverture des marchés éligibles"]
    # 2026: of the four eligible works contracts of article 35's cases, one has a clause; 2023: one of two.
    assert coverage[4] == "✘ non atteint" and coverage[5] is None, coverage
    assert coverage[0] == "— en 2022" and coverage[2] == "25\u202f%" and coverage[3] == "0 sur 4"
    # The national indicator's target year, 2025, has no contract at all: not measurable, and the review says why.
    national = rows["Indicateur national (PNAD) : part des marchés avec considération sociale"]
    assert national[4] == "? non mesurable" and national[5] == "aucune donnée pour 2025"
    page = (folder / "bilan_spaser_2023-2026_2027-03-01.html").read_text(encoding="utf-8")
    assert "Ce que les données ne permettent pas de dire" in page and "Aucun groupe témoin" in page


def test_clauses_bilan_writes_the_review_of_the_plan_asked_for(next_plan, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from conftest import env_for

    root = tmp_path / "copie"
    shutil.copytree(next_plan, root, symlinks=True)
    env = {**os.environ, **env_for(root), "CLAUSES_AS_OF": "2027-03-01"}
    clauses = str(Path(sys.executable).with_name("clauses"))
    done = subprocess.run([clauses, "bilan", "--plan", "2023-2026"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
    written = sorted(p.name for p in (root / "exports" / "bilans").iterdir())
    assert written == ["bilan_spaser_2023-2026_2027-03-01.html", "bilan_spaser_2023-2026_2027-03-01.xlsx"]
    refused = subprocess.run([clauses, "bilan", "--plan", "2031-2034"], env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "« 2031-2034 » inconnu ou pas encore commencé" in refused.stdout + refused.stderr


def test_article_35_is_checked_contract_by_contract_from_21_august_2026(next_plan):
    with duckdb.connect(str(next_plan / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        rows = dict(con.execute("select id_marche, statut from marts.conformite_article_35").fetchall())
        year = con.execute(
            "select nb_marches_concernes, nb_marches_au_dessus_seuil, "
            "nb_marches_au_dessus_seuil_avec_condition_sociale, nb_dates_de_notification, "
            "part_condition_environnementale from marts.kpi_article_35 where annee = 2026"
        ).fetchone()
    assert rows == {"L21": "CONFORME", "CRIT": "NON_CONFORME", "EXC": "EXCEPTION_DOCUMENTEE",
                    "SERV": "EXCEPTION_DOCUMENTEE", "VERT": "NON_CONFORME"}  # fmt: skip
    assert year == (5, 4, 1, 4, pytest.approx(4 / 5))  # L20 out of scope; SERV above the services threshold
    import openpyxl

    (path,) = (next_plan / "exports" / "latest").glob("indicateurs_spaser_*.xlsx")
    sheet = openpyxl.load_workbook(path)["Loi Climat (article 35)"]
    listed = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert {"CRIT", "EXC", "SERV", "VERT"} <= listed and "L21" not in listed  # what the buyer has to check
