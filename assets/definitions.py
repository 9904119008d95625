"""Everything Dagster loads: assets, checks, resources, the job, the schedule and the sensor."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from assets.automation import JOB_NAME, alert_on_failure, alert_on_success, nightly_schedule, raw_files_sensor
from assets.ingest import INGEST_ASSETS, RAW_FOLDERS
from assets.publish import entrepot_publie, exports
from assets.resources import ClausesSettings
from assets.transform import clauses_dbt

# Every run of the whole graph carries this tag; the run queue lets one such run at a time.
RUN_TAGS = {"clauses/entrepot": "ecriture"}

clauses_complet = define_asset_job(
    JOB_NAME,
    selection=AssetSelection.all(),
    tags=RUN_TAGS,
    description="Un passage complet : ingestion, dbt build, publication, exports.",
    executor_def=in_process_executor,  # one process: DuckDB has one writer, and the steps are sequential anyway
)

defs = Definitions(
    assets=[*RAW_FOLDERS, *INGEST_ASSETS, clauses_dbt, entrepot_publie, exports],
    jobs=[clauses_complet],
    schedules=[nightly_schedule],
    sensors=[raw_files_sensor, alert_on_failure, alert_on_success],
    resources={"settings": ClausesSettings()},
)
