"""Text -> typed values, as polars expressions (no row-wise Python on the hot path).

Each parser returns null for text it cannot read; validation compares with the raw text to
report a format error. Low-cardinality columns (codes, SIRET) are mapped on their unique values.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from stdnum.fr import siret as stdnum_siret

from pipeline.extracts.columns import Column, normalise_code
from pipeline.extracts.cpv import cpv8_expr

TRUE_WORDS = ("oui", "o", "vrai", "true", "1", "x", "yes", "y", "v")
FALSE_WORDS = ("non", "n", "faux", "false", "0", "no", "f")
EXCEL_EPOCH = dt.date(1899, 12, 30)

# Usual spellings of codes that mean one of ours.
CODE_ALIASES = {
    "modalite": {
        "ETTI": "INTERIM_INSERTION",
        "INTERIM": "INTERIM_INSERTION",
        "AI": "MISE_A_DISPOSITION",
        "GEIQ": "MISE_A_DISPOSITION",
        "EMBAUCHE": "EMBAUCHE_DIRECTE",
    },
    "marche_reserve": {"NON_RESERVE": "NON", "EA": "EA_ESAT", "ESAT": "EA_ESAT", "OUI": "RESERVE_NON_PRECISE"},
    "niveau_formation": {
        "5": "5_PLUS",
        "5_ET_PLUS": "5_PLUS",
        "5PLUS": "5_PLUS",
        "INFRA3": "INFRA_3",
        "INFRA_BAC": "INFRA_3",
        "CAP_BEP": "3",
        "BAC": "4",
        "NIVEAU_3": "3",
        "NIVEAU_4": "4",
    },
    "situation_6_mois": {"": "INCONNU", "NON_CONNUE": "INCONNU", "INCONNUE": "INCONNU"},
    "situation_12_mois": {"NON_CONNUE": "INCONNU", "INCONNUE": "INCONNU"},  # empty: not followed, left empty
    "facilitateur": {f"F_{i}": f"F{i}" for i in range(1, 10)},
}


def parse_number(expr: pl.Expr) -> pl.Expr:
    """`1234.5`, `1234,5`, `1 234,50 €` (space, U+00A0 or U+202F as thousands separator)."""
    cleaned = expr.str.replace_all(r"[\s\u00a0\u202f€]|EUR", "").str.replace(",", ".", literal=True)
    return cleaned.cast(pl.Float64, strict=False)


def parse_target(expr: pl.Expr) -> pl.Expr:
    """A number, or a percentage: `30 %`, `30%` and `0,3` are all 0.30; `12` stays 12."""
    text = expr.str.strip_chars()
    percent = text.str.ends_with("%")
    value = parse_number(text.str.strip_chars_end("%"))
    return pl.when(percent).then(value / 100).otherwise(value)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """dd/mm/yyyy, yyyy-mm-dd (a time or an offset after it is dropped), dd-mm-yyyy, Excel serials."""
    head = expr.str.strip_chars().str.slice(0, 10)
    serial = expr.str.strip_chars().str.extract(r"^(\d{5})(?:\.\d+)?$", 1).cast(pl.Int64, strict=False)
    return pl.coalesce(
        pl.when(head.str.contains(r"^\d{4}-\d{2}-\d{2}$")).then(head.str.strptime(pl.Date, "%Y-%m-%d", strict=False)),
        pl.when(head.str.contains(r"^\d{2}/\d{2}/\d{4}$")).then(head.str.strptime(pl.Date, "%d/%m/%Y", strict=False)),
        pl.when(head.str.contains(r"^\d{2}-\d{2}-\d{4}$")).then(head.str.strptime(pl.Date, "%d-%m-%Y", strict=False)),
        pl.when(serial.is_between(1, 80000)).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)),
    )


def parse_month(expr: pl.Expr) -> pl.Expr:
    """yyyy-mm, mm/yyyy, or any date (its month): the first day of the month."""
    text = expr.str.strip_chars()
    return pl.coalesce(
        pl.when(text.str.contains(r"^\d{4}-\d{1,2}$")).then(
            (text + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        ),
        pl.when(text.str.contains(r"^\d{1,2}/\d{4}$")).then(
            ("01/" + text).str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        ),
        parse_date(expr).dt.truncate("1mo"),
    )


def parse_boolean(expr: pl.Expr, checkbox: bool = False) -> pl.Expr:
    word = expr.str.strip_chars().str.to_lowercase()
    parsed = pl.when(word.is_in(TRUE_WORDS)).then(True).when(word.is_in(FALSE_WORDS)).then(False)
    return pl.when(expr.is_null()).then(False if checkbox else None).otherwise(parsed)


def parse_insee(expr: pl.Expr) -> pl.Expr:
    text = expr.str.strip_chars().str.to_uppercase()
    text = pl.when(text.str.contains(r"^\d{4}$")).then("0" + text).otherwise(text)  # Excel drops the 0 of 01001
    return pl.when(text.str.contains(r"^(\d{5}|2[AB]\d{3})$")).then(text)


def parse_sexe(expr: pl.Expr) -> pl.Expr:
    word = expr.str.strip_chars().str.to_lowercase()
    return (
        pl.when(word.is_in(["f", "femme", "feminin", "féminin"]))
        .then(pl.lit("F"))
        .when(word.is_in(["m", "h", "homme", "masculin"]))
        .then(pl.lit("M"))
    )


def siret_digits(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"[\s\u00a0\u202f.\-]", "")


def siret_is_valid(values: pl.Series) -> pl.Series:
    """python-stdnum's SIRET check (Luhn, and La Poste's own rule), on the unique values only."""
    uniques = values.drop_nulls().unique()
    valid = {v: bool(stdnum_siret.is_valid(v)) for v in uniques.to_list()}
    return values.replace_strict(valid, default=None, return_dtype=pl.Boolean)


def code_mapping(column: str, codes: tuple[str, ...], values: pl.Series) -> dict[str, str | None]:
    """Each value as written -> its code, whatever its case, accents and separators (None when unknown)."""
    aliases = CODE_ALIASES.get(column, {})
    canonical = {normalise_code(code): code for code in codes}  # `taux_couverture_clause` is written in lower case
    out: dict[str, str | None] = {}
    for raw in values.drop_nulls().unique().to_list():
        norm = normalise_code(raw)
        out[raw] = canonical.get(aliases.get(norm, norm))
    return out


def parse_column(frame: pl.DataFrame, col: Column) -> pl.Expr:
    """The typed value of one canonical column of a raw frame."""
    c = pl.col(col.name)
    match col.type:
        case "amount" | "hours":
            return parse_number(c)
        case "target":
            return parse_target(c)
        case "integer":
            n = parse_number(c)
            return pl.when(n == n.round(0)).then(n).cast(pl.Int64, strict=False)
        case "date":
            return parse_date(c)
        case "month":
            return parse_month(c)
        case "boolean":
            return parse_boolean(c)
        case "checkbox":
            return parse_boolean(c, checkbox=True)
        case "insee":
            return parse_insee(c)
        case "sexe":
            return parse_sexe(c)
        case "siret":
            return siret_digits(c)
        case "cpv":
            return cpv8_expr(c)
        case "code":
            mapping = code_mapping(col.name, col.codes, frame[col.name])
            # Unknown codes stay as written so that the code rule reports them.
            return c.replace_strict(mapping, default=None, return_dtype=pl.String).fill_null(c) if mapping else c
        case _:
            return c


def age_at(birth: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Age in whole years on `day`."""

    def month_day(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)  # Int8 would overflow

    before_birthday = month_day(day) < month_day(birth)
    return day.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
