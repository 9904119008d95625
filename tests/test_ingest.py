"""Across files: replacement rules, duplicates and conflicts, held rows, the cache, the accounting."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import polars as pl
from conftest import KEY, heure, marche, participant, write_csv, write_xlsx

from pipeline.extracts.kinds import HEURES, MARCHES, PARTICIPANTS
from pipeline.extracts.pseudonym import _hmac_column, hmac_hex, normalise_name, personne_id
from pipeline.ingest import assembly, validate
from pipeline.ingest import files as files_module
from pipeline.ingest.assembly import ingest
from pipeline.ingest.files import file_sha256
from pipeline.ingest.fingerprints import landing_fingerprint, raw_contents


def _balanced(files: pl.DataFrame) -> bool:
    return files.select(
        (
            pl.col("lignes_lues")
            == pl.col("lignes_chargees") + pl.col("lignes_quarantaine") + pl.col("lignes_en_attente")
        ).all()
    ).item()


def _ingest_all(settings):
    m = ingest(MARCHES, settings)
    p = ingest(PARTICIPANTS, settings)
    h = ingest(
        HEURES,
        settings,
        {"id_marche": m.loaded.collect()["id_marche"], "parcours_id": p.loaded.collect()["parcours_id"]},
    )
    return m, p, h


def test_pseudonym_is_the_same_for_a_person_written_differently():
    assert normalise_name("Lefèvre-Dupont ") == "LEFEVREDUPONT"
    assert personne_id(KEY, "Lefèvre-Dupont", "Éloïse", "1990-05-12") == personne_id(
        KEY, "LEFEVRE DUPONT", "eloise", "1990-05-12"
    )
    assert personne_id(KEY, "Martin", "Léa", "1990-05-12") != personne_id(KEY, "Martin", "Léa", "1990-05-13")
    assert personne_id("autre-clef", "Martin", "Léa", "1990-05-12") != personne_id(KEY, "Martin", "Léa", "1990-05-12")


def test_vectorised_hmac_gives_the_standard_digests():
    """The column-wise HMAC (over DuckDB's SHA-256) must equal Python's hmac, whatever the key's length."""
    messages = pl.Series(["a", "", None, "parcours|F1|ÉLOÏSE", "a", "x" * 200, *(f"m{i}" for i in range(500))])
    for key in ("k", "é" * 40, "x" * 64, "y" * 65, KEY):
        expected = [None if m is None else hmac_hex(key, m) for m in messages.to_list()]
        assert _hmac_column(messages, key).to_list() == expected


def test_two_facilitators_one_person(settings):
    raw = settings.raw_dir / "participants"
    write_csv(raw / "a_F4.csv", [participant()])
    write_csv(
        raw / "b_F1.csv",
        [participant(facilitateur="F1", id_participant="X9", nom="LEFEVRE", prenom="ELOISE")],
        encoding="cp1252",
    )
    loaded = ingest(PARTICIPANTS, settings).loaded.collect()
    assert loaded.height == 2 and loaded["personne_id"].n_unique() == 1 and loaded["parcours_id"].n_unique() == 2


def test_later_file_replaces_a_contract_and_counts_it(settings):
    raw = settings.raw_dir / "marches"
    write_csv(raw / "2025-01-01.csv", [marche(), marche(id_marche="M2")])
    write_xlsx(raw / "2025-02-01.xlsx", [marche(montant_ht="300000")])
    result = ingest(MARCHES, settings)
    assert sorted(result.loaded.collect().select("id_marche", "montant_ht").rows()) == [
        ("M1", 300000.0),
        ("M2", 250000.0),
    ]
    files = result.files.sort("chemin")
    assert files["lignes_remplacees"].to_list() == [1, 0] and _balanced(files)


def test_later_participant_row_replaces_the_earlier(settings):
    raw = settings.raw_dir / "participants"
    write_csv(raw / "1.csv", [participant()])
    write_csv(raw / "2.csv", [participant(date_sortie="30/09/2024", situation_6_mois="CDI")])
    loaded = ingest(PARTICIPANTS, settings).loaded.collect()
    assert loaded.height == 1 and loaded["situation_6_mois"].to_list() == ["CDI"]


def test_a_timesheet_replaces_the_facilitator_month(settings):
    write_csv(settings.raw_dir / "marches" / "m.csv", [marche()])
    write_csv(
        settings.raw_dir / "participants" / "p.csv", [participant(), participant(id_participant="P2", nom="Martin")]
    )
    raw = settings.raw_dir / "heures"
    write_csv(raw / "2024-05-01_F4.csv", [heure(), heure(id_participant="P2"), heure(mois="2024-05")])
    # The correction holds April only: both April rows go, May stays; another facilitator is untouched.
    write_csv(raw / "2024-06-01_F4.csv", [heure(heures="80")])
    _, _, h = _ingest_all(settings)
    rows = sorted((r["mois"].month, r["heures"]) for r in h.loaded.collect().iter_rows(named=True))
    assert rows == [(4, 80.0), (5, 100.0)]
    files = h.files.sort("chemin")
    assert files["lignes_remplacees"].to_list() == [2, 0] and _balanced(files)


def test_duplicates_count_once_and_conflicts_are_both_quarantined(settings):
    raw = settings.raw_dir / "marches"
    write_csv(raw / "m.csv", [marche(), marche(), marche(id_marche="M2"), marche(id_marche="M2", montant_ht="1")])
    result = ingest(MARCHES, settings)
    assert result.loaded.collect()["id_marche"].to_list() == ["M1"]
    assert sorted(result.quarantine.select("ligne", "regle").rows()) == [(3, "DOUBLON"), (4, "CONFLIT"), (5, "CONFLIT")]
    assert _balanced(result.files)


def test_hours_wait_for_their_contract_then_load(settings):
    write_csv(settings.raw_dir / "participants" / "p.csv", [participant()])
    write_csv(settings.raw_dir / "heures" / "h.csv", [heure(id_marche="M9"), heure(id_participant="P404")])
    write_csv(settings.raw_dir / "marches" / "m.csv", [marche()])
    _, _, h = _ingest_all(settings)
    assert h.loaded.collect().height == 0
    assert sorted(h.quarantine.select("regle", "statut").rows()) == [
        ("MARCHE_INCONNU", "EN_ATTENTE"),
        ("PARTICIPANT_INCONNU", "EN_ATTENTE"),
    ]
    assert h.files["lignes_en_attente"].to_list() == [2] and _balanced(h.files)
    assert "P404" not in h.quarantine["valeur"].to_list()  # the facilitator's reference is personal
    # The contract arrives in a later file: the held row loads, nothing was lost.
    write_csv(settings.raw_dir / "marches" / "m2.csv", [marche(id_marche="M9")])
    _, _, h = _ingest_all(settings)
    assert h.loaded.collect()["id_marche"].to_list() == ["M9"] and h.files["lignes_en_attente"].to_list() == [1]


def _previous(result) -> assembly.Previous:
    """What the landing tables of `result` hand the next run (assets/ingest.py reads them back)."""
    held = result.quarantine.filter(pl.col("statut") == "EN_ATTENTE")
    held = held.select(pl.col("ligne").alias("_ligne"), "colonne", "regle", "valeur", pl.col("chemin").alias("fichier"))
    return assembly.Previous(files=result.files, held=held, columns=result.loaded.collect_schema().names())


def test_a_new_timesheet_is_added_alone_when_it_replaces_no_earlier_month(settings):
    write_csv(settings.raw_dir / "participants" / "p.csv", [participant()])
    write_csv(settings.raw_dir / "marches" / "m.csv", [marche()])
    write_csv(settings.raw_dir / "heures" / "h1.csv", [heure(mois="2024-04"), heure(mois="2024-05", id_marche="M9")])
    m, p, first = _ingest_all(settings)
    known = {"id_marche": m.loaded.collect()["id_marche"], "parcours_id": p.loaded.collect()["parcours_id"]}
    write_csv(settings.raw_dir / "heures" / "h2.csv", [heure(mois="2024-06"), heure(mois="2024-07", id_marche="M8")])
    added = ingest(HEURES, settings, known, _previous(first))
    full = ingest(HEURES, settings, known)
    assert added.appended and not full.appended
    rows = pl.concat([first.loaded.collect(), added.loaded.collect()])
    assert rows.sort("ligne", "fichier").equals(full.loaded.collect().sort("ligne", "fichier"))
    assert added.files.equals(full.files) and added.quarantine.sort(pl.all()).equals(full.quarantine.sort(pl.all()))
    # A file restating a month an earlier file states replaces its rows: every file is assembled again.
    write_csv(settings.raw_dir / "heures" / "h3.csv", [heure(mois="2024-05", heures="7")])
    assert not ingest(HEURES, settings, known, _previous(full)).appended


def test_an_unchanged_file_is_not_read_again(settings, monkeypatch):
    write_csv(settings.raw_dir / "marches" / "m.csv", [marche()])
    first = ingest(MARCHES, settings)
    calls = []
    monkeypatch.setattr(assembly, "read_extract", lambda *a: calls.append(a))
    second = ingest(MARCHES, settings)
    assert calls == [] and second.loaded.collect().equals(first.loaded.collect()) and second.files.equals(first.files)


def _fresh_process(monkeypatch) -> list:
    """Forget this process's hashes, as a new process would, and count the files read to hash them."""
    monkeypatch.setattr(files_module, "_FILE_MEMO", {})
    monkeypatch.setattr(files_module, "_memo_state", {"restored": set(), "new": False})
    opened = []
    real_open = Path.open

    def counted(self, *args, **kwargs):
        if self.suffix == ".csv":
            opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counted)
    return opened


