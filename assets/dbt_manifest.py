"""The dbt project as Dagster sees it. Kept apart: dagster-dbt reads the manifest at import, and the
manifest is prepared at install time (`make install` runs `dbt parse`), never in workers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from pipeline.settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class ClausesTranslator(DagsterDbtTranslator):
    """Groups that read left to right: referentiels and staging, then marts and qualite."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "referentiels"
        folder = dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "marts"
        return {"staging": "transformation", "intermediate": "transformation", "core": "marts"}.get(folder, folder)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # A seed has no SQL: dagster-dbt's default would end its description with an empty "Raw SQL" block.
        if dbt_resource_props["resource_type"] == "seed":
            return dbt_resource_props.get("description") or ""
        return super().get_description(dbt_resource_props)

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=test_description(manifest["nodes"][unique_id]))


def test_description(test: Mapping[str, Any]) -> str:
    """What a dbt test checks, in words, where its YAML gives no description: « unique : id_marche »."""
    if test.get("description"):
        return test["description"]
    metadata = test.get("test_metadata") or {}
    if not metadata:  # a singular test: its file says what it checks
        return f"Test {test['name']} : aucune ligne ne doit en sortir (tests/{test['name']}.sql)."
    kwargs = {k: v for k, v in (metadata.get("kwargs") or {}).items() if k != "model" and v is not None}
    column = kwargs.pop("column_name", None)
    words = CHECKS.get(metadata["name"], metadata["name"])
    details = ", ".join(f"{k} = {v}" for k, v in kwargs.items())
    return f"{words}" + (f" : {column}" if column else "") + (f" ({details})" if details else "") + "."


CHECKS = {
    "unique": "Pas de doublon",
    "not_null": "Toujours renseigné",
    "accepted_values": "Valeurs admises seulement",
    "relationships": "Chaque valeur existe dans la table de référence",
    "cle_unique": "Clé unique",
}


translator = ClausesTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
