"""The nightly schedule and the sensor on raw/: both visible and switchable in the UI."""

from __future__ import annotations

import hashlib
import json

from dagster import (DefaultScheduleStatus, DefaultSensorStatus, RunRequest, ScheduleDefinition, SensorEvaluationContext,
                     SkipReason, sensor)

from pipeline.extracts import KINDS
from pipeline.ingest import file_sha256, list_files
from pipeline.settings import load_settings

JOB_NAME = "clauses_complet"

nightly_schedule = ScheduleDefinition(
    name="nuit_0200", job_name=JOB_NAME, cron_schedule="0 2 * * *", execution_timezone="Europe/Paris",
    default_status=DefaultScheduleStatus.RUNNING, description="Passage complet chaque nuit à 2 h (heure de Paris).",
)


def raw_fingerprint() -> dict[str, str]:
    """Path -> content hash of every file in raw/: new or changed by content, not by date."""
    settings = load_settings()
    return {p.relative_to(settings.raw_dir).as_posix(): file_sha256(p)
            for kind in KINDS for p in list_files(settings.raw_dir, kind)}


@sensor(name="depot_dans_raw", job_name=JOB_NAME, minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description="Lance un passage quand un fichier de raw/ est nouveau ou a changé (par son contenu).")
def raw_files_sensor(context: SensorEvaluationContext):
    current = raw_fingerprint()
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(p for p, h in current.items() if previous.get(p) != h)
    if not changed:
        return SkipReason("aucun fichier nouveau ou modifié dans raw/")
    context.update_cursor(json.dumps(current))
    run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    return RunRequest(run_key=run_key, tags={"clauses/declencheur": "depot"})
