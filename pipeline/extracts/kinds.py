"""The extracts: one `Extract` per kind, the single place where a kind is declared.

Readers, validation, ingestion, the Dagster assets, the templates and the docs all take an `Extract`, so a
new kind is one declaration here and its Pandera schema in pipeline/extracts/schemas.py; nothing branches on a
kind's name. The columns are those of docs/deposer_des_extractions.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pandera.polars as pa
import polars as pl

from pipeline.extracts import cpv, parsing, pseudonym, schemas
from pipeline.extracts.columns import (
    MARCHE_RESERVE,
    NIVEAUX_FORMATION,
    TYPES_CONTRAT,
    Column,
    normalise_header,
)
from pipeline.extracts.raw import LINE_COLUMN
from pipeline.extracts.reference import FACILITATEURS, FAMILLE_SECTEUR, INDICATEURS_CIBLES, MODALITES, SITUATIONS_6_MOIS
from pipeline.settings import Settings


@dataclass(frozen=True)
class Reference:
    """A row naming a value that another extract does not hold (yet) waits for it: held, not loaded."""

    column: str  # in this extract's rows, once pseudonymised
    extract: str  # the extract whose loaded rows hold the known values
    rule: str  # the quarantine rule of a held row
    sender_column: str  # the column as the sender wrote it
    shown: bool  # whether the value may be shown back (a pseudonym may not)
    known_where: str = ""  # SQL: which of the other extract's loaded rows count as known

    @property
    def known_sql(self) -> str:
        """The values counted as known: those of the other extract's loaded rows."""
        where = f" where {self.known_where}" if self.known_where else ""
        return f"select {self.column} from landing.{self.extract}{where}"


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
    # When set, (start, end) columns of an episode: rows of one key[0] whose periods overlap are one episode (the
    # later file's row stands); periods apart are successive episodes (a re-entry keeps its earlier exit).
    episodes: tuple[str, str] | None = None
    formats: tuple[str, ...] = ("text", "xlsx")
    derivable: tuple[tuple[str, str], ...] = ()  # (column, source): a required column the source column can stand for
    # Typed rows before the checks (with the as-of date): defaults, derivations.
    prepare: Callable[[pl.DataFrame, dt.date], pl.DataFrame] | None = None
    # The dates a file holds besides its date columns that the as-of date bounds too (the amendments' dates), by
    # line: _ligne, _date.
    other_dates: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    # The loaded rows of every file together, under the run's settings (not cached per file).
    finish: Callable[[pl.LazyFrame, Settings], pl.LazyFrame] | None = None
    pseudonymise: Callable[[pl.DataFrame, str], pl.DataFrame] | None = None
    priority: pl.Expr | None = None  # among the rows of one key, true wins before the file order
    references: tuple[Reference, ...] = ()
    # Who gets the returns of a file: a fixed sender, or the facilitator code most of its rows carry.
    sender_code: str | None = None
    sender_column: str | None = None

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


