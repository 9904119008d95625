"""All the files of one kind of extract -> the loaded rows, the quarantine, and one line per file.

Per file, two files at a time (cached by content hash, so an unchanged file is not read again): read,
validate, pseudonymise, find duplicates and conflicts, and write its valid rows as Parquet. Across files
(recomputed every run from those Parquet files, so a rebuild from raw/ alone gives the same result):
later-file-wins by key, the facilitator-month replacement for hours, and holding hour rows whose contract
or participant is not known yet. The loaded rows stay a lazy query over the Parquet files until they are
written: ten million hour rows never sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.extracts import COLUMNS
from pipeline.fingerprint import code_fingerprint, file_sha256, fingerprint, settings_fingerprint
from pipeline.readers import LINE_COLUMN, FileRejected, read_extract
from pipeline.settings import Settings
from pipeline.timing import stage
from pipeline.validate import MESSAGES, empty_errors, validate

log = logging.getLogger(__name__)

IGNORED_NAMES = {"readme", "readme.md", "readme.txt", ".gitkeep"}
# polars and DuckDB release the GIL: two files parsed at once keep both cores busy (measured: x1.36).
PARSE_THREADS = 2

FILE_COLUMNS = {
    "chemin": pl.String,
    "type_extrait": pl.String,
    "sha256": pl.String,
    "taille_octets": pl.Int64,
    "date_depot": pl.Date,
    "format": pl.String,
    "encodage": pl.String,
    "statut": pl.String,
    "motif": pl.String,
    "colonnes_ignorees": pl.String,
    "lignes_lues": pl.Int64,
    "lignes_chargees": pl.Int64,
    "lignes_quarantaine": pl.Int64,
    "lignes_en_attente": pl.Int64,
    "lignes_remplacees": pl.Int64,
}
QUARANTINE_COLUMNS = {
    "chemin": pl.String,
    "type_extrait": pl.String,
    "ligne": pl.Int64,
    "colonne": pl.String,
    "regle": pl.String,
    "motif": pl.String,
    "valeur": pl.String,
    "statut": pl.String,
    "depuis": pl.Date,
}


@dataclass
class ParsedFile:
    chemin: str
    sha256: str
    size: int
    deposited: dt.date
    rows: Path | None  # its valid rows (_ligne and the typed columns), as Parquet in the cache; None if rejected
    errors: pl.DataFrame  # _ligne, colonne, regle, valeur
    meta: dict  # format, encodage, statut, motif, colonnes_ignorees, lignes_lues


@dataclass
class IngestResult:
    kind: str
    loaded: pl.LazyFrame  # collected (or written) by the caller
    quarantine: pl.DataFrame
    files: pl.DataFrame


def list_files(raw_dir: Path, kind: str) -> list[Path]:
    """The files of raw/<kind>/, in the lexical order of their paths (the order that decides replacements)."""
    folder = raw_dir / kind
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


def kind_fingerprint(kind: str, settings: Settings, upstream: str = "") -> str:
    """The files of raw/<kind>/ by content, under this code and these settings (for hours: and their contracts
    and people, through `upstream`). Equal fingerprints, equal landing tables."""
    files = [
        f"{p.relative_to(settings.raw_dir).as_posix()}:{file_sha256(p)}" for p in list_files(settings.raw_dir, kind)
    ]
    return fingerprint(settings_fingerprint(settings), kind, upstream, *files)


def within_file_duplicates(rows: pl.DataFrame, key: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Exact copies count once (the copies are DOUBLON); same key, other values: all CONFLIT."""
    values = [c for c in rows.columns if c != LINE_COLUMN]
    copies = rows.filter(pl.struct(values).is_duplicated() & ~pl.struct(values).is_first_distinct())
    rows = rows.join(copies.select(LINE_COLUMN), on=LINE_COLUMN, how="anti")
    conflicts = rows.filter(pl.struct(key).is_duplicated())
    rows = rows.join(conflicts.select(LINE_COLUMN), on=LINE_COLUMN, how="anti")

    def as_errors(frame: pl.DataFrame, rule: str) -> pl.DataFrame:
        return frame.select(
            pl.col(LINE_COLUMN),
            pl.lit(",".join(key)).alias("colonne"),
            pl.lit(rule).alias("regle"),
            pl.lit(None, pl.String).alias("valeur"),
        )

    return rows, pl.concat([as_errors(copies, "DOUBLON"), as_errors(conflicts, "CONFLIT")])


