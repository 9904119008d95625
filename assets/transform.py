"""The dbt models as assets downstream of the ingest assets, dbt tests as asset checks."""

import functools
import json
import os

from dagster import AssetExecutionContext, Failure, MaterializeResult
from dagster_dbt import dbt_assets
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets, get_subset_selection_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from assets.dbt_inprocess import preparsed_manifest, run_dbt, run_dbt_cli
from assets.dbt_manifest import dbt_project, translator
from assets.progress import say
from assets.resources import ClausesSettings
from pipeline.timing import stage
from pipeline.warehouse.database import record_build, start_candidate, stored_fingerprints
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
        reused = start_candidate(settings)
        since = record_build(settings)
        if not reused:  # a fresh candidate keeps nothing
            since = {"construction": since["construction"]}
        if reused:
            say("  dbt build : l'entrepôt publié repris, ses heures mises à jour (modèles incrémentaux)")
        else:
            say("  dbt build : l'entrepôt reconstruit en entier")
        manifest = get_manifest_and_translator_from_dbt_assets([context.assets_def])[0]
        selection = _selection(context, manifest)
        kept = _unchanged(manifest, since, settings.as_of.isoformat()) if selection == ["--select", "fqn:*"] else []
        if kept:  # not for a selection made in the UI
            say(f"  {len(kept)} modèles et tables de référence inchangés depuis la publication : repris tels quels")
            # empty: their tests still run (on the same tables, a few seconds at most), so that every check,
            # blocking ones included, has this run's result
            names = [manifest["nodes"][uid]["name"] for uid in kept]
            selection += ["--exclude", *names, "--indirect-selection", "empty"]
        # profiles.yml and the macros read the same settings, as dbt vars (no default on the dbt side); the
        # incremental models, what changed since the published warehouse was built.
        args = ["--vars", json.dumps({**settings.dbt_vars(), **since}), "--exclude-resource-type", "unit_test"]
        if not reused:  # the build database's incremental tables too (stg_participants, int_sorties)
            args.append("--full-refresh")
        target = settings.build_dir / "dbt"
        if settings.dbt_in_process:
            result = run_dbt("build", args + selection, target, preparsed_manifest())
        else:
            result = run_dbt_cli("build", args + selection, target)
    yield from _events(context, manifest, result.events, kept)
    if not result.success:
        raise Failure("dbt build : " + " ; ".join(result.failures or ["échec sans message"]))


def _events(context: AssetExecutionContext, manifest: dict, events: list[dict], kept: list[str]):
    """dbt's events as Dagster's, and the kept models and seeds as materialized by this run too (they are in the
    warehouse it publishes, as they were): each before the first event of a node that reads it, as Dagster wants."""
    upstream, waiting = _upstream(manifest), set(kept)
    for raw in events:
        node = raw.get("data", {}).get("node_info", {}).get("unique_id")
        if waiting and node in upstream:
            yield from _kept(manifest, waiting & upstream[node], upstream)
            waiting -= upstream[node]
        event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
        yield from event.to_default_asset_events(manifest, translator, context, project=dbt_project)
    yield from _kept(manifest, waiting, upstream)


def _kept(manifest: dict, kept: set[str], upstream: dict[str, frozenset[str]]):
    for uid in sorted(kept, key=lambda uid: (len(upstream[uid]), uid)):  # each after what it reads
        key = translator.get_asset_spec(manifest, uid, dbt_project).key
        yield MaterializeResult(asset_key=key, metadata={"inchange_depuis_la_publication": True})


def _upstream(manifest: dict) -> dict[str, frozenset[str]]:
    """Every node's ancestors: what it reads, directly or not."""
    parents, found = manifest["parent_map"], {}

    def of(uid: str) -> frozenset[str]:
        if uid not in found:
            found[uid] = frozenset(parents.get(uid, [])).union(*(of(p) for p in parents.get(uid, [])))
        return found[uid]

    return {uid: of(uid) for uid in parents}


AS_OF_MACRO = "macro.clauses.as_of"


def _unchanged(manifest: dict, since: dict, as_of: str) -> list[str]:
    """The candidate's models and seeds that nothing changed since the published warehouse was built: no landing
    table they read, directly or not, was built from other files, and the as-of date is the same or none of them
    reads it (the code and the other settings are the same, or the candidate would not be a copy). The copy
    holds them as a new build would (their tests still run: see clauses_dbt)."""
    if "as_of_publie" not in since:
        return []
    changed, as_of_moved = set(since["extraits_modifies"]), since["as_of_publie"] != as_of
    nodes, macros = {**manifest["nodes"], **manifest["sources"]}, manifest["macros"]

    @functools.cache
    def reads_as_of(macro: str) -> bool:
        called = macros.get(macro, {}).get("depends_on", {}).get("macros", [])
        return macro == AS_OF_MACRO or any(map(reads_as_of, called))

    @functools.cache
    def moves(uid: str) -> bool:
        node = nodes[uid]
        if node["resource_type"] == "source":
            return any(node["name"] == kind or node["name"].startswith(kind + "_") for kind in changed)
        depends = node.get("depends_on", {})
        return (as_of_moved and any(map(reads_as_of, depends.get("macros", [])))) or any(
            map(moves, depends.get("nodes", []))
        )

    return sorted(
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and node["database"] == "entrepot" and not moves(uid)
    )


def _selection(context: AssetExecutionContext, manifest) -> list[str]:
    """The models and tests of the assets and checks asked for (all of them, but from the UI)."""
    indirect = os.environ.get("DBT_INDIRECT_SELECTION")
    args, indirect = get_subset_selection_for_context(context, manifest, "fqn:*", None, None, translator, indirect)
    return [*args, *(["--indirect-selection", indirect] if indirect else [])]
