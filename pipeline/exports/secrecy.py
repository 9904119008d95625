"""Statistical confidentiality of the exports: small counts of persons, and rates over them, become "s".

The rule (docs/indicateurs.md, "Ce que reçoivent les élus"): a count of persons from 1 to
CLAUSES_SECRET_MIN - 1 is masked (0 discloses nobody); so is a count that the shown cells give by difference,
such as a rate's complement (the exits not in a job: N - D, the unknown ones: N - K); a rate is masked when a
count it is computed from is. And a masked count must not be recoverable from what is shown beside it: where
counts add up to a total that is shown (within a row, or across rows against another table), a group with
exactly one masked count gets a second one (the smallest other non-zero count), until no group has a lone
masked count. The warehouse keeps exact values.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

SECRET = "s"


def note(threshold: int) -> str:
    """What "s" means, for the reader of an export."""
    return (
        f"« s » : secret statistique. Un effectif de moins de {threshold} personnes n'est pas diffusé, ni un taux "
        "dont le numérateur, le dénominateur ou le complément (les sortants sans emploi, les situations inconnues) "
        "en compte si peu, ni une valeur qui permettrait de le retrouver par différence ; les valeurs exactes "
        "restent dans l'entrepôt de données."
    )


OUTCOMES = ("emploi_durable", "emploi_transition", "sortie_positive", "sorties_dynamiques")
N, K, U = "nb_sortants", "nb_sortants_situation_connue", "nb_sortants_situation_inconnue"
COUNTS = ("nb_participants", "nb_nouveaux_participants", N, "nb_sortants_en_attente", K, U, "nb_sortants_cohorte",
          *(f"nb_{outcome}" for outcome in OUTCOMES), "nb_entrants", "nb_entrants_observables",
          "nb_sorties_inconnues")  # fmt: skip
_PUBLICS = ("part_femmes", "part_moins_26_ans", "part_50_ans_et_plus", "part_qpv", "part_brsa", "part_deld",
            "part_rqth", "part_jeunes_sans_qualification")  # fmt: skip
# A share whose numerator no column shows -> its denominator: the numerator (share x denominator) is a count too.
SHARES = {**{share: "nb_participants" for share in _PUBLICS}, "part_cohorte_observee": "nb_sortants_cohorte"}


def _outcome_rates(outcome: str) -> dict[str, tuple[tuple[str, ...], str]]:
    d = f"nb_{outcome}"
    known, low, high = ((d,), K), ((d,), N), ((d, U), N)  # D / (N - U); D / N and (D + U) / N, the range
    # an interval bound gives its counts back as well as its rate does (Wilson's is monotonic in them)
    return {f"taux_{outcome}": known, f"taux_{outcome}_ic_bas": known, f"taux_{outcome}_ic_haut": known,
            f"taux_{outcome}_bas": low, f"taux_{outcome}_haut": high,
            f"taux_{outcome}_fourchette_ic_bas": low, f"taux_{outcome}_fourchette_ic_haut": high}  # fmt: skip


# rate -> (the counts its numerator adds up, its denominator): hidden when any of them is.
RATES: dict[str, tuple[tuple[str, ...], str | None]] = {
    **{share: ((share,), denominator) for share, denominator in SHARES.items()},
    "part_participants": (("nb_participants",), None),  # kpi_residence: over the year's total, in kpi_annuel
    "taux_situation_connue": ((K,), N),
    **{rate: sources for outcome in OUTCOMES for rate, sources in _outcome_rates(outcome).items()},
    # kpi_suivi_cohortes: the entrants of a year with a dynamic exit within a delay
    **{
        f"part_sortie_dynamique_{end}": (("nb_sorties_dynamiques",), "nb_entrants_observables")
        for end in ("bas", "ic_bas")
    },
    **{
        f"part_sortie_dynamique_{end}": (("nb_sorties_dynamiques", "nb_sorties_inconnues"), "nb_entrants_observables")
        for end in ("haut", "ic_haut")
    },  # fmt: skip
}
# Within a row, counts that add up: (total, *parts). A part starting with "_" is no column but what the others
# give by difference (a complement): it is kept from being small or lone like a shown count.
ROW_SUMS = (
    (N, K, U),
    (K, "nb_sorties_dynamiques", "_autre_situation"),
    ("nb_sorties_dynamiques", "nb_emploi_durable", "nb_emploi_transition", "nb_sortie_positive"),
    *((N, f"nb_{outcome}", f"_sortants_hors_{outcome}") for outcome in OUTCOMES),
    *((K, f"nb_{outcome}", f"_connus_hors_{outcome}") for outcome in OUTCOMES),
)


def _groups(table: str, plan_years: tuple[int, int] | None) -> tuple[tuple[pl.Expr, ...], ...]:
    """Rows whose cells add up to a total that is shown (in the table or beside it), per table."""
    in_plan = pl.col("annee").is_between(*plan_years) if plan_years else pl.lit(True)
    return {
        "kpi_annuel": ((in_plan,),),  # the years of the plan in force against kpi_spaser
        "kpi_territoire": ((pl.col("annee"),),),  # the facilitators of a year against kpi_annuel
        "kpi_residence": ((pl.col("annee"),),),  # the territories of a year against kpi_annuel
        # the bands of a year against its exits; the years of a band against TOUTES_ANNEES
        "kpi_impact_heures": ((pl.col("perimetre"), pl.col("annee_sortie")), (pl.col("tranche_heures"),)),
        # each dimension's values of a period against the period's whole (dimension 'ensemble')
        "kpi_sorties_publics": ((pl.col("periode"), pl.col("dimension")),),
    }.get(table, ())


class _Cells:
    """The persons behind each count of a table (shown, or given by difference), and which of them are hidden."""

    def __init__(self, frame: pl.DataFrame, threshold: int):
        self.threshold = threshold
        self.value = {c: _whole(frame[c]) for c in COUNTS if c in frame.columns}
        # A rate whose numerator no column shows stands for it (rate x denominator): shares of the publics, and a
        # rate shown without its count.
        for rate, ((numerator, *more), denominator) in RATES.items():
            shown = rate in frame.columns and denominator in frame.columns and "_ic_" not in rate
            if not more and numerator not in self.value and shown:
                self.value[numerator] = _whole(frame[rate] * frame[denominator])
        self.row_sums = [self._add_complement(total, parts) for total, *parts in ROW_SUMS]
        self.row_sums = [cells for cells in self.row_sums if len(cells) > 1]
        self.rates = {r: sources for r, sources in RATES.items() if r in frame.columns}
        self.hidden = {c: [1 <= v < threshold for v in values] for c, values in self.value.items()}
        for rate in self.rates:
            self.hidden.setdefault(rate, [False] * frame.height)

    def _add_complement(self, total: str, parts: list[str]) -> list[str]:
        """The cells of a row sum this table has; its complement (a part named "_…") computed from the others."""
        derived = [p for p in parts if p.startswith("_")]
        if len(derived) == 1 and all(c in self.value for c in (total, *parts) if c != derived[0]):
            rest = [p for p in parts if p != derived[0]]
            totals = self.value[total]
            self.value[derived[0]] = [t - sum(self.value[p][i] for p in rest) for i, t in enumerate(totals)]
        return [c for c in (total, *parts) if c in self.value]

    def follow_rates(self) -> bool:
        """A rate is hidden with any count it is computed from."""
        changed = False
        for rate, (numerator, denominator) in self.rates.items():
            for source in (*numerator, denominator):
                if source in self.value and source != rate:
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


def masked_cells(
    frame: pl.DataFrame, threshold: int, table: str = "", plan_years: tuple[int, int] | None = None
) -> dict[str, pl.Series]:
    """Column -> boolean mask of the cells to hide; `table` names the groups whose cells add up (with `plan_years`,
    the first and last years of the plan whose total kpi_spaser shows)."""
    cells = _Cells(frame, threshold)
    if not cells.value:  # no count of persons (the contract list): nothing to hide, whatever its length
        return {}
    groups = [
        rows
        for keys in _groups(table, plan_years)
        for rows in frame.with_row_index("_row").group_by(list(keys)).agg("_row")["_row"].to_list()
    ]
    changed = True
    while changed:
        changed = cells.follow_rates()
        for columns in cells.row_sums:
            for row in cells.rows_with_a_lone_cell(columns):
                changed |= cells.protect((c, row) for c in columns)
        for rows in groups:
            for column in cells.value:
                changed |= cells.protect((column, row) for row in rows)
    return {c: pl.Series(c, hidden, dtype=pl.Boolean) for c, hidden in cells.hidden.items() if c in frame.columns}


MARK = "_masque_"  # prefix of the boolean columns `mark` adds: they travel with the rows through filters and sorts


def mark(frame: pl.DataFrame, threshold: int, table: str, plan_years: tuple[int, int] | None = None) -> pl.DataFrame:
    """The table with, for each column that has cells to hide, a boolean column saying which."""
    hidden = masked_cells(frame, threshold, table, plan_years)
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
