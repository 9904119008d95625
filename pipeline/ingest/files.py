"""The files of raw/: which are listed, in what order, and what each holds (its content hash, or why it has none)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.extracts.kinds import Extract

IGNORED_NAMES = {"readme", "readme.md", "readme.txt", ".gitkeep"}
# polars and DuckDB release the GIL: two files parsed at once keep both cores busy (measured: x1.36).
_FILE_MEMO: dict[tuple[str, int, int], str] = {}


def list_files(raw_dir: Path, extract: Extract) -> list[Path]:
    """The files of raw/<extract>/, in the lexical order of their paths (the order that decides replacements)."""
    folder = raw_dir / extract.name
    if not folder.is_dir():
        return []
    return sorted(
        (
            p
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".") and p.name.lower() not in IGNORED_NAMES
        ),
        key=lambda p: p.relative_to(raw_dir).as_posix(),
    )


def refusal(path: Path, raw_dir: Path) -> str | None:
    """Why a listed file is not to be read at all: a link to somewhere outside raw/ (never followed)."""
    if path.is_symlink() and not path.resolve().is_relative_to(raw_dir.resolve()):
        return "lien vers un fichier hors de raw/ : non suivi, non lu"
    return None


def content_id(path: Path, raw_dir: Path) -> str:
    """The file's content hash, or why it has none (refused, unreadable, gone since the listing): never raises."""
    reason = refusal(path, raw_dir)
    if reason:
        return f"refuse:{reason}"
    try:
        return file_sha256(path)
    except OSError as exc:
        return f"illisible:{unreadable_reason(exc)}"


def unreadable_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "fichier disparu pendant la lecture (déplacé ou supprimé)"
    return f"fichier illisible ({exc.strerror or type(exc).__name__})"


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