def parse_file(path: Path, kind: str, settings: Settings) -> tuple[pl.DataFrame | None, pl.DataFrame, dict]:
    """One file's valid rows (None when the file is rejected), its errors, and what is known of it."""
    meta = {
        "format": None,
        "encodage": None,
        "statut": "CHARGE",
        "motif": None,
        "colonnes_ignorees": None,
        "lignes_lues": 0,
    }
    try:
        with stage("lecture"):
            table = read_extract(path, kind)
    except FileRejected as exc:
        meta.update(statut="REJETE", motif=str(exc))
        return None, empty_errors(), meta
    meta.update(
        format=table.format, encodage=table.encoding, colonnes_ignorees=", ".join(table.ignored_columns) or None
    )
    with stage("validation"):
        checked = validate(table.frame, kind, settings.as_of, settings.pseudonym_key)
    if table.format in ("json", "xml"):
        # DECP: a contract published again further down the file is a republication; the last record
        # replaces the earlier ones, as a later file would (counted in lignes_remplacees).
        rows, extra = checked.rows, []
    else:
        with stage("validation"):
            rows, duplicates = within_file_duplicates(checked.rows, list(KEYS[kind]))
        extra = [duplicates]
    if table.repeated_header_lines:
        extra.append(
            pl.DataFrame({LINE_COLUMN: table.repeated_header_lines}, schema={LINE_COLUMN: pl.Int64}).with_columns(
                colonne=pl.lit(None, pl.String), regle=pl.lit("EN_TETE_REPETEE"), valeur=pl.lit(None, pl.String)
            )
        )
    if table.set_aside is not None:
        extra.append(table.set_aside)
    errors = pl.concat([checked.errors, *[e.select(checked.errors.columns) for e in extra]]).sort(LINE_COLUMN)
    meta["lignes_lues"] = rows.height + errors.height
    return rows, errors, meta


# Keys after pseudonymisation: the facilitator's reference is only known as parcours_id.
KEYS = {
    "marches": ("id_marche",),
    "participants": ("parcours_id",),
    "heures": ("parcours_id", "id_marche", "employeur_siret", "mois"),
}


def _cache_dir(settings: Settings, kind: str) -> Path:
    # Validation depends on the code, the as-of date, and the pseudonyms on the key: all are part of the cache key.
    salt = fingerprint(code_fingerprint(), settings.as_of, settings.pseudonym_key)[:16]
    return settings.cache_dir / kind / salt


def prune_cache(kind: str, settings: Settings, kept: set[str]) -> None:
    """Drop what no current file needs: the entries of contents no longer in raw/<kind>/, and the folders of
    another code version, as-of date or key (at 10 M hour rows, each is about 0.5 GB)."""
    current = _cache_dir(settings, kind)
    for folder in current.parent.iterdir() if current.parent.is_dir() else ():
        if folder != current:
            shutil.rmtree(folder, ignore_errors=True)
    for entry in current.iterdir() if current.is_dir() else ():
        if entry.name.split(".", 1)[0] not in kept:
            entry.unlink(missing_ok=True)


def load_file(path: Path, kind: str, settings: Settings) -> ParsedFile:
    """Parse a file into the cache, unless its content was already parsed there."""
    chemin = path.relative_to(settings.raw_dir).as_posix()
    with stage("lecture"):
        sha = file_sha256(path)
    cache = _cache_dir(settings, kind)
    meta_path = cache / f"{sha}.json"
    rows_path, errors_path = cache / f"{sha}.rows.parquet", cache / f"{sha}.errors.parquet"
    if meta_path.exists():
        with stage("lecture"):  # from the cache: the file's content was parsed by an earlier run
            meta = json.loads(meta_path.read_text())
            errors = pl.read_parquet(errors_path)
    else:
        rows, errors, meta = parse_file(path, kind, settings)
        with stage("chargement"):
            cache.mkdir(parents=True, exist_ok=True)
            if rows is not None:
                rows.write_parquet(rows_path)
            errors.write_parquet(errors_path)
            meta_path.write_text(json.dumps(meta))  # written last: its presence means the cache entry is whole
    stat = path.stat()
    return ParsedFile(
        chemin,
        sha,
        stat.st_size,
        dt.date.fromtimestamp(stat.st_mtime),
        rows_path if meta["statut"] == "CHARGE" else None,
        errors,
        meta,
    )


