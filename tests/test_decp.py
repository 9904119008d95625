"""DECP open data: every form of file, the mapping, the rules that bend, and the real files."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import ftfy
import polars as pl
import pytest
from conftest import AS_OF_DATE, KEY, SHARED_DATA, SIRET_A, SIRET_B, marche, needs_shared, run_graph, write_csv

from pipeline.extracts.cpv import famille_of
from pipeline.extracts.kinds import MARCHES
from pipeline.extracts.raw import FileRejected
from pipeline.ingest import decp
from pipeline.ingest.assembly import ingest
from pipeline.ingest.readers import read_extract
from pipeline.ingest.validate import validate

DECP = SHARED_DATA / "decp"


def _record(**over) -> dict:
    record = {
        "id": "2024-001",
        "acheteur": {"id": "22130001900015"},
        "nature": "Marché",
        "objet": "Voirie",
        "codeCPV": "45233140-2",
        "procedure": "Appel d'offres ouvert",
        "dureeMois": 12,
        "dateNotification": "2024-03-15+01:00",
        "montant": "250000.50",
        "lieuExecution": {"code": "13055", "typeCode": "Code commune"},
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": SIRET_A}}],
        "considerationsSociales": {"considerationSociale": ["Clause sociale"]},
    }
    record.update(over)
    return {k: v for k, v in record.items() if v is not None}


def _load(tmp_path: Path, content: str | bytes, name: str = "decp.json"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    table = read_extract(path, MARCHES)
    checked = validate(table.frame, MARCHES, AS_OF_DATE, KEY)
    return table, checked


def _v2(*records, concessions=()) -> str:
    return json.dumps({"marches": {"marche": list(records), "contrat-concession": list(concessions)}})


def test_v2_json_maps_the_canonical_contract(tmp_path):
    _, checked = _load(tmp_path, _v2(_record()))
    row = checked.rows.row(0, named=True)
    assert (row["id_marche"], row["famille"], row["cpv"], row["date_notification"].isoformat()) == (
        "2024-001",
        "TRAVAUX_ROUTES_RESEAUX",
        "45233140",
        "2024-03-15",
    )
    assert (row["montant_ht"], row["duree_mois"], row["titulaire_siret"], row["commune_execution"]) == (
        250000.5,
        12,
        SIRET_A,
        "13055",
    )
    assert (row["clause_insertion"], row["critere_social"], row["marche_reserve"]) == (True, False, "NON")
    assert (row["source"], row["date_estimee"], row["heures_insertion_prevues"], row["facilitateur"]) == (
        "DECP",
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    "considerations, expected",
    [
        (
            {"considerationSociale": ["Clause sociale", "Critère social", "Marché réservé"]},
            (True, True, "RESERVE_NON_PRECISE"),
        ),
        (["Critère social"], (False, True, "NON")),  # the flat list form
        ({"considerationSociale": "Clause sociale"}, (True, False, "NON")),  # a single value
        ({"considerationSociale": ["Pas de considération sociale"]}, (False, False, "NON")),
        (None, (None, None, None)),  # v1: unknown, not false
    ],
)
def test_social_considerations(tmp_path, considerations, expected):
    _, checked = _load(tmp_path, _v2(_record(considerationsSociales=considerations)))
    assert checked.rows.select("clause_insertion", "critere_social", "marche_reserve").row(0) == expected


@pytest.mark.parametrize(
    "considerations, expected",
    [
        ({"considerationEnvironnementale": ["Clause environnementale", "Critère environnemental"]}, (True, True)),
        (["Critère environnemental"], (False, True)),  # an award criterion: not an execution condition
        ({"considerationEnvironnementale": ["Pas de considération environnementale"]}, (False, False)),
        (None, (None, None)),  # absent (v1): unknown, not false
    ],
)
def test_environmental_considerations(tmp_path, considerations, expected):
    record = _record()
    if considerations is not None:
        record["considerationsEnvironnementales"] = considerations
    _, checked = _load(tmp_path, _v2(record))
    assert checked.rows.select("clause_environnementale", "critere_environnemental").row(0) == expected


def test_v1_json_list_form_with_flat_holders_and_mojibake(tmp_path):
    record = _record(
        considerationsSociales=None,
        _type="Marché",
        objet="Travaux de rÃ©novation de l'Ã©cole",
        titulaires=[
            {"typeIdentifiant": "SIRET", "id": SIRET_B, "denominationSociale": "Société Sud"},
            {"typeIdentifiant": "TVA", "id": "DE814864138"},
        ],
        montant=300000.0,
        dateNotification="2019-06-01T00:00:00+02:00",
        codeCPV=45210000,
    )
    _, checked = _load(tmp_path, json.dumps({"marches": [record]}))
    row = checked.rows.row(0, named=True)
    assert row["objet"] == "Travaux de rénovation de l'école"
    assert (row["titulaire_siret"], row["titulaire_nom"], row["montant_ht"]) == (SIRET_B, "Société Sud", 300000.0)
    assert row["date_notification"].isoformat() == "2019-06-01" and row["famille"] == "TRAVAUX_BATIMENT"
    assert row["clause_insertion"] is None


def test_cpv_stored_as_a_number_gets_its_leading_zero_back(tmp_path):
    _, checked = _load(tmp_path, _v2(_record(codeCPV="9132100")))
    assert checked.rows.select("cpv", "famille").row(0) == ("09132100", "FOURNITURES")


def test_a_foreign_holder_is_a_valid_contract_and_a_bad_siret_is_not(tmp_path):
    foreign = _record(id="A", titulaires=[{"typeIdentifiant": "TVA_INTRACOMMUNAUTAIRE", "id": "DE814864138"}])
    bad = _record(id="B", titulaires=[{"typeIdentifiant": "SIRET", "id": "12345678901234"}])
    nobody = _record(id="C", titulaires=None)
    _, checked = _load(tmp_path, _v2(foreign, bad, nobody))
    assert checked.rows.select("id_marche", "titulaire_siret", "titulaire_id", "titulaire_type_id").rows() == [
        ("A", None, "DE814864138", "TVA_INTRACOMMUNAUTAIRE")
    ]
    assert checked.errors.select("_ligne", "regle").rows() == [(2, "SIRET_INVALIDE"), (3, "OBLIGATOIRE")]


def test_without_notification_date(tmp_path):
    estimated = _record(id="A", dateNotification=None, datePublicationDonnees="2024-04-02")
    undated = _record(id="B", dateNotification=None)
    _, checked = _load(tmp_path, _v2(estimated, undated))
    rows = checked.rows.select("id_marche", "date_notification", "date_estimee").rows()
    assert [(i, str(d), e) for i, d, e in rows] == [("A", "2024-04-02", True), ("B", "None", False)]


def test_concessions_are_accounted_for_not_dropped(tmp_path):
    concession = {"id": "C1", "autoriteConcedante": {"id": "1"}, "nature": "Concession de travaux", "valeurGlobale": 1}
    table, checked = _load(tmp_path, _v2(_record(), concessions=[concession]))
    assert checked.rows.height == 1
    assert table.set_aside.select("_ligne", "regle", "valeur").rows() == [(2, "CONCESSION", "C1")]


def test_an_id_shared_by_two_buyers_is_prefixed_with_the_buyer(tmp_path):
    a, b = _record(acheteur={"id": "111"}), _record(acheteur={"id": "222"})
    _, checked = _load(tmp_path, _v2(a, b, _record(id="solo")))
    assert sorted(checked.rows["id_marche"]) == ["111-2024-001", "222-2024-001", "solo"]


def test_xml_v2_nested_lists(tmp_path):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<marches><marche><id>X1</id><acheteur><id>22130001900015</id></acheteur><objet>Nettoyage des locaux</objet>
<codeCPV>90911200-8</codeCPV><dureeMois>24</dureeMois><dateNotification>2024-05-15</dateNotification>
<montant>575000</montant><titulaires><titulaire><id>{SIRET_A}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire>
</titulaires><considerationsSociales><considerationSociale>Clause sociale</considerationSociale>
<considerationSociale>Marché réservé</considerationSociale></considerationsSociales></marche>
<contrat-concession><id>C9</id></contrat-concession></marches>"""
    table, checked = _load(tmp_path, xml, "decp.xml")
    assert checked.rows.select("id_marche", "famille", "clause_insertion", "marche_reserve").rows() == [
        ("X1", "NETTOYAGE", True, "RESERVE_NON_PRECISE")
    ]
    assert table.set_aside["regle"].to_list() == ["CONCESSION"]


