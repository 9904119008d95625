"""All the files of one kind of extract -> the loaded rows, the quarantine, and one line per file.

Per file (cached by content hash, so an unchanged file is not read again): read, validate, pseudonymise, find
duplicates and conflicts, and write its valid rows as Parquet. Small files are read two at a time and validated
in one pass (each as if alone: validate_many); a large one is parsed alone, two at a time. Across files
(recomputed every run from those Parquet files, so a rebuild from raw/ alone gives the same result):
later-file-wins by key, the facilitator-month replacement for hours, and holding hour rows whose contract
or participant is not known yet. The loaded rows stay a lazy query over the Parquet files until they are
written: ten million hour rows never sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.extracts import parsing
from pipeline.extracts.kinds import Extract
from pipeline.extracts.raw import LINE_COLUMN, FileRejected, RawTable
from pipeline.extracts.rules import MESSAGES
from pipeline.ingest.files import content_id, list_files, unreadable_reason
from pipeline.ingest.fingerprints import cache_dir
from pipeline.ingest.readers import read_extract
from pipeline.ingest.validate import MASK, Validated, empty_errors, protected, validate, validate_many
from pipeline.settings import Settings
from pipeline.timing import stage

log = logging.getLogger(__name__)

PARSE_THREADS = 2

FILE_COLUMNS = {
    "chemin": pl.String, "type_extrait": pl.String, "sha256": pl.String, "taille_octets": pl.Int64,
    "date_depot": pl.Date, "format": pl.String, "encodage": pl.String, "statut": pl.String, "motif": pl.String,
    "colonnes_ignorees": pl.String, "lignes_lues": pl.Int64, "lignes_chargees": pl.Int64,
    "lignes_quarantaine": pl.Int64, "lignes_en_attente": pl.Int64, "lignes_remplacees": pl.Int64,
    "expediteur": pl.String, "entetes": pl.String, "groupes_declares": pl.String,
}  # fmt: skip
QUARANTINE_COLUMNS = {
    "chemin": pl.String, "type_extrait": pl.String, "ligne": pl.Int64, "colonne": pl.String, "regle": pl.String,
    "motif": pl.String, "valeur": pl.String, "statut": pl.String, "depuis": pl.Date,
}  # fmt: skip


@dataclass
class ParsedFile:
    chemin: str
    sha256: str | None  # None for a file rejected unread
    size: int
    deposited: dt.date
    rows: Path | None  # its valid rows (_ligne and the typed columns), as Parquet in the cache; None if rejected
    errors: pl.DataFrame  # _ligne, colonne, regle, valeur
    meta: dict  # format, encodage, statut, motif, colonnes_ignorees, lignes_lues


@dataclass
class IngestResult:
    extract: Extract
    loaded: pl.LazyFrame  # collected (or written) by the caller
    quarantine: pl.DataFrame
    files: pl.DataFrame
    appended: bool = False  # `loaded` holds the new files' rows alone, to add to the earlier ones


@dataclass
class Previous:
    """The landing tables as the earlier run left them, built from the first files of today's listing."""

    files: pl.DataFrame  # one line per file (FILE_COLUMNS)
    held: pl.DataFrame  # their held rows: _ligne, colonne, regle, valeur, fichier
    columns: list[str]  # of the loaded rows' table


