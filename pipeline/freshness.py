"""Whether the published warehouse and exports already are what raw/, the code and the settings would make.

Decided before Dagster and dbt are imported (they cost seconds to load): a `clauses run` with nothing new
hashes raw/ (only what moved since the last hash in this process) and stops there.
"""

from __future__ import annotations

import duckdb

from pipeline.extracts import EXTRACTS
from pipeline.fingerprint import build_fingerprint, published_marker
from pipeline.ingest import extract_fingerprint
from pipeline.settings import Settings
from pipeline.warehouse import stored_fingerprints


def already_published(settings: Settings) -> bool:
    """The same comparisons as the ingest steps and the dbt step make, without running either."""
    marker = published_marker(settings)
    if not (settings.published_db.exists() and marker.exists()):
        return False
    try:
        stored = stored_fingerprints(settings.build_db)
    except duckdb.Error:  # another run is writing the build database: let the run queue say so
        return False
    for extract in EXTRACTS:
        upstream = "|".join(stored.get(u, "") for u in extract.upstream)
        if extract_fingerprint(extract, settings, upstream) != stored.get(extract.name):
            return False
    return marker.read_text() == build_fingerprint(settings, stored)