def test_xml_in_windows_1252_despite_its_declaration(tmp_path):
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><marches><marche><id>X1</id><objet>Rénovation</objet>'
        f"<codeCPV>45210000</codeCPV><dateNotification>2024-05-15</dateNotification><montant>1000</montant>"
        f"<titulaires><titulaire><id>{SIRET_A}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire></titulaires>"
        f"</marche></marches>"
    )
    _, checked = _load(tmp_path, xml.encode("cp1252"), "decp.xml")
    assert checked.rows["objet"].to_list() == ["Rénovation"]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"marches": [', "JSON illisible"),
        ('{"autre": 1}', "pas un fichier DECP"),
        ('{"marches": []}', "sans aucun marché"),
        (
            '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><marches>&b;</marches>',
            "XML refusé",
        ),
    ],
)
def test_unreadable_decp_files_say_why(tmp_path, content, message):
    with pytest.raises(FileRejected, match=message):
        _load(tmp_path, content, "decp.xml" if content.startswith("<") else "decp.json")


def test_the_departement_extract_wins_over_decp_for_the_same_contract(settings):
    raw = settings.raw_dir / "marches"
    write_csv(raw / "extrait.csv", [marche(id_marche="2024-001", montant_ht="100000")])
    (raw / "zz_decp.json").write_text(_v2(_record(), _record(id="2024-002")))
    result = ingest(MARCHES, settings)
    loaded = result.loaded.collect().sort("id_marche").select("id_marche", "montant_ht", "source").rows()
    assert loaded == [("2024-001", 100000.0, "EXTRAIT"), ("2024-002", 250000.5, "DECP")]


