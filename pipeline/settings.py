"""The one home of the settings, read by the Python side and by dbt's profiles.yml.

Environment variables win over `.env` in the project root; relative paths are relative to the
project root, whatever the current directory.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from stdnum.fr import siren


@dataclass(frozen=True)
class Limits:
    """What a raw file may be before it is parsed (checked by pipeline/ingest/limits.py)."""

    file_mb: int = 1024  # a file's size on disk
    columns: int = 500  # columns of a delimited text's first line
    line_kb: int = 256  # any line of a delimited text
    inflated_mb: int = 512  # an XLSX's content once unzipped, read from the zip's directory
    depth: int = 64  # nesting of a JSON or XML file (DECP: 6 levels)
    value_kb: int = 64  # one value of a JSON or XML file


PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_PSEUDONYM_KEY = "clef-de-demonstration-a-remplacer"

DEFAULTS = {
    "CLAUSES_RAW_DIR": "raw",
    "CLAUSES_WAREHOUSE_DIR": "warehouse",
    "CLAUSES_EXPORT_DIR": "exports",
    "CLAUSES_AS_OF": "",
    "CLAUSES_PSEUDONYM_KEY": "",
    "CLAUSES_SECRET_MIN": "5",
    "CLAUSES_HEURES_ETP": "1607",
    # The SIRENs whose contracts are the Département's (docs/indicateurs.md); the others' count only in kpi_comparaison.
    "CLAUSES_ACHETEURS": "221300015",
    # E-mail alerts (docs/deposer_des_extractions.md): none while CLAUSES_ALERT_EMAIL is empty.
    "CLAUSES_ALERT_EMAIL": "",
    "CLAUSES_SMTP_HOST": "",
    "CLAUSES_SMTP_PORT": "25",
    "CLAUSES_SMTP_USER": "",
    "CLAUSES_SMTP_PASSWORD": "",
    "CLAUSES_SMTP_FROM": "",
    # DuckDB's budget inside dbt: left alone it takes 80 % of the machine (4 GB at 10 M hour rows); with 2 GB,
    # one model at a time, dbt takes as long there (it spills to disk beyond it). Measured in docs/benchmarks.md.
    # `non`: dbt runs as its own `dbt build` process, with no reliance on dbt's internals (assets/dbt_inprocess.py).
    "CLAUSES_DBT_EN_PROCESSUS": "oui",
    "CLAUSES_DBT_MEMORY": "2GB",
    "DAGSTER_HOME": ".dagster",
    # "oui" for one run that changes the pseudonym key on purpose (docs/exploitation.md); otherwise refused.
    "CLAUSES_ROTATION_CLE": "",
    "CLAUSES_COMPLET": "",
    # What a raw file may be before it is parsed (pipeline/ingest/limits.py): beyond, it is rejected unread.
    "CLAUSES_LIMITE_FICHIER_MO": str(Limits.file_mb),
    "CLAUSES_LIMITE_COLONNES": str(Limits.columns),
    "CLAUSES_LIMITE_LIGNE_KO": str(Limits.line_kb),
    "CLAUSES_LIMITE_XLSX_DECOMPRESSE_MO": str(Limits.inflated_mb),
    "CLAUSES_LIMITE_IMBRICATION": str(Limits.depth),
    "CLAUSES_LIMITE_VALEUR_KO": str(Limits.value_kb),
}
LIMIT_SETTINGS = {
    "file_mb": "CLAUSES_LIMITE_FICHIER_MO",
    "columns": "CLAUSES_LIMITE_COLONNES",
    "line_kb": "CLAUSES_LIMITE_LIGNE_KO",
    "inflated_mb": "CLAUSES_LIMITE_XLSX_DECOMPRESSE_MO",
    "depth": "CLAUSES_LIMITE_IMBRICATION",
    "value_kb": "CLAUSES_LIMITE_VALEUR_KO",
}
MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KIB|MIB|GIB|TIB)$", re.IGNORECASE)


_warned_demo_key = False  # the demo-key warning is said once per process


@dataclass(frozen=True)
class Mail:
    """Where alerts go and through which server; `recipients` empty means no alert."""

    recipients: tuple[str, ...]
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    sender: str


class SettingsError(ValueError):
    """A setting has a value the project cannot use."""


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse_dir: Path
    export_dir: Path
    as_of: dt.date
    pseudonym_key: str
    secret_min: int
    heures_etp: float
    acheteurs: tuple[str, ...]  # SIRENs of the Département's buyers, the first standing for its own register
    mail: Mail
    dagster_home: Path
    dbt_memory: str
    limits: Limits = Limits()
    dbt_in_process: bool = True  # CLAUSES_DBT_EN_PROCESSUS: dbt inside the run's process, on the install's parse
    key_rotation: bool = False  # CLAUSES_ROTATION_CLE: this run may change the key the warehouse was built with
    complet: bool = False  # CLAUSES_COMPLET (`clauses run --complet`): every file parsed again, everything rebuilt

    @property
    def published_db(self) -> Path:
        return self.warehouse_dir / "clauses.duckdb"

    @property
    def build_dir(self) -> Path:
        return self.warehouse_dir / "build"

    @property
    def build_db(self) -> Path:
        """Landing and staging: what the marts are built from (never published)."""
        return self.build_dir / "clauses.duckdb"

    @property
    def candidate_db(self) -> Path:
        """The marts and qualite schemas, written by dbt straight into the file that the publication moves
        onto `published_db` once its checks pass (no copy of ten million rows)."""
        return self.build_dir / "entrepot.duckdb"

    @property
    def cache_dir(self) -> Path:
        """Parsed and validated rows of each raw file, by content hash (already pseudonymised)."""
        return self.warehouse_dir / "cache"

    def dbt_vars(self) -> dict[str, str | float]:
        """What dbt's profiles.yml and macros read (passed with --vars): the same settings, resolved."""
        return {
            "build_db": str(self.build_db),
            "candidate_db": str(self.candidate_db),
            "as_of": self.as_of.isoformat(),
            "heures_etp": self.heures_etp,
            "dbt_memory": self.dbt_memory,
        }

    @property
    def uses_demo_key(self) -> bool:
        return self.pseudonym_key == DEMO_PSEUDONYM_KEY


