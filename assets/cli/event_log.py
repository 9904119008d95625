"""Where a run started in this process records its events: Dagster's SQLite event log, connections kept."""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import yaml
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.pool import StaticPool

STORAGE_KEYS = {"storage", "run_storage", "event_log_storage", "schedule_storage"}  # dagster.yaml's own storage


def instance_for_a_run(home: Path) -> DagsterInstance:
    """The home's instance, for a run in this process: the event log keeps its connections while the home uses
    Dagster's default SQLite storage (a home whose dagster.yaml configures storage, PostgreSQL say, is kept).

    Here rather than in dagster.yaml: it matters where ~500 events are written at once, and a path written in
    dagster.yaml would not follow a home copied or moved elsewhere.
    """
    config = home / "dagster.yaml"
    settings = (yaml.safe_load(config.read_text()) if config.exists() else None) or {}
    if STORAGE_KEYS & set(settings):
        return DagsterInstance.from_config(str(home))
    events = {
        "module": __name__,
        "class": SqliteEventLogKeepingConnections.__name__,
        "config": {"base_dir": str(home / "history" / "runs")},
    }  # fmt: skip  (Dagster's default folder)
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides={"event_log_storage": events}))


class SqliteEventLogKeepingConnections(SqliteEventLogStorage):
    """Dagster's SQLite event log with each database's connection kept, instead of one opened and closed per event.

    A run records ~500 events whatever the volume (one per dbt model and test, planned then done); Dagster's class
    pays a new engine, connection and WAL checkpoint for each, ~30 ms. Same files, same folder, same schema: the
    UI and the daemon read them with Dagster's own class.
    """

    KEPT = 8  # databases held open: the index and the latest runs'

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str):
        with self._db_lock:  # Dagster's own lock: one user of a connection at a time within the process
            engine = self._engines.pop(shard, None) or self._engine(shard)
            self._engines[shard] = engine
            while len(self._engines) > self.KEPT:
                self._engines.popitem(last=False)[1].dispose()
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str):
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,  # one connection, reused; the lock above keeps two threads from using it at once
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    def dispose(self) -> None:
        super().dispose()
        while self._engines:
            self._engines.popitem()[1].dispose()
