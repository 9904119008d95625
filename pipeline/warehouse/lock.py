"""One writer at a time on the warehouse folder, whoever launched the run (schedule, sensor, CLI)."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path


@contextlib.contextmanager
def warehouse_lock(warehouse_dir: Path):
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with (warehouse_dir / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # waits for the other run's step to finish
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def passage_lock(warehouse_dir: Path):
    """Held for a whole `clauses run`; yields False at once when another one holds it."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with (warehouse_dir / ".passage.lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
