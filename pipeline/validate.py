"""One file's rows: typed, checked against its Pandera schema, pseudonymised.

Returns the valid rows and one error per rejected row (the first rule it breaks, with its column
and the offending value, masked when personal). Nothing here knows about other files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from pipeline import cpv, parsing, pseudonym
from pipeline.extracts import COLUMNS, MASKED_IN_QUARANTINE
from pipeline.readers import LINE_COLUMN
from pipeline.schemas import SCHEMAS, age_at

MAX_SHOWN = 120  # characters of an offending value kept in the quarantine
MASK = "***"

ERROR_COLUMNS = {LINE_COLUMN: pl.Int64, "colonne": pl.String, "regle": pl.String, "valeur": pl.String}

MESSAGES = {
    "OBLIGATOIRE": "valeur obligatoire absente",
    "FORMAT_INVALIDE": "valeur illisible pour ce type",
    "HORS_LIMITES": "valeur hors des limites admises",
    "CODE_INCONNU": "code inconnu",
    "SIRET_INVALIDE": "SIRET invalide (14 chiffres et clé de Luhn)",
    "TEXTE_TROP_LONG": "texte anormalement long (plus de 10 000 caractères)",
    "HEURES_PREVUES_SANS_CLAUSE_OU_ABSENTES": "heures prévues absentes avec clause, ou présentes sans clause",
    "AGE_A_L_ENTREE_HORS_16_70": "âge à l'entrée hors de 16 à 70 ans",
    "SORTIE_AVANT_ENTREE": "date de sortie antérieure à la date d'entrée",
    "AUCUN_CRITERE_D_ELIGIBILITE": "aucun critère d'éligibilité : hors du public de la clause",
    "EN_TETE_REPETEE": "ligne d'en-tête répétée au milieu du fichier",
    "DOUBLON": "copie exacte d'une ligne précédente du même fichier",
    "CONFLIT": "même clé qu'une autre ligne du fichier, avec des valeurs différentes",
    "MARCHE_INCONNU": "marché inconnu : ligne en attente de l'arrivée du marché",
    "PARTICIPANT_INCONNU": "participant inconnu : ligne en attente de l'arrivée du participant",
    "CONCESSION": "contrat de concession : hors du champ des marchés",
    "ENREGISTREMENT_ILLISIBLE": "enregistrement DECP qui n'est pas un objet (ni marché ni concession)",
    "FAMILLE_INDETERMINABLE": "famille d'achat absente et non déductible du code CPV",
}


@dataclass
class Validated:
    rows: pl.DataFrame
    errors: pl.DataFrame  # _ligne, colonne, regle, valeur


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_COLUMNS)


def shown_value(column: str, raw: pl.Expr) -> pl.Expr:
    if column in MASKED_IN_QUARANTINE:
        return pl.when(raw.is_not_null()).then(pl.lit(MASK))
    return raw.str.slice(0, MAX_SHOWN)


def _errors_where(raw: pl.DataFrame, mask: pl.Expr, column: str, rule: str) -> pl.DataFrame:
    value = shown_value(column, pl.col(column)) if column in raw.columns else pl.lit(None, pl.String)
    return raw.filter(mask).select(
        pl.col(LINE_COLUMN), pl.lit(column).alias("colonne"), pl.lit(rule).alias("regle"), value.alias("valeur")
    )


def _rule_of(check: str) -> tuple[str, str | None]:
    if "|" in check:
        rule, column = check.split("|", 1)
        return rule, column
    if check == "not_nullable":
        return "OBLIGATOIRE", None
    if check.startswith("isin"):
        return "CODE_INCONNU", None
    return "HORS_LIMITES", None


def _schema_errors(typed: pl.DataFrame, raw: pl.DataFrame, kind: str, as_of: dt.date) -> pl.DataFrame:
    try:
        SCHEMAS[kind](as_of).validate(typed, lazy=True)
        return empty_errors()
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    failures = []
    for (check, column), group in cases.group_by(["check", "column"], maintain_order=True):
        if check in ("column_in_dataframe", "dtype") or group["index"].is_null().all():
            raise RuntimeError(f"schéma {kind} : {check} sur {column}")  # our bug, not the file's
        rule, named_column = _rule_of(str(check))
        col = named_column or str(column)
        index = group["index"].drop_nulls().cast(pl.Int64).unique()
        rows = raw.with_row_index("_i").filter(pl.col("_i").cast(pl.Int64).is_in(index.implode()))
        failures.append(_errors_where(rows, pl.lit(True), col, rule))
    return pl.concat(failures) if failures else empty_errors()


def type_frame(raw: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Every canonical column typed (missing optional columns as nulls)."""
    for col in COLUMNS[kind]:
        if col.name not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(col.name))
    extra = [c for c in raw.columns if c not in {col.name for col in COLUMNS[kind]}]
    return raw.select(
        pl.col(LINE_COLUMN),
        *[parsing.parse_column(raw, col).alias(col.name) for col in COLUMNS[kind]],
        *[pl.col(c) for c in extra if c != LINE_COLUMN],
    )


