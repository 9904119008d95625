"""Hostile and broken files, made here in a temporary folder: each is rejected with its reason, unread where it
must be, and the other files of the run are loaded as usual."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from pathlib import Path

import polars as pl
import pytest
from conftest import marche, write_csv

from pipeline.extracts.kinds import MARCHES
from pipeline.ingest import assembly
from pipeline.ingest import files as files_module
from pipeline.ingest.assembly import ingest
from pipeline.ingest.fingerprints import landing_fingerprint
from pipeline.settings import Limits


def _run(settings, **limits) -> pl.DataFrame:
    """Ingest raw/marches/ beside one good file; returns qualite_fichiers' rows, the good file checked loaded."""
    write_csv(settings.raw_dir / "marches" / "bon.csv", [marche()])
    settings = dataclasses.replace(settings, limits=dataclasses.replace(Limits(), **limits))
    landing_fingerprint(MARCHES, settings)  # takes every file's hash first: must not raise either
    files = ingest(MARCHES, settings).files
    good = files.filter(pl.col("chemin") == "marches/bon.csv").row(0, named=True)
    assert (good["statut"], good["lignes_chargees"]) == ("CHARGE", 1)
    return files.filter(pl.col("chemin") != "marches/bon.csv")


def _rejected(files: pl.DataFrame, *words: str) -> dict:
    (row,) = files.rows(named=True)
    assert row["statut"] == "REJETE" and row["lignes_lues"] == 0, row
    assert all(w in row["motif"] for w in words), row["motif"]
    return row


def test_two_million_empty_columns_on_one_line_are_refused_before_parsing(settings):
    header = ";".join(["id_marche", "objet", "date_notification", "montant_ht"])
    (settings.raw_dir / "marches").mkdir(parents=True)
    (settings.raw_dir / "marches" / "large.csv").write_text(f"{header}\nM1;x;2024-01-01;1{';' * 2_000_000}\n")
    _rejected(_run(settings), "une ligne de", "Ko")


def test_a_hundred_thousand_columns_are_refused(settings):
    (settings.raw_dir / "marches").mkdir(parents=True)
    (settings.raw_dir / "marches" / "colonnes.csv").write_text(";".join("c" for _ in range(100_000)) + "\n")
    _rejected(_run(settings), "100000 colonnes")


def test_a_file_over_the_size_limit_is_refused_unread(settings):
    (settings.raw_dir / "marches").mkdir(parents=True)
    (settings.raw_dir / "marches" / "gros.csv").write_bytes(b"x;y\n" * 600_000)  # 2.4 MB
    _rejected(_run(settings, file_mb=1), "Mo", "limite de 1 Mo")


def test_an_xlsx_that_inflates_beyond_the_limit_is_refused_from_its_zip_directory(settings):
    (settings.raw_dir / "marches").mkdir(parents=True)
    with zipfile.ZipFile(settings.raw_dir / "marches" / "bombe.xlsx", "w", zipfile.ZIP_DEFLATED) as xlsx:
        xlsx.writestr("[Content_Types].xml", "<Types/>")
        xlsx.writestr("xl/worksheets/sheet1.xml", "<c/>" * 1_000_000)  # 4 MB, a few KB once compressed
    _rejected(_run(settings, inflated_mb=2), "se décompresse en 3 Mo")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_deep_nesting_rejects_the_file_instead_of_failing_the_run(settings, fmt):
    (settings.raw_dir / "marches").mkdir(parents=True)
    if fmt == "json":
        content = '{"marches": ' + "[" * 1000 + "]" * 1000 + "}"
    else:
        content = "<marches>" + "<a>" * 3000 + "</a>" * 3000 + "</marches>"
    (settings.raw_dir / "marches" / f"profond.{fmt}").write_text(content)
    row = _rejected(_run(settings), "imbrication")
    assert "RecursionError" not in row["motif"]


def test_a_huge_json_value_is_refused(settings):
    (settings.raw_dir / "marches").mkdir(parents=True)
    record = {"id": "M9", "objet": "x" * 200_000}
    (settings.raw_dir / "marches" / "valeur.json").write_text(json.dumps({"marches": [record]}))
    _rejected(_run(settings), "une valeur de 195 Ko")


def test_a_link_to_a_file_outside_raw_is_rejected_unread(settings, tmp_path):
    secret = tmp_path / "ailleurs" / "shadow"
    secret.parent.mkdir()
    secret.write_text("root:$6$secret:19000:0:99999:7:::\n")
    (settings.raw_dir / "marches").mkdir(parents=True)
    (settings.raw_dir / "marches" / "lien.csv").symlink_to(secret)
    row = _rejected(_run(settings), "hors de raw/")
    assert row["sha256"] is None and row["taille_octets"] is None  # nothing of it published


def test_a_file_that_cannot_be_read_or_that_vanishes_is_rejected_and_the_run_goes_on(settings, monkeypatch):
    (settings.raw_dir / "marches").mkdir(parents=True)
    locked = settings.raw_dir / "marches" / "verrouille.csv"
    write_csv(locked, [marche(id_marche="M2")])
    os.chmod(locked, 0)  # as root, permissions do not stop a read: the hash is refused below as the kernel would
    sha256 = files_module.file_sha256

    def refuse(path: Path) -> str:
        if path.name == "verrouille.csv":
            raise PermissionError(13, "Permission non accordée")
        return sha256(path)

    monkeypatch.setattr(files_module, "file_sha256", refuse)
    listed = assembly.list_files
    monkeypatch.setattr(
        assembly, "list_files", lambda raw, extract: [*listed(raw, extract), raw / "marches" / "parti.csv"]
    )  # listed, then gone before it is read
    files = _run(settings).sort("chemin")
    assert files["statut"].to_list() == ["REJETE", "REJETE"]
    assert "disparu" in files["motif"][0] and "Permission non accordée" in files["motif"][1]


def test_a_shifted_row_puts_no_personal_value_in_the_quarantine_nor_the_cache(settings):
    from conftest import participant

    from pipeline.extracts.kinds import PARTICIPANTS

    write_csv(settings.raw_dir / "participants" / "decale.csv", [participant(sexe="jean.dupont@example.org")])
    write_csv(settings.raw_dir / "marches" / "contact.csv", [marche(commune_execution="06 12 34 56 78")])
    quarantine = pl.concat([ingest(PARTICIPANTS, settings).quarantine, ingest(MARCHES, settings).quarantine])
    assert set(quarantine["valeur"]) >= {"forme : xxxx.xxxxxx@xxxxxxx.xxx", "forme : 99 99 99 99 99"}
    stored = b"".join(p.read_bytes() for p in settings.cache_dir.rglob("*") if p.is_file())
    assert b"jean.dupont" not in stored and b"06 12 34" not in stored
