"""Reading one raw file into a frame of text columns named canonically, or a reason to reject it.

Detects the format by content (not by extension), the encoding, the delimiter, the header row
(title rows above it are skipped), maps header aliases, and drops unknown columns at the door so
that personal columns (NIR, address, phone...) are never carried further.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipeline.extracts.columns import normalise_header
from pipeline.extracts.kinds import Extract
from pipeline.extracts.raw import LINE_COLUMN, FileRejected, RawTable
from pipeline.ingest.decp import read_decp
from pipeline.ingest.limits import DEFAULT, check_size, check_text, check_xlsx
from pipeline.settings import Limits

HEADER_SCAN_LINES = 30
DELIMITERS = (";", ",", "\t", "|")


def sniff_format(data: bytes) -> str:
    if not data.strip():
        raise FileRejected("fichier vide")
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "text"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "json"
    if head[:1] == b"<":
        return "xml"
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise FileRejected("ancien format Excel (.xls) : enregistrez le fichier en .xlsx ou en CSV")
    if data[:5] == b"%PDF-":
        raise FileRejected("fichier PDF : un tableur (.xlsx) ou un CSV est attendu")
    return "text"


CHUNK = 16 << 20  # bytes decoded at a time: a 300 MB extract is never held as one Python string


def detect_encoding(data: bytes) -> str:
    """The encoding of a delimited file (never assumed: detected), without decoding it whole."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    sample = data[:65536]
    # UTF-16 without a BOM: every other byte is NUL.
    every_other_nul = sample.count(b"\x00") > len(sample) // 4 and sample[1::2].count(0) > len(sample) // 3
    if every_other_nul and _decodes(data, "utf-16-le"):
        return "utf-16-le"
    if b"\x00" in sample:
        raise FileRejected("fichier binaire : ni un tableur ni un texte délimité")
    encoding = "utf-8" if _decodes(data, "utf-8") else "windows-1252"
    if encoding != "utf-8" and any(byte in data for byte in CP1252_UNDEFINED):
        encoding = "latin-1"
    text = sample.decode(encoding, errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > max(10, len(text) // 100):
        raise FileRejected("fichier binaire : ni un tableur ni un texte délimité")
    return encoding


CP1252_UNDEFINED = [bytes([b]) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)]  # the bytes cp1252 does not define


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), CHUNK):
            decoder.decode(data[start : start + CHUNK], final=start + CHUNK >= len(data))
    except UnicodeDecodeError:
        return False
    return True


def as_utf8(data: bytes, encoding: str) -> bytes:
    """The file in UTF-8, without its BOM, for polars: as it is when it already is, else CHUNK bytes at a time."""
    if encoding == "utf-8":
        return data[3:] if data.startswith(codecs.BOM_UTF8) else data
    if encoding.startswith("utf-16"):  # rare and small: whole
        try:
            return data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRejected("texte UTF-16 illisible (fichier tronqué ?)") from exc
    out = io.BytesIO()  # a single-byte encoding: any cut between two bytes is a cut between two characters
    for start in range(0, len(data), CHUNK):
        out.write(data[start : start + CHUNK].decode(encoding).encode("utf-8"))
    return out.getvalue()


def _header_score(cells: list[str], aliases: dict[str, str]) -> int:
    return len({aliases[h] for h in map(normalise_header, cells) if h in aliases})


def find_header(rows: list[list[str]], extract: Extract) -> int:
    """Index of the header row among the first rows: the one naming the most known columns."""
    aliases = extract.aliases
    best, best_score = -1, 1
    for i, cells in enumerate(rows[:HEADER_SCAN_LINES]):
        score = _header_score(cells, aliases)
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        expected = ", ".join(extract.required)
        raise FileRejected(f"aucune ligne d'en-tête reconnue (colonnes attendues : {expected})")
    return best


def _sniff_delimiter(lines: list[str], extract: Extract) -> str:
    aliases = extract.aliases
    best, best_score = ";", 0
    for delimiter in DELIMITERS:
        for line in lines[:HEADER_SCAN_LINES]:
            cells = next(csv.reader([line], delimiter=delimiter), [])
            score = _header_score(cells, aliases)
            if score > best_score:
                best, best_score = delimiter, score
    return best


def _canonical_frame(
    header: list[str], body: pl.DataFrame, first_line: int, extract: Extract, table: RawTable
) -> RawTable:
    """Rename the columns of `body` from `header`, keep the known ones, number the lines."""
    aliases = extract.aliases
    keep: dict[str, str] = {}
    for position, label in enumerate(header):
        name = aliases.get(normalise_header(label or ""))
        source = body.columns[position] if position < len(body.columns) else None
        if source is None:
            continue
        if name and name not in keep.values():
            keep[source] = name
        elif label and label.strip():
            table.ignored_columns.append(str(label).strip())
    found = set(keep.values())
    derived = {column for column, source in extract.derivable if source in found}  # e.g. the famille from the CPV
    missing = [name for name in extract.required if name not in found and name not in derived]
    if missing:
        raise FileRejected("colonne obligatoire absente : " + ", ".join(missing))
    frame = body.select([pl.col(src).cast(pl.String).alias(dst) for src, dst in keep.items()])
    frame = frame.with_columns(pl.all().str.strip_chars().replace("", None))
    frame = frame.with_row_index(LINE_COLUMN, offset=first_line).with_columns(pl.col(LINE_COLUMN).cast(pl.Int64))
    # Blank lines and lines of separators alone are not rows.
    frame = frame.filter(~pl.all_horizontal(pl.exclude(LINE_COLUMN).is_null()))
    # A header repeated mid-file (files pasted together) is not a data row.
    labels = {dst: (header[body.columns.index(src)] or "").strip() for src, dst in keep.items()}
    is_header = pl.all_horizontal([pl.col(dst).eq(label).fill_null(False) for dst, label in labels.items()])
    repeated = frame.filter(is_header)
    table.repeated_header_lines = repeated[LINE_COLUMN].to_list()
    table.frame = frame.filter(~is_header)
    table.headers = {dst: labels[dst] for dst in keep.values()}
    return table


