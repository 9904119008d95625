"""What every export shows, read once from the published warehouse."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.exports import secrecy
from pipeline.warehouse.database import connect

KPI_TABLES = (
    "kpi_annuel",
    "kpi_spaser",
    "kpi_modalites",
    "kpi_impact_heures",
    "kpi_sorties_publics",
    "kpi_resultats_12_mois",
    "kpi_suivi_cohortes",
    "kpi_territoire",
    "kpi_residence",
    "marche_execution",
    "kpi_objectifs",
    "kpi_comparaison",
)


MIN_AT_RISK = 20  # the duration curve stops where fewer paths remain: its last steps would be a few persons


@dataclass
class ExportData:
    as_of: dt.date
    tables: dict[str, pl.DataFrame]  # exact values, with confidentiality's marks of the cells to hide
    targets: pl.DataFrame
    files: pl.DataFrame
    synthese: pl.DataFrame
    secret_min: int  # CLAUSES_SECRET_MIN, which the marks were computed with
    heures_etp: float  # hours in one full-time equivalent, as the figures were computed with
    missing_months: pl.DataFrame  # qualite.completude_heures: the months a facilitator's timesheet never came
    revisions: pl.DataFrame  # the kpi_annuel values this publication changed
    durations: pl.DataFrame  # marts.kpi_duree_parcours while 20 paths at least are at risk (a chart, never a table)
    outcome_quality: pl.DataFrame  # qualite.qualite_sorties: drop-outs, observation timing, reporting lag


def load_export_data(published_db: Path, as_of: dt.date, heures_etp: float, secret_min: int) -> ExportData:
    with connect(published_db, read_only=True) as con:

        def frame(sql: str) -> pl.DataFrame:
            return pl.from_arrow(con.sql(sql).to_arrow_table())

        tables = {t: secrecy.mark(frame(f"select * from marts.{t}"), secret_min, t) for t in KPI_TABLES}
        return ExportData(
            as_of=as_of,
            tables=tables,
            targets=frame("select annee, indicateur, cible from marts.objectifs_spaser"),
            files=frame(
                "select type_extrait, count(*) as fichiers, count(*) filter (where statut = 'REJETE') as rejetes, "
                "sum(lignes_lues) as lignes_lues, sum(lignes_chargees) as lignes_chargees, "
                "sum(lignes_quarantaine) as lignes_quarantaine, sum(lignes_en_attente) as lignes_en_attente, "
                "min(date_depot) as premier_depot, max(date_depot) as dernier_depot "
                "from qualite.qualite_fichiers group by 1 order by 1"
            ),
            synthese=frame("select * from qualite.qualite_synthese order by source, annee, champ"),
            heures_etp=heures_etp,
            secret_min=secret_min,
            revisions=frame(
                "select * from qualite.revisions "
                "where publie_le = (select max(publie_le) from qualite.historique_publications) "
                "order by annee, indicateur"
            ),
            durations=frame(f"select * from marts.kpi_duree_parcours where nb_a_risque >= {MIN_AT_RISK} order by mois"),
            outcome_quality=frame("select * from qualite.qualite_sorties order by facilitateur"),
            missing_months=frame(
                "select facilitateur, count(*) as nb_mois_manquants, "
                "string_agg(strftime(mois, '%m/%Y'), ', ' order by mois) as mois_manquants "
                "from qualite.completude_heures where statut = 'MANQUANT' group by 1 order by 1"
            ),
        )
