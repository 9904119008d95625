"""Publication: atomic replace under a reader, a killed run changes nothing, the exports as delivered."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from conftest import AS_OF, copy_of, env_for, marche, project_env, run_graph, write_csv

from pipeline.exports.data import KPI_TABLES
from pipeline.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

PERSONAL = ("Lefèvre", "LEFEVRE", "Éloïse", "ELOISE", "Durand", "Karim", "Garcia", "12/05/1990", "1990-05-12")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): _digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_reader_keeps_working_during_a_run_and_then_sees_the_new_build(fixture_root, tmp_path):
    copy_of(fixture_root, tmp_path)
    published = tmp_path / "warehouse" / "clauses.duckdb"
    reader = duckdb.connect(str(published), read_only=True)
    before = reader.execute("select nb_marches from marts.kpi_spaser").fetchone()[0]
    write_csv(
        tmp_path / "raw" / "marches" / "zz_nouveau.csv",
        [marche(id_marche="M7", date_notification="01/03/2025", clause_insertion="non", heures_insertion_prevues="")],
    )
    outcome = run_graph(tmp_path)
    assert outcome.success, outcome.reason
    # The reader still sees its consistent snapshot, without error.
    assert reader.execute("select nb_marches from marts.kpi_spaser").fetchone()[0] == before
    assert reader.execute("select count(*) from marts.fct_heures").fetchone()[0] == 9
    reader.close()
    with duckdb.connect(str(published), read_only=True) as fresh:
        assert fresh.execute("select nb_marches from marts.kpi_spaser").fetchone()[0] == before + 1


def test_a_killed_run_leaves_the_published_warehouse_exports_and_log_as_they_were(fixture_root, tmp_path):
    """Killed with SIGKILL in the middle of dbt build (which runs inside the run's process: nothing of it can go on
    writing), a run changes nothing published; the next one succeeds at once and closes the killed run's record."""
    from assets.cli.processes import descendants

    copy_of(fixture_root, tmp_path)
    published = tmp_path / "warehouse" / "clauses.duckdb"
    exports = tmp_path / "exports" / "latest"
    db_before, exports_before = _digest(published), _tree_digest(exports)
    log_before = (tmp_path / "warehouse" / "dernier_passage.log").read_text()
    write_csv(tmp_path / "raw" / "marches" / "zz_nouveau.csv", [marche(id_marche="M8")])
    env = {**os.environ, **env_for(tmp_path)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("clauses")), "run"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    dbt_started = threading.Event()

    def watch() -> None:
        for line in proc.stderr:
            if "dbt build" in line:
                dbt_started.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        assert dbt_started.wait(timeout=180), "the run never reached dbt"
        time.sleep(2)  # killed in the middle of dbt build
        assert not [pid for pid in descendants(proc.pid)[1:] if b"build" in _command(pid)], "dbt has no process"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _digest(published) == db_before and _tree_digest(exports) == exports_before
    assert (tmp_path / "warehouse" / "dernier_passage.log").read_text() == log_before  # the last complete log
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select nb_marches from marts.kpi_spaser").fetchone()[0] == 6
    # The next run recovers at once (no DuckDB lock left), and closes the killed run's record (no queue slot held).
    assert run_graph(tmp_path).success
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.FAILURE]))
        assert [r.status for r in runs] == [DagsterRunStatus.FAILURE]


def _command(pid: int) -> list[bytes]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:  # gone already
        return []


