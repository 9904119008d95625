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
    "bilan_plans",
    "kpi_article_35",
    "conformite_article_35",
    "kpi_territoire",
    "kpi_residence",
    "marche_execution",
    "kpi_objectifs",
    "kpi_comparaison",
)


MIN_AT_RISK = 20  # the duration curve stops where fewer paths remain: its last steps would be a few persons


@dataclass(frozen=True)
class Plan:
    """A plan of the Département (core plans): the one in force at the as-of date, or the one a review is about."""

    nom: str
    debut: dt.date
    fin: dt.date

    @property
    def years(self) -> tuple[int, int]:
        return self.debut.year, self.fin.year


@dataclass
class ExportData:
    as_of: dt.date
    plan: Plan  # the plan in force at the as-of date: the period column of every table
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
    national: pl.DataFrame  # marts.references_pnad: the national shares and targets, the 2024 break marked


class UnknownPlan(ValueError):
    """A review asked for a plan the warehouse does not hold, or one not begun."""


def begun_plans(published_db: Path) -> list[tuple[Plan, bool, bool]]:
    """Each plan begun by the as-of date, whether it is in force, whether it has ended."""
    with connect(published_db, read_only=True) as con:
        rows = con.sql("select plan, debut, fin, en_cours, termine from marts.plans where commence order by debut")
        return [(Plan(*row[:3]), row[3], row[4]) for row in rows.fetchall()]


def find_plan(published_db: Path, asked: str | None) -> Plan:
    """The plan in force (asked None), or the begun plan named `asked` (« SPASER 2023-2026 » or just « 2023-2026 »)."""
    plans = begun_plans(published_db)
    chosen = [p for p, now, _ in plans if (now if asked is None else p.nom == asked or p.nom.endswith(f" {asked}"))]
    if len(chosen) != 1:
        begun = ", ".join(p.nom for p, _, _ in plans) or "aucun"
        raise UnknownPlan(f"plan « {asked} » inconnu ou pas encore commencé (plans commencés : {begun})")
    return chosen[0]


def load_export_data(
    published_db: Path, as_of: dt.date, heures_etp: float, secret_min: int, plan: Plan | None = None
) -> ExportData:
    """What the exports show: for the plan in force, or for `plan` (a review: its years, the year before it, and its
    own total in place of kpi_spaser's)."""
    current = find_plan(published_db, None)
    plan = plan or current
    with connect(published_db, read_only=True) as con:

        def frame(sql: str) -> pl.DataFrame:
            return pl.from_arrow(con.sql(sql).to_arrow_table())

        sql = {t: f"select * from marts.{t}" for t in KPI_TABLES}
        if plan != current:
            first, last = plan.years
            sql["kpi_annuel"] += f" where annee between {first - 1} and {last}"
            sql["kpi_spaser"] = (
                "select * exclude (plan_fin, en_cours, termine) from marts.kpi_plans "
                f"where periode = '{plan.nom.replace(chr(39), chr(39) * 2)}'"
            )
        tables = {t: secrecy.mark(frame(query), secret_min, t, plan.years) for t, query in sql.items()}
        return ExportData(
            as_of=as_of,
            plan=plan,
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
            national=frame("select * from marts.references_pnad order by indicateur, annee"),
            missing_months=frame(
                "select c.facilitateur, f.structure, count(*) as nb_mois_manquants, "
                "string_agg(strftime(c.mois, '%m/%Y'), ', ' order by c.mois) as mois_manquants "
                "from qualite.completude_heures as c left join marts.dim_facilitateurs as f using (facilitateur) "
                "where c.statut = 'MANQUANT' group by 1, 2 order by 1"
            ),
        )
