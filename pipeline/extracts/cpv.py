"""The famille of a contract from its CPV code: longest matching prefix in a table kept as data
(the dbt seed `cpv_famille`, which the warehouse also publishes)."""

from __future__ import annotations

import csv
import re
from functools import lru_cache

import polars as pl

from pipeline.settings import PROJECT_ROOT

CPV_FAMILLE_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "cpv_famille.csv"


@lru_cache(maxsize=1)
def prefixes() -> dict[str, str]:
    with CPV_FAMILLE_SEED.open(encoding="utf-8") as fh:
        return {row["prefixe_cpv"]: row["famille"] for row in csv.DictReader(fh)}


def cpv8(code: str | None) -> str | None:
    """`45233140-2`, `45233140`, ` 45233140 ` -> `45233140`; anything else -> None."""
    digits = re.sub(r"\D", "", (code or "").split("-")[0])
    return digits if len(digits) == 8 else None


def cpv8_expr(column: pl.Expr) -> pl.Expr:
    """The vectorised cpv8, for whole columns."""
    digits = column.str.split("-").list.first().str.replace_all(r"\D", "")
    return pl.when(digits.str.len_chars() == 8).then(digits)


def famille_of(code: str | None) -> str | None:
    cpv = cpv8(code)
    if cpv is None:
        return None
    table = prefixes()
    for length in range(len(cpv), 0, -1):
        if cpv[:length] in table:
            return table[cpv[:length]]
    return None


def famille_expr(cpv_column: pl.Series) -> pl.Series:
    uniques = cpv_column.drop_nulls().unique().to_list()
    return cpv_column.replace_strict({c: famille_of(c) for c in uniques}, default=None, return_dtype=pl.String)
