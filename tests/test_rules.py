"""Each rule of each extract (docs/deposer_des_extractions.md), on the validation of one file's rows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import AS_OF_DATE, KEY, SIRET_A, SIRET_LA_POSTE, heure, marche, participant

from pipeline.extracts.kinds import BY_NAME
from pipeline.extracts.pseudonym import personne_id
from pipeline.ingest.validate import validate

AS_OF = dt.date(2026, 11, 25)


def check(kind: str, *rows: dict):
    raw = pl.DataFrame(
        [{k: (v if v != "" else None) for k, v in r.items()} for r in rows], schema={k: pl.String for k in rows[0]}
    )
    raw = raw.with_row_index("_ligne", offset=2).with_columns(pl.col("_ligne").cast(pl.Int64))
    return validate(raw, BY_NAME[kind], AS_OF_DATE, KEY)


def rules(kind: str, row: dict) -> list[tuple[str, str]]:
    return [(c, r) for c, r in check(kind, row).errors.select("colonne", "regle").iter_rows()]


# -- marches ---------------------------------------------------------------------------------------
def test_a_valid_contract_loads():
    result = check("marches", marche())
    assert result.errors.height == 0
    row = result.rows.row(0, named=True)
    assert row["montant_ht"] == 250000 and row["clause_insertion"] is True and row["cpv"] == "45214200"


@pytest.mark.parametrize(
    "column",
    ["id_marche", "objet", "date_notification", "montant_ht", "titulaire_siret", "titulaire_nom", "clause_insertion"],
)
def test_marches_required_columns(column):
    assert rules("marches", marche(**{column: ""})) == [(column, "OBLIGATOIRE")]


@pytest.mark.parametrize(
    "over,expected",
    [
        ({"famille": "BOULANGERIE"}, ("famille", "CODE_INCONNU")),
        ({"cpv": "4521"}, ("cpv", "FORMAT_INVALIDE")),
        ({"date_notification": "31/12/2009"}, ("date_notification", "HORS_LIMITES")),
        ({"date_notification": "01/12/2026"}, ("date_notification", "HORS_LIMITES")),  # after the as-of date
        ({"date_notification": "hier"}, ("date_notification", "FORMAT_INVALIDE")),
        ({"duree_mois": "0"}, ("duree_mois", "HORS_LIMITES")),
        ({"duree_mois": "241"}, ("duree_mois", "HORS_LIMITES")),
        ({"duree_mois": "12,5"}, ("duree_mois", "FORMAT_INVALIDE")),
        ({"montant_ht": "0"}, ("montant_ht", "HORS_LIMITES")),
        ({"montant_ht": "1 000 000 000"}, ("montant_ht", "HORS_LIMITES")),
        ({"titulaire_siret": "73282932000075"}, ("titulaire_siret", "SIRET_INVALIDE")),
        ({"titulaire_siret": "7328293200007"}, ("titulaire_siret", "SIRET_INVALIDE")),
        ({"commune_execution": "Marseille"}, ("commune_execution", "FORMAT_INVALIDE")),
        ({"clause_insertion": "peut-être"}, ("clause_insertion", "FORMAT_INVALIDE")),
        ({"heures_insertion_prevues": ""}, ("heures_insertion_prevues", "HEURES_PREVUES_SANS_CLAUSE_OU_ABSENTES")),
        ({"clause_insertion": "non"}, ("heures_insertion_prevues", "HEURES_PREVUES_SANS_CLAUSE_OU_ABSENTES")),
        ({"heures_insertion_prevues": "-5"}, ("heures_insertion_prevues", "HORS_LIMITES")),
        ({"marche_reserve": "PEUT_ETRE"}, ("marche_reserve", "CODE_INCONNU")),
        ({"facilitateur": "F10"}, ("facilitateur", "CODE_INCONNU")),
        ({"objet": "x" * 20_000}, ("objet", "TEXTE_TROP_LONG")),
    ],
)
def test_marches_rules(over, expected):
    assert rules("marches", marche(**over)) == [expected]


def test_marches_defaults_and_accepted_forms():
    row = check(
        "marches",
        marche(
            critere_social="",
            marche_reserve="",
            famille="",
            cpv="90911200",
            commune_execution="2A004",
            titulaire_siret=SIRET_LA_POSTE,
        ),
    ).rows.row(0, named=True)
    assert (row["critere_social"], row["marche_reserve"], row["famille"], row["commune_execution"]) == (
        False,
        "NON",
        "NETTOYAGE",
        "2A004",
    )


def test_commune_outside_the_reference_is_kept():
    assert check("marches", marche(commune_execution="75056")).rows["commune_execution"].to_list() == ["75056"]


def test_quarantined_values_are_shown():
    errors = check("marches", marche(montant_ht="-3")).errors
    assert errors.row(0, named=True) == {"_ligne": 2, "colonne": "montant_ht", "regle": "HORS_LIMITES", "valeur": "-3"}


# -- heures ----------------------------------------------------------------------------------------
def test_valid_hours_load_with_a_pseudonymous_path():
    row = check("heures", heure(mois="04/2024", heures="151,67")).rows.row(0, named=True)
    assert row["mois"] == dt.date(2024, 4, 1) and row["heures"] == 151.67
    assert "id_participant" not in row and len(row["parcours_id"]) == 64


@pytest.mark.parametrize(
    "column", ["facilitateur", "id_participant", "id_marche", "mois", "heures", "modalite", "employeur_siret"]
)
def test_heures_required_columns(column):
    assert rules("heures", heure(**{column: ""})) == [(column, "OBLIGATOIRE")]


@pytest.mark.parametrize(
    "over,expected",
    [
        ({"facilitateur": "F0"}, ("facilitateur", "CODE_INCONNU")),
        ({"mois": "2026-12"}, ("mois", "HORS_LIMITES")),
        ({"mois": "2009-12"}, ("mois", "HORS_LIMITES")),
        ({"mois": "13/2024"}, ("mois", "FORMAT_INVALIDE")),
        ({"heures": "0"}, ("heures", "HORS_LIMITES")),
        ({"heures": "220,5"}, ("heures", "HORS_LIMITES")),
        ({"modalite": "BENEVOLAT"}, ("modalite", "CODE_INCONNU")),
        ({"employeur_siret": "12345678901234"}, ("employeur_siret", "SIRET_INVALIDE")),
        ({"type_contrat": "STAGE"}, ("type_contrat", "CODE_INCONNU")),
    ],
)
def test_heures_rules(over, expected):
    assert rules("heures", heure(**over)) == [expected]


def test_heures_accepts_the_usual_code_spellings_and_220_hours():
    rows = check(
        "heures",
        heure(modalite="ETTI", heures="220", mois="2026-11"),
        heure(modalite="Mise à disposition", id_participant="P2"),
    ).rows
    assert rows["modalite"].to_list() == ["INTERIM_INSERTION", "MISE_A_DISPOSITION"]


# -- participants ----------------------------------------------------------------------------------
def test_valid_participant_keeps_no_personal_value():
    row = check("participants", participant()).rows.row(0, named=True)
    assert {"nom", "prenom", "date_naissance", "id_participant"}.isdisjoint(row)
    assert row["age_entree"] == 33 and row["annee_naissance"] == 1990 and row["sexe"] == "F"
    assert row["personne_id"] == personne_id(KEY, "Lefèvre", "Éloïse", "1990-05-12")


@pytest.mark.parametrize(
    "column", ["facilitateur", "id_participant", "nom", "prenom", "date_naissance", "sexe", "date_entree"]
)
def test_participants_required_columns(column):
    assert rules("participants", participant(**{column: ""})) == [(column, "OBLIGATOIRE")]


@pytest.mark.parametrize(
    "over,expected",
    [
        ({"facilitateur": "PLIE"}, ("facilitateur", "CODE_INCONNU")),
        ({"date_naissance": "01/05/2010"}, ("date_naissance", "AGE_A_L_ENTREE_HORS_16_70")),
        ({"date_naissance": "01/03/1953"}, ("date_naissance", "AGE_A_L_ENTREE_HORS_16_70")),
        ({"sexe": "X"}, ("sexe", "FORMAT_INVALIDE")),
        ({"commune_residence": "13"}, ("commune_residence", "FORMAT_INVALIDE")),
        ({"qpv": "bof"}, ("qpv", "FORMAT_INVALIDE")),
        ({"niveau_formation": "DOCTORAT"}, ("niveau_formation", "CODE_INCONNU")),
        ({"deld": ""}, ("deld", "AUCUN_CRITERE_D_ELIGIBILITE")),
        ({"date_entree": "01/12/2026"}, ("date_entree", "HORS_LIMITES")),
        ({"date_sortie": "01/01/2024"}, ("date_sortie", "SORTIE_AVANT_ENTREE")),
        ({"date_sortie": "01/06/2024", "situation_6_mois": "RETRAITE"}, ("situation_6_mois", "CODE_INCONNU")),
    ],
)
def test_participants_rules(over, expected):
    assert rules("participants", participant(**over)) == [expected]


def test_personal_values_are_masked_in_the_quarantine():
    errors = check("participants", participant(date_naissance="01/05/2010")).errors
    assert errors["valeur"].to_list() == ["***"]


@pytest.mark.parametrize("sexe,expected", [("H", "M"), ("homme", "M"), ("Femme", "F"), ("m", "M")])
def test_sexe_spellings(sexe, expected):
    assert check("participants", participant(sexe=sexe)).rows["sexe"].to_list() == [expected]


def test_age_boundaries_16_and_70_are_accepted():
    ok16 = participant(date_naissance="01/04/2008", date_entree="01/04/2024")
    ok70 = participant(id_participant="P2", date_naissance="02/04/1953", date_entree="01/04/2024")
    assert check("participants", ok16, ok70).errors.height == 0


def test_each_eligibility_column_alone_is_enough():
    flags = ["deld", "brsa", "rqth", "jeune_sans_qualification", "minima_sociaux", "senior", "autre_public"]
    rows = [participant(**{"id_participant": f"P{i}", "deld": "", f: "x"}) for i, f in enumerate(flags)]
    assert check("participants", *rows).rows.height == len(flags)


def test_siret_a_is_valid():
    assert rules("heures", heure(employeur_siret=f"{SIRET_A[:3]} {SIRET_A[3:6]} {SIRET_A[6:9]} {SIRET_A[9:]}")) == []