def validate(raw: pl.DataFrame, kind: str, as_of: dt.date, key: str) -> Validated:
    """Check one file's raw text rows. `raw` holds the canonical columns as text and _ligne."""
    for col in COLUMNS[kind]:
        if col.name not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(col.name))
    typed = type_frame(raw, kind)
    if kind == "marches":
        if "source" not in typed.columns:
            typed = typed.with_columns(
                pl.lit("EXTRAIT").alias("source"),
                pl.lit("SIRET").alias("titulaire_type_id"),
                pl.col("titulaire_siret").alias("titulaire_id"),
                pl.lit(False).alias("date_estimee"),
                pl.lit(None, pl.String).alias("acheteur_siret"),
            )
        typed = typed.with_columns(
            pl.col("famille").fill_null(cpv.famille_expr(typed["cpv"])),
            pl.col("marche_reserve").fill_null(pl.when(pl.col("source") == "EXTRAIT").then(pl.lit("NON"))),
            pl.col("critere_social").fill_null(pl.when(pl.col("source") == "EXTRAIT").then(False)),
        )

    errors = [empty_errors()]
    for col in COLUMNS[kind]:
        if col.type in ("text",):
            continue
        unreadable = pl.col(col.name).is_not_null() & typed[col.name].is_null()
        rule = "CODE_INCONNU" if col.type == "code" else "FORMAT_INVALIDE"
        errors.append(_errors_where(raw, unreadable.fill_null(False), col.name, rule))
        if col.type == "siret":
            digits = typed[col.name]
            errors.append(
                _errors_where(raw, (~parsing.siret_is_valid(digits)).fill_null(False), col.name, "SIRET_INVALIDE")
            )
    if kind == "marches":
        errors.append(
            _errors_where(
                raw, typed["famille"].is_null() & pl.col("famille").is_null(), "cpv", "FAMILLE_INDETERMINABLE"
            )
        )
    errors.append(_schema_errors(typed, raw, kind, as_of))

    all_errors = pl.concat(errors).unique(subset=[LINE_COLUMN], keep="first", maintain_order=True)
    rows = typed.join(all_errors.select(LINE_COLUMN), on=LINE_COLUMN, how="anti")
    rows = pseudonymise(rows, kind, key)
    return Validated(rows=rows, errors=all_errors.sort(LINE_COLUMN))


def pseudonymise(rows: pl.DataFrame, kind: str, key: str) -> pl.DataFrame:
    if kind == "participants":
        rows = pseudonym.add_personne_id(rows, key)
        birth = pl.col("date_naissance")
        rows = rows.with_columns(
            annee_naissance=birth.dt.year(),
            age_entree=age_at(birth, pl.col("date_entree")),
        ).drop("date_naissance")
    if kind in ("participants", "heures"):
        rows = pseudonym.add_parcours_id(rows, key)
    return rows
