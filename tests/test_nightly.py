"""Nightly runs that reuse what earlier runs parsed give exactly the figures of a full rebuild.

A sequence of nights on the hand fixture, the as-of date moving a month each time: a new monthly timesheet (with a
month still to come and hours on a contract not known yet); then a month replaced and a new contract; then a
participant corrected (another person behind a path) and a contract shortened, no hour file changed; then a night
that fails at publication, its files taken back, then a file removed and a contract put in another family; then
hours declared late that change an exit's main modality, and a contract put in another family that changes an
exit's main family. Then
`clauses run --complet` on the same files in a fresh folder: every table of the two published warehouses is
compared, cell for cell (the publication history apart: a record of the runs), and the build database's
incremental tables too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import AS_OF, copy_of, env_for, heure, marche, participant, write_csv
from hand_fixture import write_hand_fixture

from pipeline.warehouse.database import stored_fingerprints

HISTORY = {"historique_publications", "revisions"}  # what each run adds to: not a figure


def _new_month(raw: Path) -> None:
    write_csv(raw / "heures" / "2026-12-05_F4.csv", [
        heure(id_participant="P2", id_marche="M4", mois="2026-11", heures="20"),
        heure(id_participant="P2", id_marche="M4", mois="2027-01", heures="15"),  # to come: quarantined, then loaded
        heure(id_participant="P2", id_marche="M7", mois="2026-11", heures="10"),  # M7 not known yet: held
    ])  # fmt: skip


def _replaced_month(raw: Path) -> None:
    write_csv(raw / "heures" / "2027-01-05_F4.csv", [heure(id_participant="P2", id_marche="M4", mois="2024-03",
                                                           heures="30")])  # fmt: skip


def _corrected_participant(raw: Path) -> None:  # a birth date corrected: another person behind the path
    write_csv(raw / "participants" / "2027-02-05_F4.csv", [participant(
        id_participant="P2", nom="Martin", prenom="Karim", date_naissance="02/01/2000", sexe="H", qpv="non", deld="",
        jeune_sans_qualification="x", date_entree="01/05/2023", date_sortie="30/06/2026", situation_6_mois="CDI",
    )])  # fmt: skip


def _new_contract(raw: Path) -> None:
    write_csv(raw / "marches" / "marches_2027-03-05.csv", [marche(
        id_marche="M7", famille="NETTOYAGE", date_notification="01/10/2026", duree_mois="12", montant_ht="90000",
        heures_insertion_prevues="200", facilitateur="F4",
    )])  # fmt: skip


def _shortened_contract(raw: Path) -> None:  # M3 from 6 to 3 months (after marches.csv, this file replaces it)
    write_csv(raw / "marches" / "marches_2027-04-05.csv", [marche(
        id_marche="M3", famille="NETTOYAGE", date_notification="01/09/2023", montant_ht="100000", duree_mois="3",
        heures_insertion_prevues="300", marche_reserve="SIAE", facilitateur="F1",
    )])  # fmt: skip


def _removed_file(raw: Path) -> None:
    (raw / "heures" / "2027-01-05_F4.csv").unlink()  # the replacement goes: 2024-03 is the first file's again


def _reclassified_contract(raw: Path) -> None:  # M4 in another family, nothing else: its later hours stay as they are
    write_csv(raw / "marches" / "marches_2027-05-05.csv", [marche(
        id_marche="M4", famille="NETTOYAGE", date_notification="01/02/2024", montant_ht="80000", duree_mois="36",
        heures_insertion_prevues="100",
    )])  # fmt: skip


def _failed_night(root: Path, as_of: dt.date, monkeypatch) -> None:
    """A night that fails at publication, after dbt built the build database's tables from files then taken back
    (P3's exit moved to 2025, with hours up to it; the next night touches none of F1's files): the next night must
    not start from those tables."""
    import assets.publish

    dropped = [root / "raw" / "participants" / "2027-04-01_F1.csv", root / "raw" / "heures" / "2027-04-01_F1.csv"]
    write_csv(dropped[0], [participant(
        facilitateur="F1", id_participant="P3", nom="Durand", prenom="Paul", date_naissance="15/06/1970", sexe="M",
        qpv="non", deld="", senior="x", rqth="x", date_entree="01/10/2023", date_sortie="30/06/2025",
        situation_6_mois="CDD_6_MOIS_ET_PLUS",
    )])  # fmt: skip
    write_csv(dropped[1], [heure(facilitateur="F1", id_participant="P3", id_marche="M3", mois="2025-06")])

    def refuse(_candidate):
        raise RuntimeError("contrôle bloquant simulé")

    with monkeypatch.context() as mp:
        mp.setattr(assets.publish, "blocking_checks", refuse)
        with pytest.raises(AssertionError, match="contrôle bloquant simulé"):  # the run failed there, after dbt
            _run(root, as_of, monkeypatch)
    for path in dropped:
        path.unlink()


def _second_night(raw: Path) -> None:  # the nights share runs: each run of the graph costs seconds
    _replaced_month(raw)
    _new_contract(raw)


def _third_night(raw: Path) -> None:  # no hour file changes: only the person behind P2 and M3's end do
    _corrected_participant(raw)
    _shortened_contract(raw)


def _fourth_night(raw: Path) -> None:
    _removed_file(raw)
    _reclassified_contract(raw)


def _late_hours(raw: Path) -> None:  # P1's hours of 2023 declared late: its main modality up to its exit moves
    write_csv(raw / "heures" / "2027-05-05_F4.csv", [
        heure(id_participant="P1", mois="2023-08", heures="150", modalite="MISE_A_DISPOSITION"),
        heure(id_participant="P1", mois="2023-09", heures="150", modalite="MISE_A_DISPOSITION"),
        heure(id_participant="P1", mois="2023-10", heures="150", modalite="MISE_A_DISPOSITION"),  # 450 h > 310
    ])  # fmt: skip


def _fifth_night(raw: Path) -> None:  # two nights a person's main family or modality up to their exit moves:
    _late_hours(raw)  # through their hours
    write_csv(raw / "marches" / "marches_2027-06-05.csv", [marche(  # through a contract's family: P3's only one
        id_marche="M3", famille="TRAVAUX_BATIMENT", date_notification="01/09/2023", montant_ht="100000",
        duree_mois="3", heures_insertion_prevues="300", marche_reserve="SIAE", facilitateur="F1",
    )])  # fmt: skip


NIGHTS = [_new_month, _second_night, _third_night, _fourth_night, _fifth_night]


def _run(root: Path, as_of: dt.date, monkeypatch, complet: bool = False) -> None:
    from assets.cli.runner import run_once
    from pipeline.settings import load_settings

    with monkeypatch.context() as mp:
        for name, value in {**env_for(root), "CLAUSES_AS_OF": as_of.isoformat()}.items():
            mp.setenv(name, value)
        mp.setenv("CLAUSES_COMPLET", "oui" if complet else "")
        outcome = run_once(load_settings(), trigger="test")
    assert outcome.success, outcome.reason


def _tables(db: Path) -> dict[str, list]:
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.sql(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
        return {
            f"{schema}.{table}": con.sql(f'select * from {schema}."{table}" order by all').fetchall()
            for schema, table in names
            if table not in HISTORY
        }


def _same_as_a_full_rebuild(nightly: Path, full: Path, as_of: dt.date, monkeypatch) -> Path:
    """`clauses run --complet` on the night's files in a fresh folder: every published table the same, cell for
    cell. Returns that folder."""
    shutil.copytree(nightly / "raw", full / "raw")
    _run(full, as_of, monkeypatch, complet=True)
    incremental, rebuilt = (
        _tables(nightly / "warehouse" / "clauses.duckdb"),
        _tables(full / "warehouse" / "clauses.duckdb"),
    )
    assert sorted(incremental) == sorted(rebuilt)
    for table, rows in rebuilt.items():
        assert incremental[table] == rows, table
    # and the build database's incremental tables, which the published ones are made from
    for table in BUILD_INCREMENTAL:
        assert _rows(nightly, table) == _rows(full, table), table
    return full


BUILD_INCREMENTAL = ("staging.stg_participants", "intermediate.int_sorties", "intermediate.int_sorties_principales")


def _rows(root: Path, table: str) -> list:
    with duckdb.connect(str(root / "warehouse" / "build" / "clauses.duckdb"), read_only=True) as con:
        return con.sql(f"select * from {table} order by all").fetchall()


UPDATED = "l'entrepôt publié repris, ses heures mises à jour"
APPENDED = "heures : .* \\(lignes des nouveaux fichiers ajoutées aux précédentes\\)"
KEPT = r"(\d+) modèles et tables de référence inchangés depuis la publication"


@pytest.mark.integration
def test_nightly_runs_give_the_figures_of_a_full_rebuild(tmp_path, monkeypatch, capsys):
    nightly = tmp_path / "nuits"
    write_hand_fixture(nightly / "raw")
    as_of = dt.date.fromisoformat(AS_OF)
    _run(nightly, as_of, monkeypatch)
    appended, updated, kept = [], [], []
    for drop in NIGHTS:
        as_of = dt.date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 5)  # the 5th of the next month
        if drop is _fourth_night:
            _failed_night(nightly, as_of, monkeypatch)
        drop(nightly / "raw")
        capsys.readouterr()
        _run(nightly, as_of, monkeypatch)
        said = capsys.readouterr().err
        appended.append(bool(re.search(APPENDED, said)))
        updated.append(UPDATED in said)
        kept.append(int(re.search(KEPT, said).group(1)) if re.search(KEPT, said) else 0)
        # published by that night (not left as it was): the record beside it says that night's as-of date
        assert json.loads((nightly / "warehouse" / "construction_publiee.json").read_text())["as_of"] == str(as_of)
    # The new month alone was added to the hours loaded before; the second night replaces a month and brings a
    # contract some held hours wait for, the fourth removes a file: both reassemble every file. The third leaves
    # the hours' landing tables as they were.
    assert appended == [True, False, False, False, True]
    assert updated == [True] * 5  # each night, the published warehouse's hours were updated, not rebuilt
    # Kept as published: the reference tables (seeds) every night; the contracts' tables too on the night no
    # contract changed (the first)
    assert kept[0] > kept[1] == kept[2] == kept[3] > 0
    full = _same_as_a_full_rebuild(nightly, tmp_path / "complet", as_of, monkeypatch)
    # The sequence did what it says: the month to come and the held hours arrived, the removed replacement went.
    hours = dict(duckdb.connect(str(full / "warehouse" / "clauses.duckdb"), read_only=True).sql(
        "select strftime(mois, '%Y-%m') || ' ' || id_marche, sum(heures) from marts.fct_heures "
        "where parcours_id is not null group by all").fetchall())  # fmt: skip
    assert hours["2027-01 M4"] == 15 and hours["2026-11 M7"] == 10 and hours["2024-03 M4"] == 20
    with duckdb.connect(str(full / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        flagged = con.sql("select distinct strftime(mois, '%Y-%m') from marts.fct_heures "
                          "where id_marche = 'M3' and mois_hors_periode_marche order by 1").fetchall()  # fmt: skip
    assert flagged == [("2024-01",)]  # Z1's hours, after the shortened M3's end
    with duckdb.connect(str(full / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        families = con.sql("select distinct famille from marts.heures_libellees").fetchall()
    assert ("PRESTATIONS_INTELLECTUELLES",) not in families  # M4, its only contract, now in another family
    with duckdb.connect(str(full / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        modalities = con.sql("select valeur from marts.kpi_sorties_publics where periode = '2024' "
                             "and dimension = 'modalite' and nb_sortants > 0").fetchall()  # fmt: skip
    assert ("MISE_A_DISPOSITION",) in modalities  # P1's, after the last night's late hours
    with duckdb.connect(str(full / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        families = con.sql("select valeur from marts.kpi_sorties_publics where periode = '2023' "
                           "and dimension = 'famille' and nb_sortants > 0 order by 1").fetchall()  # fmt: skip
    assert families == [("TRAVAUX_BATIMENT",), ("sans heures",)]  # P3's M3, put in another family that night


def _next_demo_month(raw: Path, night: dt.date) -> dt.date:
    """A demo facilitator's next month: its last month's rows restated, as a new file of that night. Returns the
    month."""
    import polars as pl

    source = max((raw / "heures").glob("*_F1_heures_*.csv"))  # its yearly timesheet of the as-of year
    data = source.read_bytes()
    try:  # the demo writes some timesheets in UTF-8, others the Windows way
        encoding, text = "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        encoding, text = "cp1252", data.decode("cp1252")
    frame = pl.read_csv(text.removeprefix("\ufeff").encode(), separator=";", infer_schema=False)
    style = "%Y-%m" if frame["Période"].str.contains(r"^\d{4}-\d{2}$").any() else "%m/%Y"
    last = frame.select(pl.col("Période").str.to_date(style, strict=False).max()).item()
    rows = frame.filter(pl.col("Période") == last.strftime(style))
    following = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    rows = rows.with_columns(pl.lit(following.strftime(style)).alias("Période"))
    (raw / "heures" / f"{night.isoformat()}_F1_heures.csv").write_bytes(rows.write_csv(separator=";").encode(encoding))
    return following


@pytest.mark.integration
def test_a_night_on_the_demo_gives_the_figures_of_a_full_rebuild(demo_root, tmp_path, monkeypatch, capsys):
    """The demo (its files, errors and amendments as they come), published; a month later, one new timesheet."""
    nightly = copy_of(demo_root, tmp_path / "nuit")
    as_of = dt.date.fromisoformat(AS_OF)
    as_of = dt.date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 5)
    month = _next_demo_month(nightly / "raw", as_of)
    before = stored_fingerprints(nightly / "warehouse" / "build" / "clauses.duckdb")
    capsys.readouterr()
    _run(nightly, as_of, monkeypatch)
    said = capsys.readouterr().err
    assert re.search(APPENDED, said) and UPDATED in said
    after = stored_fingerprints(nightly / "warehouse" / "build" / "clauses.duckdb")
    # Left as they were: the extracts with no new file and no date after the earlier as-of date. Not so the
    # contracts: the demo's DECP file holds an amendment dated 2030, which applies once the as-of date reaches it.
    assert {name for name in after if after[name] != before[name]} == {"heures", "marches"}
    full = _same_as_a_full_rebuild(nightly, tmp_path / "complet", as_of, monkeypatch)
    with duckdb.connect(str(full / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from marts.fct_heures where mois = ?", params=[month]).fetchall()[0][0] > 0


def _kept(since: dict, as_of: str = "2026-12-05") -> set[str]:
    from assets.dbt_manifest import dbt_project
    from assets.transform import _unchanged

    manifest = json.loads(dbt_project.manifest_path.read_text())
    return {manifest["nodes"][uid]["name"] for uid in _unchanged(manifest, since, as_of)}


def test_what_a_night_keeps_as_published_reads_nothing_that_changed():
    """From the project's own manifest: a model is kept when no extract it reads, directly or not, changed and,
    when the as-of date moved, it does not read it; never a table of the build database, never without a record."""
    hours_only = _kept({"extraits_modifies": ["heures"], "as_of_publie": "2026-12-05"})
    assert {"dim_marches", "marches_libelles", "situations", "communes_territoires"} <= hours_only
    assert not {"fct_heures", "dim_parcours", "heures_libellees", "kpi_annuel", "qualite_fichiers"} & hours_only
    assert not {"stg_marches", "int_marches_departement", "stg_participants"} & hours_only  # build database
    moved = _kept({"extraits_modifies": ["heures"], "as_of_publie": "2026-11-25"})
    assert "dim_marches" in moved and not {"marche_execution", "plans", "dim_personnes"} & moved  # read the date
    targets = _kept({"extraits_modifies": ["objectifs"], "as_of_publie": "2026-12-05"})
    assert {"dim_personnes", "fct_heures", "dim_marches"} <= targets and "objectifs_spaser" not in targets
    every = _kept({"extraits_modifies": ["exceptions", "heures", "marches", "objectifs", "participants", "plans"],
                   "as_of_publie": "2026-12-05"})  # fmt: skip
    assert "situations" in every and not {"dim_marches", "objectifs_spaser"} & every
    assert _kept({}) == set()  # no record of the published build: everything is built again
