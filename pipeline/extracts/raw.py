"""What a reader hands over: a file's rows as text under canonical names, or the reason it cannot be read.

A leaf module: the readers of every format (delimited text, XLSX, DECP JSON and XML) and the validation
share these types without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

LINE_COLUMN = "_ligne"  # the line (or record) number as the sender sees it


class FileRejected(Exception):
    """The file cannot be read at all; the message says why, for a person."""


@dataclass
class RawTable:
    frame: pl.DataFrame  # canonical columns (all text, stripped, empty -> null) and _ligne
    format: str  # csv, xlsx, json, xml
    encoding: str | None = None
    delimiter: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    repeated_header_lines: list[int] = field(default_factory=list)
    # Records read but set aside by the reader itself (DECP concessions): _ligne, colonne, regle, valeur.
    set_aside: pl.DataFrame | None = None
    headers: dict[str, str] = field(default_factory=dict)  # canonical column -> the header as the sender wrote it
