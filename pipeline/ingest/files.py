"""The files of raw/: which are listed, in what order, and what each holds (its content hash, or why it has none)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipeline.extracts.kinds import Extract

IGNORED_NAMES = {"readme", "readme.md", "readme.txt", ".gitkeep"}
# polars and DuckDB release the GIL: two files parsed at once keep both cores busy (measured: x1.36).
# A file's hash, by path, size, dates and inode: a rewrite moves its ctime, which no tool sets back.
_FILE_MEMO: dict[tuple[str, int, int, int, int], str] = {}
_MEMO_FILE = "empreintes_fichiers.json"
_memo_state = {"restored": set(), "new": False}


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
    """The content hash of a file (memoised while its size, dates and inode stay the same)."""
    key = _stat_key(path)
    if key not in _FILE_MEMO:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _FILE_MEMO[key] = digest.hexdigest()
        _memo_state["new"] = True
    return _FILE_MEMO[key]


def _stat_key(path: Path) -> tuple[str, int, int, int, int]:
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def restore_hashes(folder: Path) -> None:
    """Take back the hashes earlier processes worked out: a fresh process no longer reads all of raw/ again to
    learn that nothing moved (1.7 GB at 10 M hour rows: 2.5 s a night). A missing or unreadable list is no loss."""
    if folder in _memo_state["restored"]:
        return
    _memo_state["restored"].add(folder)
    try:
        rows = json.loads((folder / _MEMO_FILE).read_text())
    except (OSError, ValueError):
        return
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, list) and len(row) == 6 and all(isinstance(v, int) for v in row[1:5]):
            _FILE_MEMO.setdefault((str(row[0]), *row[1:5]), str(row[5]))


def keep_hashes(folder: Path, raw_dir: Path) -> None:
    """Write down the hashes of raw_dir's files that are still as they were hashed, when this process hashed any
    (replaced at once: a reader sees the old list or the new one)."""
    if not _memo_state["new"]:
        return
    rows = []
    for key, digest in list(_FILE_MEMO.items()):
        if not Path(key[0]).is_relative_to(raw_dir):
            continue
        try:
            if _stat_key(Path(key[0])) == key:
                rows.append([*key, digest])
        except OSError:
            continue  # gone: forgotten
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{_MEMO_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps(rows))
    temporary.replace(folder / _MEMO_FILE)
    _memo_state["new"] = False
