"""One full run of the graph in this process, recorded in DAGSTER_HOME (so the UI shows it)."""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from dataclasses import dataclass

from assets.automation import CLI_TAG_KEY, JOB_NAME
from assets.cli.instance import ensure_dagster_home
from pipeline.settings import Settings
from pipeline.warehouse.key_guard import KeyRefused, check_key
from pipeline.warehouse.lock import passage_lock


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    reason: str | None = None


CLI_TAG = {CLI_TAG_KEY: "cli"}


def run_once(settings: Settings, trigger: str = "cli") -> RunOutcome:
    """Run the whole job; dbt's own log lines go to warehouse/dernier_passage.log, not the terminal."""
    with passage_lock(settings.warehouse_dir) as alone:
        if not alone:
            return RunOutcome(False, "", "un autre passage `clauses run` est en cours sur ce dossier")
        try:
            check_key(settings)  # the ingest steps check it again, for the runs of the schedule and the sensor
        except KeyRefused as refused:  # decided before Dagster starts: no run to record, nothing written
            return RunOutcome(False, "", str(refused))
        return _run(settings, trigger)


def _close_abandoned_runs(instance) -> None:
    """A CLI run killed mid-way stays STARTED in the records, and would hold the run queue's slot.

    We hold the passage lock, so no other CLI run is alive: mark those as failed.
    """
    from dagster import DagsterRunStatus, RunsFilter

    stale = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTING, DagsterRunStatus.STARTED], tags=CLI_TAG))
    for run in stale:
        instance.report_run_failed(run, "passage interrompu : le processus s'est arrêté avant la fin")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def _run(settings: Settings, trigger: str) -> RunOutcome:
    home = ensure_dagster_home(settings)
    logging.getLogger("dagster").setLevel(logging.ERROR)  # its warnings are for developers; failures still show
    from dagster import DagsterEventType

    from assets.cli.event_log import instance_for_a_run
    from assets.definitions import defs
    from assets.resources import ClausesSettings

    job = defs.resolve_job_def(JOB_NAME)
    log_path = settings.warehouse_dir / "dernier_passage.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # Written line by line beside the last complete log, which it replaces at the end: a killed run leaves the
    # previous log whole and its own as far as it went (passage_en_cours.log).
    current = log_path.with_name("passage_en_cours.log")
    with (
        instance_for_a_run(home) as instance,
        current.open("w", buffering=1) as log,
        contextlib.redirect_stdout(log),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        _close_abandoned_runs(instance)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags={"clauses/declencheur": trigger, **CLI_TAG},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            resources={"settings": ClausesSettings.of(settings)},
        )
    current.replace(log_path)
    if result.success:
        return RunOutcome(True, result.run_id)
    failures = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    reason = "le passage a échoué"
    if failures:
        error = failures[0].step_failure_data.error
        while error.cause is not None:
            error = error.cause
        lines = [line.strip() for line in error.message.strip().splitlines() if any(c.isalpha() for c in line)]
        last = re.sub(r"^[\w.]+\.(\w*Error|Failure): ", "", lines[-1]) if lines else error.cls_name  # no class path
        reason = f"étape {failures[0].step_key} : {last}"
    return RunOutcome(False, result.run_id, reason)
