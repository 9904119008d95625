"""Shared helpers: small extracts written the way real ones arrive, and settings in a temporary folder."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import io
import os
import shutil
from pathlib import Path

import pytest
import xlsxwriter

from pipeline.extracts.kinds import HEURES, PARTICIPANTS
from pipeline.settings import PROJECT_ROOT, load_settings

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
AS_OF = "2026-11-25"
AS_OF_DATE = dt.date.fromisoformat(AS_OF)
KEY = "clef-de-test"

needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"../shared/data absent ({SHARED_DATA}): tests on the real public files skipped"
)

MARCHES_HEADER = [
    "id_marche",
    "objet",
    "famille",
    "cpv",
    "date_notification",
    "duree_mois",
    "montant_ht",
    "titulaire_siret",
    "titulaire_nom",
    "commune_execution",
    "clause_insertion",
    "heures_insertion_prevues",
    "critere_social",
    "marche_reserve",
    "facilitateur",
]
HEURES_HEADER = [c.name for c in HEURES.columns]
PARTICIPANTS_HEADER = [c.name for c in PARTICIPANTS.columns]

# Valid SIRETs (SIREN and SIRET Luhn keys): La Poste's head office follows its own rule.
SIRET_A = "73282932000074"
SIRET_B = "44306184100047"
SIRET_LA_POSTE = "35600000000048"


def marche(**over) -> dict:
    row = dict(
        id_marche="M1",
        objet="Réhabilitation du collège",
        famille="TRAVAUX_BATIMENT",
        cpv="45214200-2",
        date_notification="15/03/2024",
        duree_mois="12",
        montant_ht="250000",
        titulaire_siret=SIRET_A,
        titulaire_nom="Bâtisseurs du Sud",
        commune_execution="13001",
        clause_insertion="oui",
        heures_insertion_prevues="700",
        critere_social="non",
        marche_reserve="NON",
        facilitateur="F4",
    )
    row.update(over)
    return row


def heure(**over) -> dict:
    row = dict(
        facilitateur="F4",
        id_participant="P1",
        id_marche="M1",
        mois="2024-04",
        heures="100",
        modalite="EMBAUCHE_DIRECTE",
        employeur_siret=SIRET_A,
        employeur_nom="Bâtisseurs du Sud",
        type_contrat="CDD",
    )
    row.update(over)
    return row


def participant(**over) -> dict:
    row = dict(
        facilitateur="F4",
        id_participant="P1",
        nom="Lefèvre",
        prenom="Éloïse",
        date_naissance="12/05/1990",
        sexe="F",
        commune_residence="13001",
        qpv="oui",
        niveau_formation="3",
        deld="x",
        brsa="",
        rqth="",
        jeune_sans_qualification="",
        minima_sociaux="",
        senior="",
        autre_public="",
        date_entree="01/04/2024",
        date_sortie="",
        situation_6_mois="",
    )
    row.update(over)
    return row


def write_csv(
    path: Path,
    rows: list[dict],
    header: list[str] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ";",
    before: str = "",
) -> Path:
    header = header or list(rows[0])
    buf = io.StringIO()
    buf.write(before)
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path, rows: list[dict], sheets: dict[str, list[dict]] | None = None, header: list[str] | None = None
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, sheet_rows in (sheets or {"Feuil1": rows}).items():
        ws = book.add_worksheet(name)
        cols = header or list(sheet_rows[0])
        ws.write_row(0, 0, cols)
        for r, row in enumerate(sheet_rows, start=1):
            for c, h in enumerate(cols):
                value = row.get(h)
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif value not in (None, ""):
                    ws.write(r, c, value)
    book.close()
    return path


def env_for(root: Path) -> dict[str, str]:
    return {
        "CLAUSES_RAW_DIR": str(root / "raw"),
        "CLAUSES_WAREHOUSE_DIR": str(root / "warehouse"),
        "CLAUSES_EXPORT_DIR": str(root / "exports"),
        "DAGSTER_HOME": str(root / "dagster"),
        "CLAUSES_AS_OF": AS_OF,
        "CLAUSES_PSEUDONYM_KEY": KEY,
    }


@contextlib.contextmanager
def project_env(root: Path):
    """Settings pointing at `root` for the duration of the block only (session fixtures must not leak)."""
    mp = pytest.MonkeyPatch()
    for name, value in env_for(root).items():
        mp.setenv(name, value)
    try:
        yield load_settings()
    finally:
        mp.undo()


def run_graph(root: Path):
    """The real graph, in this process, on root/raw; returns the run's outcome."""
    from assets.cli.runner import run_once

    with project_env(root) as settings:
        return run_once(settings, trigger="test")


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A folder built by the first test process of the session that asks for it (pytest-xdist runs two): the
    others wait on a lock, then read it. Tests only read it; one that must change it works on a copy."""
    base = tmp_path_factory.getbasetemp()
    session = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    shared = base.parent / f"partage-{session}" if session else base / "partage"
    shared.mkdir(parents=True, exist_ok=True)
    root = shared / name
    with (shared / f"{name}.verrou").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / f"{name}.construit").exists():
            shutil.rmtree(root, ignore_errors=True)
            build(root)
            (shared / f"{name}.construit").write_text("")
    return root


def copy_of(built: Path, root: Path) -> Path:
    """A test's own copy of a built folder (raw files, warehouse, exports, Dagster's records), to change."""
    shutil.copytree(built, root, symlinks=True, dirs_exist_ok=True)
    return root


def last_run_id(root: Path) -> str:
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(root / "dagster")) as instance:
        return instance.get_runs(limit=1)[0].run_id


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """A full run on demo extracts (2023-2026), shared by the tests that look at a realistic warehouse."""

    def build(root: Path) -> None:
        from pipeline.demo.draw import generate

        generate(root / "raw", seed=7, years=(2023, 2026), as_of=dt.date.fromisoformat(AS_OF))
        outcome = run_graph(root)
        assert outcome.success, outcome.reason

    return built_once(tmp_path_factory, "demo", build)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings whose folders all live in a temporary folder."""
    monkeypatch.setenv("CLAUSES_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("CLAUSES_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("CLAUSES_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("CLAUSES_AS_OF", AS_OF)
    monkeypatch.setenv("CLAUSES_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "raw").mkdir()
    return load_settings()


@pytest.fixture(scope="session")
def fixture_root(tmp_path_factory):
    """The real graph on the hand-computed fixture (tests/hand_fixture.py)."""

    def build(root: Path) -> None:
        from hand_fixture import write_hand_fixture

        write_hand_fixture(root / "raw")
        outcome = run_graph(root)
        assert outcome.success, outcome.reason

    return built_once(tmp_path_factory, "fixture", build)
