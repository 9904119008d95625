"""One full run of the graph in this process, recorded in DAGSTER_HOME (so the UI shows it)."""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass

from assets.automation import JOB_NAME
from assets.instance import ensure_dagster_home
from pipeline.settings import Settings


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    reason: str | None = None


def run_once(settings: Settings, trigger: str = "cli") -> RunOutcome:
    """Run the whole job; dbt's own log lines go to warehouse/dernier_passage.log, not the terminal."""
    ensure_dagster_home(settings)
    logging.getLogger("dagster").setLevel(logging.WARNING)
    from dagster import DagsterEventType, DagsterInstance

    from assets.definitions import defs

    job = defs.resolve_job_def(JOB_NAME)
    log_path = settings.warehouse_dir / "dernier_passage.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with DagsterInstance.get() as instance, log_path.open("w") as log, contextlib.redirect_stdout(log), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, tags={"clauses/declencheur": trigger},
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        )
    if result.success:
        return RunOutcome(True, result.run_id)
    failures = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    reason = "le passage a échoué"
    if failures:
        error = failures[0].step_failure_data.error
        while error.cause is not None:
            error = error.cause
        lines = [line for line in error.message.strip().splitlines() if line.strip()]
        reason = f"étape {failures[0].step_key} : {lines[-1] if lines else error.cls_name}"
    return RunOutcome(False, result.run_id, reason)
