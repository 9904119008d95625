"""The end-of-run summary printed by `clauses run`: files, rows, headline figures, where things are."""

from __future__ import annotations

from rich import box
from rich.table import Table

from assets.progress import console
from pipeline import french
from pipeline.extracts.kinds import BY_NAME
from pipeline.settings import Settings
from pipeline.warehouse.database import connect


def print_summary(settings: Settings, seconds: float, run_id: str) -> None:
    with connect(settings.published_db, read_only=True) as con:
        files = con.execute(
            "select type_extrait, count(*), count(*) filter (where statut = 'REJETE'), sum(lignes_lues), "
            "sum(lignes_chargees), sum(lignes_remplacees), sum(lignes_quarantaine), sum(lignes_en_attente) "
            "from qualite.qualite_fichiers group by 1 order by 1"
        ).fetchall()
        years = con.execute(
            "select annee, nb_marches, montant_marches_ht, taux_couverture_clause, heures_realisees, etp, "
            "nb_participants, taux_sorties_dynamiques_bas, taux_sorties_dynamiques_haut from marts.kpi_annuel "
            "order by annee"
        ).fetchall()
    console.print(files_table(files))
    console.print(years_table(years))
    console.print(f"entrepôt : {settings.published_db}")
    console.print(f"exports  : {settings.export_dir / 'latest'}")
    run = f"run {run_id[:8]}, visible dans `clauses ui`" if run_id else "rien à refaire, aucun run Dagster"
    console.print(f"[green]passage réussi[/green] en {seconds:.0f} s ({run})")


# Both tables fit in 80 columns (a journal, a narrow terminal): the extracts as columns, headers on two lines.
FILE_ROWS = ("fichiers", "rejetés", "lignes lues", "chargées", "dont remplacées depuis", "en quarantaine", "en attente")
YEAR_COLUMNS = (
    "année",
    "marchés",
    "montant\nHT (M€)",
    "couverture\nclause",
    "heures",
    "ETP",
    "personnes",
    "sorties\ndynamiques",
)  # fmt: skip  (a range: from all unknown situations failed to all succeeded)


def files_table(files: list[tuple]) -> Table:
    table = Table(title="Fichiers", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("")
    for row in files:
        extract = BY_NAME.get(row[0])
        table.add_column(extract.name if extract else row[0], justify="right")
    for i, label in enumerate(FILE_ROWS, start=1):
        table.add_row(label, *(french.format_number(row[i]) for row in files))
    return table


def years_table(years: list[tuple]) -> Table:
    table = Table(title="Indicateurs par année", title_justify="left", box=None, pad_edge=False)
    for col in YEAR_COLUMNS:
        table.add_column(col, justify="right")
    for a, n, m, cov, h, etp, p, low, high in years:
        table.add_row(
            str(a),
            french.format_number(n),
            french.format_number((m or 0) / 1e6, 1),
            french.format_percent(cov),
            french.format_number(h),
            french.format_number(etp, 1),
            french.format_number(p),
            french.format_range(low, high),
        )
    return table
