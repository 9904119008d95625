"""What each publication changed: `qualite.revisions` and `qualite.historique_publications`, carried from each
published warehouse into the next one (docs/deposer_des_extractions.md). Written into the candidate just
before it is published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.warehouse.database import connect

TABLES = {
    "revisions": (
        "Les valeurs de kpi_annuel qui ont changé d'une publication à la suivante (une ligne par année et indicateur "
        "modifiés ; aucune pour une valeur inchangée ni à la première publication), gardées de publication en "
        "publication.",
        {
            "annee": ("integer", "Année de kpi_annuel."),
            "indicateur": ("varchar", "Colonne de kpi_annuel."),
            "valeur_precedente": ("double", "Valeur à la publication précédente."),
            "valeur": ("double", "Valeur à cette publication."),
            "publie_le_precedent": ("timestamp", "Date et heure de la publication précédente."),
            "publie_le": ("timestamp", "Date et heure de cette publication."),
        },
    ),
    "historique_publications": (
        "Une ligne par publication de l'entrepôt : ce qui a été lu et chargé, et deux chiffres de la période du "
        "SPASER, gardés de publication en publication.",
        {
            "publie_le": ("timestamp", "Date et heure de la publication."),
            "date_arrete": ("date", "Date d'arrêté des indicateurs."),
            "fichiers": ("bigint", "Fichiers de raw/ lus."),
            "lignes_lues": ("bigint", "Lignes lues."),
            "lignes_chargees": ("bigint", "Lignes chargées."),
            "lignes_quarantaine": ("bigint", "Lignes en quarantaine."),
            "lignes_en_attente": ("bigint", "Lignes en attente."),
            "heures_realisees": ("double", "Heures réalisées sur la période du SPASER."),
            "nb_participants": ("bigint", "Personnes sur la période du SPASER."),
            "empreinte_cle": (
                "varchar",
                "Empreinte de la clé des pseudonymes qui a construit cette publication (jamais la clé) : un passage "
                "sous une autre clé est refusé, sauf rotation déclarée (docs/exploitation.md).",
            ),
        },
    ),
}

# kpi_annuel's values as rows, in a relation named by the query.
VALUES = """
    select * from (select annee, columns(lambda c: c <> 'annee')::double from {kpi})
    unpivot include nulls (valeur for indicateur in (columns(* exclude (annee))))
"""


def carry_history(
    candidate_db: Path, published_db: Path, as_of: dt.date, key_fingerprint: str, now: dt.datetime | None = None
) -> int:
    """Bring the previous warehouse's history into the candidate, add this publication; returns the revisions."""
    now = now or dt.datetime.now().replace(microsecond=0)
    with connect(candidate_db) as con:
        _create(con)
        revised = _carry_previous(con, published_db, now) if published_db.exists() else 0
        con.execute(
            """insert into qualite.historique_publications
            select ?, ?, count(*), sum(lignes_lues), sum(lignes_chargees), sum(lignes_quarantaine),
                   sum(lignes_en_attente), (select heures_realisees from marts.kpi_spaser),
                   (select nb_participants from marts.kpi_spaser), ?
            from qualite.qualite_fichiers""",
            [now, as_of, key_fingerprint],
        )
    return revised


def _create(con) -> None:
    for table, (description, columns) in TABLES.items():
        con.execute(
            f"create or replace table qualite.{table} ({', '.join(f'{c} {t}' for c, (t, _) in columns.items())})"
        )
        con.execute(f"comment on table qualite.{table} is '{_sql_text(description)}'")
        for column, (_, text) in columns.items():
            con.execute(f"comment on column qualite.{table}.{column} is '{_sql_text(text)}'")


def _carry_previous(con, published_db: Path, now: dt.datetime) -> int:
    con.execute(f"attach '{published_db}' as precedent (read_only)")
    try:
        present = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'precedent' and schema_name = 'qualite'"
        ).fetchall()}  # fmt: skip
        for table in TABLES:
            if table in present:
                con.execute(f"insert into qualite.{table} by name select * from precedent.qualite.{table}")
        last = con.execute("select max(publie_le) from qualite.historique_publications").fetchone()[0]
        before = con.execute("select count(*) from qualite.revisions").fetchone()[0]
        con.execute(
            f"""insert into qualite.revisions
            select avant.annee, avant.indicateur, avant.valeur, apres.valeur, ?, ?
            from ({VALUES.format(kpi="precedent.marts.kpi_annuel")}) as avant
            join ({VALUES.format(kpi="marts.kpi_annuel")}) as apres using (annee, indicateur)
            where avant.valeur is distinct from apres.valeur""",
            [last, now],
        )
        return con.execute("select count(*) from qualite.revisions").fetchone()[0] - before
    finally:
        con.execute("detach precedent")


def _sql_text(text: str) -> str:
    return text.replace("'", "''")
