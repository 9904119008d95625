"""Statistical confidentiality of the exports: small counts of persons, and rates over them, become "s".

A count of persons from 1 to CLAUSES_SECRET_MIN - 1 is masked (0 reveals no one and stays); a rate is
masked when the count of persons it is computed over is masked. The warehouse keeps exact values.
"""

from __future__ import annotations

import polars as pl

SECRET = "s"
NOTE = (
    "« s » : secret statistique. Un effectif de personnes inférieur au seuil (CLAUSES_SECRET_MIN) n'est pas "
    "diffusé, ni un taux calculé sur un tel effectif ; l'entrepôt garde les valeurs exactes."
)

# Each count of persons, and the rates computed over it.
PERSON_COUNTS = {
    "nb_participants": (
        "part_femmes",
        "part_moins_26_ans",
        "part_50_ans_et_plus",
        "part_qpv",
        "part_brsa",
        "part_deld",
        "part_rqth",
        "part_jeunes_sans_qualification",
        "part_participants",
    ),
    "nb_nouveaux_participants": (),
    "nb_sortants": ("taux_situation_connue",),
    "nb_sortants_en_attente": (),
    "nb_sortants_situation_connue": (
        "taux_emploi_durable",
        "taux_emploi_transition",
        "taux_sortie_positive",
        "taux_sorties_dynamiques",
    ),
}


def masked_cells(frame: pl.DataFrame, threshold: int) -> dict[str, pl.Series]:
    """Column -> boolean mask of the cells to hide."""
    masks: dict[str, pl.Series] = {}
    for count, rates in PERSON_COUNTS.items():
        if count not in frame.columns:
            continue
        small = frame[count].is_between(1, threshold - 1).fill_null(False)
        masks[count] = small
        for rate in rates:
            if rate in frame.columns:
                masks[rate] = masks.get(rate, small) | small
    return masks


def apply(frame: pl.DataFrame, threshold: int) -> tuple[pl.DataFrame, pl.Series]:
    """Masked cells become null; also returns, per row, the names of the masked columns (empty if none)."""
    masks = masked_cells(frame, threshold)
    if not masks:
        return frame, pl.Series("cellules_masquees", [""] * frame.height, dtype=pl.String)
    hidden = pl.DataFrame({c: m for c, m in masks.items()})
    names = hidden.select(
        pl.concat_str([pl.when(pl.col(c)).then(pl.lit(c)) for c in hidden.columns], separator=",", ignore_nulls=True)
        .fill_null("")
        .alias("cellules_masquees")
    )
    out = frame.with_columns([pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c, mask in masks.items()])
    return out, names.to_series()


FORMULA_START = r"^[=+\-@\t\r]"


def safe_text(value: str) -> str:
    """No text cell starts with = + - @ (formula injection when a spreadsheet opens the file)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def safe_text_expr(name: str) -> pl.Expr:
    """safe_text for a whole text column."""
    column = pl.col(name)
    return pl.when(column.str.contains(FORMULA_START)).then(pl.lit("'") + column).otherwise(column).alias(name)
