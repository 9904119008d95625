"""Operations: the asset graph as a snapshot, the schedule, the raw/ sensor."""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import copy_of, marche, write_csv
from dagster import AssetKey, RunRequest, SkipReason, build_sensor_context

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def graph_snapshot() -> dict:
    from assets.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "groupe": node.group_name,
            "depend_de": sorted(k.to_user_string() for k in node.parent_keys),
        }
    checks = sorted(f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys)
    schedules = {
        s.name: {
            "cron": s.cron_schedule,
            "fuseau": s.execution_timezone,
            "job": s.job_name,
            "statut_par_defaut": s.default_status.value,
        }
        for s in defs.schedules
    }
    sensors = {
        s.name: {
            "job": s.job_name if s.has_jobs else None,  # run-status sensors watch every job
            "intervalle_s": s.minimum_interval_seconds,
            "statut_par_defaut": s.default_status.value,
        }
        for s in defs.sensors
    }
    return {"assets": assets, "checks": checks, "schedules": schedules, "sensors": sensors}


def test_asset_graph_matches_the_snapshot():
    """A change to the lineage shows as a diff of tests/snapshots/asset_graph.json.

    After an intended change: CLAUSES_UPDATE_SNAPSHOT=1 pytest tests/test_operations.py, and commit the file.
    """
    current = graph_snapshot()
    if os.environ.get("CLAUSES_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_lineage_reaches_from_the_hours_ingest_to_kpi_annuel_and_the_exports():
    from assets.definitions import defs

    graph = defs.resolve_asset_graph()
    edges = {
        key.to_user_string(): {k.to_user_string() for k in graph.get(key).child_keys}
        for key in graph.get_all_asset_keys()
    }

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for child in edges[todo.pop()] - seen:
                seen.add(child)
                todo.append(child)
        return seen

    downstream = reachable("landing/heures")
    assert "marts/kpi_annuel" in downstream and "exports" in downstream
    assert "exports" in reachable("marts/kpi_annuel")


def test_schedule_is_02h00_paris_time():
    from assets.definitions import defs

    schedule = defs.resolve_schedule_def("nuit_0200")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Europe/Paris")


def test_sensor_asks_for_a_run_for_a_new_or_changed_file_only(settings):
    from assets.automation import raw_files_sensor
    from assets.resources import ClausesSettings

    raw = settings.raw_dir / "marches"
    write_csv(raw / "a.csv", [marche()])

    def tick(cursor):
        context = build_sensor_context(cursor=cursor, resources={"settings": ClausesSettings.of(settings)})
        return raw_files_sensor(context), context.cursor

    writing, cursor = tick(None)  # seen once: it may still be being written
    assert isinstance(writing, SkipReason) and "en cours d'écriture" in writing.skip_message
    first, cursor = tick(cursor)  # same size and date one tick later: settled
    assert isinstance(first, RunRequest) and first.tags["clauses/fichiers"] == "marches/a.csv"
    unchanged, cursor = tick(cursor)
    assert isinstance(unchanged, SkipReason)
    # Touched but not changed: by content, not by date.
    os.utime(raw / "a.csv", ns=(1_700_000_000_000_000_000,) * 2)
    touched, cursor = tick(cursor)
    assert isinstance(touched, SkipReason)
    write_csv(raw / "b.csv", [marche(id_marche="M2")])
    seen_once, cursor = tick(cursor)
    assert isinstance(seen_once, SkipReason)
    with (raw / "b.csv").open("a") as growing:  # still being written: its size moved since the last tick
        growing.write("\n")
    waiting, cursor = tick(cursor)
    assert isinstance(waiting, SkipReason) and "marches/b.csv" in waiting.skip_message
    new, cursor = tick(cursor)
    assert isinstance(new, RunRequest) and new.tags["clauses/fichiers"] == "marches/b.csv"
    assert new.run_key != first.run_key
    write_csv(raw / "a.csv", [marche(montant_ht="1")])
    _, cursor = tick(cursor)
    changed, cursor = tick(cursor)
    assert isinstance(changed, RunRequest) and changed.tags["clauses/fichiers"] == "marches/a.csv"
    (raw / "b.csv").unlink()
    removed, cursor = tick(cursor)
    assert isinstance(removed, RunRequest) and removed.tags["clauses/fichiers"] == "marches/b.csv"
    assert isinstance(tick(cursor)[0], SkipReason)


@pytest.fixture(scope="module")
def published(tmp_path_factory, fixture_root):
    """The hand fixture as `clauses run`'s code published it: this module's copy, and the id of that run."""
    from conftest import copy_of, last_run_id

    root = copy_of(fixture_root, tmp_path_factory.mktemp("publie"))
    return root, last_run_id(root)


def test_the_lineage_starts_at_the_raw_folders_and_every_node_and_check_says_what_it_is():
    from assets.definitions import defs
    from pipeline.extracts.kinds import EXTRACTS

    graph = defs.resolve_asset_graph()
    for extract in EXTRACTS:
        raw = graph.get(AssetKey(["raw", extract.name]))
        assert not raw.is_materializable and f"raw/{extract.name}/" in raw.description
        for table in (extract.name, f"{extract.name}_fichiers", f"{extract.name}_quarantaine"):
            assert raw.key in graph.get(AssetKey(["landing", table])).parent_keys
    roots = {key.path[0] for key in graph.get_all_asset_keys() if not graph.get(key).parent_keys}
    assert roots == {"raw", "marts"}  # the folders, and the seeds (marts/<reference table>)
    for key in graph.get_all_asset_keys():
        description = graph.get(key).description or ""
        assert description.strip() and not re.search(r"Raw SQL:\s*```\w*\s*```", description), key
    checks = [spec for a in defs.assets if hasattr(a, "check_specs") for spec in a.check_specs]
    assert checks and all(spec.description for spec in checks)


def test_a_new_sensor_on_an_already_published_raw_folder_starts_no_run(published):
    from conftest import project_env

    from assets.automation import raw_files_sensor
    from assets.resources import ClausesSettings

    root, _ = published
    with project_env(root) as settings:
        context = build_sensor_context(cursor=None, resources={"settings": ClausesSettings.of(settings)})
        assert isinstance(raw_files_sensor(context), SkipReason)  # a fresh DAGSTER_HOME: no cursor
        write_csv(root / "raw" / "marches" / "nouveau.csv", [marche(id_marche="NOUVEAU")])
        try:
            context = build_sensor_context(cursor=None, resources={"settings": ClausesSettings.of(settings)})
            assert isinstance(raw_files_sensor(context), SkipReason)  # seen once, then settled:
            context = build_sensor_context(cursor=context.cursor, resources={"settings": ClausesSettings.of(settings)})
            request = raw_files_sensor(context)
            assert isinstance(request, RunRequest) and request.tags["clauses/fichiers"] == "marches/nouveau.csv"
        finally:
            (root / "raw" / "marches" / "nouveau.csv").unlink()


@pytest.mark.integration
def test_ui_shows_the_graph_schedule_sensor_and_a_cli_run(published):
    """`clauses ui` on a free port: the GraphQL API the UI reads answers with what the issue asks for."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from conftest import env_for

    tmp_path, run_id = published
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **env_for(tmp_path)}
    ui = subprocess.Popen(
        [str(Path(sys.executable).with_name("clauses")), "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def graphql(query: str) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["data"]

    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                data = graphql(
                    "{ repositoriesOrError { ... on RepositoryConnection { nodes { name "
                    "schedules { name cronSchedule executionTimezone } sensors { name } } } } }"
                )
                break
            except OSError:
                assert time.monotonic() < deadline, "the UI did not answer within 3 minutes"
                time.sleep(2)
        repository = data["repositoriesOrError"]["nodes"][0]
        assert repository["schedules"] == [
            {"name": "nuit_0200", "cronSchedule": "0 2 * * *", "executionTimezone": "Europe/Paris"}
        ]
        sensors = [s["name"] for s in repository["sensors"]]
        assert sensors == ["alerte_echec", "alerte_lignes_a_corriger", "depot_dans_raw"]
        runs = graphql("{ runsOrError { ... on Runs { results { runId status jobName } } } }")["runsOrError"]["results"]
        assert {"runId": run_id, "status": "SUCCESS", "jobName": "clauses_complet"} in runs
    finally:
        os.killpg(ui.pid, 15)  # as systemd stops it
        try:
            ui.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, 9)
            ui.wait()
    # `dagster dev`, its webserver, its daemon and their children are gone with it (this test's own children, such as
    # the multiprocessing helper that importing the dbt assets starts, inherit the same DAGSTER_HOME: not the UI's).
    from assets.cli.processes import descendants

    home = f"DAGSTER_HOME={env['DAGSTER_HOME']}\0".encode()
    ours = set(descendants(os.getpid()))
    deadline = time.monotonic() + 30
    while left := [p.parent.name for p in Path("/proc").glob("[0-9]*/environ")
                   if home in _read(p) and int(p.parent.name) not in ours]:  # fmt: skip
        assert time.monotonic() < deadline, f"processes of the UI left behind: {left}"
        time.sleep(1)


@pytest.mark.integration
@pytest.mark.parametrize("stop", ["ctrl-c", "terminal fermé", "sigterm"])
def test_clauses_ui_stops_its_whole_tree_within_5_seconds_in_a_terminal(published, tmp_path, stop):
    """Issue 25, point 2: in a pseudo-terminal, Ctrl-C, closing the terminal (SIGHUP) and SIGTERM each stop
    `clauses ui`, its web server and its daemon, within 5 s."""
    import pty
    import socket
    import sys
    import urllib.request

    from conftest import env_for

    root = copy_of(published[0], tmp_path / "ui")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **env_for(root)}
    pid, terminal = pty.fork()  # the child leads a session whose controlling terminal is this pty
    if pid == 0:
        os.execve(str(Path(sys.executable).with_name("clauses")), ["clauses", "ui", "--port", str(port)], env)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the UI did not answer within 3 minutes"
                time.sleep(1)
                _drain(terminal)
        stopped_at = time.monotonic()
        if stop == "ctrl-c":
            os.write(terminal, b"\x03")
        elif stop == "sigterm":
            os.kill(pid, signal.SIGTERM)
        else:
            os.close(terminal)
        home = f"DAGSTER_HOME={env['DAGSTER_HOME']}\0".encode()
        while left := [p.parent.name for p in Path("/proc").glob("[0-9]*/environ") if home in _read(p)]:
            assert time.monotonic() - stopped_at < 5, f"{stop}: processes of the UI left behind: {left}"
            if stop != "terminal fermé":
                _drain(terminal)
            time.sleep(0.2)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.close(terminal)


def _drain(terminal: int) -> None:
    """Read what the UI printed, so that it never blocks on a full terminal."""
    import select

    while select.select([terminal], [], [], 0)[0]:
        try:
            if not os.read(terminal, 65536):
                return
        except OSError:
            return


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_dbt_memory_setting_is_a_size(settings, monkeypatch):
    from pipeline.settings import SettingsError, load_settings

    assert load_settings().dbt_vars()["dbt_memory"] == "2GB"
    monkeypatch.setenv("CLAUSES_DBT_MEMORY", "800MB")
    assert load_settings().dbt_vars()["dbt_memory"] == "800MB"
    monkeypatch.setenv("CLAUSES_DBT_MEMORY", "beaucoup")
    with pytest.raises(SettingsError, match="CLAUSES_DBT_MEMORY"):
        load_settings()


def test_stage_time_is_wall_time_when_two_files_overlap(monkeypatch):
    """Two threads in one stage at once count its wall time once (the benchmark's columns add up)."""
    from pipeline import timing

    clock = iter([0.0, 1.0, 3.0, 4.0])  # A enters at 0, B at 1, A leaves at 3, B leaves at 4
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(timing, "TIMES", timing.defaultdict(float))
    first, second = timing.stage("lecture"), timing.stage("lecture")
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)
    assert timing.TIMES["lecture"] == 4.0 and timing.TIMES[timing.BUSY] == 4.0


def test_the_benchmark_shows_the_fixed_cost_and_what_a_night_costs_beyond_it():
    """The night's row says what it costs beyond a run over empty extracts; the fixed cost has its own table."""
    from assets.cli.bench import _fixed_table, _night_table

    stages = {"lecture": 0.0, "validation": 0.2, "chargement": 0.3, "dbt": 9.1, "publication": 0.1, "exports": 0.6}
    fixed = {"total_s": 18.7, "processus_s": 20.7, **stages, "autre": 8.4, "memoire_max_mo": 467}
    night = {**fixed, "total_s": 70.0, "processus_s": 72.0, "dbt": 45.5, "memoire_max_mo": 2550}
    first = {"processus_s": 207.0}
    table = _night_table([{"volume": "10 M lignes", "lignes_nuit": 20_000, "nuit": night, "premier": first}], fixed)
    head, _, row = table.splitlines()
    assert "au-delà du coût fixe" in head and row.split(" | ")[-2] == "51,3"
    assert row.split(" | ")[-3] == "35 %"  # 72.0 / 207.0, whole processes
    head, _, row = _fixed_table(fixed).splitlines()
    assert row == "| 18,7 | 20,7 | 0,0 | 0,2 | 0,3 | 9,1 | 0,1 | 0,6 | 8,4 | 467 |"


# -- the systemd units of docs/exploitation.md, as the IT team installs them --------------------------
UNIT_BLOCK = re.compile(r"`/etc/systemd/system/([\w-]+\.service)`\s*```ini\n(.*?)```", re.S)


def documented_units() -> dict[str, str]:
    """The units docs/exploitation.md gives, with /opt/clauses standing for this checkout."""
    from pipeline.settings import PROJECT_ROOT

    text = (PROJECT_ROOT / "docs" / "exploitation.md").read_text(encoding="utf-8")
    units = dict(UNIT_BLOCK.findall(text))
    assert set(units) == {"clauses-daemon.service", "clauses-webserver.service"}
    return {name: body.replace("/opt/clauses", str(PROJECT_ROOT)) for name, body in units.items()}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_documented_units_pass_systemd_analyze_verify(tmp_path):
    for name, body in documented_units().items():
        unit = tmp_path / name
        unit.write_text(body.replace("User=clauses\n", ""))  # the service account does not exist on this machine
        done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True)
        assert done.returncode == 0 and "clauses" not in done.stderr, done.stderr