# The real files in ../shared/data/decp.


def _official_examples() -> list[Path]:
    return sorted(p for p in (DECP / "exemples-officiels").rglob("*") if p.suffix in (".json", ".xml"))


@needs_shared
def test_every_official_example_loads():
    examples = _official_examples()
    assert len(examples) == 12
    for path in examples:
        table, checked = _load_in_place(path)
        assert checked.errors.is_empty(), (path.name, checked.errors.to_dicts())
        assert checked.rows.height + table.set_aside.height > 0, path.name
        assert set(table.set_aside["regle"]) <= {"CONCESSION"}
    # v2 examples publish their social considerations; v1 ones leave them unknown.
    _, v2 = _load_in_place(DECP / "exemples-officiels" / "v2" / "Marche.xml")
    assert v2.rows.select("clause_insertion", "critere_social").unique().rows() == [(True, True)]
    _, v1 = _load_in_place(DECP / "exemples-officiels" / "v1.5" / "paquet.xml")
    assert v1.rows["clause_insertion"].null_count() == v1.rows.height


def _load_in_place(path: Path):
    table = read_extract(path, MARCHES)
    return table, validate(table.frame, MARCHES, AS_OF_DATE, KEY)


@needs_shared
@pytest.mark.real_data
@pytest.mark.parametrize("name, records", [("aife-2019.json", 4530), ("bouches-du-rhone-2019.json", 288)])
def test_real_2019_files_every_record_accounted_for(name, records):
    path = DECP / "reel-2019" / name
    assert len(json.loads(path.read_text())["marches"]) == records
    table, checked = _load_in_place(path)
    loaded, quarantined, aside = checked.rows.height, checked.errors.height, table.set_aside.height
    assert loaded + quarantined + aside == records
    contracts = records - aside
    assert loaded / contracts >= 0.95, collections.Counter(checked.errors["regle"])
    assert set(checked.errors["regle"]) <= {
        "SIRET_INVALIDE",
        "HORS_LIMITES",
        "FORMAT_INVALIDE",
        "FAMILLE_INDETERMINABLE",
        "OBLIGATOIRE",
    }
    # More than half of the AIFE contracts have no notification date: loaded, in no year.
    assert checked.rows["date_notification"].null_count() > 0
    assert checked.rows.filter(pl.col("date_estimee"))["date_notification"].null_count() == 0


