"""The extracts: one `Extract` per kind, the single place where a kind is declared.

Readers, validation, ingestion, the Dagster assets, the templates and the docs all take an `Extract`, so a
new kind is one declaration here and its Pandera schema in pipeline/schemas.py; nothing branches on a
kind's name. The columns are extracts.md's tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pandera.polars as pa
import polars as pl

from pipeline import cpv, pseudonym, schemas
from pipeline.columns import (
    MARCHE_RESERVE,
    NIVEAUX_FORMATION,
    TYPES_CONTRAT,
    Column,
    normalise_header,
)
from pipeline.reference import FACILITATEURS, FAMILLE_SECTEUR, MODALITES, SITUATIONS_6_MOIS


@dataclass(frozen=True)
class Reference:
    """A row naming a value that another extract does not hold (yet) waits for it: held, not loaded."""

    column: str  # in this extract's rows, once pseudonymised
    extract: str  # the extract whose loaded rows hold the known values
    rule: str  # the quarantine rule of a held row
    sender_column: str  # the column as the sender wrote it
    shown: bool  # whether the value may be shown back (a pseudonym may not)


@dataclass(frozen=True, eq=False)
class Extract:
    name: str  # raw/<name>/ and landing.<name>
    label: str  # what people call it
    sender: str  # who sends it
    description: str  # what its ingest step does (Dagster UI)
    columns: tuple[Column, ...]
    schema: Callable[[dt.date], pa.DataFrameSchema]
    key: tuple[str, ...]  # once pseudonymised: one row per key; a later file's row replaces an earlier one
    # When set, a file states these groups whole: the latest file holding a group replaces all its earlier rows.
    statement: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("text", "xlsx")
    derivable: tuple[tuple[str, str], ...] = ()  # (column, source): a required column the source column can stand for
    prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None  # typed rows before the checks: defaults, derivations
    pseudonymise: Callable[[pl.DataFrame, str], pl.DataFrame] | None = None
    priority: pl.Expr | None = None  # among the rows of one key, true wins before the file order
    references: tuple[Reference, ...] = ()

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Normalised header -> canonical column."""
        out: dict[str, str] = {}
        for col in self.columns:
            for label in (col.name, *col.aliases):
                out.setdefault(normalise_header(label), col.name)
        return out

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def personal(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.personal)

    @property
    def upstream(self) -> tuple[str, ...]:
        """The extracts this one's held rows wait for."""
        return tuple(dict.fromkeys(r.extract for r in self.references))


ID_MARCHE_ALIASES = ("numero_marche", "n_marche", "num_marche", "no_marche", "reference_marche")


def _marches_defaults(typed: pl.DataFrame) -> pl.DataFrame:
    """The Département's extract says what DECP files leave unsaid; a famille comes from the CPV when absent."""
    if "source" not in typed.columns:  # DECP rows come with theirs (pipeline/decp.py)
        typed = typed.with_columns(
            pl.lit("EXTRAIT").alias("source"),
            pl.lit("SIRET").alias("titulaire_type_id"),
            pl.col("titulaire_siret").alias("titulaire_id"),
            pl.lit(False).alias("date_estimee"),
            pl.lit(None, pl.String).alias("acheteur_siret"),
        )
    from_extract = pl.col("source") == "EXTRAIT"
    return typed.with_columns(
        pl.col("famille").fill_null(cpv.famille_expr(typed["cpv"])),
        pl.col("marche_reserve").fill_null(pl.when(from_extract).then(pl.lit("NON"))),
        pl.col("critere_social").fill_null(pl.when(from_extract).then(False)),
    )


