"""What a build is made of, as hashes: the raw files' contents, the settings that change figures, the code.

Two uses: the ingest cache (a file already parsed by the same code under the same settings is not
parsed again), and skipping a run's work when nothing changed since the last build and publication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from pipeline.extracts.kinds import EXTRACTS, Extract
from pipeline.ingest.files import content_id, keep_hashes, list_files, restore_hashes
from pipeline.settings import PROJECT_ROOT, Settings

# The code that turns raw files into figures: a change to any of it rebuilds everything.
CODE_PATHS = (
    "pipeline",
    "assets",
    "dbt_project/models",
    "dbt_project/macros",
    "dbt_project/seeds",
    "dbt_project/tests",
    "dbt_project/dbt_project.yml",
)


def hash_parts(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for root in CODE_PATHS:
        base = PROJECT_ROOT / root
        files = (
            [base]
            if base.is_file()
            else sorted(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        )
        for path in files:
            digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def base_fingerprint(settings: Settings) -> str:
    """The code and the settings but the as-of date: a published warehouse built under the same one is where the
    next night's incremental models start from (pipeline/warehouse/database.py, start_candidate)."""
    return hash_parts(code_fingerprint(), settings.pseudonym_key, settings.secret_min, settings.heures_etp,
                      settings.acheteurs)  # fmt: skip


def settings_fingerprint(settings: Settings) -> str:
    """The settings every figure depends on (the key changes the pseudonyms, the as-of date the exits, the buyers
    which contracts are the Département's)."""
    return hash_parts(base_fingerprint(settings), settings.as_of)


def cache_dir(settings: Settings, extract: Extract) -> Path:
    """Where the ingest caches the files it parsed (pipeline/ingest/assembly.py), by content hash.

    Validation depends on the code and the pseudonyms on the key: both are part of the cache key. The as-of date
    is recorded in each entry instead: a nightly run must not read every file again for it."""
    return settings.cache_dir / extract.name / hash_parts(code_fingerprint(), settings.pseudonym_key)[:16]


def _as_of_part(extract: Extract, settings: Settings, contents: list[str]) -> str:
    """The as-of date, or "" when no file holds a date after it (known from the cache, `date_max`).

    The as-of date only bounds dates (a month or date after it is refused; an amendment after it does not apply
    yet): files whose every date is on or before it load the same at any later as-of date, so a nightly run with
    nothing new for this extract leaves its landing tables as they are."""
    cache = cache_dir(settings, extract)
    for content in contents:
        if content.startswith(("refuse:", "illisible:")):
            continue  # reported unread: the as-of date plays no part
        try:
            meta = json.loads((cache / f"{content}.json").read_text())
        except (OSError, ValueError):
            return settings.as_of.isoformat()  # not parsed yet: what it holds is not known
        latest = meta.get("date_max")
        if meta.get("statut") == "CHARGE" and latest and dt.date.fromisoformat(latest) > settings.as_of:
            return settings.as_of.isoformat()
    return ""


def build_fingerprint(settings: Settings, landing: dict[str, str]) -> str:
    """The whole build: the settings and code, and what each kind's landing tables were built from."""
    return hash_parts(settings_fingerprint(settings), *(landing.get(e.name, "") for e in EXTRACTS))


def raw_contents(extract: Extract, settings: Settings) -> list[tuple[str, str]]:
    """The files of raw/<extract>/: each path and its content hash (or why it has none)."""
    raw = settings.raw_dir
    restore_hashes(settings.cache_dir)
    contents = [(p.relative_to(raw).as_posix(), content_id(p, raw)) for p in list_files(raw, extract)]
    keep_hashes(settings.cache_dir, raw)
    return contents


def landing_fingerprint(
    extract: Extract, settings: Settings, known: str = "", contents: list[tuple[str, str]] | None = None
) -> str:
    """What raw/<extract>/ would build its landing tables from: its files by content, under this code and these
    settings, given the values its held rows wait for (`known`: their digest, from the build database). Equal to
    the stored one: nothing to ingest."""
    contents = raw_contents(extract, settings) if contents is None else contents
    as_of = _as_of_part(extract, settings, [content for _, content in contents])
    files = [f"{path}:{content}" for path, content in contents]
    return hash_parts(base_fingerprint(settings), as_of, extract.name, known, *files)
