"""The pseudonym key fails closed: each publication records which key built it (a fingerprint, never the key, in
qualite.historique_publications), and a run under another key is refused unless the operator says it is a
rotation (CLAUSES_ROTATION_CLE, docs/exploitation.md).

The demo key is public: it only ever serves the demo's files (`clauses demo` marks its raw folder).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.extracts.pseudonym import hmac_hex
from pipeline.settings import Settings
from pipeline.warehouse.database import connect

DEMO_MARKER = ".donnees_de_demonstration"  # written by `clauses demo` in the raw folder it fills


class KeyRefused(RuntimeError):
    """The run would pseudonymise under a key the published warehouse was not built with."""


def key_fingerprint(key: str) -> str:
    """Says whether two keys are the same without saying anything of either (an HMAC of a fixed text)."""
    return hmac_hex(key, "clauses:empreinte-de-la-cle")[:16]


def published_key_fingerprint(published_db: Path) -> str | None:
    """The key fingerprint of the latest publication (None: no warehouse yet, or one from before fingerprints)."""
    if not published_db.exists():
        return None
    try:
        with connect(published_db, read_only=True) as con:
            row = con.execute(
                "select empreinte_cle from qualite.historique_publications order by publie_le desc limit 1"
            ).fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def check_key(settings: Settings) -> None:
    """Raise KeyRefused with what to do, before anything is written."""
    if settings.uses_demo_key and not (settings.raw_dir / DEMO_MARKER).exists():
        raise KeyRefused(
            "CLAUSES_PSEUDONYM_KEY n'est pas défini : la clé de démonstration, publique, ne sert qu'aux données de "
            "démonstration (`clauses demo`). Définissez la clé des pseudonymes (docs/exploitation.md)."
        )
    published = published_key_fingerprint(settings.published_db)
    current = key_fingerprint(settings.pseudonym_key)
    if published and published != current and not settings.key_rotation:
        raise KeyRefused(
            f"la clé des pseudonymes (empreinte {current}) n'est pas celle qui a construit l'entrepôt publié "
            f"(empreinte {published}) : tous les pseudonymes changeraient. Rétablissez la bonne clé ou, pour une "
            "rotation voulue, relancez avec CLAUSES_ROTATION_CLE=oui (docs/exploitation.md)."
        )
