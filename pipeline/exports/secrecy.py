"""Statistical confidentiality of the exports: small counts of persons, and rates over them, become "s".

The rule (docs/indicateurs.md, "Ce que reçoivent les élus"): a count of persons from 1 to
CLAUSES_SECRET_MIN - 1 is masked (0 discloses nobody); a rate is masked when its numerator or its
denominator is; and a masked value must not be recoverable from what is shown beside it, so where cells add
up to a total that is shown, a group with exactly one masked cell gets a second one (the smallest other
non-zero cell), until no group has a lone masked cell. The warehouse keeps exact values.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from pipeline.extracts.reference import SPASER

SECRET = "s"


def note(threshold: int) -> str:
    """What "s" means, for the reader of an export."""
    return (
        f"« s » : secret statistique. Un effectif de moins de {threshold} personnes n'est pas diffusé, ni un taux "
        "dont le numérateur ou le dénominateur en compte si peu, ni une valeur qui permettrait de le retrouver "
        "par différence ; les valeurs exactes restent dans l'entrepôt de données."
    )


COUNTS = ("nb_participants", "nb_nouveaux_participants", "nb_sortants", "nb_sortants_en_attente",
          "nb_sortants_situation_connue", "nb_sortants_cohorte")  # fmt: skip
_PUBLICS = ("part_femmes", "part_moins_26_ans", "part_50_ans_et_plus", "part_qpv", "part_brsa", "part_deld",
            "part_rqth", "part_jeunes_sans_qualification")  # fmt: skip
_OUTCOMES = ("taux_emploi_durable", "taux_emploi_transition", "taux_sortie_positive", "taux_sorties_dynamiques")
# rate -> (its denominator, its numerator when a column shows it; otherwise the numerator is rate x denominator)
RATES: dict[str, tuple[str | None, str | None]] = {
    **{rate: ("nb_participants", None) for rate in _PUBLICS},
    "part_participants": (None, "nb_participants"),  # kpi_residence: over the year's total, shown in kpi_annuel
    "taux_situation_connue": ("nb_sortants", "nb_sortants_situation_connue"),
    "part_cohorte_observee": ("nb_sortants_cohorte", None),  # kpi_objectifs: a cohort's observed exits
    **{rate: ("nb_sortants_situation_connue", None) for rate in _OUTCOMES},
}
# Within a row: cells whose persons add up (the dynamic exits are the three categories' sum). nb_sortants is
# not one: its parts (situation known, unknown, waiting) include the unknown exits, which no table shows.
ROW_SUMS = (("taux_sorties_dynamiques", "taux_emploi_durable", "taux_emploi_transition", "taux_sortie_positive"),)


def _groups(table: str) -> tuple[tuple[pl.Expr, ...], ...]:
    """Rows whose cells add up to a total that is shown (in the table or beside it), per table."""
    spaser = pl.col("annee").is_between(SPASER.spaser_debut.year, SPASER.spaser_fin.year)
    return {
        "kpi_annuel": ((spaser,),),  # the years of the period against kpi_spaser
        "kpi_territoire": ((pl.col("annee"),),),  # the facilitators of a year against kpi_annuel
        "kpi_residence": ((pl.col("annee"),),),  # the territories of a year against kpi_annuel
        # the bands of a year against its exits; the years of a band against TOUTES_ANNEES
        "kpi_impact_heures": ((pl.col("perimetre"), pl.col("annee_sortie")), (pl.col("tranche_heures"),)),
    }.get(table, ())


class _Cells:
    """The persons behind each count and rate of a table, and which of them are hidden."""

    def __init__(self, frame: pl.DataFrame, threshold: int):
        self.threshold = threshold
        self.rates = {r: d for r, d in RATES.items() if r in frame.columns}
        self.value = {c: _whole(frame[c]) for c in COUNTS if c in frame.columns}
        for rate, (denominator, numerator) in self.rates.items():
            if numerator is not None:
                self.value[rate] = self.value[numerator]
            elif denominator in self.value:
                self.value[rate] = _whole(frame[rate] * frame[denominator])
        self.hidden = {c: [1 <= v < threshold for v in values] for c, values in self.value.items()}

    def follow_rates(self) -> bool:
        """A rate is hidden with its numerator or its denominator."""
        changed = False
        for rate, (denominator, numerator) in self.rates.items():
            for source in (denominator, numerator):
                if source in self.hidden and rate in self.hidden:
                    for i, hidden in enumerate(self.hidden[source]):
                        if hidden and not self.hidden[rate][i]:
                            self.hidden[rate][i] = changed = True
        return changed

    def rows_with_a_lone_cell(self, columns: list[str]) -> list[int]:
        """The rows where exactly one of these cells is hidden and non-zero: the only ones `protect` can change."""
        rows = range(len(self.value[columns[0]]))
        return [row for row in rows if sum(self._lone(c, row) for c in columns) == 1]

    def _lone(self, column: str, row: int) -> bool:
        return self.hidden[column][row] and self.value[column][row] > 0

    def protect(self, cells: Iterable[tuple[str, int]]) -> bool:
        """A group with exactly one hidden non-zero cell hides its smallest other non-zero cell."""
        cells = [(c, i) for c, i in cells if c in self.value]
        lone = [(c, i) for c, i in cells if self._lone(c, i)]
        shown = [(self.value[c][i], c, i) for c, i in cells if not self.hidden[c][i] and self.value[c][i] > 0]
        if len(lone) != 1 or not shown:
            return False
        _, column, row = min(shown)
        self.hidden[column][row] = True
        return True


def _whole(values: pl.Series) -> list[int]:
    return [int(round(v)) if v is not None else 0 for v in values.cast(pl.Float64).to_list()]


def masked_cells(frame: pl.DataFrame, threshold: int, table: str = "") -> dict[str, pl.Series]:
    """Column -> boolean mask of the cells to hide; `table` names the groups whose cells add up."""
    cells = _Cells(frame, threshold)
    if not cells.value:  # no count of persons (the contract list): nothing to hide, whatever its length
        return {}
    groups = [
        rows
        for keys in _groups(table)
        for rows in frame.with_row_index("_row").group_by(list(keys)).agg("_row")["_row"].to_list()
    ]
    row_sums = [[c for c in columns if c in cells.value] for columns in ROW_SUMS]
    row_sums = [columns for columns in row_sums if len(columns) > 1]
    changed = True
    while changed:
        changed = cells.follow_rates()
        for columns in row_sums:
            for row in cells.rows_with_a_lone_cell(columns):
                changed |= cells.protect((c, row) for c in columns)
        for rows in groups:
            for column in cells.value:
                changed |= cells.protect((column, row) for row in rows)
    return {c: pl.Series(c, hidden, dtype=pl.Boolean) for c, hidden in cells.hidden.items()}


MARK = "_masque_"  # prefix of the boolean columns `mark` adds: they travel with the rows through filters and sorts


def mark(frame: pl.DataFrame, threshold: int, table: str) -> pl.DataFrame:
    """The table with, for each column that has cells to hide, a boolean column saying which."""
    hidden = masked_cells(frame, threshold, table)
    return frame.with_columns(mask.alias(MARK + column) for column, mask in hidden.items())


def masks(frame: pl.DataFrame) -> dict[str, pl.Series]:
    """Column -> cells to hide, as `mark` recorded them."""
    return {c.removeprefix(MARK): frame[c] for c in frame.columns if c.startswith(MARK)}


def shown(frame: pl.DataFrame) -> pl.DataFrame:
    """What may be shown: hidden cells null, the marks dropped."""
    hidden = masks(frame)
    return frame.with_columns(pl.when(pl.col(MARK + c)).then(None).otherwise(pl.col(c)).alias(c) for c in hidden).drop(
        MARK + c for c in hidden
    )


def hidden_names(frame: pl.DataFrame) -> pl.Series:
    """Per row, the names of its hidden columns (null when none), for the Parquet exports."""
    hidden = masks(frame)
    if not hidden:
        return pl.Series("cellules_masquees", [None] * frame.height, dtype=pl.String)
    return frame.select(
        pl.concat_str([pl.when(pl.col(MARK + c)).then(pl.lit(c)) for c in hidden], separator=",", ignore_nulls=True)
        .replace("", None)
        .alias("cellules_masquees")
    ).to_series()


FORMULA_START = r"^[=+\-@\t\r]"


def safe_text(value: str) -> str:
    """No text cell starts with = + - @ (formula injection when a spreadsheet opens the file)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def safe_text_expr(name: str) -> pl.Expr:
    """safe_text for a whole text column."""
    column = pl.col(name)
    return pl.when(column.str.contains(FORMULA_START)).then(pl.lit("'") + column).otherwise(column).alias(name)