def test_a_new_process_takes_back_the_hashes_of_files_that_did_not_move(settings, monkeypatch):
    unchanged, rewritten = settings.raw_dir / "heures" / "a.csv", settings.raw_dir / "heures" / "b.csv"
    write_csv(unchanged, [heure(mois="2024-03")])
    write_csv(rewritten, [heure(mois="2024-04")])
    first = raw_contents(HEURES, settings)
    stat = rewritten.stat()
    rewritten.write_text(rewritten.read_text().replace("2024-04", "2024-05"))  # same size, date set back
    os.utime(rewritten, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    opened = _fresh_process(monkeypatch)
    second = raw_contents(HEURES, settings)
    assert opened == ["b.csv"]  # a.csv's hash came from the list; b.csv moved (its ctime did) and was read
    assert second[0] == first[0] and second[1][1] != first[1][1]
    (settings.cache_dir / "empreintes_fichiers.json").write_text("{pas du json")
    opened = _fresh_process(monkeypatch)
    assert raw_contents(HEURES, settings) == second and sorted(opened) == ["a.csv", "b.csv"]  # no list: read again


def _night_later(settings, days: int = 31):
    return dataclasses.replace(settings, as_of=settings.as_of + dt.timedelta(days=days))


def test_a_file_whose_dates_precede_both_as_of_dates_is_not_read_again_a_night_later(settings, monkeypatch):
    write_csv(settings.raw_dir / "heures" / "h.csv", [heure(mois="2024-03")])
    first = ingest(HEURES, settings)
    before = landing_fingerprint(HEURES, settings, {})
    calls = []
    monkeypatch.setattr(assembly, "read_extract", lambda *a: calls.append(a))
    later = _night_later(settings)
    again = ingest(HEURES, later)
    assert calls == [] and again.loaded.collect().equals(first.loaded.collect())
    assert landing_fingerprint(HEURES, later, {}) == before  # its landing tables are left as they are


def test_a_month_after_the_as_of_date_is_read_again_and_loaded_once_it_has_come(settings):
    month = settings.as_of.replace(day=1) + dt.timedelta(days=31)
    write_csv(settings.raw_dir / "heures" / "h.csv", [heure(mois="2024-03"), heure(mois=month.strftime("%Y-%m"))])
    first = ingest(HEURES, settings)
    assert first.files["lignes_quarantaine"].to_list() == [1]
    later = _night_later(settings, days=40)
    assert landing_fingerprint(HEURES, later, {}) != landing_fingerprint(HEURES, settings, {})
    assert ingest(HEURES, later).files["lignes_chargees"].to_list() == [2]


def test_the_cache_keeps_only_what_current_files_need(settings):
    path = settings.raw_dir / "marches" / "m.csv"
    write_csv(path, [marche()])
    ingest(MARCHES, settings)
    stale = settings.cache_dir / "marches" / "dossier-d-une-autre-version"
    stale.mkdir()
    write_csv(path, [marche(montant_ht="123")])  # corrected: the first content's entry is no longer needed
    ingest(MARCHES, settings)
    (current,) = (settings.cache_dir / "marches").iterdir()
    assert {e.name.split(".", 1)[0] for e in current.iterdir()} == {file_sha256(path)}


def test_a_rebuild_from_raw_alone_gives_the_same_rows(settings, tmp_path):
    write_csv(settings.raw_dir / "marches" / "m.csv", [marche(), marche(id_marche="M2", montant_ht="-1")])
    first = ingest(MARCHES, settings)
    import shutil

    shutil.rmtree(settings.cache_dir)
    again = ingest(MARCHES, settings)
    assert again.loaded.collect().equals(first.loaded.collect()) and again.quarantine.equals(first.quarantine)


def test_small_files_validated_together_give_what_each_gives_alone(settings, monkeypatch):
    """parse_together checks small files in one pass: rows, errors, pseudonyms and file lines as one by one."""
    checked = validate._checked
    raw = settings.raw_dir
    write_csv(raw / "marches" / "m.csv", [marche(), marche(id_marche="M2")])
    write_csv(raw / "participants" / "p1.csv", [participant(), participant(id_participant="P2", sexe="X")])
    write_csv(raw / "participants" / "p2.csv", [participant(id_participant="P3", date_entree="hier")])
    write_xlsx(raw / "participants" / "p3.xlsx", [participant(id_participant="P4", facilitateur="F2")])
    write_csv(raw / "heures" / "h1.csv", [heure(), heure(mois="2024-05", heures="300"), heure(id_marche="M9")])
    write_csv(raw / "heures" / "h2.csv", [heure(id_marche="M2"), heure(id_marche="M2")])  # a duplicate
    without = {k: v for k, v in heure(mois="2024-06").items() if k != "type_contrat"}
    write_csv(raw / "heures" / "h3.csv", [without])  # an optional column left out: a pass of its own
    together = _ingest_all(settings)
    passes = []
    monkeypatch.setattr(validate, "_checked", lambda raw, *a: passes.append(raw.height) or checked(raw, *a))
    shutil.rmtree(settings.cache_dir)
    _ingest_all(settings)
    assert passes == [2, 4, 5, 1]  # contracts; participants; hours but h3, then h3 (another set of columns)
    monkeypatch.setattr(assembly, "TOGETHER_BYTES", 0)
    shutil.rmtree(settings.cache_dir)
    alone = _ingest_all(settings)
    for a, b in zip(together, alone, strict=True):
        assert a.loaded.collect().equals(b.loaded.collect()) and a.quarantine.equals(b.quarantine)
        assert a.files.equals(b.files) and _balanced(a.files)
    assert together[2].quarantine["regle"].to_list().count("DOUBLON") == 1


def test_hostile_folder_every_file_accounted_for(settings):
    raw = settings.raw_dir / "marches"
    raw.mkdir(parents=True)
    (raw / "garbage.csv").write_bytes(bytes(range(256)) * 40)
    (raw / "empty.csv").write_bytes(b"")
    (raw / "truncated.xlsx").write_bytes(write_xlsx(settings.raw_dir / "tmp.xlsx", [marche()]).read_bytes()[:700])
    (settings.raw_dir / "tmp.xlsx").unlink()
    write_csv(raw / "noext", [marche(id_marche="OK1")])
    write_csv(raw / "utf16.txt", [marche(id_marche="OK2")], encoding="utf-16", delimiter="\t")
    write_csv(
        raw / "absurd.csv",
        [
            marche(id_marche="A1", montant_ht="1e30"),
            marche(id_marche="A2", date_notification="32/13/2024"),
            marche(id_marche="A3", facilitateur="F42"),
        ],
    )
    result = ingest(MARCHES, settings)
    files = {r["chemin"].split("/")[-1]: r for r in result.files.iter_rows(named=True)}
    assert {n for n, f in files.items() if f["statut"] == "REJETE"} == {"garbage.csv", "empty.csv", "truncated.xlsx"}
    assert all(f["motif"] for f in files.values() if f["statut"] == "REJETE")
    assert sorted(result.loaded.collect()["id_marche"].to_list()) == ["OK1", "OK2"]
    assert files["absurd.csv"]["lignes_quarantaine"] == 3 and _balanced(result.files)


def test_a_rejected_file_goes_to_the_returns_of_the_facilitator_its_name_gives(settings):
    """Issue 25, point 4: a file rejected before its rows are read went to NON_ATTRIBUE."""
    folder = settings.raw_dir / "heures"
    folder.mkdir(parents=True)
    (folder / "2026-12-05_F3_heures_novembre.csv").write_bytes(b"%PDF-1.4 not a timesheet")
    (folder / "2026-12-05_heures_sans_nom.csv").write_bytes(b"%PDF-1.4 not a timesheet")
    files = ingest(HEURES, settings).files
    senders = dict(files.select("chemin", "expediteur").iter_rows())
    assert senders == {
        "heures/2026-12-05_F3_heures_novembre.csv": "F3",
        "heures/2026-12-05_heures_sans_nom.csv": "NON_ATTRIBUE",
    }
    assert set(files["statut"]) == {"REJETE"}


def test_a_facilitator_is_read_from_a_file_name_only_as_a_code_of_its_own():
    from pipeline.ingest.assembly import _sender_by_name

    names = {"2026-12-05_F3_heures.csv": "F3", "F_7-heures.xlsx": "F7", "FF3.csv": "NON_ATTRIBUE",
             "2026_F10.csv": "NON_ATTRIBUE", "heures_F9.csv": "F9"}  # fmt: skip
    assert {name: _sender_by_name(name, HEURES) for name in names} == names
    assert _sender_by_name("2026-12-05_F3_marches.csv", MARCHES) == "ACHATS"
