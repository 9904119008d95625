"""What a build is made of, as hashes: the raw files' contents, the settings that change figures, the code.

Two uses: the ingest cache (a file already parsed by the same code under the same settings is not
parsed again), and skipping a run's work when nothing changed since the last build and publication.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pipeline.extracts.kinds import EXTRACTS
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

_FILE_MEMO: dict[tuple[str, int, int], str] = {}


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """The content hash of a file (memoised in this process while its size and date stay the same)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_MEMO:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _FILE_MEMO[key] = digest.hexdigest()
    return _FILE_MEMO[key]


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
    return fingerprint(
        code_fingerprint(),
        settings.as_of,
        settings.pseudonym_key,
        settings.secret_min,
        settings.heures_etp,
        settings.acheteurs,
    )


def build_fingerprint(settings: Settings, landing: dict[str, str]) -> str:
    """The whole build: the settings and code, and what each kind's landing tables were built from."""
    return fingerprint(settings_fingerprint(settings), *(landing.get(e.name, "") for e in EXTRACTS))


def published_marker(settings: Settings) -> Path:
    """Holds the build fingerprint of the published warehouse and exports, once both are written."""
    return settings.warehouse_dir / "empreinte_publiee"
