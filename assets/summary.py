"""The end-of-run summary printed by `clauses run`: files, rows, headline figures, where things are."""

from __future__ import annotations

from rich.table import Table

from assets.progress import console
from pipeline import french
from pipeline.settings import Settings
from pipeline.warehouse import connect


def print_summary(settings: Settings, seconds: float, run_id: str) -> None:
    with connect(settings.published_db, read_only=True) as con:
        files = con.execute(
            "select type_extrait, count(*), count(*) filter (where statut = 'REJETE'), sum(lignes_lues), "
            "sum(lignes_chargees), sum(lignes_quarantaine), sum(lignes_en_attente) "
            "from qualite.qualite_fichiers group by 1 order by 1"
        ).fetchall()
        years = con.execute(
            "select annee, nb_marches, montant_marches_ht, taux_couverture_clause, heures_realisees, etp, "
            "nb_participants, taux_sorties_dynamiques from marts.kpi_annuel order by annee"
        ).fetchall()
    table = Table(title="Fichiers", title_justify="left")
    for col in ("extrait", "fichiers", "rejetés", "lignes lues", "chargées", "quarantaine", "en attente"):
        table.add_column(col, justify="right" if col != "extrait" else "left")
    for row in files:
        table.add_row(row[0], *(french.number(v) for v in row[1:]))
    console.print(table)
    table = Table(title="Indicateurs par année", title_justify="left")
    for col in (
        "année",
        "marchés",
        "montant HT (M€)",
        "couverture clause",
        "heures",
        "ETP",
        "participants",
        "sorties dynamiques",
    ):
        table.add_column(col, justify="right")
    for a, n, m, cov, h, etp, p, dyn in years:
        table.add_row(
            str(a),
            french.number(n),
            french.number((m or 0) / 1e6, 1),
            french.percent(cov),
            french.number(h),
            french.number(etp, 1),
            french.number(p),
            french.percent(dyn),
        )
    console.print(table)
    console.print(f"entrepôt : {settings.published_db}")
    console.print(f"exports  : {settings.export_dir / 'latest'}")
    console.print(f"[green]passage réussi[/green] en {seconds:.0f} s (run {run_id[:8]}, visible dans `clauses ui`)")
