"""The dbt models as assets downstream of the ingest assets, dbt tests as asset checks."""

import json
import shutil
from pathlib import Path

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from assets.dbt_project import dbt_project, translator
from assets.lock import warehouse_lock
from assets.progress import say
from assets.resources import ClausesSettings
from pipeline.freshness import published_is_current
from pipeline.timing import stage
from pipeline.warehouse import stored_fingerprints, write_ahead_log


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator, name="clauses_dbt"
)
def clauses_dbt(context: AssetExecutionContext, dbt: DbtCliResource, settings: ClausesSettings):
    settings = settings.get()
    if published_is_current(settings, stored_fingerprints(settings.build_db)):
        # Nothing new since the last publication: dbt, the publication and the exports are skipped.
        say("  rien de nouveau depuis le dernier passage publié : entrepôt et exports inchangés")
        return
    say("  dbt build : modèles, tests et contrôles de réconciliation")
    with warehouse_lock(settings.warehouse_dir), stage("dbt"):
        # A fresh candidate each time: nothing left over from a failed run or a model since removed.
        for leftover in (settings.candidate_db, write_ahead_log(settings.candidate_db)):
            leftover.unlink(missing_ok=True)
        # profiles.yml and the macros read the same settings, as dbt vars (no default on the dbt side).
        invocation = dbt.cli(["build", "--vars", json.dumps(settings.dbt_vars())], context=context)
        yield from invocation.stream()
    _prune_targets(Path(invocation.target_path).parent)


def _prune_targets(root: Path, keep: int = 5) -> None:
    """Each dbt invocation writes its own target folder (~5 MB): keep the last few, for diagnosis."""
    runs = sorted((p for p in root.glob("clauses_dbt-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
