"""The dbt models as assets downstream of the ingest assets, dbt tests as asset checks."""

import json
import os

from dagster import AssetExecutionContext, Failure
from dagster_dbt import dbt_assets
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets, get_subset_selection_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from assets.dbt_inprocess import preparsed_manifest, run_dbt, run_dbt_cli
from assets.dbt_manifest import dbt_project, translator
from assets.progress import say
from assets.resources import ClausesSettings
from pipeline.timing import stage
from pipeline.warehouse.database import start_candidate, stored_fingerprints
from pipeline.warehouse.freshness import published_is_current
from pipeline.warehouse.lock import warehouse_lock


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator, name="clauses_dbt"
)
def clauses_dbt(context: AssetExecutionContext, settings: ClausesSettings):
    settings = settings.get()
    if published_is_current(settings, stored_fingerprints(settings.build_db)) and not settings.complet:
        # Nothing new since the last publication: dbt, the publication and the exports are skipped.
        say("  rien de nouveau depuis le dernier passage publié : entrepôt et exports inchangés")
        return
    with warehouse_lock(settings.warehouse_dir), stage("dbt"):
        if start_candidate(settings):
            say("  dbt build : l'entrepôt publié repris, ses heures mises à jour (modèles incrémentaux)")
        else:
            say("  dbt build : l'entrepôt reconstruit en entier")
        # profiles.yml and the macros read the same settings, as dbt vars (no default on the dbt side).
        manifest = get_manifest_and_translator_from_dbt_assets([context.assets_def])[0]
        args = ["--vars", json.dumps(settings.dbt_vars()), "--exclude-resource-type", "unit_test"]
        args += _selection(context, manifest)
        target = settings.build_dir / "dbt"
        if settings.dbt_in_process:
            result = run_dbt("build", args, target, preparsed_manifest())
        else:
            result = run_dbt_cli("build", args, target)
    for raw in result.events:
        event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
        yield from event.to_default_asset_events(manifest, translator, context, project=dbt_project)
    if not result.success:
        raise Failure("dbt build : " + " ; ".join(result.failures or ["échec sans message"]))


def _selection(context: AssetExecutionContext, manifest) -> list[str]:
    """The models and tests of the assets and checks asked for (all of them, but from the UI)."""
    indirect = os.environ.get("DBT_INDIRECT_SELECTION")
    args, indirect = get_subset_selection_for_context(context, manifest, "fqn:*", None, None, translator, indirect)
    return [*args, *(["--indirect-selection", indirect] if indirect else [])]
