"""The demo extracts: deterministic by seed, calibrated on the Département, messy as real ones, scalable."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from pipeline.demo.draw import generate
from pipeline.extracts.kinds import HEURES, MARCHES, PARTICIPANTS
from pipeline.ingest.assembly import ingest
from pipeline.warehouse.key_guard import DEMO_MARKER

AS_OF = dt.date(2026, 11, 25)


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _use_as_raw(settings, out: Path) -> None:
    """Point the test's raw/ at the demo files."""
    if settings.raw_dir.exists():
        settings.raw_dir.rmdir()
    settings.raw_dir.symlink_to(out)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("demo") / "raw"
    return out, generate(out, seed=13, years=(2022, 2026), as_of=AS_OF)


def test_same_seed_same_files_other_seed_other_files(demo, tmp_path):
    out, _ = demo
    generate(tmp_path / "a", seed=13, years=(2022, 2026), as_of=AS_OF)
    generate(tmp_path / "b", seed=14, years=(2022, 2026), as_of=AS_OF)
    assert _digests(tmp_path / "a") == _digests(out)
    assert _digests(tmp_path / "b") != _digests(out)


def test_calibrated_on_the_departement(demo, settings):
    out, summary = demo
    _use_as_raw(settings, out)
    contracts = (
        ingest(MARCHES, settings)
        .loaded.filter(pl.col("perimetre") == "DEPARTEMENT")  # the regional DECP file holds other buyers
        .collect()
        .with_columns(pl.col("date_notification").dt.year().alias("annee"))
    )
    full_years = (
        contracts.filter(pl.col("annee") < AS_OF.year)
        .group_by("annee")
        .agg(pl.len().alias("n"), (pl.col("montant_ht").sum() / 1e6).alias("m_eur"))
    )
    for row in full_years.iter_rows(named=True):
        assert 690 <= row["n"] <= 710 and 250 <= row["m_eur"] <= 420, row["annee"]
    eligible = contracts.filter((pl.col("montant_ht") >= 200_000) & pl.col("famille").str.starts_with("TRAVAUX"))
    assert eligible["clause_insertion"].mean() > 0.85
    with_clause = contracts.filter(pl.col("clause_insertion"))
    assert with_clause["facilitateur"].null_count() == 0 and with_clause["facilitateur"].n_unique() == 9
    assert summary.participants > 2500 and summary.heures > 10_000


def test_written_as_real_extracts_arrive(demo):
    out, _ = demo
    files = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert (out / DEMO_MARKER).exists()  # the public demo key may serve these files (pipeline/warehouse/key_guard.py)
    suffixes = {p.suffix for p in files}
    assert suffixes == {".csv", ".xlsx", ".json"}  # the JSON: other buyers' open data (DECP v2)
    raw = {p.name: p.read_bytes() for p in files if p.suffix == ".csv"}
    cp1252 = [n for n, b in raw.items() if b"\xe9" in b]  # é in Windows-1252, never a byte of UTF-8 alone
    assert cp1252 and any(b.startswith(b"\xef\xbb\xbf") for b in raw.values())
    assert any(b"\t" in b.splitlines()[0] for b in raw.values())
    marches = next(b for n, b in raw.items() if "marches" in n)
    assert marches.startswith(b"Extraction des march")  # a title row above the header
    participants = next(b for n, b in raw.items() if "participants" in n).decode("cp1252", errors="replace")
    assert "NIR" in participants.splitlines()[0] and "Email" in participants.splitlines()[0]
    assert any("rectificatif" in n for n in raw)


def test_a_few_bad_rows_of_each_kind(demo, settings):
    out, _ = demo
    _use_as_raw(settings, out)
    m = ingest(MARCHES, settings)
    p = ingest(PARTICIPANTS, settings)
    h = ingest(
        HEURES,
        settings,
        {"id_marche": m.loaded.collect()["id_marche"], "parcours_id": p.loaded.collect()["parcours_id"]},
    )
    rules = set(pl.concat([m.quarantine, p.quarantine, h.quarantine])["regle"])
    assert {
        "SIRET_INVALIDE",
        "OBLIGATOIRE",
        "FORMAT_INVALIDE",
        "CODE_INCONNU",
        "DOUBLON",
        "CONFLIT",
        "AUCUN_CRITERE_D_ELIGIBILITE",
        "AGE_A_L_ENTREE_HORS_16_70",
        "SORTIE_AVANT_ENTREE",
        "HORS_LIMITES",
        "MARCHE_INCONNU",
    } <= rules
    for result in (m, p, h):
        loaded_share = result.files["lignes_chargees"].sum() / result.files["lignes_lues"].sum()
        assert loaded_share > 0.98


def test_scale_multiplies_the_volume(tmp_path):
    small = generate(tmp_path / "x1", seed=3, years=(2025, 2025), as_of=AS_OF)
    large = generate(tmp_path / "x4", seed=3, years=(2025, 2025), scale=4, as_of=AS_OF)
    assert 3.6 <= large.marches / small.marches <= 4.4
    assert 3.2 <= large.heures / small.heures <= 4.8
