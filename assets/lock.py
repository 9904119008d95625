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