def within_file_duplicates(rows: pl.DataFrame, key: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Exact copies count once (the copies are DOUBLON); same key, other values: all CONFLIT."""
    # Only rows sharing their key can be copies or conflicts: the whole rows are compared among those alone.
    candidates = rows.filter(pl.struct(key).is_duplicated())
    values = [c for c in rows.columns if c != LINE_COLUMN]
    copies = candidates.filter(~pl.struct(values).is_first_distinct())
    candidates = candidates.filter(~pl.col(LINE_COLUMN).is_in(copies[LINE_COLUMN].implode()))
    conflicts = candidates.filter(pl.struct(key).is_duplicated())
    if copies.height or conflicts.height:
        dropped = pl.concat([copies[LINE_COLUMN], conflicts[LINE_COLUMN]])
        rows = rows.filter(~pl.col(LINE_COLUMN).is_in(dropped.implode()))

    def as_errors(frame: pl.DataFrame, rule: str) -> pl.DataFrame:
        return frame.select(
            pl.col(LINE_COLUMN),
            pl.lit(",".join(key)).alias("colonne"),
            pl.lit(rule).alias("regle"),
            pl.lit(None, pl.String).alias("valeur"),
        )

    return rows, pl.concat([as_errors(copies, "DOUBLON"), as_errors(conflicts, "CONFLIT")])


def parse_file(path: Path, extract: Extract, settings: Settings) -> tuple[pl.DataFrame | None, pl.DataFrame, dict]:
    """One file's valid rows (None when the file is rejected), its errors, and what is known of it."""
    table, meta = _read(path, extract, settings)
    if table is None:
        return None, empty_errors(), meta
    with stage("validation"):
        checked = validate(table.frame, extract, settings.as_of, settings.pseudonym_key)
    return _finish(table, checked, extract, meta)


def _read(path: Path, extract: Extract, settings: Settings) -> tuple[RawTable | None, dict]:
    """The file's text rows (None when it is rejected) and what is known of it so far."""
    meta: dict = {"format": None, "encodage": None, "statut": "CHARGE", "motif": None, "colonnes_ignorees": None}
    meta.update(lignes_lues=0, expediteur=None, entetes="{}")  # None: from its name, which the cache does not key
    try:
        with stage("lecture"):
            table = read_extract(path, extract, settings.limits)
    except FileRejected as exc:
        meta.update(statut="REJETE", motif=str(exc))
        return None, meta
    meta.update(
        format=table.format, encodage=table.encoding, colonnes_ignorees=", ".join(table.ignored_columns) or None,
        expediteur=_sender(table, extract), entetes=json.dumps(table.headers, ensure_ascii=False),
    )  # fmt: skip
    return table, meta


def _finish(table: RawTable, checked: Validated, extract: Extract, meta: dict):
    """The checked rows less the duplicates within the file, and every error of the file, values protected."""
    table.frame = table.frame.clear()  # the text as read is not needed past validation (0.7 GB for a 300 MB file)
    if table.format in ("json", "xml"):
        # DECP: a contract published again further down the file is a republication; the last record
        # replaces the earlier ones, as a later file would (counted in lignes_remplacees).
        rows, extra = checked.rows, []
    else:
        with stage("validation"):
            rows, duplicates = within_file_duplicates(checked.rows, list(extract.key))
        extra = [duplicates]
    if table.repeated_header_lines:
        repeated = pl.DataFrame({LINE_COLUMN: table.repeated_header_lines}, schema={LINE_COLUMN: pl.Int64})
        extra.append(
            repeated.with_columns(
                colonne=pl.lit(None, pl.String), regle=pl.lit("EN_TETE_REPETEE"), valeur=pl.lit(None, pl.String)
            )
        )
    if table.set_aside is not None:
        extra.append(table.set_aside)
    errors = pl.concat([checked.errors, *[e.select(checked.errors.columns) for e in extra]]).sort(LINE_COLUMN)
    errors = errors.with_columns(protected(pl.col("valeur"), bool(extract.personal)).alias("valeur"))  # before caching
    meta["lignes_lues"] = rows.height + errors.height
    meta["date_max"] = checked.latest_date.isoformat() if checked.latest_date else None
    return rows, errors, meta


UNATTRIBUTED = "NON_ATTRIBUE"


FACILITATOR_IN_NAME = re.compile(r"(?<![A-Za-z0-9])F_?([1-9])(?![0-9])")


def _sender_by_name(name: str, extract: Extract) -> str:
    """Whom the returns of a file rejected before its rows could be read go to: the extract's fixed sender, or the
    facilitator its name gives (« 2026-12-05_F3_heures_novembre.csv »), NON_ATTRIBUE without one."""
    if extract.sender_code or extract.sender_column is None:
        return extract.sender_code or UNATTRIBUTED
    found = FACILITATOR_IN_NAME.search(name)
    return f"F{found.group(1)}" if found else UNATTRIBUTED


def _sender(table: RawTable, extract: Extract) -> str | None:
    """Whom the file's returns go to: the extract's fixed sender, or the facilitator most of its rows name (None:
    the one its file name gives, worked out in load_file, since two files of one content share a cache entry)."""
    if extract.sender_code or extract.sender_column not in table.frame.columns:
        return extract.sender_code
    column = next(c for c in extract.columns if c.name == extract.sender_column)
    values = table.frame[column.name]
    codes = values.replace_strict(parsing.code_mapping(column.name, column.codes, values), default=None,
                                  return_dtype=pl.String).drop_nulls()  # fmt: skip
    return str(codes.mode().sort()[0]) if codes.len() else None


def _reusable(meta: dict, as_of: dt.date) -> bool:
    """Whether a file parsed at the as-of date of its entry validates the same at `as_of`.

    The as-of date only bounds dates (no month or date after it, no amendment dated after it): a file whose every
    date, amendments' included, is on or before both dates gives the same rows and errors at either."""
    if meta.get("arrete") == as_of.isoformat():
        return True
    if "arrete" not in meta:
        return False
    latest = dt.date.fromisoformat(meta["date_max"]) if meta.get("date_max") else dt.date.min
    return latest <= min(dt.date.fromisoformat(meta["arrete"]), as_of)


def prune_cache(extract: Extract, settings: Settings, kept: set[str]) -> None:
    """Drop what no current file needs: the entries of contents no longer in raw/<extract>/, and the folders of
    another code version or key (at 10 M hour rows, each is about 0.5 GB)."""
    current = cache_dir(settings, extract)
    for folder in current.parent.iterdir() if current.parent.is_dir() else ():
        if folder != current:
            shutil.rmtree(folder, ignore_errors=True)
    for entry in current.iterdir() if current.is_dir() else ():
        if entry.name.split(".", 1)[0] not in kept:
            entry.unlink(missing_ok=True)


_ENTRY_LOCKS: dict[str, threading.Lock] = {}


Entry = tuple[dict, pl.DataFrame]  # a cache entry: what is known of the file, and its errors


def _reusable_meta(sha: str, extract: Extract, settings: Settings) -> dict | None:
    """What an earlier run parsed of this content, when it holds at today's as-of date (never with --complet)."""
    meta_path = cache_dir(settings, extract) / f"{sha}.json"
    if not meta_path.exists() or settings.complet:
        return None
    with stage("lecture"):
        meta = json.loads(meta_path.read_text())
    return meta if _reusable(meta, settings.as_of) else None


def _cached(sha: str, extract: Extract, settings: Settings) -> Entry | None:
    meta = _reusable_meta(sha, extract, settings)
    if meta is None:
        return None
    with stage("lecture"):
        return meta, pl.read_parquet(cache_dir(settings, extract) / f"{sha}.errors.parquet")


def _store(sha: str, parsed: tuple, extract: Extract, settings: Settings) -> Entry:
    rows, errors, meta = parsed
    meta["arrete"] = settings.as_of.isoformat()
    cache = cache_dir(settings, extract)
    meta_path = cache / f"{sha}.json"
    with stage("chargement"):
        meta_path.unlink(missing_ok=True)  # an entry being rewritten is not whole
        cache.mkdir(parents=True, exist_ok=True)
        if rows is not None:
            rows.write_parquet(cache / f"{sha}.rows.parquet")
        errors.write_parquet(cache / f"{sha}.errors.parquet")
        meta_path.write_text(json.dumps(meta))  # written last: its presence means the cache entry is whole
    return meta, errors


def _cached_or_parsed(path: Path, sha: str, extract: Extract, settings: Settings, fresh: dict[str, Entry]) -> Entry:
    """The file's cache entry (what it holds and its errors), parsed into the cache first if need be."""
    if sha in fresh:  # parsed by this run, together with other small files
        return dict(fresh[sha][0]), fresh[sha][1]
    return _cached(sha, extract, settings) or _store(sha, parse_file(path, extract, settings), extract, settings)


TOGETHER_BYTES = 1 << 20  # files up to this size, and batches up to it, are validated together (validate_many)


def parse_together(files: list[Path], extract: Extract, settings: Settings) -> dict[str, Entry]:
    """Into the cache, the small files whose content is not there yet: read one by one, validated together.

    At 1x, the 46 monthly timesheets are validated in 0.1 s instead of 1.3 s. A file over 1 MB is parsed alone by
    load_file, as before: larger batches saved no time at 100x and raised its peak memory by 150 MB."""
    todo: dict[str, tuple[Path, int]] = {}
    for path in files:
        try:
            size = path.stat().st_size
        except OSError:  # gone since: load_file reports it
            continue
        if size > TOGETHER_BYTES:  # hashed by load_file, two at a time, as before
            continue
        with stage("lecture"):
            sha = content_id(path, settings.raw_dir)  # memoised: load_file asks again for free
        if sha.startswith(("refuse:", "illisible:")) or sha in todo:
            continue
        if _reusable_meta(sha, extract, settings) is None:
            todo[sha] = (path, size)
    fresh: dict[str, Entry] = {}
    batch: list[tuple[str, Path]] = []
    batch_bytes = 0
    for n, (sha, (path, size)) in enumerate(todo.items()):
        batch.append((sha, path))
        batch_bytes += size
        if n + 1 == len(todo) or batch_bytes >= TOGETHER_BYTES:
            fresh.update(_parse_batch(batch, extract, settings))
            batch, batch_bytes = [], 0
    return fresh


def _parse_batch(batch: list[tuple[str, Path]], extract: Extract, settings: Settings) -> dict[str, Entry]:
    with ThreadPoolExecutor(PARSE_THREADS) as pool:
        read = list(pool.map(lambda item: _read(item[1], extract, settings), batch))
    tables = [table for table, _ in read if table is not None]
    with stage("validation"):
        checked = iter(validate_many([t.frame for t in tables], extract, settings.as_of, settings.pseudonym_key))
    entries = {}
    for (sha, _), (table, meta) in zip(batch, read, strict=True):
        parsed = (None, empty_errors(), meta) if table is None else _finish(table, next(checked), extract, meta)
        entries[sha] = _store(sha, parsed, extract, settings)
    return entries


def load_file(path: Path, extract: Extract, settings: Settings, fresh: dict[str, Entry] | None = None) -> ParsedFile:
    """Parse a file into the cache, unless its content was already parsed there (or by parse_together). A file
    that cannot or must not be read is rejected with its reason, and the run goes on."""
    chemin = path.relative_to(settings.raw_dir).as_posix()
    with stage("lecture"):
        sha = content_id(path, settings.raw_dir)
    if sha.startswith(("refuse:", "illisible:")):
        return _rejected_unread(chemin, path, extract, sha.partition(":")[2])
    with _ENTRY_LOCKS.setdefault(sha, threading.Lock()):  # two files of one content: one parses, one reuses
        meta, errors = _cached_or_parsed(path, sha, extract, settings, fresh or {})
    rows_path = cache_dir(settings, extract) / f"{sha}.rows.parquet"
    try:
        stat = path.stat()
    except OSError as exc:  # gone once parsed: what was read stands, and the next run will see it is gone
        return _rejected_unread(chemin, path, extract, unreadable_reason(exc))
    meta["expediteur"] = meta["expediteur"] or _sender_by_name(path.name, extract)
    loaded = rows_path if meta["statut"] == "CHARGE" else None
    return ParsedFile(chemin, sha, stat.st_size, dt.date.fromtimestamp(stat.st_mtime), loaded, errors, meta)


def _rejected_unread(chemin: str, path: Path, extract: Extract, reason: str) -> ParsedFile:
    """A file reported without being read: no hash, no size of what it points to, its reason."""
    meta = {"format": None, "encodage": None, "statut": "REJETE", "motif": reason, "colonnes_ignorees": None,
            "lignes_lues": 0, "expediteur": _sender_by_name(path.name, extract), "entetes": "{}"}  # fmt: skip
    try:
        when = dt.date.fromtimestamp(path.lstat().st_mtime)
    except OSError:
        when = dt.date.today()
    return ParsedFile(chemin, None, None, when, None, empty_errors(), meta)


def _winners(extract: Extract) -> pl.Expr:
    """True for the row of each key that no later file replaces (the extract's priority first)."""
    order = [pl.col("_ordre"), pl.col(LINE_COLUMN)]
    if extract.priority is not None:
        order = [extract.priority, *order]
    return pl.struct(order).rank("ordinal", descending=True).over(list(extract.key)) == 1


def _latest_statements(rows: pl.LazyFrame, groups: list[str]) -> tuple[pl.DataFrame, dict[str, int], dict[str, str]]:
    """A file that states whole groups (hours: a facilitator's months): for each group the latest file holding
    it wins. Worked out on one small count per file and group: the winning (_ordre, *groups), the rows each
    file loses, and the groups each file states ("F1:2024-01,F1:2024-02": when each month first arrived)."""
    counts = rows.group_by("_ordre", "fichier", *groups).len().collect()
    counts = counts.with_columns(_dernier=pl.col("_ordre").max().over(groups))
    replaced = counts.filter(pl.col("_ordre") != pl.col("_dernier")).group_by("fichier").agg(pl.col("len").sum())
    winners = counts.filter(pl.col("_ordre") == pl.col("_dernier")).select("_ordre", *groups)
    named = pl.concat_str([pl.col(g).cast(pl.String).str.slice(0, 7) for g in groups], separator=":")
    stated = counts.group_by("fichier").agg(named.sort().str.join(",").alias("groupes"))
    return winners, {str(f): int(n) for f, n in replaced.iter_rows()}, {str(f): g for f, g in stated.iter_rows()}


def _replaced(extract: Extract, rows: pl.LazyFrame) -> tuple[pl.LazyFrame, dict[str, int], dict[str, str]]:
    """The rows no later file replaces, how many each file lost, and the groups each file states (if any)."""
    if extract.statement:
        winners, counts, stated = _latest_statements(rows, list(extract.statement))
        keys = pl.struct("_ordre", *extract.statement)
        # A filter on the few winning groups, not a join: polars' streaming join holds the 10 M rows (+1.6 GB).
        return rows.filter(keys.is_in(winners.select(keys).to_series().implode())), counts, stated
    ranked = rows.with_columns(_gagnant=_winners(extract)).collect()  # a few million rows at most: in memory
    if extract.episodes:
        ranked = ranked.with_columns(_gagnant=pl.col("_gagnant") & ~_overlapped(ranked, extract))
    counts = {str(f): n for f, n in ranked.filter(~pl.col("_gagnant")).group_by("fichier").len().iter_rows()}
    return ranked.filter(pl.col("_gagnant")).drop("_gagnant").lazy(), counts, {}


def _overlapped(rows: pl.DataFrame, extract: Extract) -> pl.Series:
    """True for a key winner whose episode a later row of the same path overlaps (an entry date corrected, not a
    re-entry): that later row describes the same episode."""
    start, end = extract.episodes
    path = extract.key[0]
    far = dt.date.max
    episodes = (
        rows.with_row_index("_i")
        .filter(pl.col("_gagnant"))
        .select(
            "_i", path, "_ordre", LINE_COLUMN, pl.col(start).alias("_debut"), pl.col(end).fill_null(far).alias("_fin")
        )
    )
    later = episodes.join(episodes, on=path, suffix="_autre").filter(
        (pl.col("_debut") <= pl.col("_fin_autre"))
        & (pl.col("_debut_autre") <= pl.col("_fin"))
        & (
            (pl.col("_ordre_autre") > pl.col("_ordre"))
            | ((pl.col("_ordre_autre") == pl.col("_ordre")) & (pl.col(f"{LINE_COLUMN}_autre") > pl.col(LINE_COLUMN)))
        )
    )
    return pl.Series(range(rows.height)).is_in(later["_i"].implode())


def _hold_unknown(
    extract: Extract, rows: pl.LazyFrame, known: dict[str, pl.Series]
) -> tuple[pl.DataFrame, pl.LazyFrame]:
    """Rows naming a value another extract does not hold (yet): the held rows, and the others. The first of the
    extract's references that a row misses is the one reported."""
    flags = []
    for ref in extract.references:
        flag = f"_{ref.column}_connu"
        flags.append((ref, ~pl.col(flag)))
        # is_in, not a left join: at 10 M hour rows and 2 M known keys, 1.3 GB at most instead of 2.9 (measured).
        # The known values as they come: made unique first, 2.6 M paths cost 0.4 s more for nothing.
        values = known.get(ref.column)
        known_here = pl.lit(True) if values is None else pl.col(ref.column).is_in(values.implode())
        rows = rows.with_columns(known_here.fill_null(False).alias(flag))
    if not flags:
        return empty_errors().with_columns(pl.lit(None, pl.String).alias("fichier")), rows

    def first_missing(value) -> pl.Expr:
        expr = pl.lit(None, pl.String)
        for ref, missing in reversed(flags):
            expr = pl.when(missing).then(value(ref)).otherwise(expr)
        return expr

    unknown = pl.any_horizontal([missing for _, missing in flags])
    held = rows.filter(unknown).select(
        pl.col(LINE_COLUMN),
        first_missing(lambda ref: pl.lit(ref.sender_column)).alias("colonne"),
        first_missing(lambda ref: pl.lit(ref.rule)).alias("regle"),
        first_missing(lambda ref: pl.col(ref.column).cast(pl.String) if ref.shown else pl.lit(MASK)).alias("valeur"),
        pl.col("fichier").cast(pl.String),
    )
    return held.collect(), rows.filter(~unknown).drop(f"_{ref.column}_connu" for ref, _ in flags)


def empty_loaded(extract: Extract, settings: Settings) -> pl.LazyFrame:
    """No file yet: an empty table with the columns the warehouse expects."""
    raw = pl.DataFrame(schema={LINE_COLUMN: pl.Int64, **{c.name: pl.String for c in extract.columns}})
    rows = validate(raw, extract, settings.as_of, settings.pseudonym_key).rows
    rows = rows.with_columns(
        pl.lit(None, pl.Int32).alias("ordre_fichier"), pl.lit(None, pl.Categorical).alias("fichier")
    )
    rows = rows.rename({LINE_COLUMN: "ligne"}).lazy()
    return extract.finish(rows, settings) if extract.finish else rows


def ingest(
    extract: Extract,
    settings: Settings,
    known: dict[str, pl.Series] | None = None,
    previous: Previous | None = None,
) -> IngestResult:
    """Every file of raw/<extract>/. `known` holds, for each column the extract refers by, the loaded values
    (hours: the contracts and the paths); a reference with no known values holds nothing. With `previous`, the
    rows of the files after its own alone, when that gives the same tables (`_appended`)."""
    files = list_files(settings.raw_dir, extract)
    fresh = parse_together(files, extract, settings)
    with ThreadPoolExecutor(PARSE_THREADS) as pool:
        parsed = list(pool.map(lambda f: load_file(f, extract, settings, fresh), files))
    prune_cache(extract, settings, {p.sha256 for p in parsed})
    with stage("validation"):  # across files: replacements, held rows, the accounting
        appended = _appended(extract, parsed, known or {}, previous) if previous is not None else None
        return appended or _assemble(extract, settings, parsed, known or {})


def _scans(parsed: list[ParsedFile], first: int = 0) -> list[pl.LazyFrame]:
    # The file's path on every row: categorical, 4 bytes a row instead of the path (at 10 M rows, about 1 GB less).
    return [
        pl.scan_parquet(p.rows).with_columns(
            pl.lit(i, pl.Int32).alias("_ordre"), pl.lit(p.chemin, pl.Categorical).alias("fichier")
        )
        for i, p in enumerate(parsed)
        if i >= first and p.rows is not None
    ]


def _appended(
    extract: Extract, parsed: list[ParsedFile], known: dict[str, pl.Series], previous: Previous
) -> IngestResult | None:
    """The new files' rows alone, when adding them to the earlier ones gives what all files would: files that
    state whole groups (hours), none of them stating a group an earlier file states. The earlier files' rows,
    held rows and counts stand as they were (the caller has checked they were built from the same files, at an
    as-of date that loads them the same, with the same known values). None when the new files replace rows."""
    first = previous.files.height
    stated_before = {g for groups in previous.files["groupes_declares"].drop_nulls() for g in groups.split(",")}
    frames = _scans(parsed, first)
    if not extract.statement or extract.finish or not frames:
        return None
    current, replaced, stated = _replaced(extract, pl.concat(frames, how="diagonal_relaxed"))
    if stated_before & {g for groups in stated.values() for g in groups.split(",")}:
        return None
    held, current = _hold_unknown(extract, current, known)
    loaded = current.rename({LINE_COLUMN: "ligne", "_ordre": "ordre_fichier"})
    if not set(loaded.collect_schema().names()) <= set(previous.columns):
        return None
    before = previous.files.filter(pl.col("lignes_remplacees") > 0)
    replaced = {**dict(before.select("chemin", "lignes_remplacees").iter_rows()), **replaced}
    stated = {**dict(previous.files.select("chemin", "groupes_declares").iter_rows()), **stated}
    held = pl.concat([previous.held, held], how="vertical_relaxed")
    return IngestResult(extract, loaded, *_accounting(extract, parsed, held, replaced, stated), appended=True)


def _assemble(extract: Extract, settings: Settings, parsed: list[ParsedFile], known: dict[str, pl.Series]):
    frames = _scans(parsed)
    held = empty_errors().with_columns(pl.lit(None, pl.String).alias("fichier"))
    if not frames:
        return IngestResult(extract, empty_loaded(extract, settings), *_accounting(extract, parsed, held, {}))
    current, replaced, stated = _replaced(extract, pl.concat(frames, how="diagonal_relaxed"))
    if extract.references:
        held, current = _hold_unknown(extract, current, known)
    loaded = current.rename({LINE_COLUMN: "ligne", "_ordre": "ordre_fichier"})
    if extract.finish:
        loaded = extract.finish(loaded, settings)
    return IngestResult(extract, loaded, *_accounting(extract, parsed, held, replaced, stated))


def _accounting(
    extract: Extract,
    parsed: list[ParsedFile],
    held: pl.DataFrame,
    replaced: dict[str, int],
    stated: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The quarantine (rejected and held rows) and one line per file: read = loaded + quarantined + held."""
    deposited = {p.chemin: p.deposited for p in parsed}
    quarantine = [
        p.errors.with_columns(pl.lit(p.chemin).alias("fichier"), pl.lit("REJETEE").alias("statut"))
        for p in parsed
        if p.errors.height
    ]
    quarantine.append(held.with_columns(pl.lit("EN_ATTENTE").alias("statut")))
    frame = pl.concat([q.select(LINE_COLUMN, "colonne", "regle", "valeur", "fichier", "statut") for q in quarantine])
    frame = frame.select(
        pl.col("fichier").alias("chemin"),
        pl.lit(extract.name).alias("type_extrait"),
        pl.col(LINE_COLUMN).alias("ligne"),
        "colonne",
        "regle",
        pl.col("regle").replace_strict(MESSAGES, default="règle non respectée").alias("motif"),
        "valeur",
        "statut",
        pl.col("fichier").replace_strict(deposited, default=None, return_dtype=pl.Date).alias("depuis"),
    ).cast(QUARANTINE_COLUMNS)
    held_counts = dict(held.group_by("fichier").len().iter_rows()) if held.height else {}
    files = []
    for p in parsed:
        waiting, quarantined, read = held_counts.get(p.chemin, 0), p.errors.height, p.meta["lignes_lues"]
        files.append({
            "chemin": p.chemin, "type_extrait": extract.name, "sha256": p.sha256, "taille_octets": p.size,
            "date_depot": p.deposited, "format": p.meta["format"], "encodage": p.meta["encodage"],
            "statut": p.meta["statut"], "motif": p.meta["motif"], "colonnes_ignorees": p.meta["colonnes_ignorees"],
            "lignes_lues": read, "lignes_chargees": read - quarantined - waiting, "lignes_quarantaine": quarantined,
            "lignes_en_attente": waiting, "lignes_remplacees": replaced.get(p.chemin, 0),
            "expediteur": p.meta["expediteur"], "entetes": p.meta["entetes"],
            "groupes_declares": (stated or {}).get(p.chemin),
        })  # fmt: skip
    return frame, pl.DataFrame(files, schema=FILE_COLUMNS)
