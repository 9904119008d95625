"""A column of an extract, how headers and codes are spelt, and the code lists the extracts admit
(docs/deposer_des_extractions.md).

The code lists the Département maintains are dbt seeds instead (pipeline/extracts/reference.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, code, cpv, date, month, amount, hours, integer, boolean, checkbox, siret, insee, sexe
    required: bool = False
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    personal: bool = False  # never kept, never shown: used at the door, then dropped or pseudonymised


# How each type is written, for a person: the templates' help sheet and the returns' sentences.
TYPES = {
    "text": "texte",
    "code": "code",
    "cpv": "code CPV (8 chiffres, clé facultative)",
    "date": "date (jj/mm/aaaa)",
    "month": "mois (mm/aaaa)",
    "amount": "montant en euros",
    "hours": "heures (décimales avec virgule)",
    "integer": "nombre entier",
    "boolean": "oui / non",
    "checkbox": "x ou vide",
    "siret": "SIRET (14 chiffres)",
    "insee": "code INSEE de commune (5 caractères)",
    "sexe": "F / M",
    "target": "nombre ; pour un taux, une fraction ou un pourcentage (0,3 ou 30 %)",
}


MARCHE_RESERVE = ("NON", "SIAE", "EA_ESAT", "ESS", "RESERVE_NON_PRECISE")
TYPES_CONTRAT = ("CDI", "CDD", "CDDI", "INTERIM", "APPRENTISSAGE", "PROFESSIONNALISATION", "AUTRE")
NIVEAUX_FORMATION = ("INFRA_3", "3", "4", "5_PLUS")
ELIGIBILITES = ("deld", "brsa", "rqth", "jeune_sans_qualification", "minima_sociaux", "senior", "autre_public")

# Columns that may arrive in real extracts and must never be kept (dropped on read).
PERSONAL_EXTRA = ("nir", "numero_securite_sociale", "adresse", "telephone", "email", "mail", "nom_naissance")

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
