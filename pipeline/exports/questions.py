"""The elected officials' three questions (docs/indicateurs.md), as the tables the workbook and the report show.

Are we at the national target (the PNAD indicator beside its target), how do we compare with the other buyers
(the Département's rank in its category, the category's median and quartiles), are we on track for our own
targets (each target beside its actual, with a status that reads without colour).
"""

from __future__ import annotations

import polars as pl

from pipeline import french
from pipeline.exports import labels

# A status says itself in words and a sign, so that it reads printed in black and white.
STATUTS = {
    "ATTEINT": ("✔ atteint", "#c6efce"),
    "NON_ATTEINT": ("✘ non atteint", "#ffc7ce"),
    "NON_DEMONTRE": ("≈ non démontré", "#fce4d6"),  # the target lies within the range the unknown exits leave
    "EN_COURS": ("… en cours", "#ffeb9c"),
    "A_VENIR": ("○ à venir", "#ededed"),
    "SANS_DONNEE": ("— sans donnée", "#ededed"),
}
PNAD_INDICATOR = "part_marches_consideration_sociale"


def targets(kpi_objectifs: pl.DataFrame) -> pl.DataFrame:
    """Each target with its label, its actual (an outcome rate's range too), the gap, and its status in words."""
    ordered = kpi_objectifs.sort("annee", "indicateur")
    ends = ordered.select("realise_bas", "realise_haut").rows()
    ranges = [french.format_range(low, high) if low != high else None for low, high in ends]
    return ordered.with_columns(
        pl.Series("realise_fourchette", ranges, dtype=pl.String),
        pl.col("indicateur").replace_strict({c: labels.label(c) for c in kpi_objectifs["indicateur"].unique()},
                                            return_dtype=pl.String).alias("libelle_indicateur"),
        pl.col("statut").replace_strict({k: v[0] for k, v in STATUTS.items()}, default=pl.col("statut"),
                                        return_dtype=pl.String).alias("libelle_statut"),
    )  # fmt: skip


def has_peers(kpi_comparaison: pl.DataFrame) -> bool:
    return kpi_comparaison.filter(~pl.col("est_departement")).height > 0


def departement_among_peers(kpi_comparaison: pl.DataFrame) -> pl.DataFrame:
    """Per year: the Département's share, its rank in its category, and the category's median and quartiles (over
    the ranked buyers)."""
    ranked = kpi_comparaison.filter(pl.col("rang_categorie").is_not_null())
    spread = ranked.group_by("annee", "categorie_acheteur").agg(
        pl.col(PNAD_INDICATOR).median().alias("mediane_categorie"),
        pl.col(PNAD_INDICATOR).quantile(0.25, "linear").alias("premier_quartile"),
        pl.col(PNAD_INDICATOR).quantile(0.75, "linear").alias("troisieme_quartile"),
        pl.col("part_marches_consideration_environnementale").median().alias("mediane_categorie_environnement"),
    )
    own = kpi_comparaison.filter(pl.col("est_departement"))
    return own.join(spread, on=["annee", "categorie_acheteur"], how="left").sort("annee").select(
        "annee", "categorie_acheteur", "nb_marches_considerations_connues", PNAD_INDICATOR, "rang_categorie",
        "nb_acheteurs_classes", "mediane_categorie", "premier_quartile", "troisieme_quartile",
        "part_marches_consideration_environnementale", "mediane_categorie_environnement",
    )  # fmt: skip


def category_shares(kpi_comparaison: pl.DataFrame, year: int, category: str) -> pl.DataFrame:
    """The ranked buyers of one category and year, best first (the chart beside the rank)."""
    return kpi_comparaison.filter(
        (pl.col("annee") == year) & (pl.col("categorie_acheteur") == category) & pl.col("rang_categorie").is_not_null()
    ).sort("rang_categorie", "acheteur_siren")
