"""What each extract holds: its columns, their aliases and types, and the codes they accept.

The single home of extracts.md's tables; readers, validation, the demo and the templates use it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

KINDS = ("marches", "heures", "participants")

FACILITATEURS = tuple(f"F{i}" for i in range(1, 10))

FAMILLE_SECTEUR = {
    "TRAVAUX_BATIMENT": "BTP",
    "TRAVAUX_ROUTES_RESEAUX": "BTP",
    **{
        f: "SERVICES"
        for f in (
            "NETTOYAGE",
            "ESPACES_VERTS",
            "SURVEILLANCE_GARDIENNAGE",
            "PRESTATIONS_INTELLECTUELLES",
            "INFORMATIQUE",
            "FORMATION",
            "RESTAURATION",
            "DECHETS",
            "DEMENAGEMENT",
            "COURRIER",
            "MEDIATION_SOCIALE",
            "SECRETARIAT",
            "AUTRES_SERVICES",
        )
    },
    "FOURNITURES": "FOURNITURES",
}
MARCHE_RESERVE = ("NON", "SIAE", "EA_ESAT", "ESS", "RESERVE_NON_PRECISE")
MODALITES = (
    "EMBAUCHE_DIRECTE",
    "INTERIM_INSERTION",
    "MISE_A_DISPOSITION",
    "SOUS_TRAITANCE_SIAE",
    "CO_TRAITANCE_SIAE",
    "APPRENTISSAGE",
    "PROFESSIONNALISATION",
    "FORMATION",
)
TYPES_CONTRAT = ("CDI", "CDD", "CDDI", "INTERIM", "APPRENTISSAGE", "PROFESSIONNALISATION", "AUTRE")
NIVEAUX_FORMATION = ("INFRA_3", "3", "4", "5_PLUS")
SITUATIONS_6_MOIS = (
    "CDI",
    "CDD_6_MOIS_ET_PLUS",
    "INTERIM_6_MOIS_ET_PLUS",
    "CREATION_ENTREPRISE",
    "FONCTION_PUBLIQUE",
    "CDD_MOINS_6_MOIS",
    "INTERIM_MOINS_6_MOIS",
    "CONTRAT_AIDE",
    "FORMATION_QUALIFIANTE",
    "EMBAUCHE_SIAE",
    "DEMANDEUR_EMPLOI",
    "INACTIF",
    "AUTRE",
    "INCONNU",
)
ELIGIBILITES = ("deld", "brsa", "rqth", "jeune_sans_qualification", "minima_sociaux", "senior", "autre_public")

# Columns that may arrive in real extracts and must never be kept (dropped on read).
PERSONAL_EXTRA = ("nir", "numero_securite_sociale", "adresse", "telephone", "email", "mail", "nom_naissance")
# Canonical columns that are personal: used at the door to build the pseudonym, then dropped.
PERSONAL_CANONICAL = ("nom", "prenom", "date_naissance")
# Values masked in the quarantine (the facilitator's reference of a person is personal too).
MASKED_IN_QUARANTINE = PERSONAL_CANONICAL + ("id_participant",)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, code, cpv, date, month, amount, hours, integer, boolean, checkbox, siret, insee, sexe
    required: bool = False
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()


ID_MARCHE_ALIASES = ("numero_marche", "n_marche", "num_marche", "no_marche", "reference_marche")

MARCHES = (
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
)

HEURES = (
    Column("facilitateur", "code", True, (), FACILITATEURS),
    Column("id_participant", "text", True, ("ref_participant", "numero_participant")),
    Column("id_marche", "text", True, ID_MARCHE_ALIASES),
    Column("mois", "month", True, ("periode", "mois_realisation")),
    Column("heures", "hours", True, ("nb_heures", "heures_realisees")),
    Column("modalite", "code", True, ("modalite_realisation",), MODALITES),
    Column("employeur_siret", "siret", True, ("siret_employeur",)),
    Column("employeur_nom", "text", False, ("employeur",)),
    Column("type_contrat", "code", False, ("contrat",), TYPES_CONTRAT),
)

PARTICIPANTS = (
    Column("facilitateur", "code", True, (), FACILITATEURS),
    Column("id_participant", "text", True, ("ref_participant",)),
    Column("nom", "text", True, ()),
    Column("prenom", "text", True, ()),
    Column("date_naissance", "date", True, ("naissance", "ne_le")),
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
)

COLUMNS: dict[str, tuple[Column, ...]] = {"marches": MARCHES, "heures": HEURES, "participants": PARTICIPANTS}

# Keys: a later file's row with the same key replaces the earlier; two rows of one file with the same
# key and different values are a conflict.
KEYS = {
    "marches": ("id_marche",),
    "participants": ("facilitateur", "id_participant"),
    "heures": ("facilitateur", "id_participant", "id_marche", "employeur_siret", "mois"),
}


# Small words that French headers add or drop: `Date d'entrée` is `date_entree`.
HEADER_STOPWORDS = {"d", "l", "de", "du", "des", "a", "la", "le", "les", "en", "au", "aux"}


def normalise_header(label: str) -> str:
    """`Montant HT (€)`, `montant_ht` and `MONTANT HT` all give `montant_ht`."""
    text = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode().lower()
    text = text.replace("€", " ")
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in HEADER_STOPWORDS]
    return "_".join(words).removesuffix("_eur")


def normalise_code(value: str) -> str:
    """`Mise à disposition` -> `MISE_A_DISPOSITION`: the spelling of our codes."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z0-9]+", "_", text).strip("_")


def alias_map(kind: str) -> dict[str, str]:
    """Normalised header -> canonical column, for one kind of extract."""
    out: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for label in (col.name, *col.aliases):
            out.setdefault(normalise_header(label), col.name)
    return out
