"""The DuckDB side: writing the landing tables into the build database, and publishing it.

DuckDB allows one writer or many readers, never both: everything is built into a separate file,
checked, then copied into a new file beside the published one and `os.replace`d onto it, so an
analyst with the old file open keeps a consistent snapshot and a new connection sees the new one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import duckdb
import polars as pl

# DuckDB takes 80 % of the machine by default and keeps its buffers while a connection lives: our writes
# and copies stream, so a small budget is enough (it spills to disk beyond it).
DUCKDB_CONFIG = {"memory_limit": "1GB"}
# Files written by DuckDB 2.x are unreadable by 1.x clients unless created with this version.
STORAGE_VERSION = "v1.4.0"
PUBLISHED_SCHEMAS = ("marts", "qualite")


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


def write_tables(db: Path, schema: str, tables: dict[str, pl.DataFrame | pl.LazyFrame],
                 fingerprint: tuple[str, str] | None = None) -> None:
    """Replace each table of `tables` in `schema`, in one transaction with the fingerprint of what they were
    built from: both change, or neither.

    A DataFrame goes over Arrow (no copy row by row); a LazyFrame is streamed by polars into a Parquet file
    that DuckDB reads, so that a large landing table is never held in memory whole.
    """
    with connect(db) as con:
        # The order of landing rows means nothing: written in any order, in parallel (a third faster at 10 M rows).
        # The published copy keeps its order, so a KPI table built with ORDER BY reads in that order.
        con.execute("set preserve_insertion_order = false")
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create table if not exists {FINGERPRINTS} (type_extrait varchar primary key, empreinte varchar)")
        con.execute("begin transaction")
        for name, frame in tables.items():
            if isinstance(frame, pl.LazyFrame):
                staged = db.with_name(f".{name}.{os.getpid()}.parquet")
                try:
                    frame.sink_parquet(staged, compression="lz4")
                    con.execute(f"create or replace table {schema}.{name} as select * from read_parquet('{staged}')")
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
        exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'landing' "
                             "and table_name = '_empreintes'").fetchone()[0]
        return dict(con.execute(f"select * from {FINGERPRINTS}").fetchall()) if exists else {}


def read_table(db: Path, sql: str) -> pl.DataFrame:
    with connect(db) as con:
        return pl.from_arrow(con.sql(sql).to_arrow_table())


def read_column(db: Path, sql: str) -> pl.Series:
    return read_table(db, sql).to_series()


def publish(build_db: Path, published_db: Path) -> None:
    """Copy the analysts' schemas of the build into a new file, then atomically replace the published one."""
    if not build_db.exists():
        raise PublishError(f"base de construction absente : {build_db}")
    published_db.parent.mkdir(parents=True, exist_ok=True)
    staging = published_db.with_name(f".{published_db.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        con = duckdb.connect(config=DUCKDB_CONFIG)
        try:
            con.execute(f"attach '{build_db}' as build (read_only)")
            con.execute(f"attach '{staging}' as pub (storage_version '{STORAGE_VERSION}')")
            for schema in PUBLISHED_SCHEMAS:
                con.execute(f"create schema pub.{schema}")
                tables = con.execute(
                    "select table_name, comment from duckdb_tables() where database_name = 'build' and schema_name = ?",
                    [schema]).fetchall()
                for table, comment in tables:
                    con.execute(f"create table pub.{schema}.{table} as select * from build.{schema}.{table}")
                    if comment:
                        con.execute(f"comment on table pub.{schema}.{table} is $${comment}$$")
                columns = con.execute(
                    "select table_name, column_name, comment from duckdb_columns() "
                    "where database_name = 'build' and schema_name = ? and comment is not null and comment <> ''",
                    [schema]).fetchall()
                for table, column, comment in columns:
                    con.execute(f'comment on column pub.{schema}.{table}."{column}" is $${comment}$$')
            con.execute("detach pub")
        finally:
            con.close()
        os.replace(staging, published_db)
    finally:
        staging.unlink(missing_ok=True)