def _winners(kind: str) -> pl.Expr:
    """Contracts and participants: true for the row that is not replaced by a later file (one per key)."""
    order = [pl.col("_ordre"), pl.col(LINE_COLUMN)]
    if kind == "marches":
        order = [(pl.col("source") == "EXTRAIT"), *order]  # the Département's own extract wins over DECP
    rank = pl.struct(order).rank("ordinal", descending=True).over(list(KEYS[kind]))
    return rank == 1


def _latest_statements(rows: pl.LazyFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Hours: a timesheet file is the complete statement of its facilitator for the months it holds, so for
    each (facilitateur, mois) the latest file holding it wins. Worked out on one small count per file and
    month: the winning (_ordre, facilitateur, mois), and the rows each file loses."""
    months = rows.group_by("_ordre", "fichier", "facilitateur", "mois").len().collect()
    months = months.with_columns(_dernier=pl.col("_ordre").max().over("facilitateur", "mois"))
    replaced = months.filter(pl.col("_ordre") != pl.col("_dernier")).group_by("fichier").agg(pl.col("len").sum())
    winners = months.filter(pl.col("_ordre") == pl.col("_dernier")).select("_ordre", "facilitateur", "mois")
    return winners, {str(f): int(n) for f, n in replaced.iter_rows()}


def _hold_unknown(
    rows: pl.LazyFrame, known_marches: pl.Series | None, known_parcours: pl.Series | None
) -> tuple[pl.DataFrame, pl.LazyFrame]:
    """Hours whose contract or participant is not loaded (yet): the held rows, and the others."""
    # Joins, not is_in: a list of millions of known keys would be copied into every streamed batch.
    for column, known in (("id_marche", known_marches), ("parcours_id", known_parcours)):
        flag = pl.lit(True).alias(f"_{column}_connu")
        if known is None:
            rows = rows.with_columns(flag)
        else:
            rows = rows.join(known.unique().to_frame(column).lazy().with_columns(flag), on=column, how="left")
    unknown_marche = pl.col("_id_marche_connu").is_null()
    unknown_parcours = pl.col("_parcours_id_connu").is_null()
    held = (
        rows.filter(unknown_marche | unknown_parcours)
        .select(
            pl.col(LINE_COLUMN),
            pl.when(unknown_marche).then(pl.lit("id_marche")).otherwise(pl.lit("id_participant")).alias("colonne"),
            pl.when(unknown_marche)
            .then(pl.lit("MARCHE_INCONNU"))
            .otherwise(pl.lit("PARTICIPANT_INCONNU"))
            .alias("regle"),
            pl.when(unknown_marche).then(pl.col("id_marche")).otherwise(pl.lit("***")).alias("valeur"),
            pl.col("fichier").cast(pl.String),
        )
        .collect()
    )
    return held, rows.filter(~(unknown_marche | unknown_parcours)).drop("_id_marche_connu", "_parcours_id_connu")


def empty_loaded(kind: str, settings: Settings) -> pl.LazyFrame:
    """No file yet: an empty table with the columns the warehouse expects."""
    raw = pl.DataFrame(schema={LINE_COLUMN: pl.Int64, **{c.name: pl.String for c in COLUMNS[kind]}})
    rows = validate(raw, kind, settings.as_of, settings.pseudonym_key).rows
    return (
        rows.with_columns(pl.lit(None, pl.Int32).alias("ordre_fichier"), pl.lit(None, pl.Categorical).alias("fichier"))
        .rename({LINE_COLUMN: "ligne"})
        .lazy()
    )


def ingest(
    kind: str,
    settings: Settings,
    known_marches: pl.Series | None = None,
    known_parcours: pl.Series | None = None,
    progress=None,
) -> IngestResult:
    """Every file of raw/<kind>/. For hours, `known_*` are the loaded contracts and paths."""
    files = list_files(settings.raw_dir, kind)
    parsed: list[ParsedFile] = []
    with ThreadPoolExecutor(PARSE_THREADS) as pool:
        for path, result in zip(files, pool.map(lambda f: load_file(f, kind, settings), files), strict=False):
            parsed.append(result)
            if progress:
                progress(path)

    prune_cache(kind, settings, {p.sha256 for p in parsed})
    with stage("validation"):  # across files: replacements, held rows, the accounting
        return _assemble(kind, settings, parsed, known_marches, known_parcours)


def _assemble(
    kind: str,
    settings: Settings,
    parsed: list[ParsedFile],
    known_marches: pl.Series | None,
    known_parcours: pl.Series | None,
) -> IngestResult:
    # The file's path on every row: categorical, 4 bytes a row instead of the path (at 10 M rows, about 1 GB less).
    frames = [
        pl.scan_parquet(p.rows).with_columns(
            pl.lit(i, pl.Int32).alias("_ordre"), pl.lit(p.chemin, pl.Categorical).alias("fichier")
        )
        for i, p in enumerate(parsed)
        if p.rows is not None
    ]
    held = empty_errors().with_columns(pl.lit(None, pl.String).alias("fichier"))
    if not frames:
        loaded = empty_loaded(kind, settings)
        replaced_counts: dict[str, int] = {}
    else:
        rows = pl.concat(frames, how="diagonal_relaxed")
        if kind == "heures":
            winners, replaced_counts = _latest_statements(rows)
            current = rows.join(winners.lazy(), on=["_ordre", "facilitateur", "mois"], how="semi")
            held, current = _hold_unknown(current, known_marches, known_parcours)
        else:  # a few million rows at most: ranked in memory
            rows = rows.with_columns(_gagnant=_winners(kind)).collect()
            replaced_counts = {
                str(f): n for f, n in rows.filter(~pl.col("_gagnant")).group_by("fichier").len().iter_rows()
            }
            current = rows.filter(pl.col("_gagnant")).drop("_gagnant").lazy()
        loaded = current.rename({LINE_COLUMN: "ligne", "_ordre": "ordre_fichier"})

    deposited = {p.chemin: p.deposited for p in parsed}
    held_counts = dict(held.group_by("fichier").len().iter_rows()) if held.height else {}
    quarantine = [
        p.errors.with_columns(pl.lit(p.chemin).alias("fichier"), pl.lit("REJETEE").alias("statut"))
        for p in parsed
        if p.errors.height
    ]
    quarantine.append(held.with_columns(pl.lit("EN_ATTENTE").alias("statut")))
    quarantine_frame = pl.concat(
        [q.select(LINE_COLUMN, "colonne", "regle", "valeur", "fichier", "statut") for q in quarantine]
    )
    quarantine_frame = quarantine_frame.select(
        pl.col("fichier").alias("chemin"),
        pl.lit(kind).alias("type_extrait"),
        pl.col(LINE_COLUMN).alias("ligne"),
        "colonne",
        "regle",
        pl.col("regle").replace_strict(MESSAGES, default="règle non respectée").alias("motif"),
        "valeur",
        "statut",
        pl.col("fichier").replace_strict(deposited, default=None, return_dtype=pl.Date).alias("depuis"),
    ).cast(QUARANTINE_COLUMNS)

    file_rows = []
    for p in parsed:
        waiting = held_counts.get(p.chemin, 0)
        quarantined = p.errors.height
        read = p.meta["lignes_lues"]
        file_rows.append(
            {
                "chemin": p.chemin,
                "type_extrait": kind,
                "sha256": p.sha256,
                "taille_octets": p.size,
                "date_depot": p.deposited,
                "format": p.meta["format"],
                "encodage": p.meta["encodage"],
                "statut": p.meta["statut"],
                "motif": p.meta["motif"],
                "colonnes_ignorees": p.meta["colonnes_ignorees"],
                "lignes_lues": read,
                "lignes_chargees": read - quarantined - waiting,
                "lignes_quarantaine": quarantined,
                "lignes_en_attente": waiting,
                "lignes_remplacees": replaced_counts.get(p.chemin, 0),
            }
        )
    files_frame = pl.DataFrame(file_rows, schema=FILE_COLUMNS)
    return IngestResult(kind=kind, loaded=loaded, quarantine=quarantine_frame, files=files_frame)
