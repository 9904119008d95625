"""What assets/dbt_inprocess.py takes from dbt beyond its documented interface, pinned: a dbt upgrade that
changes one of these fails here with the name of what changed, and CLAUSES_DBT_EN_PROCESSUS=non (the plain
`dbt build`, also built below) keeps the warehouse running meanwhile."""

from __future__ import annotations

import importlib
import inspect
import json
import shutil

import duckdb
import pytest
from conftest import copy_of, project_env

from assets.dbt_inprocess import PREPARSED, preparsed_manifest, run_dbt_cli

UPGRADE = "a dbt upgrade changed {what}: assets/dbt_inprocess.py relies on it (or set CLAUSES_DBT_EN_PROCESSUS=non)"

INTERNALS = [  # (module, attribute, what the in-process path does with it)
    ("dbt.contracts.graph.manifest", "Manifest", "reads the install's parse with Manifest.from_msgpack"),
    ("dbt.artifacts.resources.base", "FileHash", "checksums a project file as dbt's parser does"),
    ("dbt_common.clients.system", "load_file_contents", "reads a project file as dbt's parser does"),
    ("dbt_common.events.functions", "msg_to_dict", "turns a result event into the JSON log's dict"),
    ("dbt.cli.main", "dbtRunner", "runs dbt in this process"),
    ("dbt.adapters.duckdb", "DuckDBConnectionManager", "closes dbt-duckdb's connections after a build"),
]


@pytest.mark.parametrize(("module", "name", "use"), INTERNALS, ids=[f"{m}.{n}" for m, n, _ in INTERNALS])
def test_each_dbt_internal_still_exists(module, name, use):
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.fail(UPGRADE.format(what=f"{module}.{name}, which {use}"))
    assert callable(found), UPGRADE.format(what=f"{module}.{name}")


def test_the_signatures_and_fields_the_in_process_path_reads():
    from dbt.adapters.duckdb import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    parameters = inspect.signature(dbtRunner).parameters
    assert {"manifest", "callbacks"} <= set(parameters), UPGRADE.format(what="dbtRunner(manifest=, callbacks=)")
    assert hasattr(Manifest, "from_msgpack"), UPGRADE.format(what="Manifest.from_msgpack")
    assert hasattr(DuckDBConnectionManager, "close_all_connections"), UPGRADE.format(what="close_all_connections")
    if not PREPARSED.exists():
        pytest.fail(f"{PREPARSED} is missing: `make install` runs `dbt parse`, which writes it")
    manifest = preparsed_manifest()
    assert manifest is not None, UPGRADE.format(what="the partial parse file, or its checksums (nothing reusable)")
    source_file = next(iter(manifest.files.values()))
    for field in ("path", "checksum", "project_name"):
        assert hasattr(source_file, field), UPGRADE.format(what=f"SourceFile.{field}")
    assert "clauses" in manifest.state_check.project_hashes, UPGRADE.format(what="state_check.project_hashes")
    assert all(hasattr(n, "root_path") for n in manifest.nodes.values()), UPGRADE.format(what="node.root_path")


def test_the_plain_dbt_build_makes_the_same_warehouse(fixture_root, tmp_path):
    """`dbt build` as its own process, on the fixture's landing tables: every table as the in-process build."""
    root = copy_of(fixture_root, tmp_path / "copie")
    with project_env(root) as settings:
        settings.candidate_db.unlink(missing_ok=True)  # the publication moved it onto the published file
        args = ["--vars", json.dumps(settings.dbt_vars()), "--exclude-resource-type", "unit_test"]
        result = run_dbt_cli("build", args, tmp_path / "dbt")
        assert result.success, result.failures
        assert {e["info"]["name"] for e in result.events} >= {"LogModelResult", "LogTestResult"}
        built, published = settings.candidate_db, settings.published_db
    shutil.rmtree(tmp_path / "dbt")
    with duckdb.connect(str(built), read_only=True) as plain:
        plain.execute(f"attach '{published}' as publie (read_only)")
        tables = plain.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database()"
        ).fetchall()
        assert len(tables) > 20
        for schema, table in tables:
            differs = plain.execute(
                f"select count(*) from ((from {schema}.{table} except all from publie.{schema}.{table}) "
                f"union all (from publie.{schema}.{table} except all from {schema}.{table}))"
            ).fetchone()[0]
            assert differs == 0, f"{schema}.{table}: {differs} rows differ"