def _scalars(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    elif value is not None and not isinstance(value, bool):
        yield value


@pytest.mark.parametrize("value", ["Travaux &amp; voirie", "ligne\r\nsuivante", "\x1b[31mrouge", "Ã©lectricitÃ©", " "])
def test_text_skips_ftfy_only_where_ftfy_changes_nothing(value):
    assert decp._text(value) == (ftfy.fix_text(value.strip()) or None)


@needs_shared
@pytest.mark.real_data
def test_text_gives_what_ftfy_gives_on_every_real_value():
    for name in ("aife-2019.json", "bouches-du-rhone-2019.json"):
        values = {str(v) for v in _scalars(json.loads((DECP / "reel-2019" / name).read_text()))}
        assert len(values) > 1000
        assert [v for v in values if decp._text(v) != (ftfy.fix_text(v.strip()) or None)] == []


@needs_shared
@pytest.mark.real_data
def test_cpv_families_on_the_real_codes():
    codes = pl.concat(
        [
            read_extract(DECP / "reel-2019" / n, MARCHES).frame.select("cpv")
            for n in ("aife-2019.json", "bouches-du-rhone-2019.json")
        ]
    )["cpv"].drop_nulls()
    families = [famille_of(c) for c in codes]
    mapped = sum(f is not None for f in families) / len(families)
    assert mapped >= 0.99
    assert famille_of("45233140") == "TRAVAUX_ROUTES_RESEAUX" and famille_of("45214200") == "TRAVAUX_BATIMENT"
    assert famille_of("90911200") == "NETTOYAGE" and famille_of("77313000") == "ESPACES_VERTS"
    assert famille_of("79710000") == "SURVEILLANCE_GARDIENNAGE" and famille_of("72000000") == "INFORMATIQUE"
    assert famille_of("09132100") == "FOURNITURES"


@needs_shared
@pytest.mark.real_data
def test_every_code_of_the_cpv_nomenclature_has_the_famille_the_spec_gives():
    nomenclature = pl.read_csv(SHARED_DATA / "reference" / "cpv_2008.csv", infer_schema_length=0)
    families = {code: famille_of(code) for code in nomenclature["code_cpv"]}
    assert len(families) > 9000 and None not in families.values()
    expected = {
        "45": {"TRAVAUX_BATIMENT", "TRAVAUX_ROUTES_RESEAUX"},
        "03": {"FOURNITURES"},
        "30": {"FOURNITURES"},
        "72": {"INFORMATIQUE"},
        "80": {"FORMATION"},
        "55": {"RESTAURATION"},
    }
    for division, allowed in expected.items():
        assert {f for c, f in families.items() if c.startswith(division)} == allowed, division


@needs_shared
@pytest.mark.real_data
@pytest.mark.integration
def test_the_real_files_through_the_whole_graph(tmp_path):
    """Dropped into raw/marches/ beside the Département's extract: loaded, accounted for, dbt tests green."""
    import duckdb

    raw = tmp_path / "raw" / "marches"
    raw.mkdir(parents=True)
    # Copied into the temporary raw/, as an operator drops them: a link out of raw/ is rejected unread.
    for name in ("aife-2019.json", "bouches-du-rhone-2019.json"):
        shutil.copyfile(DECP / "reel-2019" / name, raw / name)
    shutil.copyfile(DECP / "exemples-officiels" / "v2" / "Marche.xml", raw / "v2-Marche.xml")
    write_csv(raw / "zz_extrait.csv", [marche()])
    outcome = run_graph(tmp_path)
    assert outcome.success, outcome.reason
    with duckdb.connect(str(tmp_path / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        files = dict(con.execute("select chemin, lignes_lues from qualite.qualite_fichiers").fetchall())
        assert files == {
            "marches/aife-2019.json": 4530,
            "marches/bouches-du-rhone-2019.json": 288,
            "marches/v2-Marche.xml": 2,
            "marches/zz_extrait.csv": 1,
        }
        loaded_share = dict(
            con.execute("""
            select f.chemin, any_value(f.lignes_chargees) / (any_value(f.lignes_lues) - count(q.ligne))
            from qualite.qualite_fichiers f
            left join qualite.quarantaine q on q.chemin = f.chemin and q.regle = 'CONCESSION'
            group by f.chemin""").fetchall()
        )
        assert min(loaded_share.values()) >= 0.95, loaded_share
        # A contract published again (later in the file, or in the other file) is there once, in its last version.
        origins = dict(con.execute("select origine, count(*) from marts.dim_marches group by all").fetchall())
        replaced = con.execute("select sum(lignes_remplacees) from qualite.qualite_fichiers").fetchone()[0]
        loaded = con.execute("select sum(lignes_chargees) from qualite.qualite_fichiers").fetchone()[0]
        assert origins["EXTRAIT"] == 1 and origins["DECP"] + origins["EXTRAIT"] == loaded - replaced
        undated = con.execute("select count(*) from marts.dim_marches where annee_notification is null").fetchone()[0]
        assert undated > 2000
        reasons = con.execute("select count(*) from qualite.quarantaine where regle = 'CONCESSION'").fetchone()[0]
        assert reasons == 23
