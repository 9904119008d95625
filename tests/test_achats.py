"""Procurement data: amendments, implausible values, the buyer scope, the national indicator, peers and targets.

Hand-computed: each case says what the rule gives and why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

import duckdb
import ftfy
import polars as pl
import pytest
from conftest import AS_OF_DATE, KEY, SHARED_DATA, SIRET_A, SIRET_B, built_once, needs_shared, run_graph, write_csv
from hand_fixture import write_hand_fixture
from test_decp import _load, _record, _v2

from pipeline.extracts.kinds import MARCHES, OBJECTIFS
from pipeline.extracts.raw import LINE_COLUMN
from pipeline.ingest.assembly import ingest
from pipeline.ingest.readers import read_extract
from pipeline.ingest.validate import validate


def _modification(mod_id, date, **sets) -> dict:
    return {"modification": {"id": mod_id, "dateNotificationModification": date, **sets}}


def _current(tmp_path, record: dict) -> dict:
    _, checked = _load(tmp_path, _v2(record))
    assert checked.errors.height == 0, checked.errors
    return checked.rows.row(0, named=True)


def test_amendments_apply_by_date_then_id_then_position(tmp_path):
    record = _record(
        montant=100_000,
        dureeMois=12,
        modifications=[
            _modification(2, "2024-06-01", montant=150_000),  # same date as id 1, higher id: the latest
            _modification(1, "2024-06-01", montant=130_000),
            _modification(3, "2024-01-10", dureeMois=24),  # earliest, but the only one setting the duration
            {"modification": {"id": 4, "dateNotificationModification": "2024-06-01", "montant": 140_000}},
        ],
    )
    row = _current(tmp_path, record)
    # By date: id 3 (January), then ids 1, 2, 4 of June: 4 is the latest, and sets 140 000.
    assert row["montant_ht"] == 140_000 and row["duree_mois"] == 24
    assert row["montant_initial_ht"] == 100_000 and row["nb_modifications"] == 4


def test_same_date_and_id_the_position_in_the_list_decides(tmp_path):
    record = _record(montant=100_000, modifications=[_modification(1, "2024-06-01", montant=120_000),
                                                     _modification(1, "2024-06-01", montant=110_000)])  # fmt: skip
    assert _current(tmp_path, record)["montant_ht"] == 110_000


def test_a_modification_after_the_as_of_date_is_not_applied_yet(tmp_path):
    later = AS_OF_DATE.replace(year=AS_OF_DATE.year + 1).isoformat()
    record = _record(montant=1_105_000, modifications=[_modification(1, "2025-02-01", montant=1_214_900),
                                                       _modification(2, later, montant=2_000_000)])  # fmt: skip
    row = _current(tmp_path, record)
    assert row["montant_ht"] == 1_214_900 and row["nb_modifications"] == 1


def test_an_amendment_dated_after_the_as_of_date_applies_a_night_after_that_date(settings, monkeypatch):
    """The cache keeps a parsed file across as-of dates only when no date it holds, amendments' included, lies
    between them."""
    later = settings.as_of + dt.timedelta(days=40)
    amendments = [
        _modification(1, "2025-02-01", montant=1_214_900),
        _modification(2, later.isoformat(), montant=2_000_000),
    ]
    record = _record(montant=1_105_000, modifications=amendments)
    (settings.raw_dir / "marches").mkdir()
    (settings.raw_dir / "marches" / "decp.json").write_text(_v2(record))
    amounts = []
    for as_of in (settings.as_of, settings.as_of + dt.timedelta(days=10), later):
        loaded = ingest(MARCHES, dataclasses.replace(settings, as_of=as_of)).loaded.collect()
        amounts.append(loaded["montant_ht"].item())
    assert amounts == [1_214_900, 1_214_900, 2_000_000]


def test_v1_amendment_by_signature_date_changes_the_holder(tmp_path):
    v1 = {
        "id": "2019-7",
        "_type": "Marché",
        "acheteur": {"id": "21130055300016"},
        "objet": "Entretien",
        "codeCPV": "90911200-8",
        "dateNotification": "2019-03-01",
        "montant": 50_000,
        "dureeMois": "NC",
        "titulaires": [{"typeIdentifiant": "SIRET", "id": SIRET_A, "denominationSociale": "A"}],
        "modifications": [
            {"dateSignatureModification": "2019-09-01", "montant": 60_000,
             "titulaires": [{"typeIdentifiant": "SIRET", "id": SIRET_B, "denominationSociale": "B"}]},
        ],
    }  # fmt: skip
    _, checked = _load(tmp_path, json.dumps({"marches": [v1]}))
    row = checked.rows.row(0, named=True)
    assert (row["montant_ht"], row["titulaire_siret"], row["titulaire_nom"]) == (60_000, SIRET_B, "B")
    assert row["duree_mois"] is None  # "NC": left empty, the contract is loaded
    assert row["clause_insertion"] is None  # v1 says nothing of social considerations: unknown


@pytest.mark.parametrize(
    ("over", "column"),
    [
        ({"dateNotification": "0218-10-29"}, "date_notification"),  # a real file's year 218
        ({"dateNotification": "1999-12-31"}, "date_notification"),
        ({"dateNotification": AS_OF_DATE.replace(year=AS_OF_DATE.year + 1).isoformat()}, "date_notification"),
        ({"montant": 1e17}, "montant_ht"),
        ({"montant": 0}, "montant_ht"),
        ({"montant": 1e17, "modifications": [_modification(1, "2024-05-01", montant=200_000)]}, "montant_ht"),
        ({"modifications": [_modification(1, "2024-05-01", montant=1e17)]}, "montant_ht"),
    ],
)
def test_implausible_values_are_quarantined(tmp_path, over, column):
    _, checked = _load(tmp_path, _v2(_record(**over)))
    assert checked.rows.height == 0
    assert checked.errors.select("regle", "colonne").row(0) == ("HORS_LIMITES", column)


@pytest.mark.parametrize("duration", ["NC", 0, 999, "douze"])
def test_a_duration_that_is_not_1_to_240_months_is_left_empty(tmp_path, duration):
    assert _current(tmp_path, _record(dureeMois=duration))["duree_mois"] is None


def _targets(tmp_path, rows: list[dict]):
    path = write_csv(tmp_path / "objectifs" / "cibles.csv", rows)
    table = read_extract(path, OBJECTIFS)
    return validate(table.frame, OBJECTIFS, AS_OF_DATE, KEY)


@pytest.mark.parametrize("written", ["30 %", "30%", "0,3", "0.30", "30\u202f%"])
def test_a_ratio_target_in_every_french_form(tmp_path, written):
    checked = _targets(tmp_path, [{"annee": "2025", "indicateur": "part_marches_consideration_sociale",
                                   "cible": written}])  # fmt: skip
    assert checked.rows["cible"].to_list() == [pytest.approx(0.30)]


def test_targets_unknown_indicator_and_ratio_above_one_are_quarantined(tmp_path):
    checked = _targets(tmp_path, [
        {"annee": "2025", "indicateur": "Taux couverture clause", "cible": "95 %"},  # written otherwise: known
        {"annee": "2025", "indicateur": "nb_marches_clause", "cible": "120"},  # a count keeps its value
        {"annee": "2025", "indicateur": "taux_couverture_clause", "cible": "30"},  # 3 000 %: a mistake
        {"annee": "2025", "indicateur": "heures_magiques", "cible": "1"},
        {"annee": "2101", "indicateur": "nb_marches", "cible": "1"},  # past any plan the range allows
    ])  # fmt: skip
    assert sorted(checked.rows.select("indicateur", "cible").rows()) == [
        ("nb_marches_clause", 120.0), ("taux_couverture_clause", pytest.approx(0.95))]  # fmt: skip
    errors = {line: (rule, column) for line, column, rule, _ in checked.errors.rows()}
    assert errors == {4: ("HORS_LIMITES", "cible"), 5: ("CODE_INCONNU", "indicateur"), 6: ("HORS_LIMITES", "annee")}
    assert LINE_COLUMN in checked.errors.columns


# -- the whole graph: a national DECP file beside the Département's own extract ---------------------------------
FIGURES = ("kpi_annuel", "kpi_spaser", "kpi_modalites", "kpi_territoire", "kpi_residence", "kpi_impact_heures",
           "marche_execution", "qualite_synthese")  # fmt: skip


@pytest.fixture(scope="module")
def with_national_file(tmp_path_factory):
    """The hand fixture beside a real national DECP file, peers and edited targets: built once per session."""

    def build(root: Path) -> None:
        write_hand_fixture(root / "raw")
        (root / "raw" / "marches" / "decp-aife-2019.json").write_bytes(
            (SHARED_DATA / "decp/reel-2019/aife-2019.json").read_bytes()
        )
        write_csv(root / "raw" / "objectifs" / "2026_cibles.csv", [
            {"annee": "2023", "indicateur": "taux_couverture_clause", "cible": "80 %", "commentaire": "révisée"},
            {"annee": "2024", "indicateur": "nb_marches_clause", "cible": "1"},
            {"annee": "2026", "indicateur": "part_marches_consideration_sociale", "cible": "0,5"},
            {"annee": "2027", "indicateur": "taux_couverture_clause", "cible": "1"},
        ])  # fmt: skip
        (root / "raw" / "marches" / "decp-region-2024.json").write_text(_v2(*_peers()))
        outcome = run_graph(root)
        assert outcome.success, outcome.reason

    return built_once(tmp_path_factory, "national", build)


def _peers() -> list[dict]:
    """Other départements in 2024 (DECP v2): two with 3 of 5 contracts with a consideration (a tie), one with 4."""
    records = []
    for siren, n, social in (("220600019", 5, 3), ("228300017", 5, 3), ("220400012", 4, 4)):
        for i in range(n):
            considerations = ["Clause sociale"] if i < social else ["Pas de considération sociale"]
            records.append(_record(id=f"{siren}-{i}", acheteur={"id": f"{siren}00016"}, montant=50_000,
                                   considerationsSociales={"considerationSociale": considerations}))  # fmt: skip
    return records


def _tables(root, sql: str) -> list:
    with duckdb.connect(str(root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.integration
@pytest.mark.real_data
@needs_shared
@pytest.mark.parametrize("table", FIGURES)
def test_a_national_file_changes_none_of_the_departement_figures(with_national_file, fixture_root, table):
    schema = "qualite" if table.startswith("qualite") else "marts"
    sql = f"select * from {schema}.{table} order by all"
    assert _tables(with_national_file, sql) == _tables(fixture_root, sql)


@pytest.mark.integration
@pytest.mark.real_data
@needs_shared
def test_other_buyers_feed_the_comparison_only(with_national_file):
    scope = dict(_tables(with_national_file, "select perimetre, count(*) from marts.dim_marches group by 1"))
    assert scope["DEPARTEMENT"] == 6 and scope["AUTRE_ACHETEUR"] > 4000
    rows = _tables(
        with_national_file,
        """
        select acheteur_siren, acheteur_nom, categorie_acheteur, est_departement, nb_marches_considerations_connues,
               part_marches_consideration_sociale, rang_categorie, nb_acheteurs_classes
        from marts.kpi_comparaison where annee = 2024 order by acheteur_siren""",
    )
    # The 2019 national file is DECP v1: its considerations are unknown, so none of its contracts is in scope.
    # DECP v2 names no buyer: a département is named after its SIREN (22, its code, 0001, a key).
    assert rows == [
        ("220400012", "Alpes-de-Haute-Provence", "DEPARTEMENT", False, 4, 1.0, None, 2),  # under the floor of 5
        ("220600019", "Alpes-Maritimes", "DEPARTEMENT", False, 5, 0.6, 1, 2),  # equal shares share the rank
        ("221300015", "Bouches-du-Rhône", "DEPARTEMENT", True, 3, 1.0, None, 2),  # the Département: M4, M5, M6
        ("228300017", "Var", "DEPARTEMENT", False, 5, 0.6, 1, 2),
    ]


@pytest.mark.real_data
@needs_shared
def test_the_siren_numbering_that_names_unnamed_buyers_holds_on_the_real_2019_buyers():
    """kpi_comparaison names a v2 buyer after its SIREN: 22 + département + 0001 + key, 21 + département + 0 +
    commune + key. Every real 2019 buyer (v1: named) that the rule names, and which publishes under its own name
    (not a service's), carries that name in it."""
    seeds = Path(__file__).parents[1] / "dbt_project" / "seeds"
    departements = dict(pl.read_csv(seeds / "departements.csv", schema_overrides={"code": pl.String}).iter_rows())
    communes = pl.read_csv(seeds / "communes_territoires.csv", infer_schema=False)
    communes = dict(communes.select("code_insee", "commune").iter_rows())
    checked = 0
    for name in ("aife-2019.json", "bouches-du-rhone-2019.json"):
        data = json.loads((SHARED_DATA / "decp/reel-2019" / name).read_bytes())
        for record in data["marches"]:
            buyer = record.get("acheteur") or {}  # a concession names its authority instead
            siren, published = str(buyer.get("id", ""))[:9], ftfy.fix_text(buyer.get("nom") or "")
            if re.fullmatch(r"22\d{2}0001\d", siren) and "partement" in published:
                derived = departements[siren[2:4]]
            elif re.fullmatch(r"21\d{2}0\d{4}", siren) and siren[2:4] + siren[5:8] in communes and _a_town(published):
                derived = communes[siren[2:4] + siren[5:8]]
            else:
                continue
            assert re.search(_pattern(derived), _plain(published)), (siren, derived, published)
            checked += 1
    assert checked >= 50


def _a_town(name: str) -> bool:
    """Whether a buyer's published name is its town's (not one of its services: "Direction des affaires juridiques")."""
    return re.search(r"mairie|ville|commune", name, re.IGNORECASE) is not None


def _plain(text: str) -> str:
    """Lower case, one space for hyphens and apostrophes: "Salon-de-Provence" is in "Mairie de Salon de Provence";
    the letters the 2019 files lost (U+FFFD) left out."""
    return re.sub(r"[-'\s]+", " ", text.replace("\ufffd", "")).strip().lower()


def _pattern(name: str) -> str:
    """A name as a pattern where an accented letter matches itself, its plain letter or a lost one."""

    def letter(c: str) -> str:
        plain = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
        return f"(?:{re.escape(c)}|{plain})?" if plain != c else re.escape(c)

    without_article = re.sub(r"^(les|le|la|l) ", "", _plain(name))  # "Ville des Pennes Mirabeau"
    return "".join(letter(c) for c in without_article)
