"""What a build is made of, as hashes: the raw files' contents, the settings that change figures, the code.

Two uses: the ingest cache (a file already parsed by the same code under the same settings is not
parsed again), and skipping a run's work when nothing changed since the last build and publication.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from pipeline.extracts.kinds import EXTRACTS, Extract
from pipeline.ingest.files import content_id, list_files
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


def settings_fingerprint(settings: Settings) -> str:
    """The settings every figure depends on (the key changes the pseudonyms, the as-of date the exits, the buyers
    which contracts are the Département's)."""
    return hash_parts(
        code_fingerprint(),
        settings.as_of,
        settings.pseudonym_key,
        settings.secret_min,
        settings.heures_etp,
        settings.acheteurs,
    )


def build_fingerprint(settings: Settings, landing: dict[str, str]) -> str:
    """The whole build: the settings and code, and what each kind's landing tables were built from."""
    return hash_parts(settings_fingerprint(settings), *(landing.get(e.name, "") for e in EXTRACTS))


def extract_fingerprint(extract: Extract, settings: Settings, upstream: str = "") -> str:
    """The files of raw/<extract>/ by content, under this code and these settings (and, through `upstream`, what
    the extracts it refers to were built from). Equal fingerprints, equal landing tables."""
    raw = settings.raw_dir
    files = [f"{p.relative_to(raw).as_posix()}:{content_id(p, raw)}" for p in list_files(raw, extract)]
    return hash_parts(settings_fingerprint(settings), extract.name, upstream, *files)


def landing_fingerprint(extract: Extract, settings: Settings, stored: dict[str, str]) -> str:
    """What raw/<extract>/ would build its landing tables from, given what the extracts it refers to were built
    from (`stored`: the build database's fingerprints). Equal to the stored one: nothing to ingest."""
    upstream = "|".join(stored.get(u, "") for u in extract.upstream)
    return extract_fingerprint(extract, settings, upstream)