def _marches_defaults(typed: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The Département's extract says what DECP files leave unsaid; a famille comes from the CPV when absent;
    a DECP contract takes the values of its amendments."""
    if "source" not in typed.columns:  # DECP rows come with theirs (pipeline/ingest/decp.py)
        typed = typed.with_columns(
            pl.lit("EXTRAIT").alias("source"),
            pl.lit("SIRET").alias("titulaire_type_id"),
            pl.col("titulaire_siret").alias("titulaire_id"),
            pl.lit(False).alias("date_estimee"),
            pl.lit(None, pl.String).alias("acheteur_siret"),
            pl.lit(None, pl.String).alias("acheteur_nom"),
        )
    from_extract = pl.col("source") == "EXTRAIT"
    return _amended(typed, as_of).with_columns(
        pl.col("famille").fill_null(cpv.famille_expr(typed["cpv"])),
        pl.col("marche_reserve").fill_null(pl.when(from_extract).then(pl.lit("NON"))),
        pl.col("critere_social").fill_null(pl.when(from_extract).then(False)),
    )


HOLDER = ("titulaire_siret", "titulaire_nom", "titulaire_id", "titulaire_type_id")


def _modifications(typed: pl.DataFrame) -> pl.DataFrame:
    """One row per amendment of a DECP contract (its line, its fields, _date and _id parsed)."""
    mods = typed.select(LINE_COLUMN, "modifications").explode("modifications").drop_nulls("modifications")
    return mods.unnest("modifications").with_columns(
        parsing.parse_date(pl.col("date")).alias("_date"), pl.col("id").cast(pl.Int64, strict=False).alias("_id")
    )


def _amendment_dates(typed: pl.DataFrame) -> pl.DataFrame:
    if "modifications" not in typed.columns:
        return pl.DataFrame(schema={LINE_COLUMN: pl.Int64, "_date": pl.Date})
    return _modifications(typed).select(LINE_COLUMN, "_date")


def _amended(typed: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """A contract's current amount, duration and holder: each from its latest modification that sets it (by date,
    then id, then position), among those dated by the as-of date (docs/indicateurs.md). The initial amount is kept."""
    typed = typed.with_columns(pl.col("montant_ht").alias("montant_initial_ht"))
    if "modifications" not in typed.columns:
        return typed.with_columns(pl.lit(0, pl.UInt32).alias("nb_modifications"))
    mods = _modifications(typed).filter(pl.col("_date").is_null() | (pl.col("_date") <= as_of))
    mods = mods.sort([LINE_COLUMN, "_date", "_id", "id", "position"], nulls_last=False)
    holder_set = pl.col("titulaire_id").is_not_null()
    current = mods.group_by(LINE_COLUMN).agg(
        pl.len().alias("nb_modifications"),
        parsing.parse_number(pl.col("montant")).drop_nulls().last().alias("_montant"),
        pl.col("duree_mois").cast(pl.Int64).drop_nulls().last().alias("_duree"),
        *[pl.col(c).filter(holder_set).last().alias(f"_{c}") for c in HOLDER],
    )
    amended = typed.join(current, on=LINE_COLUMN, how="left")
    new_holder = pl.col("_titulaire_id").is_not_null()
    return amended.with_columns(
        pl.coalesce("_montant", "montant_ht").alias("montant_ht"),
        pl.coalesce("_duree", "duree_mois").alias("duree_mois"),
        *[pl.when(new_holder).then(pl.col(f"_{c}")).otherwise(pl.col(c)).alias(c) for c in HOLDER],
        pl.col("nb_modifications").fill_null(0),
    ).drop("modifications", "_montant", "_duree", *[f"_{c}" for c in HOLDER])


def _marches_scope(rows: pl.LazyFrame, settings: Settings) -> pl.LazyFrame:
    """Whose contract: the Département's own register, or a DECP contract of one of its SIRENs, is DEPARTEMENT."""
    siren = pl.col("acheteur_siret").str.replace_all(r"\D", "").str.slice(0, 9)
    from_extract = pl.col("source") == "EXTRAIT"
    own = from_extract | siren.is_in(list(settings.acheteurs))
    return rows.with_columns(
        pl.when(from_extract).then(pl.lit(settings.acheteurs[0])).otherwise(siren).alias("acheteur_siren"),
        pl.when(own).then(pl.lit(PERIMETRE_DEPARTEMENT)).otherwise(pl.lit("AUTRE_ACHETEUR")).alias("perimetre"),
    )


