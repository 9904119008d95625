"""The dbt project as Dagster sees it. Kept apart: dagster-dbt reads the manifest at import, and the
manifest is prepared at install time (`make install` runs `dbt parse`), never in workers."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject

from pipeline.settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# The venv's own dbt: cron and systemd do not activate venvs.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=DBT_EXECUTABLE,
        global_config_flags=["--no-use-colors"],
    )


class ClausesTranslator(DagsterDbtTranslator):
    """Groups that read left to right: referentiels and staging, then marts and qualite."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "referentiels"
        folder = dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "marts"
        return {"staging": "transformation", "intermediate": "transformation"}.get(folder, folder)


translator = ClausesTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