def test_published_file_is_readable_by_duckdb_1_4_clients(fixture_root):
    with duckdb.connect(str(fixture_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        # A DuckDB 1.4 client reads storage versions up to its own.
        versions = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'clauses'"
        ).fetchone()
        assert versions[0] in ("v1.4.0", None) or versions[0].startswith("v1.")
        assert {s for (s,) in con.execute("select distinct schema_name from duckdb_tables()").fetchall()} == {
            "marts",
            "qualite",
        }


def test_a_candidate_with_anything_but_the_published_tables_is_not_published(tmp_path):
    from pipeline.warehouse.database import PublishError
    from pipeline.warehouse.gate import blocking_checks

    candidate = tmp_path / "entrepot.duckdb"
    with duckdb.connect(str(candidate)) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_heures (heures double)")
    with pytest.raises(PublishError, match="staging.stg_heures"):
        blocking_checks(candidate)


def test_workbook_sheets_formats_and_confidentiality(fixture_root):
    book = openpyxl.load_workbook(fixture_root / "exports" / "latest" / f"indicateurs_spaser_{AS_OF}.xlsx")
    assert book.sheetnames == [
        "Couverture",
        "Marchés et clauses",
        "Heures et personnes",
        "Publics",
        "Résultats",
        "Objectifs",  # "Parmi les acheteurs" only when other buyers' contracts are loaded
        "Territoires",
        "Loi Climat (article 35)",
        "Exécution des marchés",
        "Qualité des données",
    ]
    cover = book["Couverture"]
    assert cover["B4"].value.date().isoformat() == AS_OF
    assert any("secret statistique" in str(c.value) for row in cover.iter_rows() for c in row)
    marches = book["Marchés et clauses"]
    rows = {r[0].value: r for r in marches.iter_rows(min_row=3) if r[0].value}
    coverage = rows["Taux de couverture des marchés éligibles"]
    assert coverage[1].value == 0.5 and coverage[1].number_format == "0%"
    assert rows["Montant des marchés (€ HT)"][1].number_format == "#,##0 €"
    # Target beside the actual.
    header = [c.value for c in next(marches.iter_rows(min_row=2, max_row=2))]
    assert "Cible 2023" in header and coverage[header.index("Cible 2023")].value == 1
    # The fixture has 3 persons: every count of persons under 5 shows "s", never the number.
    people = {r[0].value: r for r in book["Heures et personnes"].iter_rows(min_row=3) if r[0].value}
    assert [c.value for c in people["Personnes en insertion"][1:5]] == ["s", "s", 0, "s"]
    publics = {r[0].value: r for r in book["Publics"].iter_rows(min_row=3) if r[0].value}
    assert publics["Part de femmes"][1].value == "s"
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in ("=", "+", "-", "@")
                    assert not any(p in cell.value for p in PERSONAL)


def test_a_long_contract_list_is_cut_in_its_workbook_and_whole_in_the_csv(fixture_root, tmp_path, monkeypatch):
    from pipeline.exports import workbook
    from pipeline.exports.data import load_export_data

    data = load_export_data(fixture_root / "warehouse" / "clauses.duckdb", dt.date.fromisoformat(AS_OF), 1607.0, 5)
    contracts = data.tables["marche_execution"].height
    assert contracts >= 2
    monkeypatch.setattr(workbook, "WORKBOOK_MAX_CONTRACTS", 1)
    workbook.write_contract_list(data, tmp_path / "liste.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "liste.xlsx")["Marchés"]
    listed = [r[0].value for r in sheet.iter_rows(min_row=3) if r[0].value and r[1].value]
    notes = " ".join(str(r[0].value) for r in sheet.iter_rows() if r[0].value)
    assert len(listed) == 1 and f"sur {contracts}" in notes and "marche_execution.csv" in notes


def test_the_workbook_sums_up_the_contracts_and_names_the_list_beside_it(fixture_root):
    folder = fixture_root / "exports" / "latest"
    summary = openpyxl.load_workbook(folder / f"indicateurs_spaser_{AS_OF}.xlsx")["Exécution des marchés"]
    rows = [[c.value for c in r] for r in summary.iter_rows(min_row=2)]
    header, body = rows[0], [r for r in rows[1:] if isinstance(r[1], int)]
    listed = openpyxl.load_workbook(folder / f"liste_marches_{AS_OF}.xlsx")["Marchés"]
    ids = [r[0].value for r in listed.iter_rows(min_row=3) if r[0].value and r[1].value]
    assert sum(r[header.index("Marchés suivis")] for r in body) == len(ids) >= 2
    for r in body:  # each contract counted once, under its status
        assert r[header.index("Marchés suivis")] == sum(r[2:5])
    assert any(f"liste_marches_{AS_OF}.xlsx" in str(r[0]) for r in rows)


def test_csv_and_parquet_per_kpi_table(fixture_root):
    folder = fixture_root / "exports" / "latest"
    for table in KPI_TABLES:  # every table the exports write
        raw = (folder / f"{table}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
        assert pl.read_parquet(folder / f"{table}.parquet").height >= 0
    annuel = pl.read_csv(folder / "kpi_annuel.csv", separator=";", infer_schema=False)
    assert annuel.filter(pl.col("annee") == "2023")["nb_participants"].to_list() == ["s"]
    assert pl.read_parquet(folder / "kpi_annuel.parquet")["nb_participants"].to_list() == [None, None, 0]
    assert (fixture_root / "exports" / AS_OF).resolve() == folder.resolve()


def test_formula_like_text_is_neutralised(tmp_path):
    from pipeline.exports.secrecy import safe_text

    assert [safe_text(v) for v in ("=1+1", "+33", "-x", "@SUM", "ok")] == ["'=1+1", "'+33", "'-x", "'@SUM", "ok"]


def test_report_is_self_contained(fixture_root):
    html = (fixture_root / "exports" / "latest" / f"rapport_spaser_{AS_OF}.html").read_text()
    assert html.count("<svg") == 2 * 7  # seven charts, each for a page and a phone; no peer chart (no other buyer)
    assert "Les cibles du Département" in html and "✘ non atteint" in html
    assert "<script" not in html and 'src="http' not in html and 'href="http' not in html and "@import" not in html
    assert not any(p in html for p in PERSONAL)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(fixture_root, tmp_path):
    shot = tmp_path / "rapport.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=900,1600",
            f"--screenshot={shot}",
            (fixture_root / "exports" / "latest" / f"rapport_spaser_{AS_OF}.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from PIL import Image

    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    non_white = sum(histogram[:250]) / sum(histogram)
    assert image.size == (900, 1600) and non_white > 0.02  # text and charts, not a blank page


def test_a_second_run_with_nothing_new_rebuilds_nothing(fixture_root, tmp_path):
    root = tmp_path / "copie"
    copy_of(fixture_root, root)
    published = root / "warehouse" / "clauses.duckdb"
    before = published.stat().st_mtime_ns, _digest(published)
    os.utime(next((root / "raw" / "heures").iterdir()))  # touched, not changed: by content, not by date
    outcome = run_graph(root)
    assert outcome.success, outcome.reason
    assert (published.stat().st_mtime_ns, _digest(published)) == before


def test_the_build_fingerprint_follows_files_settings_and_code(settings, monkeypatch):
    from pipeline.ingest import fingerprints as fp

    landing = {"marches": "a", "participants": "b", "heures": "c"}
    first = fp.build_fingerprint(settings, landing)
    assert fp.build_fingerprint(settings, {**landing, "heures": "d"}) != first
    assert fp.build_fingerprint(dataclasses.replace(settings, secret_min=11), landing) != first
    monkeypatch.setattr(fp, "code_fingerprint", lambda: "autre code")
    assert fp.build_fingerprint(settings, landing) != first


def test_dbt_starts_from_the_published_warehouse_only_under_the_same_code_and_settings(settings, monkeypatch):
    """A night's incremental models start from a copy of the published warehouse; another code version, key or
    setting, or `--complet`, rebuilds from a fresh file (the as-of date alone changes nothing)."""
    from pipeline.ingest import fingerprints as fp
    from pipeline.warehouse.database import published_base, start_candidate

    settings.published_db.parent.mkdir(parents=True)
    settings.published_db.write_bytes(b"entrepot publie")
    published_base(settings).write_text(fp.base_fingerprint(settings))
    settings.candidate_db.parent.mkdir(parents=True)
    settings.candidate_db.write_bytes(b"reste d'un passage interrompu")
    later = dataclasses.replace(settings, as_of=settings.as_of + dt.timedelta(days=1))
    assert start_candidate(later) and settings.candidate_db.read_bytes() == b"entrepot publie"
    for other in (
        dataclasses.replace(later, complet=True),
        dataclasses.replace(later, pseudonym_key="une-autre-cle-de-pseudonymes-assez-longue"),
        dataclasses.replace(later, heures_etp=1600.0),
    ):
        assert not start_candidate(other) and not settings.candidate_db.exists()
    monkeypatch.setattr(fp, "code_fingerprint", lambda: "autre code")
    assert not start_candidate(later) and not settings.candidate_db.exists()


def test_a_partial_export_set_of_a_dead_run_is_removed_by_the_next_one(fixture_root, tmp_path):
    from pipeline.exports.export_set import publish_exports

    root = tmp_path / "copie"
    copy_of(fixture_root, root)
    sets = root / "exports" / ".sets"
    dead = sets / f".{AS_OF}_20260101T000000_999999999.partiel"  # no such process
    alive = sets / f".{AS_OF}_20260101T000000_1.partiel"  # pid 1 is always alive: another run still writing
    for leftover in (dead, alive):
        leftover.mkdir(parents=True)
        (leftover / "kpi_annuel.csv").write_text("à moitié écrit")
    with project_env(root) as settings:
        publish_exports(settings)
    assert not dead.exists() and alive.exists()


def test_a_cli_run_with_nothing_new_stops_before_dagster_and_dbt(fixture_root, tmp_path):
    from pipeline.warehouse.freshness import already_published

    root = tmp_path / "copie"
    copy_of(fixture_root, root)
    published = root / "warehouse" / "clauses.duckdb"
    before = _digest(published)
    done = subprocess.run([str(Path(sys.executable).with_name("clauses")), "run"], env={**os.environ, **env_for(root)},
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0 and "aucun run Dagster" in done.stderr, done.stderr
    assert _digest(published) == before
    with project_env(root) as settings:
        assert already_published(settings)
        write_csv(root / "raw" / "marches" / "nouveau.csv", [marche(id_marche="NOUVEAU")])
        assert not already_published(settings)  # a new file: the full run


def test_a_failing_dbt_build_fails_the_run_with_its_reason_and_publishes_nothing(fixture_root, tmp_path, monkeypatch):
    """dbt runs in the run's process: its failure must still stop the run, say why, and change nothing published."""
    from pipeline.settings import Settings

    copy_of(fixture_root, tmp_path)
    published = tmp_path / "warehouse" / "clauses.duckdb"
    before = _digest(published)
    write_csv(tmp_path / "raw" / "marches" / "zz_nouveau.csv", [marche(id_marche="M9")])
    complete = Settings.dbt_vars
    monkeypatch.setattr(Settings, "dbt_vars", lambda self: {k: v for k, v in complete(self).items() if k != "as_of"})
    outcome = run_graph(tmp_path)
    assert not outcome.success
    assert outcome.reason.startswith("étape clauses_dbt : dbt build :") and "« as_of » absente" in outcome.reason
    assert _digest(published) == before