@pytest.mark.integration
def test_the_daemon_starts_as_its_unit_starts_it_and_runs_nothing_already_published(published, tmp_path):
    """As systemd would: the unit's command and folder, `.env.example`'s relative DAGSTER_HOME, a fresh home."""
    from conftest import env_for

    from pipeline.settings import PROJECT_ROOT

    root, _ = published
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string(documented_units()["clauses-daemon.service"])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUSES_", "DAGSTER_"))}
    env.update(env_for(root), DAGSTER_HOME=os.path.relpath(tmp_path / "dagster", PROJECT_ROOT))
    assert not Path(env["DAGSTER_HOME"]).is_absolute()
    log = tmp_path / "journal.log"
    with log.open("w") as out:
        daemon = subprocess.Popen(shlex.split(unit["Service"]["ExecStart"]), cwd=unit["Service"]["WorkingDirectory"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while "Sensor depot_dans_raw skipped" not in log.read_text():
            assert daemon.poll() is None, log.read_text()[-3000:]
            assert "Creating new run for depot_dans_raw" not in log.read_text(), "a run over published files"
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(1)
        assert (tmp_path / "dagster" / "dagster.yaml").exists()
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)  # as systemd stops it
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()


# -- the pseudonym key fails closed ----------------------------------------------------------------
def _personnes(root: Path) -> set[str]:
    import duckdb

    with duckdb.connect(str(root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        return {r[0] for r in con.execute("select personne_id from marts.dim_personnes").fetchall()}


@pytest.mark.integration
def test_a_run_under_another_key_or_none_is_refused_and_a_declared_rotation_goes_through(
    published, tmp_path, monkeypatch
):
    from conftest import env_for

    from assets.cli.runner import run_once
    from pipeline.settings import load_settings
    from pipeline.warehouse.key_guard import key_fingerprint

    root = tmp_path / "copie"
    copy_of(published[0], root)
    before = _personnes(root)

    def run(**env):  # as an operator would: the key is read from the environment, never from run config
        for name, value in {**env_for(root), "CLAUSES_ROTATION_CLE": "", **env}.items():
            monkeypatch.setenv(name, value)
        return run_once(load_settings(), trigger="test")

    refused = run(CLAUSES_PSEUDONYM_KEY="une-autre-cle")
    assert not refused.success and "n'est pas celle qui a construit l'entrepôt publié" in refused.reason
    demo = run(CLAUSES_PSEUDONYM_KEY="")
    assert not demo.success and "clé de démonstration" in demo.reason
    assert _personnes(root) == before  # nothing republished under another key
    rotated = run(CLAUSES_PSEUDONYM_KEY="une-autre-cle", CLAUSES_ROTATION_CLE="oui")
    assert rotated.success, rotated.reason
    after = _personnes(root)
    assert len(after) == len(before) and not after & before
    import duckdb

    with duckdb.connect(str(root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        keys = [r[0] for r in con.execute("select empreinte_cle from qualite.historique_publications").fetchall()]
    assert key_fingerprint("une-autre-cle") in keys and "une-autre-cle" not in keys
    assert run(CLAUSES_PSEUDONYM_KEY="une-autre-cle").success  # the new key is now the warehouse's


def test_the_project_parsed_at_install_is_used_only_while_no_file_of_it_has_changed(tmp_path):
    """dbt runs on the parse that `make install` wrote, unless a model, test, macro, seed or dbt_project.yml has
    changed since, or a file was added: then dbt parses again, as it would on its own."""
    from assets.dbt_inprocess import PREPARSED, preparsed_manifest
    from assets.dbt_manifest import DBT_PROJECT_DIR

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    preparsed = tmp_path / "partial_parse.msgpack"
    shutil.copy(PREPARSED, preparsed)
    manifest = preparsed_manifest(project, preparsed)
    assert manifest is not None
    assert {n.root_path for n in manifest.nodes.values()} == {str(project)}  # seeds are read from the project
    model = project / "models" / "marts" / "kpi_annuel.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert preparsed_manifest(project, preparsed) is None
    model.write_text(model.read_text().removesuffix("\n-- changed\n"))
    assert preparsed_manifest(project, preparsed) is not None
    (project / "models" / "marts" / "nouveau.sql").write_text("select 1 as un")
    assert preparsed_manifest(project, preparsed) is None


# -- where a run records its events ----------------------------------------------------------------
def _event(n: int):
    from dagster import AssetKey, AssetMaterialization, DagsterEvent, DagsterEventType
    from dagster._core.events import StepMaterializationData

    done = StepMaterializationData(AssetMaterialization(AssetKey(f"a{n}")))
    return DagsterEvent(DagsterEventType.ASSET_MATERIALIZATION.value, "job", event_specific_data=done)


def test_a_run_records_its_events_where_dagster_and_its_ui_read_them(tmp_path, monkeypatch):
    """The run's event log keeps its connections (assets/cli/event_log.py) and writes Dagster's own files: Dagster's
    class, as the UI and the daemon use it, reads every event back; a home configured otherwise is kept."""
    import logging

    from dagster import DagsterInstance
    from dagster._core.storage.event_log import SqliteEventLogStorage

    from assets.cli.event_log import SqliteEventLogKeepingConnections, instance_for_a_run

    home = tmp_path / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    runs = [f"run{n}" for n in range(SqliteEventLogKeepingConnections.KEPT + 3)]
    with instance_for_a_run(home) as instance:
        storage = instance.event_log_storage
        assert type(storage) is SqliteEventLogKeepingConnections
        for run in runs:
            for n in range(5):
                instance.report_dagster_event(_event(n), run_id=run, log_level=logging.DEBUG)
        assert len(storage._engines) <= storage.KEPT  # an UI-like reader of many runs holds few files open
    with DagsterInstance.from_config(str(home)) as stock:
        assert type(stock.event_log_storage) is SqliteEventLogStorage
        assert [len(stock.all_logs(run)) for run in runs] == [5] * len(runs)
        assert stock.get_latest_materialization_event(AssetKey("a4")) is not None  # the cross-run index too

    other = tmp_path / "autre"
    other.mkdir()
    (other / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {other / 'ailleurs'}\n")
    with instance_for_a_run(other) as instance:
        assert type(instance.event_log_storage) is not SqliteEventLogKeepingConnections
