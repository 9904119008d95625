"""The DuckDB side: writing the landing tables into the build database, and publishing.

DuckDB allows one writer or many readers, never both: dbt writes the marts and qualite schemas into a
candidate file of their own (in a storage version DuckDB 1.4 clients read), which is checked, then
`os.replace`d onto the published one, so an analyst with the old file open keeps a consistent snapshot
and a new connection sees the new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import polars as pl

from pipeline.ingest.fingerprints import base_fingerprint, hash_parts
from pipeline.settings import Settings

# DuckDB takes 80 % of the machine by default and keeps its buffers while a connection lives: our writes
# and copies stream, so a small budget is enough (it spills to disk beyond it).
DUCKDB_CONFIG = {"memory_limit": "1GB"}
PUBLISHED_SCHEMAS = ("marts", "qualite")  # what the candidate holds (dbt_project.yml: +database: entrepot)


class PublishError(RuntimeError):
    """The build cannot be published; the previous warehouse stays as it was."""


@contextlib.contextmanager
def connect(path: Path, read_only: bool = False):
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readers keep the default configuration: DuckDB refuses two configurations for one file in a process.
    con = duckdb.connect(str(path), read_only=read_only, config={} if read_only else DUCKDB_CONFIG)
    try:
        yield con
    finally:
        con.close()


FINGERPRINTS = "landing._empreintes"  # what each kind's landing tables were built from (not published)


def write_landing_tables(
    db: Path,
    schema: str,
    tables: dict[str, pl.DataFrame | pl.LazyFrame],
    fingerprint: tuple[str, str] | None = None,
    appended: frozenset[str] = frozenset(),
) -> None:
    """Replace each table of `tables` in `schema` (or, for those named in `appended`, add its rows to the table),
    in one transaction with the fingerprint of what they were built from: both change, or neither.

    A DataFrame goes over Arrow (no copy row by row); a LazyFrame is streamed by polars into a Parquet file
    that DuckDB reads, so that a large landing table is never held in memory whole.
    """
    with connect(db) as con:
        # The order of landing rows means nothing: written in any order, in parallel (a third faster at 10 M rows).
        # (dbt's connection keeps the default, so a KPI table built with ORDER BY reads in that order.)
        con.execute("set preserve_insertion_order = false")
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create table if not exists {FINGERPRINTS} (type_extrait varchar primary key, empreinte varchar)")
        con.execute("begin transaction")
        for name, frame in tables.items():
            if isinstance(frame, pl.LazyFrame):
                staged = db.with_name(f".{name}.{os.getpid()}.parquet")
                try:
                    frame.sink_parquet(staged, compression="lz4")
                    rows = f"select * from read_parquet('{staged}')"
                    if name in appended:
                        con.execute(f"insert into {schema}.{name} by name {rows}")
                    else:
                        con.execute(f"create or replace table {schema}.{name} as {rows}")
                finally:
                    staged.unlink(missing_ok=True)
                continue
            # Arrow string views: no copy of the strings on the way (DuckDB reads them as they are).
            arrow = frame.to_arrow(compat_level=pl.CompatLevel.newest())  # noqa: F841 - read by DuckDB's replacement scan
            con.execute(f"create or replace table {schema}.{name} as select * from arrow")
        if fingerprint:
            con.execute(f"insert or replace into {FINGERPRINTS} values (?, ?)", list(fingerprint))
        con.execute("commit")


def count_rows(db: Path, table: str) -> int:
    with connect(db, read_only=True) as con:
        return con.sql(f"select count(*) from {table}").fetchall()[0][0]


def stored_fingerprints(db: Path) -> dict[str, str]:
    if not db.exists():
        return {}
    with connect(db) as con:
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'landing' and table_name = '_empreintes'"
        ).fetchone()[0]
        return dict(con.execute(f"select * from {FINGERPRINTS}").fetchall()) if exists else {}


def read_table(db: Path, sql: str) -> pl.DataFrame:
    with connect(db) as con:
        return pl.from_arrow(con.sql(sql).to_arrow_table())


def values_digest(db: Path, queries: list[str]) -> str:
    """A digest of the distinct values each query gives, in any order ("" when a table is not there yet)."""
    if not queries or not db.exists():
        return ""
    digest = "select count(*), bit_xor(hash(v)) from (select distinct v from ({}) as t(v))"
    with connect(db) as con:
        try:
            parts = [con.sql(digest.format(query)).fetchall()[0] for query in queries]
        except duckdb.CatalogException:
            return ""
    return "|".join(f"{count}:{hashed}" for count, hashed in parts)


def read_column(db: Path, sql: str) -> pl.Series:
    return read_table(db, sql).to_series()


def write_ahead_log(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def start_candidate(settings: Settings) -> bool:
    """The file dbt builds into: a copy of the published warehouse when it was built by this code under these
    settings, the as-of date apart (the incremental models then update their rows); otherwise a fresh one, so
    that nothing is left over from a failed run or a model since removed. True for the copy."""
    candidate = settings.candidate_db
    for leftover in (candidate, write_ahead_log(candidate)):
        leftover.unlink(missing_ok=True)
    base = published_base(settings)
    reusable = (
        not settings.complet
        and settings.published_db.exists()
        and base.exists()
        and base.read_text() == base_fingerprint(settings)
    )
    if reusable:
        candidate.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(settings.published_db, candidate)
    return reusable


def record_build(settings: Settings) -> dict[str, object]:
    """What dbt builds the candidate from (each kind's landing fingerprint, the as-of date), written beside it; and,
    when it starts from a copy of the published warehouse, what changed since that one was built (the incremental
    models read both as dbt vars: macros/incremental.sql). A record missing or unreadable: everything changed.
    `construction` and `construction_publiee` hash the two records: the build database's incremental tables keep
    the first, and take up their rows again only when it is the second (they are not published with the rest)."""
    built_from = json.dumps({"as_of": settings.as_of.isoformat(), "extraits": stored_fingerprints(settings.build_db)})
    candidate_record(settings).write_text(built_from)
    construction = {"construction": hash_parts(built_from)}
    try:
        published = published_record(settings).read_text()
        before = json.loads(published)
        after = json.loads(built_from)
        kinds = set(before["extraits"]) | set(after["extraits"])
        changed = sorted(k for k in kinds if before["extraits"].get(k) != after["extraits"].get(k))
        as_of = before["as_of"]
    except (OSError, ValueError, KeyError, TypeError):
        return construction
    since = {"as_of_publie": as_of, "extraits_modifies": changed, "construction_publiee": hash_parts(published)}
    return {**construction, **since}


def candidate_record(settings: Settings) -> Path:
    return settings.build_dir / "construction_candidate.json"


def published_record(settings: Settings) -> Path:
    """What the published warehouse was built from (record_build), moved beside it with it."""
    return settings.warehouse_dir / "construction_publiee.json"


def published_base(settings: Settings) -> Path:
    """Holds the code and settings (the as-of date apart) the published warehouse was built with."""
    return settings.warehouse_dir / "empreinte_base_publiee"


def publish(candidate_db: Path, published_db: Path) -> None:
    """Atomically replace the published warehouse by the checked candidate (dbt wrote it, in DuckDB 1.4's
    storage version: see profiles.yml)."""
    if not candidate_db.exists():
        raise PublishError(f"entrepôt candidat absent : {candidate_db}")
    with connect(candidate_db) as con:
        con.execute("checkpoint")  # whatever is still in its write-ahead log goes into the file itself
    if write_ahead_log(candidate_db).exists():
        raise PublishError(f"journal DuckDB non vidé à côté de {candidate_db}")
    published_db.parent.mkdir(parents=True, exist_ok=True)
    os.replace(candidate_db, published_db)
