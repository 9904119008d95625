"""Whether the published warehouse and exports already are what raw/, the code and the settings would make.

Decided before Dagster and dbt are imported (they cost seconds to load): a `clauses run` with nothing new
hashes raw/ (only what moved since the last hash in this process) and stops there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.extracts.kinds import EXTRACTS
from pipeline.ingest.fingerprints import build_fingerprint, landing_fingerprint
from pipeline.settings import Settings
from pipeline.warehouse.database import stored_fingerprints, values_digest


def published_is_current(settings: Settings, stored: dict[str, str]) -> bool:
    """The published warehouse and exports were built from these landing tables, this code and these settings."""
    marker = published_marker(settings)
    return (
        settings.published_db.exists() and marker.exists() and marker.read_text() == build_fingerprint(settings, stored)
    )


def already_published(settings: Settings) -> bool:
    """The ingest steps' and the dbt step's own comparisons, made up front without running either."""
    if not (settings.published_db.exists() and published_marker(settings).exists()):
        return False
    db = settings.build_db
    try:
        stored = stored_fingerprints(db)
        known = {e.name: values_digest(db, [r.known_sql for r in e.references]) for e in EXTRACTS}
    except duckdb.Error:  # another run is writing the build database: let the run queue say so
        return False
    if any(landing_fingerprint(e, settings, known[e.name]) != stored.get(e.name) for e in EXTRACTS):
        return False
    return published_is_current(settings, stored)


def published_marker(settings: Settings) -> Path:
    """Holds the build fingerprint of the published warehouse and exports, once both are written."""
    return settings.warehouse_dir / "empreinte_publiee"
