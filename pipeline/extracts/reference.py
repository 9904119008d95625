"""The reference facts both sides read, each kept once, where dbt keeps it.

- Code lists are dbt seeds (facilitators, familles, modalités, situations): the warehouse publishes them,
  the validation checks the extracts against them, the demo draws from them.
- Business constants are dbt vars in dbt_project.yml (the eligibility threshold, the SPASER period): the
  models read them with `var()`, the exports and the demo through `SPASER`.
What an operator sets (as-of date, hours per ETP, folders) lives in pipeline/settings.py instead.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import yaml

from pipeline.settings import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"
DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project" / "dbt_project.yml"
KPI_ANNUEL_FILE = PROJECT_ROOT / "dbt_project" / "models" / "marts" / "kpi_annuel.yml"


@lru_cache
def seed(name: str) -> tuple[dict[str, str], ...]:
    """The rows of dbt_project/seeds/<name>.csv, as text."""
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@lru_cache
def dbt_vars() -> dict:
    return yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))["vars"]


@dataclass(frozen=True)
class SpaserConstants:
    """The SPASER's constants, as dbt_project.yml declares them (a plan's years are data: core plans)."""

    seuil_clause_btp_ht: float  # a BTP contract from this amount must carry the clause
    seuil_decp_ht: float  # the DECP publication threshold: the national indicator's scope


def _rules() -> SpaserConstants:
    v = dbt_vars()
    return SpaserConstants(seuil_clause_btp_ht=float(v["seuil_clause_btp_ht"]), seuil_decp_ht=float(v["seuil_decp_ht"]))


SPASER = _rules()

FACILITATEURS = tuple(row["facilitateur"] for row in seed("facilitateurs"))
FAMILLE_SECTEUR = {row["famille"]: row["secteur"] for row in seed("familles")}
MODALITES = tuple(row["modalite"] for row in seed("modalites"))
SITUATIONS_6_MOIS = tuple(row["situation_6_mois"] for row in seed("situations"))


def _kpi_annuel_columns() -> list[str]:
    model = yaml.safe_load(KPI_ANNUEL_FILE.read_text(encoding="utf-8"))["models"][0]
    return [column["name"] for column in model["columns"]]


# What a target may aim at: a column of kpi_annuel that is a count (nb_) or a ratio (taux_, part_).
RATIOS = tuple(c for c in _kpi_annuel_columns() if c.startswith(("taux_", "part_")))
INDICATEURS_CIBLES = tuple(c for c in _kpi_annuel_columns() if c.startswith("nb_")) + RATIOS
