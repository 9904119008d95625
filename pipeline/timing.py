"""Wall time per stage of a run, summed in this process: what the benchmark reports (never asserted in tests)."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict

STAGES = ("lecture", "validation", "chargement", "dbt", "publication", "exports")
TIMES: dict[str, float] = defaultdict(float)


@contextlib.contextmanager
def stage(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        TIMES[name] += time.perf_counter() - start
