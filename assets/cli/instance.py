"""DAGSTER_HOME: where runs, schedules and sensor cursors are recorded, shared by the CLI and the UI."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.settings import Settings

# One run of the whole graph at a time (schedule, sensor, UI). Writer steps are serialised by a file lock
# (pipeline/warehouse/lock.py), not by a Dagster pool: the kernel frees a lock when a process dies,
# a pool slot stays taken.
DAGSTER_YAML = """\
# Written by `clauses` when absent. See docs/exploitation.md.
telemetry:
  enabled: false
nux:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 2
    tag_concurrency_limits:
      - key: "clauses/entrepot"
        limit: 1
run_monitoring:
  enabled: true
"""


def ensure_dagster_home(settings: Settings) -> Path:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    elif "\nnux:" not in f"\n{config.read_text()}":  # an instance from before: no newsletter prompt there either
        config.write_text(config.read_text().rstrip("\n") + "\nnux:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
