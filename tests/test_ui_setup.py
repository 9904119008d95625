"""The Dagster UI as a first visit sees it (issue 25, point 7): no newsletter prompt, descriptions that render as
written, a port to choose."""

from __future__ import annotations

import re
import subprocess

from pipeline.settings import PROJECT_ROOT


def test_the_instance_is_seeded_without_the_newsletter_prompt_even_when_it_exists_already(settings):
    from assets.cli.instance import ensure_dagster_home

    home = ensure_dagster_home(settings)
    assert "nux:\n  enabled: false" in (home / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # an instance of an earlier version
    ensure_dagster_home(settings)
    assert "nux:\n  enabled: false" in (home / "dagster.yaml").read_text()


def test_no_asset_description_holds_a_bare_tag_the_ui_would_swallow():
    """Descriptions render as Markdown: `<date>` outside a code span is an HTML tag, and disappears."""
    from assets.definitions import defs

    bare = re.compile(r"<[a-zA-Zé_-]+>")
    for node in defs.resolve_asset_graph().asset_nodes:
        text = re.sub(r"`[^`]*`", "", node.description or "")
        assert not bare.search(text), (node.key, node.description)


def test_make_ui_takes_a_port():
    done = subprocess.run(["make", "-n", "ui", "PORT=3001"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "clauses ui --port 3001" in done.stdout, done.stdout + done.stderr


def _clauses(args: list[str], env: dict) -> subprocess.CompletedProcess:
    import os
    import sys
    from pathlib import Path

    clauses = str(Path(sys.executable).with_name("clauses"))
    return subprocess.run([clauses, *args], env={**os.environ, **env}, capture_output=True, text=True)


def test_a_typo_in_the_raw_folder_publishes_nothing_and_says_which_folder(tmp_path):
    """Issue 25, point 1: `CLAUSES_RAW_DIR=rwa make run` wrote a demo into a new folder and published it."""
    from conftest import env_for

    env = {**env_for(tmp_path), "CLAUSES_RAW_DIR": str(tmp_path / "rwa")}
    done = _clauses(["run", "--demo-if-empty"], env)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("échec")]
    assert len(lines) == 1 and str(tmp_path / "rwa") in lines[0], done.stderr
    assert not (tmp_path / "rwa").exists() and not (tmp_path / "warehouse").exists()


def test_demo_data_never_replaces_a_warehouse_built_from_real_extracts(fixture_root, tmp_path):
    import shutil

    from conftest import env_for

    root = tmp_path / "copie"
    shutil.copytree(fixture_root, root, symlinks=True)  # published under the tests' own key, not the demo's
    shutil.rmtree(root / "raw")
    (root / "raw").mkdir()
    before = (root / "warehouse" / "clauses.duckdb").stat().st_mtime_ns
    done = _clauses(["run", "--demo-if-empty"], env_for(root))
    assert done.returncode == 1 and "extractions réelles" in done.stderr, done.stdout + done.stderr
    assert list((root / "raw").iterdir()) == []
    assert (root / "warehouse" / "clauses.duckdb").stat().st_mtime_ns == before
