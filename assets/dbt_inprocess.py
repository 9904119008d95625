"""`dbt build` inside the run's own process, on the project parsed at install time.

A dbt started as a second Python re-imports dbt (~6 s here) and re-parses the project (~6 s: the run's
settings come as --vars, which defeats dbt's partial parsing), before any model runs. In the run's process,
dbt is already imported with dagster-dbt, and the project parsed by `make install` (`dbt parse` writes
target/partial_parse.msgpack) is handed to dbt as it is: 34 s -> 14 s for the dbt step at 1x.

It leans on dbt internals (a Manifest read from msgpack, the parsed files' checksums, dbtRunner's manifest
and callbacks): tests/test_dbt_internals.py names each one and fails with a clear message on a dbt upgrade
that changes them. `run_dbt_cli` is the plain path, a `dbt` process of its own that uses none of them
(CLAUSES_DBT_EN_PROCESSUS=non); the test suite builds the fixture through it too.

Unit tests are not run here: their inputs are fixed, so they say nothing about tonight's data (dbt's own
advice); `make test` runs them (tests/test_indicators.py).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.dbt_manifest import DBT_PROJECT_DIR

PREPARSED = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
PROJECT_FILE = "dbt_project.yml"
RESULT_EVENTS = {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}
FAILED = {"error", "fail"}  # a node's status in `dbt build` (RunStatus, TestStatus)


def preparsed_manifest(project_dir: Path = DBT_PROJECT_DIR, preparsed: Path = PREPARSED):
    """The project as `make install` parsed it, or None when a file of the project changed since (dbt parses).

    The check is dbt's own: each parsed file keeps the checksum of its contents.
    """
    from dbt.contracts.graph.manifest import Manifest

    try:
        manifest = Manifest.from_msgpack(preparsed.read_bytes())
    except Exception:  # absent, or written by another dbt version: dbt parses, as it would anyway
        return None
    parsed = {f.path.original_file_path: f.checksum.checksum for f in manifest.files.values() if _ours(f)}
    parsed[PROJECT_FILE] = manifest.state_check.project_hashes["clauses"].checksum
    if parsed != _project_files(project_dir, set(parsed)):
        return None
    for node in (*manifest.nodes.values(), *manifest.macros.values()):
        node.root_path = str(project_dir)  # parsed where `make install` ran; seeds are read from here
    manifest.build_flat_graph()  # the `graph` of the macros (macros/published_docs.sql), as a parse leaves it
    return manifest


def _ours(source_file) -> bool:
    return source_file.project_name == "clauses"


def _project_files(project_dir: Path, parsed: set[str]) -> dict[str, str]:
    """dbt's checksums of the files it parsed and of any SQL, YAML or seed file added since."""
    from dbt.artifacts.resources.base import FileHash
    from dbt_common.clients.system import load_file_contents

    found = {
        str(p.relative_to(project_dir))
        for folder in ("models", "macros", "tests", "seeds")
        for p in (project_dir / folder).rglob("*")
        if p.suffix in {".sql", ".yml", ".yaml", ".csv", ".md"}
    }
    present = [n for n in parsed | found if (project_dir / n).is_file()]
    sums = {n: FileHash.from_contents(load_file_contents(str(project_dir / n))).checksum for n in present}
    # dbt_project.yml is hashed whole, not stripped
    sums[PROJECT_FILE] = hashlib.sha256((project_dir / PROJECT_FILE).read_bytes()).hexdigest()
    return sums


@dataclass
class DbtResult:
    success: bool
    events: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _paths(target_dir: Path) -> list[str]:
    """Where dbt finds the project and its profile, and where it writes each node's SQL.

    Neither a debug log file (every statement, 12,000 lines at 1x: about 1 s of a 7 s dbt step) nor the JSON
    artefacts (manifest.json, run_results.json: about 0.5 s). What they told is kept elsewhere: dbt's info lines,
    errors and each node's time included, in warehouse/dernier_passage.log; each model's result and time in
    Dagster's event log (the UI); the project's manifest in dbt_project/target, written by `make install`.
    """
    return [
        *("--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)),
        *("--target-path", str(target_dir), "--log-level-file", "none", "--no-write-json"),
    ]


def run_dbt(command: str, args: list[str], target_dir: Path, manifest=None) -> DbtResult:
    """Run `dbt <command> <args>` in this process; keep its result events (one per model, seed and test) as
    dbt's JSON log writes them."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    events: list[dict[str, Any]] = []

    def keep(message) -> None:
        if message.info.name in RESULT_EVENTS:
            events.append(msg_to_dict(message))

    runner = dbtRunner(manifest=manifest, callbacks=[keep])
    try:
        outcome = runner.invoke(["--no-use-colors", command, *_paths(target_dir), *args])
    finally:
        _release_duckdb()
    return DbtResult(outcome.success, events, _failures(outcome))


def run_dbt_cli(command: str, args: list[str], target_dir: Path) -> DbtResult:
    """The plain path: `dbt <command>` in a process of its own, its result events read from its JSON log."""
    dbt = Path(sys.executable).with_name("dbt")  # the venv's, activated or not (cron, systemd)
    done = subprocess.run(
        [str(dbt), "--no-use-colors", "--log-format", "json", command, *_paths(target_dir), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    events = [e for e in lines if e.get("info", {}).get("name") in RESULT_EVENTS]
    failures = [
        f"{e['data']['node_info']['node_name']} : {e['data'].get('status')}"
        for e in events
        if str(e["data"].get("status")) in FAILED
    ]
    if done.returncode and not failures:
        errors = [e["info"].get("msg", "") for e in lines if e.get("info", {}).get("level") == "error"]
        failures = [_one_line(errors[-1] if errors else done.stderr or f"dbt a échoué (code {done.returncode})")]
    return DbtResult(done.returncode == 0, events, failures)


def _release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB open in the process after dbt returns: close it, or the publication cannot
    move the candidate file (the maintainers' advice, duckdb/dbt-duckdb#616)."""
    from dbt.adapters.duckdb import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()


def _failures(outcome) -> list[str]:
    """What failed, one line each: « stg_marches : Compilation Error … : the reason », or what stopped dbt."""
    if outcome.exception is not None:
        return [_one_line(str(outcome.exception))]
    results = getattr(outcome.result, "results", None) or []
    return [f"{r.node.name} : {_one_line(r.message or str(r.status))}" for r in results if str(r.status) in FAILED]


def _one_line(message: str) -> str:
    """dbt's message without its call stack (« > in macro … »): the kind of error, then its reason."""
    lines = [line.strip() for line in message.splitlines() if line.strip() and not line.strip().startswith(">")]
    return " : ".join(lines[:2])