MARCHES = Extract(
    name="marches",
    label="Marchés (commande publique, DECP)",
    sender="la direction de la commande publique",
    description="raw/marches/ (extraction du Département, DECP JSON/XML) lu, validé, chargé dans landing.marches.",
    columns=(
        Column("id_marche", "text", True, ("reference", *ID_MARCHE_ALIASES)),
        Column("objet", "text", True, ("intitule", "libelle")),
        Column("famille", "code", True, ("famille_achat", "categorie"), tuple(FAMILLE_SECTEUR)),
        Column("cpv", "cpv", False, ("code_cpv",)),
        Column("procedure", "text", False, ()),
        Column("date_notification", "date", True, ("notification", "date_notif")),
        Column("duree_mois", "integer", False, ("duree",)),
        Column("montant_ht", "amount", True, ("montant", "montant_ht_eur")),
        Column("titulaire_siret", "siret", True, ("siret_titulaire", "siret")),
        Column("titulaire_nom", "text", True, ("titulaire", "raison_sociale")),
        Column("commune_execution", "insee", False, ("lieu_execution", "code_insee")),
        Column("clause_insertion", "boolean", True, ("clause_sociale", "clause")),
        Column("heures_insertion_prevues", "hours", False, ("heures_prevues", "nb_heures_insertion")),
        Column("critere_social", "boolean", False, ("critere_performance_sociale",)),
        Column("marche_reserve", "code", False, ("reserve",), MARCHE_RESERVE),
        Column("facilitateur", "code", False, (), FACILITATEURS),
    ),
    schema=schemas.marches_schema,
    key=("id_marche",),
    formats=("text", "xlsx", "json", "xml"),
    derivable=(("famille", "cpv"),),
    prepare=_marches_defaults,
    priority=pl.col("source") == "EXTRAIT",  # the Département's own extract wins over open data
)

PARTICIPANTS = Extract(
    name="participants",
    label="Participants (facilitateurs)",
    sender="les facilitateurs",
    description="raw/participants/ lu, validé et pseudonymisé à l'entrée (nom, prénom, naissance jamais conservés).",
    columns=(
        Column("facilitateur", "code", True, (), FACILITATEURS),
        Column("id_participant", "text", True, ("ref_participant",), personal=True),
        Column("nom", "text", True, (), personal=True),
        Column("prenom", "text", True, (), personal=True),
        Column("date_naissance", "date", True, ("naissance", "ne_le"), personal=True),
        Column("sexe", "sexe", True, ("genre",)),
        Column("commune_residence", "insee", False, ("code_insee", "commune")),
        Column("qpv", "boolean", False, ("resident_qpv",)),
        Column("niveau_formation", "code", False, ("niveau",), NIVEAUX_FORMATION),
        Column("deld", "checkbox", False, ("de_longue_duree",)),
        Column("brsa", "checkbox", False, ("rsa",)),
        Column("rqth", "checkbox", False, ("th",)),
        Column("jeune_sans_qualification", "checkbox", False, ("jeune",)),
        Column("minima_sociaux", "checkbox", False, ("ass_aah",)),
        Column("senior", "checkbox", False, ("plus_50",)),
        Column("autre_public", "checkbox", False, ()),
        Column("date_entree", "date", True, ("entree",)),
        Column("date_sortie", "date", False, ("sortie",)),
        Column("situation_6_mois", "code", False, ("situation_sortie",), SITUATIONS_6_MOIS),
    ),
    schema=schemas.participants_schema,
    key=("parcours_id",),
    pseudonymise=pseudonym.pseudonymise_participants,
)

HEURES = Extract(
    name="heures",
    label="Heures d'insertion (facilitateurs)",
    sender="les facilitateurs",
    description="raw/heures/ lu et validé ; les lignes dont le marché ou le participant est inconnu sont mises en "
    "attente.",
    columns=(
        Column("facilitateur", "code", True, (), FACILITATEURS),
        Column("id_participant", "text", True, ("ref_participant", "numero_participant"), personal=True),
        Column("id_marche", "text", True, ID_MARCHE_ALIASES),
        Column("mois", "month", True, ("periode", "mois_realisation")),
        Column("heures", "hours", True, ("nb_heures", "heures_realisees")),
        Column("modalite", "code", True, ("modalite_realisation",), MODALITES),
        Column("employeur_siret", "siret", True, ("siret_employeur",)),
        Column("employeur_nom", "text", False, ("employeur",)),
        Column("type_contrat", "code", False, ("contrat",), TYPES_CONTRAT),
    ),
    schema=schemas.heures_schema,
    key=("parcours_id", "id_marche", "employeur_siret", "mois"),
    statement=("facilitateur", "mois"),  # a timesheet is the facilitator's whole statement for its months
    pseudonymise=pseudonym.add_parcours_id,
    references=(
        Reference("id_marche", "marches", "MARCHE_INCONNU", "id_marche", shown=True),
        Reference("parcours_id", "participants", "PARTICIPANT_INCONNU", "id_participant", shown=False),
    ),
)

# In the order they are ingested: an extract comes after those its rows refer to.
EXTRACTS: tuple[Extract, ...] = (MARCHES, PARTICIPANTS, HEURES)
BY_NAME: dict[str, Extract] = {e.name: e for e in EXTRACTS}
