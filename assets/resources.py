"""The settings as a Dagster resource: every asset reads them from here, so a test can run any asset with
`materialize(..., resources={"settings": ClausesSettings(raw_dir=...)})`.

An empty field takes its value from the environment, `.env`, or the default (pipeline/settings.py), so the
UI, the schedule, the sensor and `clauses run` read the same. The pseudonym key is no field: it is read from
the environment or `.env` at run time and never enters Dagster's records.
"""

from __future__ import annotations

from dagster import ConfigurableResource

from pipeline.settings import Settings, load_settings

# field -> the environment variable it stands for
VARIABLES = {
    "raw_dir": "CLAUSES_RAW_DIR",
    "warehouse_dir": "CLAUSES_WAREHOUSE_DIR",
    "export_dir": "CLAUSES_EXPORT_DIR",
    "as_of": "CLAUSES_AS_OF",
    "secret_min": "CLAUSES_SECRET_MIN",
    "heures_etp": "CLAUSES_HEURES_ETP",
    "dbt_memory": "CLAUSES_DBT_MEMORY",
    "acheteurs": "CLAUSES_ACHETEURS",
}


class ClausesSettings(ConfigurableResource):
    """Dossiers, date d'arrêté et paramètres du passage (vides : ceux de l'environnement ou de `.env`)."""

    raw_dir: str = ""
    warehouse_dir: str = ""
    export_dir: str = ""
    as_of: str = ""
    secret_min: str = ""
    heures_etp: str = ""
    dbt_memory: str = ""
    acheteurs: str = ""

    def get(self) -> Settings:
        return load_settings({variable: getattr(self, field) for field, variable in VARIABLES.items()})

    @classmethod
    def of(cls, settings: Settings) -> ClausesSettings:
        """The resource that gives back these settings (the key apart, which the environment gives)."""
        return cls(
            raw_dir=str(settings.raw_dir),
            warehouse_dir=str(settings.warehouse_dir),
            export_dir=str(settings.export_dir),
            as_of=settings.as_of.isoformat(),
            secret_min=str(settings.secret_min),
            heures_etp=repr(settings.heures_etp),
            dbt_memory=settings.dbt_memory,
            acheteurs=",".join(settings.acheteurs),
        )