PERIMETRE_DEPARTEMENT = "DEPARTEMENT"


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
        # Environmental considerations (DECP v2's considerationsEnvironnementales), and what article 35 of the
        # Climat et résilience law asks of a consultation launched from 21 August 2026 (docs/indicateurs.md).
        Column("clause_environnementale", "boolean", False, ("condition_environnementale",)),
        Column("critere_environnemental", "boolean", False, ("critere_performance_environnementale",)),
        Column("date_lancement_consultation", "date", False, ("date_lancement", "lancement_consultation")),
        Column("exception_article_35", "text", False, ("exception_loi_climat", "derogation_article_35")),
    ),
    schema=schemas.marches_schema,
    key=("id_marche",),
    formats=("text", "xlsx", "json", "xml"),
    derivable=(("famille", "cpv"),),
    prepare=_marches_defaults,
    other_dates=_amendment_dates,
    finish=_marches_scope,
    priority=pl.col("source") == "EXTRAIT",  # the Département's own extract wins over open data
    sender_code="ACHATS",
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
        # The follow-up a facilitator may add: the situation a year on, and the day a situation was observed.
        Column("situation_12_mois", "code", False, ("situation_a_12_mois", "situation_1_an"), SITUATIONS_6_MOIS),
        Column("date_observation_situation", "date", False, ("date_observation", "date_situation")),
    ),
    schema=schemas.participants_schema,
    key=("parcours_id", "date_entree"),
    episodes=("date_entree", "date_sortie"),
    pseudonymise=pseudonym.pseudonymise_participants,
    sender_column="facilitateur",
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
    sender_column="facilitateur",
    pseudonymise=pseudonym.add_parcours_id,
    references=(
        # Only the Département's contracts: another buyer's contract of a national DECP file is not one we follow.
        Reference(
            "id_marche",
            "marches",
            "MARCHE_INCONNU",
            "id_marche",
            shown=True,
            known_where=f"perimetre = '{PERIMETRE_DEPARTEMENT}'",
        ),  # fmt: skip
        Reference("parcours_id", "participants", "PARTICIPANT_INCONNU", "id_participant", shown=False),
    ),
)

OBJECTIFS = Extract(
    name="objectifs",
    label="Objectifs du SPASER (Département)",
    sender="la mission SPASER du Département",
    description="raw/objectifs/ : les cibles que le Département fixe, par année et indicateur de kpi_annuel.",
    columns=(
        Column("annee", "integer", True, ("annee_cible",)),
        Column("indicateur", "code", True, ("indicateur_cible",), INDICATEURS_CIBLES),
        Column("cible", "target", True, ("valeur_cible", "objectif")),
        Column("commentaire", "text", False, ("remarque", "commentaires")),
    ),
    schema=schemas.objectifs_schema,
    key=("annee", "indicateur"),
    sender_code="OBJECTIFS",
)

PLANS = Extract(
    name="plans",
    label="Plans (SPASER) du Département",
    sender="la mission SPASER du Département",
    description="raw/plans/ : les plans que le Département adopte (nom, début, fin, date d'adoption) ; la date "
    "d'arrêté choisit le plan en cours, et chaque plan a son bilan.",
    columns=(
        Column("plan", "text", True, ("nom_plan", "nom")),
        Column("debut", "date", True, ("date_debut",)),
        Column("fin", "date", True, ("date_fin",)),
        Column("adopte_le", "date", False, ("date_adoption", "adoption")),
        Column("commentaire", "text", False, ("remarque", "commentaires")),
    ),
    schema=schemas.plans_schema,
    key=("plan",),
    sender_code="OBJECTIFS",
)

EXCEPTIONS = Extract(
    name="exceptions",
    label="Exceptions à l'article 35 (commande publique)",
    sender="la direction de la commande publique",
    description="raw/exceptions/ : pour un marché auquel manque la condition sociale ou environnementale que demande "
    "l'article 35 de la loi Climat et résilience, l'exception légale que l'acheteur documente.",
    columns=(
        Column("id_marche", "text", True, ID_MARCHE_ALIASES),
        Column("exception", "text", True, ("exception_article_35", "motif_exception")),
        Column("commentaire", "text", False, ("remarque", "commentaires")),
    ),
    schema=schemas.exceptions_schema,
    key=("id_marche",),
    sender_code="ACHATS",
)

# In the order they are ingested: an extract comes after those its rows refer to.
EXTRACTS: tuple[Extract, ...] = (MARCHES, PARTICIPANTS, HEURES, OBJECTIFS, PLANS, EXCEPTIONS)
BY_NAME: dict[str, Extract] = {e.name: e for e in EXTRACTS}