def _resolve(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def raw_values(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings as strings: defaults, then `.env`, then the environment, then `overrides` (by variable name)."""
    values = dict(DEFAULTS)
    env_file = PROJECT_ROOT / ".env"
    if env_file.exists():
        values.update({k: v for k, v in dotenv_values(env_file).items() if k in DEFAULTS and v is not None})
    values.update({k: os.environ[k] for k in DEFAULTS if os.environ.get(k)})
    values.update({k: v for k, v in (overrides or {}).items() if k in DEFAULTS and v})
    return values


def _number(v: Mapping[str, str], name: str, expected: str, whole: bool = True, minimum: float = 1) -> float:
    """A number as a French user writes it (`1 607`, `1607,5`), or one French line naming the variable, the value
    and what is expected."""
    text = re.sub(r"[\s\u00a0\u202f]", "", v[name]).replace(",", ".")
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SettingsError(f"{name}={v[name]!r} : {expected} est attendu")
    return value


def _mail(v: dict[str, str]) -> Mail:
    recipients = tuple(a.strip() for a in v["CLAUSES_ALERT_EMAIL"].split(",") if a.strip())
    if recipients and not v["CLAUSES_SMTP_HOST"]:
        raise SettingsError("CLAUSES_ALERT_EMAIL est défini sans CLAUSES_SMTP_HOST : par quel serveur envoyer ?")
    port = int(_number(v, "CLAUSES_SMTP_PORT", "un numéro de port (25, 587...)"))
    sender = v["CLAUSES_SMTP_FROM"] or (f"clauses@{v['CLAUSES_SMTP_HOST']}" if v["CLAUSES_SMTP_HOST"] else "")
    return Mail(recipients, v["CLAUSES_SMTP_HOST"], port, v["CLAUSES_SMTP_USER"], v["CLAUSES_SMTP_PASSWORD"], sender)


def _sirens(value: str) -> tuple[str, ...]:
    sirens = tuple(s for s in re.split(r"[\s,;]+", value) if s)
    invalid = [s for s in sirens if not siren.is_valid(s)]
    if invalid or not sirens:
        raise SettingsError(
            f"CLAUSES_ACHETEURS={value!r} : des SIREN de 9 chiffres séparés par des virgules sont attendus"
        )
    return sirens


def load_settings(overrides: Mapping[str, str] | None = None) -> Settings:
    v = raw_values(overrides)
    try:
        as_of = dt.date.fromisoformat(v["CLAUSES_AS_OF"]) if v["CLAUSES_AS_OF"] else dt.date.today()
    except ValueError as exc:
        raise SettingsError(f"CLAUSES_AS_OF={v['CLAUSES_AS_OF']!r} n'est pas une date ISO (AAAA-MM-JJ)") from exc
    secret_min = int(_number(v, "CLAUSES_SECRET_MIN", "un nombre entier de personnes, 1 ou plus (5 par défaut)"))
    heures_etp = _number(v, "CLAUSES_HEURES_ETP", "un nombre d'heures positif (1 607 par défaut)", False, 1)
    if not MEMORY_SIZE.match(v["CLAUSES_DBT_MEMORY"].strip()):
        raise SettingsError(f"CLAUSES_DBT_MEMORY={v['CLAUSES_DBT_MEMORY']!r} : une taille est attendue (2GB, 800MB...)")
    key = v["CLAUSES_PSEUDONYM_KEY"]
    if not key:
        global _warned_demo_key
        if not _warned_demo_key:
            _warned_demo_key = True
            warnings.warn(
                "CLAUSES_PSEUDONYM_KEY n'est pas défini : clé de démonstration utilisée, "
                "les pseudonymes ne protègent rien. Définissez-la pour un usage réel.",
                stacklevel=2,
            )
        key = DEMO_PSEUDONYM_KEY
    return Settings(
        raw_dir=_resolve(v["CLAUSES_RAW_DIR"]),
        warehouse_dir=_resolve(v["CLAUSES_WAREHOUSE_DIR"]),
        export_dir=_resolve(v["CLAUSES_EXPORT_DIR"]),
        as_of=as_of,
        pseudonym_key=key,
        secret_min=secret_min,
        heures_etp=heures_etp,
        acheteurs=_sirens(v["CLAUSES_ACHETEURS"]),
        mail=_mail(v),
        dagster_home=_resolve(v["DAGSTER_HOME"]),
        dbt_memory=v["CLAUSES_DBT_MEMORY"].strip(),
        limits=_limits(v),
        key_rotation=v["CLAUSES_ROTATION_CLE"].strip().lower() in ("oui", "1", "true", "yes"),
        complet=v["CLAUSES_COMPLET"].strip().lower() in ("oui", "1", "true", "yes"),
        dbt_in_process=v["CLAUSES_DBT_EN_PROCESSUS"].strip().lower() not in ("non", "0", "false", "no"),
    )


def _limits(v: Mapping[str, str]) -> Limits:
    return Limits(
        **{field: int(_number(v, name, "un nombre entier positif")) for field, name in LIMIT_SETTINGS.items()}
    )
