"""Wall time per stage of a run, in this process: what the benchmark reports (never asserted in tests).

Files are parsed two at a time, so one file can be read while another is validated: a stage's time is
the wall time during which at least one thread was in it, and `BUSY` the wall time in any stage.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from pathlib import Path

STAGES = ("lecture", "validation", "chargement", "dbt", "publication", "exports")
BUSY = "_une_etape_au_moins"
TIMES: dict[str, float] = defaultdict(float)
PEAK_AFTER: dict[str, int] = {}  # stage -> the process's peak resident set (MB) when it last ended: where it grew

_lock = threading.Lock()
_active: dict[str, int] = defaultdict(int)
_since: dict[str, float] = {}


@contextlib.contextmanager
def stage(name: str):
    with _lock:
        now = time.perf_counter()
        for key in (name, BUSY):
            if _active[key] == 0:
                _since[key] = now
            _active[key] += 1
    try:
        yield
    finally:
        with _lock:
            now = time.perf_counter()
            for key in (name, BUSY):
                _active[key] -= 1
                if _active[key] == 0:
                    TIMES[key] += now - _since[key]
            PEAK_AFTER[name] = peak_mb()


def peak_mb() -> int:
    """This process's peak resident set so far (VmHWM, Linux), in MB; 0 where /proc is absent."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    return round(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024)
