"""Publication: blocking checks on the build, then an atomic replace of the published warehouse."""

import os

from dagster import AssetExecutionContext, MaterializeResult, asset

from assets.progress import say
from assets.resources import ClausesSettings
from assets.transform import clauses_dbt
from pipeline.exports.export_set import publish_exports
from pipeline.ingest.fingerprints import base_fingerprint, build_fingerprint
from pipeline.timing import stage
from pipeline.warehouse.database import (
    candidate_record,
    publish,
    published_base,
    published_record,
    stored_fingerprints,
)
from pipeline.warehouse.freshness import published_marker
from pipeline.warehouse.gate import blocking_checks
from pipeline.warehouse.history import carry_history
from pipeline.warehouse.key_guard import check_key, key_fingerprint
from pipeline.warehouse.lock import warehouse_lock


@asset(
    key="entrepot_publie",
    group_name="publication",
    deps=list(clauses_dbt.keys),
    description="warehouse/clauses.duckdb : publié seulement si la construction est complète et ses contrôles passent.",
)
def entrepot_publie(context: AssetExecutionContext, settings: ClausesSettings) -> MaterializeResult:
    settings = settings.get()
    published_marker(settings).unlink(missing_ok=True)  # rewritten once the exports are written too
    with warehouse_lock(settings.warehouse_dir), stage("publication"):
        check_key(settings)  # again, under the lock: the published warehouse may have changed since ingestion
        revised = carry_history(
            settings.candidate_db, settings.published_db, settings.as_of, key_fingerprint(settings.pseudonym_key)
        )
        facts = {**blocking_checks(settings.candidate_db), "valeurs_revisees": revised}
        base, record = published_base(settings), published_record(settings)
        for stale in (base, record):  # written once the new warehouse is in place: never beside another one
            stale.unlink(missing_ok=True)
        publish(settings.candidate_db, settings.published_db)
        base.write_text(base_fingerprint(settings))
        os.replace(candidate_record(settings), record)
    say(f"  entrepôt publié : {settings.published_db}")
    return MaterializeResult(metadata={"chemin": str(settings.published_db), **facts})


@asset(
    key="exports",
    group_name="publication",
    deps=[entrepot_publie],
    description="Classeur, rapport HTML, CSV et Parquet par table d'indicateurs, "
    "dans `exports/<date>/` et `exports/latest/`.",
)
def exports(context: AssetExecutionContext, settings: ClausesSettings) -> MaterializeResult:
    settings = settings.get()
    with stage("exports"):
        folder = publish_exports(settings)
    published_marker(settings).write_text(build_fingerprint(settings, stored_fingerprints(settings.build_db)))
    say(f"  exports écrits : {settings.export_dir / 'latest'}")
    return MaterializeResult(metadata={"dossier": str(folder), "fichiers": len(list(folder.iterdir()))})
