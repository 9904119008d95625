"""The nightly schedule and the sensor on raw/: both visible and switchable in the UI."""

from __future__ import annotations

import hashlib
import json

import duckdb
from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    RunStatusSensorContext,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)

from assets.resources import ClausesSettings
from pipeline.exports.alerts import after_run
from pipeline.extracts.kinds import EXTRACTS
from pipeline.ingest.files import content_id, list_files
from pipeline.settings import Settings, load_settings
from pipeline.warehouse.database import read_table

JOB_NAME = "clauses_complet"
CLI_TAG_KEY = "clauses/lanceur"  # on the runs `clauses run` launches (assets/cli/runner.py)

nightly_schedule = ScheduleDefinition(
    name="nuit_0200",
    job_name=JOB_NAME,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Paris",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Passage complet chaque nuit à 2 h (heure de Paris).",
)


def raw_snapshot(settings: Settings, previous: dict[str, list] | None = None) -> dict[str, list]:
    """Path -> [size, mtime_ns, content id] of every file in raw/.

    A file is re-hashed only when its size or date moved; it counts as changed only when its hash did. A file
    that cannot be read gets a stand-in id (pipeline.ingest.files.content_id): the run will report it."""
    previous = previous or {}
    current = {}
    for extract in EXTRACTS:
        for path in list_files(settings.raw_dir, extract):
            try:
                stat = path.stat()
            except OSError:  # gone since the listing
                continue
            key = path.relative_to(settings.raw_dir).as_posix()
            known = previous.get(key)
            same_stat = known is not None and known[:2] == [stat.st_size, stat.st_mtime_ns]
            digest = known[2] if same_stat else content_id(path, settings.raw_dir)
            current[key] = [stat.st_size, stat.st_mtime_ns, digest]
    return current


def published_files(settings: Settings) -> dict[str, str]:
    """What the published warehouse was built from (path -> hash): a new sensor (a fresh DAGSTER_HOME, a
    restored server) starts from it, not from nothing, so that files already published start no run."""
    if not settings.published_db.exists():
        return {}
    try:
        files = read_table(settings.published_db, "select chemin, sha256 from qualite.qualite_fichiers")
    except duckdb.Error:  # a warehouse from before qualite_fichiers: a run will tell
        return {}
    return dict(files.iter_rows())


def _memory(cursor: str | None, settings: Settings) -> tuple[dict[str, list], dict[str, str]]:
    """The files seen at the last tick (with their size and date) and the contents the last run was asked for."""
    if not cursor:
        return {}, published_files(settings)
    state = json.loads(cursor)
    if "vus" not in state:  # a cursor of an earlier version: path -> [size, date, hash]
        return state, {p: v[2] for p, v in state.items()}
    return state["vus"], state["faits"]


@sensor(
    name="depot_dans_raw",
    job_name=JOB_NAME,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Lance un passage quand un fichier de raw/ est nouveau ou a changé (par son contenu), une fois "
    "sa taille et sa date stables d'un passage du capteur au suivant (un dépôt en cours d'écriture attend).",
)
def raw_files_sensor(context: SensorEvaluationContext, settings: ClausesSettings):
    seen, done = _memory(context.cursor, settings.get())
    current = raw_snapshot(settings.get(), seen)
    changed = sorted(
        {p for p, v in current.items() if done.get(p) != v[2]} | (done.keys() - current.keys())
    )  # a removed file changes the warehouse too
    settling = [p for p in changed if p in current and (p not in seen or seen[p][:2] != current[p][:2])]
    if settling or not changed:
        context.update_cursor(json.dumps({"vus": current, "faits": done}))
        if settling:
            return SkipReason(f"dépôt en cours d'écriture, attendu au prochain passage : {', '.join(settling)[:200]}")
        return SkipReason("aucun fichier nouveau ou modifié dans raw/")
    context.update_cursor(json.dumps({"vus": current, "faits": {p: v[2] for p, v in current.items()}}))
    contents = sorted((p, v[2]) for p, v in current.items())
    run_key = hashlib.sha256(json.dumps(contents).encode()).hexdigest()[:16]
    return RunRequest(
        run_key=run_key, tags={"clauses/declencheur": "depot", "clauses/fichiers": ", ".join(changed)[:200]}
    )


def _trigger(run) -> str:
    return {"depot": "le capteur de raw/"}.get(run.tags.get("clauses/declencheur", ""), "la planification de la nuit")


def _launched_by_cli(run) -> bool:
    return run.tags.get(CLI_TAG_KEY) == "cli"  # `clauses run` sends its own alerts


@run_failure_sensor(name="alerte_echec", default_status=DefaultSensorStatus.RUNNING,
                    description="Envoie un courriel (CLAUSES_ALERT_EMAIL) quand un passage échoue.")  # fmt: skip
def alert_on_failure(context: RunFailureSensorContext):
    if _launched_by_cli(context.dagster_run):
        return
    reason = context.failure_event.message or "échec d'une étape"
    after_run(load_settings(), False, reason, context.dagster_run.run_id, _trigger(context.dagster_run))


@run_status_sensor(run_status=DagsterRunStatus.SUCCESS, name="alerte_lignes_a_corriger",
                   default_status=DefaultSensorStatus.RUNNING,
                   description="Courriel quand un passage a mis des fichiers ou des lignes de côté.")  # fmt: skip
def alert_on_success(context: RunStatusSensorContext):
    if not _launched_by_cli(context.dagster_run):
        after_run(load_settings(), True, None, context.dagster_run.run_id, _trigger(context.dagster_run))
