"""The dbt models as assets downstream of the ingest assets, dbt tests as asset checks."""


import os

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from assets.dbt_project import dbt_project, translator
from assets.lock import warehouse_lock
from assets.progress import say
from pipeline.settings import load_settings


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            name="clauses_dbt")
def clauses_dbt(context: AssetExecutionContext, dbt: DbtCliResource):
    settings = load_settings()
    os.environ.update(settings.dbt_env())  # profiles.yml and the macros read the same settings
    say("  dbt build : modèles, tests et contrôles de réconciliation")
    with warehouse_lock(settings.warehouse_dir):
        yield from dbt.cli(["build"], context=context).stream()