def _unreadable_text(payload: bytes, delimiter: str, first_line: int) -> str:
    """Why a delimited text cannot be read, in French and with the line to look at: the first record whose quotes
    do not close or that does not end where a field may end (the csv module, strict, finds it where polars gives
    up without saying where)."""
    lines = io.StringIO(payload.decode("utf-8", errors="replace"), newline="")
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error:
        where = first_line + start - 1
        return (f"texte délimité illisible à partir de la ligne {where} : un guillemet (\") y ouvre un champ qui "
                "n'est pas refermé correctement ; doublez les guillemets d'un texte, ou retirez-les")  # fmt: skip
    return "texte délimité illisible : des lignes n'ont pas la forme d'un tableau (séparateurs, guillemets)"


def read_delimited(data: bytes, extract: Extract) -> RawTable:
    encoding = detect_encoding(data)
    text = as_utf8(data, encoding)  # a large extract is held as few times as possible: bytes read, UTF-8, frame
    # Header candidates only: a long line is data, and the csv module refuses fields over 128 kB.
    head = text[:400_000].decode("utf-8", errors="ignore")  # a character cut at the end is dropped
    lines = [line[:4000] for line in head.splitlines()[:HEADER_SCAN_LINES]]
    delimiter = _sniff_delimiter(lines, extract)
    rows = [next(csv.reader([line], delimiter=delimiter), []) for line in lines]
    header_index = find_header(rows, extract)
    # Position of the header line, so polars parses from there (quotes respected).
    offset = 0
    for _ in range(header_index):
        offset = text.index(b"\n", offset) + 1
    payload = text[offset:] if offset else text
    del text
    try:
        body = pl.read_csv(
            io.BytesIO(payload),
            separator=delimiter,
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
        )
    except Exception as exc:  # polars raises ComputeError and friends on malformed text
        raise FileRejected(_unreadable_text(payload, delimiter, first_line=header_index + 1)) from exc
    if body.height == 0:
        raise FileRejected("fichier sans contenu")
    header = [str(v) if v is not None else "" for v in body.row(0)]
    table = RawTable(frame=body, format="csv", encoding=encoding, delimiter=delimiter)
    # Line numbers are physical lines of the file (1-based); the header is line header_index + 1.
    return _canonical_frame(header, body.slice(1), header_index + 2, extract, table)


def read_xlsx(data: bytes, extract: Extract) -> RawTable:
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
        sheet = next((n for n in names if normalise_header(n) == extract.name), names[0] if names else None)
        if sheet is None:
            raise FileRejected("classeur sans feuille")
        body = pl.DataFrame(reader.load_sheet(sheet, header_row=None, dtypes="string", eager=True))
    except FileRejected:
        raise
    except Exception as exc:  # calamine reports zip and XML errors of a damaged workbook
        raise FileRejected(f"classeur XLSX illisible, tronqué ou corrompu ({type(exc).__name__})") from exc
    if body.height == 0:
        raise FileRejected("classeur vide")
    rows = [[str(v) if v is not None else "" for v in body.row(i)] for i in range(min(body.height, HEADER_SCAN_LINES))]
    header_index = find_header(rows, extract)
    table = RawTable(frame=body, format="xlsx")
    return _canonical_frame(rows[header_index], body.slice(header_index + 1), header_index + 2, extract, table)


# The readers by format (sniffed from the content, never the file name).
READERS: dict[str, Callable[[bytes, Extract], RawTable]] = {  # delimited text and XLSX
    "text": read_delimited,
    "xlsx": read_xlsx,
}  # JSON and XML: DECP files, read by pipeline/ingest/decp.py
FORMAT_NAMES = {"text": "texte délimité (CSV)", "xlsx": "classeur XLSX", "json": "JSON", "xml": "XML"}


def read_extract(path: Path, extract: Extract, limits: Limits = DEFAULT) -> RawTable:
    """Read one file of raw/<extract>/; raises FileRejected with a reason a person understands."""
    try:
        check_size(path, limits)
        data = path.read_bytes()
    except OSError as exc:
        raise FileRejected(f"fichier illisible ({exc.strerror})") from exc
    fmt = sniff_format(data)
    if fmt not in extract.formats:
        accepted = ", ".join(FORMAT_NAMES[f] for f in extract.formats)
        raise FileRejected(f"fichier {FORMAT_NAMES[fmt]} : raw/{extract.name}/ accepte {accepted}")
    if fmt in ("json", "xml"):
        return read_decp(data, fmt, limits)
    (check_text if fmt == "text" else check_xlsx)(data, limits)
    return READERS[fmt](data, extract)
