"""What a raw file may be before it is parsed: a hostile or broken file is rejected early, with its reason.

Each limit is a setting (CLAUSES_LIMITE_*, pipeline/settings.py) with a default far above what the senders
send (the Département's largest extract is a few MB; a national DECP file a few hundred) and far below
what would exhaust the machine: a run stays under 2 GB whatever lands in raw/ (docs/exploitation.md).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.extracts.raw import FileRejected
from pipeline.settings import Limits

CHUNK = 64 << 20  # bytes scanned at a time for the longest line


DEFAULT = Limits()


def check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.file_mb << 20:
        raise FileRejected(f"fichier de {size >> 20} Mo : au-delà de la limite de {limits.file_mb} Mo (non lu)")


def check_text(data: bytes, limits: Limits) -> None:
    """Longest line and first line's columns, without splitting the file into lines (a 1 GB file scans in ~1 s)."""
    longest = _longest_line(data)
    if longest > limits.line_kb << 10:
        raise FileRejected(f"une ligne de {longest >> 10} Ko : au-delà de la limite de {limits.line_kb} Ko")
    first = data[: data.find(b"\n")] if b"\n" in data else data
    columns = max(first.count(sep) for sep in (b";", b",", b"\t", b"|")) + 1
    if columns > limits.columns:
        raise FileRejected(f"{columns} colonnes sur la première ligne : au-delà de la limite de {limits.columns}")


def _longest_line(data: bytes) -> int:
    longest, start = 0, 0  # start: where the current line began
    view = np.frombuffer(data, dtype=np.uint8)
    for offset in range(0, len(view), CHUNK):
        chunk = view[offset : offset + CHUNK]
        ends = np.flatnonzero((chunk == 10) | (chunk == 13)) + offset  # \n, \r\n, and an old Mac's lone \r
        if ends.size:
            longest = max(longest, int(ends[0] - start), int(np.diff(ends).max(initial=0)))
            start = int(ends[-1])
    return max(longest, len(view) - start)


def check_xlsx(data: bytes, limits: Limits) -> None:
    """The unzipped size, as the zip's own directory states it, before anything is inflated."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise FileRejected("classeur XLSX illisible, tronqué ou corrompu (zip)") from exc
    inflated = sum(m.file_size for m in members)
    if inflated > limits.inflated_mb << 20:
        raise FileRejected(
            f"classeur qui se décompresse en {inflated >> 20} Mo : au-delà de la limite de {limits.inflated_mb} Mo"
        )


def check_tree(tree: Any, limits: Limits) -> None:
    """Depth and value length of a parsed JSON or XML document, walked without recursion."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.depth:
            raise FileRejected(f"imbrication de plus de {limits.depth} niveaux : fichier refusé")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str) and len(node) > limits.value_kb << 10:
            raise FileRejected(f"une valeur de {len(node) >> 10} Ko : au-delà de la limite de {limits.value_kb} Ko")
