"""The checks that block a publication: a warehouse that fails them is never published."""

from __future__ import annotations

from pathlib import Path

from pipeline.extracts.columns import PERSONAL_EXTRA
from pipeline.extracts.kinds import EXTRACTS
from pipeline.warehouse.database import PUBLISHED_SCHEMAS, PublishError, connect

FORBIDDEN_COLUMNS = {c for e in EXTRACTS for c in e.personal} | set(PERSONAL_EXTRA)


def blocking_checks(candidate_db: Path) -> dict[str, int]:
    """Raise PublishError with a one-line reason; return a few facts for the run's metadata."""
    with connect(candidate_db, read_only=True) as con:
        schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
        # The candidate becomes the published file as it is: nothing but the analysts' tables may be in it
        # (a view would point at the build's catalog name and break once published).
        stray = con.execute(
            f"select schema_name || '.' || table_name from duckdb_tables() where schema_name not in ({schemas}) "
            "union all select schema_name || '.' || view_name from duckdb_views() where not internal"
        ).fetchall()
        if stray:
            raise PublishError(f"objet hors des tables publiées dans l'entrepôt candidat : {stray[0][0]}")
        version = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        if version and not version.startswith("v1."):
            raise PublishError(f"format de stockage {version} : illisible par les clients DuckDB 1.4")
        unbalanced = con.execute(
            "select count(*) from qualite.qualite_fichiers "
            "where lignes_lues <> lignes_chargees + lignes_quarantaine + lignes_en_attente"
        ).fetchone()[0]
        if unbalanced:
            raise PublishError(f"{unbalanced} fichier(s) dont les lignes ne se réconcilient pas")
        personal = con.execute(
            f"select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            f"where schema_name in ({schemas}) and column_name in ({', '.join(map(repr, sorted(FORBIDDEN_COLUMNS)))})"
        ).fetchall()
        if personal:
            raise PublishError(f"colonne personnelle dans l'entrepôt : {personal[0][0]}")
        missing = [
            t
            for t in ("kpi_annuel", "kpi_spaser")
            if not con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = ?", [t]
            ).fetchone()[0]
        ]
        if missing:
            raise PublishError(f"table absente de la construction : marts.{missing[0]}")
        return {
            "annees": con.execute("select count(*) from marts.kpi_annuel").fetchone()[0],
            "fichiers": con.execute("select count(*) from qualite.qualite_fichiers").fetchone()[0],
        }
