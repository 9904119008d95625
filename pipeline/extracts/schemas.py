"""Pandera schemas of the typed extracts: the rules of docs/deposer_des_extractions.md, one home.

A dataframe-level check is named `RULE|column` so that its failures become quarantine rows with
that rule and column. SIRET validity is checked apart, with python-stdnum (see validate.py).
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from pipeline.extracts.columns import ELIGIBILITES, MARCHE_RESERVE, NIVEAUX_FORMATION, TYPES_CONTRAT
from pipeline.extracts.parsing import age_at
from pipeline.extracts.reference import (
    FACILITATEURS,
    FAMILLE_SECTEUR,
    INDICATEURS_CIBLES,
    MODALITES,
    RATIOS,
    SITUATIONS_6_MOIS,
)

MIN_DATE = dt.date(2010, 1, 1)
MIN_DATE_ENTREE = dt.date(2000, 1, 1)
MIN_DATE_DECP = dt.date(2000, 1, 1)  # open data: earlier is a typing error (docs/indicateurs.md)
MAX_AMOUNT = 1_000_000_000  # € HT: an amount from there on is an error, initial or amended
MAX_TEXT = 10_000  # a longer cell is a paste accident, not a contract title


def _rule(rule: str, column: str, expr_builder) -> pa.Check:
    return pa.Check(lambda data: data.lazyframe.select(expr_builder().fill_null(True)), name=f"{rule}|{column}")


def _text_length(columns: list[str]) -> list[pa.Check]:
    return [_rule("TEXTE_TROP_LONG", c, lambda c=c: pl.col(c).str.len_chars() <= MAX_TEXT) for c in columns]


def marches_schema(as_of: dt.date) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "id_marche": pa.Column(str, nullable=False),
            "objet": pa.Column(str, nullable=False),
            "famille": pa.Column(str, pa.Check.isin(list(FAMILLE_SECTEUR)), nullable=True),
            "date_notification": pa.Column(dt.date, pa.Check.le(as_of), nullable=True),
            "duree_mois": pa.Column(pl.Int64, pa.Check.in_range(1, 240), nullable=True),
            "montant_ht": pa.Column(float, [pa.Check.gt(0), pa.Check.lt(MAX_AMOUNT)], nullable=False),
            "titulaire_nom": pa.Column(str, nullable=True),
            "clause_insertion": pa.Column(bool, nullable=True),
            "heures_insertion_prevues": pa.Column(float, pa.Check.gt(0), nullable=True),
            "critere_social": pa.Column(bool, nullable=True),
            "marche_reserve": pa.Column(str, pa.Check.isin(list(MARCHE_RESERVE)), nullable=True),
            "facilitateur": pa.Column(str, pa.Check.isin(list(FACILITATEURS)), nullable=True),
            "clause_environnementale": pa.Column(bool, nullable=True),
            "critere_environnemental": pa.Column(bool, nullable=True),
            "date_lancement_consultation": pa.Column(dt.date, pa.Check.le(as_of), nullable=True),
        },
        checks=_marches_checks(),
        strict=False,
    )


def _marches_checks() -> list[pa.Check]:
    from_decp = pl.col("source") == "DECP"
    return [
        # Neither written nor found from the CPV code (pipeline/extracts/kinds.py fills it from the CPV first).
        _rule("FAMILLE_INDETERMINABLE", "cpv", lambda: pl.col("famille").is_not_null()),
        # DECP files publish neither a clause for v1 nor always a date nor a name (v2):
        # see docs/deposer_des_extractions.md.
        _rule("OBLIGATOIRE", "date_notification", lambda: pl.col("date_notification").is_not_null() | from_decp),
        # Published data goes back further than the Département's extract, but not to the year 0218
        # (docs/indicateurs.md).
        _rule(
            "HORS_LIMITES",
            "date_notification",
            lambda: pl.col("date_notification") >= pl.when(from_decp).then(MIN_DATE_DECP).otherwise(MIN_DATE),
        ),
        # The initial amount too: a contract amended from 1e17 € is not plausible either (docs/indicateurs.md).
        _rule("HORS_LIMITES", "montant_ht", lambda: pl.col("montant_initial_ht").is_between(0, MAX_AMOUNT, "none")),
        _rule("OBLIGATOIRE", "clause_insertion", lambda: pl.col("clause_insertion").is_not_null() | from_decp),
        _rule("OBLIGATOIRE", "titulaire_nom", lambda: pl.col("titulaire_nom").is_not_null() | from_decp),
        _rule(
            "OBLIGATOIRE",
            "titulaire_siret",
            lambda: (
                pl.col("titulaire_siret").is_not_null()
                | (from_decp & pl.col("titulaire_id").is_not_null() & (pl.col("titulaire_type_id") != "SIRET"))
            ),
        ),
        _rule(
            "HEURES_PREVUES_SANS_CLAUSE_OU_ABSENTES",
            "heures_insertion_prevues",
            lambda: (
                pl.when(pl.col("clause_insertion") & ~from_decp)
                .then(pl.col("heures_insertion_prevues").is_not_null())
                .when(pl.col("clause_insertion").not_())
                .then(pl.col("heures_insertion_prevues").is_null())
                .otherwise(True)
            ),
        ),
        *_text_length(["id_marche", "objet", "titulaire_nom", "procedure", "exception_article_35"]),
    ]


def heures_schema(as_of: dt.date) -> pa.DataFrameSchema:
    as_of_month = as_of.replace(day=1)
    return pa.DataFrameSchema(
        {
            "facilitateur": pa.Column(str, pa.Check.isin(list(FACILITATEURS)), nullable=False),
            "id_participant": pa.Column(str, nullable=False),
            "id_marche": pa.Column(str, nullable=False),
            "mois": pa.Column(dt.date, pa.Check.in_range(MIN_DATE, as_of_month), nullable=False),
            "heures": pa.Column(float, [pa.Check.gt(0), pa.Check.le(220)], nullable=False),
            "modalite": pa.Column(str, pa.Check.isin(list(MODALITES)), nullable=False),
            "employeur_siret": pa.Column(str, nullable=False),
            "employeur_nom": pa.Column(str, nullable=True),
            "type_contrat": pa.Column(str, pa.Check.isin(list(TYPES_CONTRAT)), nullable=True),
        },
        checks=_text_length(["id_participant", "id_marche", "employeur_nom"]),
        strict=False,
    )


def participants_schema(as_of: dt.date) -> pa.DataFrameSchema:
    age = age_at(pl.col("date_naissance"), pl.col("date_entree"))
    return pa.DataFrameSchema(
        {
            "facilitateur": pa.Column(str, pa.Check.isin(list(FACILITATEURS)), nullable=False),
            "id_participant": pa.Column(str, nullable=False),
            "nom": pa.Column(str, nullable=False),
            "prenom": pa.Column(str, nullable=False),
            "date_naissance": pa.Column(dt.date, nullable=False),
            "sexe": pa.Column(str, pa.Check.isin(["F", "M"]), nullable=False),
            "niveau_formation": pa.Column(str, pa.Check.isin(list(NIVEAUX_FORMATION)), nullable=True),
            "date_entree": pa.Column(dt.date, pa.Check.in_range(MIN_DATE_ENTREE, as_of), nullable=False),
            "date_sortie": pa.Column(dt.date, nullable=True),
            "situation_6_mois": pa.Column(str, pa.Check.isin(list(SITUATIONS_6_MOIS)), nullable=True),
            "situation_12_mois": pa.Column(str, pa.Check.isin(list(SITUATIONS_6_MOIS)), nullable=True),
            "date_observation_situation": pa.Column(dt.date, pa.Check.le(as_of), nullable=True),
        },
        checks=[
            _rule("AGE_A_L_ENTREE_HORS_16_70", "date_naissance", lambda: age.is_between(16, 70)),
            _rule("SORTIE_AVANT_ENTREE", "date_sortie", lambda: pl.col("date_sortie") >= pl.col("date_entree")),
            _rule(
                "OBSERVATION_AVANT_SORTIE",
                "date_observation_situation",
                lambda: pl.col("date_observation_situation") >= pl.col("date_sortie"),
            ),
            _rule("AUCUN_CRITERE_D_ELIGIBILITE", "deld", lambda: pl.any_horizontal([pl.col(c) for c in ELIGIBILITES])),
            *_text_length(["id_participant", "nom", "prenom"]),
        ],
        strict=False,
    )


TARGET_YEARS = (2010, 2100)  # whichever plan a target belongs to: plans are data


def objectifs_schema(as_of: dt.date) -> pa.DataFrameSchema:
    is_ratio = pl.col("indicateur").is_in(list(RATIOS))
    return pa.DataFrameSchema(
        {
            "annee": pa.Column(pl.Int64, pa.Check.in_range(*TARGET_YEARS), nullable=False),
            "indicateur": pa.Column(str, pa.Check.isin(list(INDICATEURS_CIBLES)), nullable=False),
            "cible": pa.Column(float, pa.Check.ge(0), nullable=False),
        },
        checks=[
            # A ratio is a fraction: 30 % is 0.30, and 30 for a ratio is a mistake, not 3,000 %.
            _rule("HORS_LIMITES", "cible", lambda: ~is_ratio | (pl.col("cible") <= 1)),
            *_text_length(["commentaire"]),
        ],
        strict=False,
    )


def plans_schema(as_of: dt.date) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "plan": pa.Column(str, nullable=False),
            "debut": pa.Column(dt.date, pa.Check.in_range(MIN_DATE, dt.date(2100, 1, 1)), nullable=False),
            "fin": pa.Column(dt.date, pa.Check.in_range(MIN_DATE, dt.date(2100, 12, 31)), nullable=False),
            "adopte_le": pa.Column(dt.date, pa.Check.le(as_of), nullable=True),
        },
        checks=[
            _rule("FIN_AVANT_DEBUT", "fin", lambda: pl.col("fin") > pl.col("debut")),
            *_text_length(["plan", "commentaire"]),
        ],
        strict=False,
    )


def exceptions_schema(as_of: dt.date) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {"id_marche": pa.Column(str, nullable=False), "exception": pa.Column(str, nullable=False)},
        checks=_text_length(["id_marche", "exception", "commentaire"]),
        strict=False,
    )
