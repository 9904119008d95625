"""French labels and units of the exported columns: one home for what an elected official reads."""

from __future__ import annotations

import polars as pl

from pipeline import french
from pipeline.exports import secrecy
from pipeline.extracts.reference import SPASER, seed

_OUTCOME_WORDS = {"emploi_durable": "Emploi durable", "emploi_transition": "Emploi de transition",
                  "sortie_positive": "Sortie positive", "sorties_dynamiques": "Sorties dynamiques"}  # fmt: skip
# column -> (label, unit) ; unit: count, euros, hours, etp, rate, target (a rate or a count), text, year, date
COLUMNS: dict[str, tuple[str, str]] = {
    "annee": ("Année", "year"),
    "annee_sortie": ("Année de sortie", "year"),
    "periode": ("Période", "text"),
    "nb_marches": ("Marchés notifiés", "count"),
    "montant_marches_ht": ("Montant des marchés (€ HT)", "euros"),
    "nb_marches_eligibles": (
        f"Marchés éligibles à la clause (BTP ≥ {french.format_euros(SPASER.seuil_clause_btp_ht)} HT)",
        "count",
    ),
    "nb_marches_eligibles_avec_clause": ("… dont avec clause d'insertion", "count"),
    "taux_couverture_clause": ("Taux de couverture des marchés éligibles", "rate"),
    "nb_marches_clause": ("Marchés avec clause d'insertion", "count"),
    "montant_marches_clause_ht": ("Montant des marchés avec clause (€ HT)", "euros"),
    "nb_marches_clause_services": ("Marchés de services avec clause", "count"),
    "nb_marches_clause_prestations_intellectuelles": ("Marchés de prestations intellectuelles avec clause", "count"),
    "nb_marches_critere_social": ("Marchés avec critère social d'attribution", "count"),
    "part_marches_critere_social": ("Part des marchés avec critère social", "rate"),
    "nb_marches_reserves": ("Marchés réservés (SIAE, EA/ESAT, ESS)", "count"),
    "montant_marches_reserves_ht": ("Montant des marchés réservés (€ HT)", "euros"),
    "heures_prevues": ("Heures d'insertion prévues", "hours"),
    "nb_marches_considerations_connues": (
        f"Marchés d'au moins {french.format_euros(SPASER.seuil_decp_ht)} HT aux considérations sociales connues",
        "count",
    ),
    "nb_marches_consideration_sociale": ("… dont avec au moins une considération sociale", "count"),
    "part_marches_consideration_sociale": (
        "Indicateur national (PNAD) : part des marchés avec considération sociale",
        "rate",
    ),
    "montant_marches_considerations_connues_ht": ("Montant de ces marchés (€ HT)", "euros"),
    "montant_marches_consideration_sociale_ht": ("… dont avec considération sociale (€ HT)", "euros"),
    "part_montant_consideration_sociale": ("Part du montant avec considération sociale", "rate"),
    "indicateur": ("Indicateur", "text"),
    "nb_mois_manquants": ("Mois manquants", "count"),
    "mois_manquants": ("Lesquels", "text"),
    "cible": ("Cible", "target"),
    "realise": ("Réalisé", "target"),
    "ecart": ("Écart", "target"),
    "libelle_statut": ("Statut", "text"),
    "fenetre_close": ("Réalisation définitive", "text"),
    "nb_sortants_cohorte": ("Sortants de l'année", "count"),
    "part_cohorte_observee": ("Part des sortants déjà observés", "rate"),
    "acheteur_siren": ("Acheteur (SIREN)", "text"),
    "acheteur_nom": ("Acheteur", "text"),
    "categorie_acheteur": ("Catégorie", "text"),
    "rang_categorie": ("Rang dans la catégorie", "count"),
    "nb_acheteurs_classes": ("Acheteurs classés", "count"),
    "mediane_categorie": ("Médiane de la catégorie", "rate"),
    "premier_quartile": ("1er quartile", "rate"),
    "troisieme_quartile": ("3e quartile", "rate"),
    "heures_realisees": ("Heures d'insertion réalisées", "hours"),
    "etp": ("ETP-années (équivalents temps plein cumulés)", "etp"),
    "nb_mois_couverts": ("Mois couverts", "etp"),
    "etp_annuel_moyen": ("ETP par an en moyenne", "etp"),
    "nb_participants": ("Personnes en insertion", "count"),
    "nb_nouveaux_participants": ("Nouvelles personnes", "count"),
    "nb_employeurs": ("Employeurs", "count"),
    "nb_marches_actifs": ("Marchés avec des heures", "count"),
    "part_femmes": ("Part de femmes", "rate"),
    "part_moins_26_ans": ("Part de moins de 26 ans", "rate"),
    "part_50_ans_et_plus": ("Part de 50 ans et plus", "rate"),
    "part_qpv": ("Part de résidents QPV", "rate"),
    "part_brsa": ("Part de bénéficiaires du RSA", "rate"),
    "part_deld": ("Part de demandeurs d'emploi de longue durée", "rate"),
    "part_rqth": ("Part de travailleurs handicapés (RQTH)", "rate"),
    "part_jeunes_sans_qualification": ("Part de jeunes sans qualification", "rate"),
    "nb_sortants": ("Sorties observables (6 mois écoulés)", "count"),
    "nb_sortants_en_attente": ("Sorties de moins de 6 mois (résultat à venir)", "count"),
    "nb_sortants_situation_connue": ("Sorties à situation connue", "count"),
    "taux_situation_connue": ("Taux de situation connue", "rate"),
    "taux_emploi_durable": ("Emploi durable", "rate"),
    "taux_emploi_transition": ("Emploi de transition", "rate"),
    "taux_sortie_positive": ("Sortie positive (formation, SIAE)", "rate"),
    "taux_sorties_dynamiques": ("Sorties dynamiques", "rate"),
    "nb_sortants_situation_inconnue": ("Sorties à situation inconnue", "count"),
    **{f"fourchette_{o}": (f"{w} : fourchette (sorties observables)", "text") for o, w in _OUTCOME_WORDS.items()},
    **{
        f"parmi_connues_{o}": (f"{w} parmi les situations connues [IC 95 %]", "text") for o, w in _OUTCOME_WORDS.items()
    },  # fmt: skip
    "realise_fourchette": ("Fourchette", "text"),
    "dimension": ("Dimension", "text"),
    "part_nationale": ("Part (France)", "rate"),
    "repere_national": ("Repère national", "text"),
    "montant_ht": ("Montant (€ HT)", "euros"),
    "mediane_categorie_environnement": ("Médiane de la catégorie (environnementale)", "rate"),
    "nature": ("Nature", "text"),
    "nb_marches_concernes": ("Marchés du champ", "count"),
    "nb_marches_au_dessus_seuil": ("… au-dessus du seuil européen", "count"),
    "part_condition_sociale_au_dessus_seuil": ("Condition sociale d'exécution au-dessus du seuil", "rate"),
    "part_condition_environnementale": ("Condition environnementale d'exécution", "rate"),
    "nb_exceptions_documentees": ("Exceptions documentées", "count"),
    "nb_non_conformes": ("Non conformes", "count"),
    "nb_a_verifier": ("À vérifier", "count"),
    "nb_dates_de_notification": ("Dont date de lancement inconnue", "count"),
    "date_reference": ("Lancement (ou notification)", "date"),
    "date_reference_source": ("Date prise", "text"),
    "seuil_europeen_ht": ("Seuil européen (€ HT)", "euros"),
    "manque_condition_sociale": ("Manque la condition sociale", "text"),
    "critere_social_seul": ("Critère social seul", "text"),
    "manque_condition_environnementale": ("Manque la condition environnementale", "text"),
    "exception_article_35": ("Exception documentée", "text"),
    "nb_marches_considerations_environnementales_connues": (
        f"Marchés d'au moins {french.format_euros(SPASER.seuil_decp_ht)} HT aux considérations environnementales "
        "connues",
        "count",
    ),
    "nb_marches_consideration_environnementale": ("… dont avec au moins une considération environnementale", "count"),
    "part_marches_consideration_environnementale": (
        "Indicateur national (PNAD) : part des marchés avec considération environnementale",
        "rate",
    ),
    "annee_entree": ("Année d'entrée", "year"),
    "delai_mois": ("Délai (mois)", "count"),
    "nb_entrants": ("Personnes entrées", "count"),
    "nb_entrants_observables": ("… dont fenêtre close", "count"),
    "fourchette_sortie_dynamique": ("Sorties dynamiques : fourchette (n entrées)", "text"),
    "nb_parcours_actifs_24_mois": ("Parcours avec des heures sur 24 mois", "count"),
    "part_decrochages_silencieux": ("Décrochages silencieux", "rate"),
    "part_observees_5_a_8_mois": ("Situations observées à 5-8 mois", "rate"),
    "delai_declaration_median_mois": ("Délai de déclaration médian (mois)", "etp"),
    "part_mois_declares_sous_2_mois": ("Mois déclarés sous 2 mois", "rate"),
    "valeur": ("Valeur", "text"),
    "taux_realisation_marches_acheves": ("Réalisation des heures des marchés achevés", "rate"),
    "modalite": ("Modalité", "text"),
    "libelle_modalite": ("Modalité", "text"),
    "heures": ("Heures", "hours"),
    "part_heures": ("Part des heures", "rate"),
    "perimetre": ("Périmètre", "text"),
    "tranche_heures": ("Heures du parcours", "text"),
    "facilitateur": ("Facilitateur", "text"),
    "structure": ("Structure", "text"),
    "territoire": ("Territoire", "text"),
    "territoire_residence": ("Territoire de résidence", "text"),
    "part_participants": ("Part des personnes", "rate"),
    "id_marche": ("Marché", "text"),
    "objet": ("Objet", "text"),
    "famille": ("Famille d'achat", "text"),
    "titulaire_nom": ("Titulaire", "text"),
    "date_notification": ("Notification", "date"),
    "date_fin": ("Fin", "date"),
    "taux_realisation": ("Taux de réalisation", "rate"),
    "nb_marches_suivis": ("Marchés suivis", "count"),
    "nb_marches_en_cours": ("En cours", "count"),
    "nb_marches_acheves_atteint": ("Achevés, objectif atteint", "count"),
    "nb_marches_acheves_non_atteint": ("Achevés, objectif non atteint", "count"),
    "statut": ("Statut", "text"),
    "chemin": ("Fichier", "text"),
    "type_extrait": ("Extraction", "text"),
    "lignes_lues": ("Lignes lues", "count"),
    "lignes_chargees": ("Chargées", "count"),
    "lignes_quarantaine": ("En quarantaine", "count"),
    "lignes_en_attente": ("En attente", "count"),
    "lignes_remplacees": ("Remplacées", "count"),
    "motif": ("Motif", "text"),
    "source": ("Source", "text"),
    "champ": ("Champ", "text"),
    "nb_attendus": ("Attendus", "count"),
    "nb_renseignes": ("Renseignés", "count"),
    "taux_completude": ("Complétude", "rate"),
}


def _seed(name: str, code: str) -> dict[str, str]:
    return {row[code]: row["libelle"] for row in seed(name)}


# column -> {code: words}: what the workbook and the report write instead of a code (the CSVs keep codes).
_TERRITOIRES = _seed("territoires", "territoire")
CODES: dict[str, dict[str, str]] = {
    "territoire": _TERRITOIRES,
    "territoire_residence": {
        **_TERRITOIRES,
        "territoire non couvert": "Territoire non couvert",
        "hors département": "Hors département",
        "commune inconnue": "Commune inconnue",
    },
    "famille": _seed("familles", "famille"),
    "modalite": _seed("modalites", "modalite"),
    "situation_6_mois": _seed("situations", "situation_6_mois"),
    "secteur": {"BTP": "Bâtiment et travaux publics", "SERVICES": "Services", "FOURNITURES": "Fournitures"},
    "statut": {
        "EN_COURS": "En cours",
        "ACHEVE_OBJECTIF_ATTEINT": "Achevé, objectif atteint",
        "ACHEVE_OBJECTIF_NON_ATTEINT": "Achevé, objectif non atteint",
        # conformite_article_35
        "CONFORME": "Conforme",
        "NON_CONFORME": "Non conforme",
        "EXCEPTION_DOCUMENTEE": "Exception documentée",
        "A_VERIFIER": "À vérifier",
    },
    "categorie_acheteur": {
        "DEPARTEMENT": "Départements",
        "REGION": "Régions",
        "COMMUNE": "Communes",
        "GROUPEMENT": "Groupements de collectivités",
        "ETAT": "État",
    },
    "perimetre": {"TOUTES_ANNEES": "Toutes les années", "ANNEE": "Une année"},
    "niveau_formation": {
        "INFRA_3": "Sans diplôme (infra 3)",
        "3": "CAP, BEP (niveau 3)",
        "4": "Bac (niveau 4)",
        "5_PLUS": "Bac + 2 et plus (niveau 5 et plus)",
    },  # fmt: skip
}


def words(column: str, code):
    """The words for a code of `column` (the code itself when it has none, or when it is not a code)."""
    return CODES.get(column, {}).get(code, code) if isinstance(code, str) else code


def label(column: str) -> str:
    return COLUMNS.get(column, (column.replace("_", " ").capitalize(), "text"))[0]


def unit(column: str) -> str:
    """A column's unit; a count or a rate not listed (the bounds and intervals of an outcome) says so by its name."""
    default = "rate" if column.startswith(("taux_", "part_")) else "count" if column.startswith("nb_") else "text"
    return COLUMNS.get(column, (column, default))[1]


def with_range(frame: pl.DataFrame, name: str, low: str, high: str, n: str) -> pl.DataFrame:
    """A range as it may be read, « 64–81 % (n = 3 078) », in a text column `name`: hidden where either end is."""
    hidden, none = secrecy.masks(frame), pl.Series([False] * frame.height)
    ranges = [french.format_range(*row) for row in frame.select(low, high, n).rows()]
    return frame.with_columns(
        pl.Series(name, ranges, dtype=pl.String),
        (hidden.get(low, none) | hidden.get(high, none)).alias(f"{secrecy.MARK}{name}"),
    )


def with_ranges(frame: pl.DataFrame) -> pl.DataFrame:
    """Each outcome rate as it may be read, as text: its range with its n (fourchette_…), and the rate among
    known situations with its interval and n (parmi_connues_…); hidden where a figure behind it is."""
    for outcome in _OUTCOME_WORDS:
        rate, low, high = f"taux_{outcome}", f"taux_{outcome}_bas", f"taux_{outcome}_haut"
        if low not in frame.columns:
            continue
        frame = with_range(frame, f"fourchette_{outcome}", low, high, "nb_sortants")
        rows = frame.select(rate, f"{rate}_ic_bas", f"{rate}_ic_haut", "nb_sortants_situation_connue").rows()
        hidden = secrecy.masks(frame).get(rate, pl.Series([False] * frame.height))
        frame = frame.with_columns(
            pl.Series(f"parmi_connues_{outcome}", [french.format_rate_interval(*r) for r in rows], dtype=pl.String),
            hidden.alias(f"{secrecy.MARK}parmi_connues_{outcome}"),
        )
    return frame


def formatted(value, unit_: str) -> str:
    """1 234,5 ; 45 % — a value as the report shows it."""
    if value is None:
        return french.MISSING
    if unit_ == "rate":
        return french.format_percent(value)
    if unit_ in ("year", "text", "date"):
        return str(value)
    text = french.format_number(value, 1 if unit_ == "etp" else 0)
    return f"{text} €" if unit_ == "euros" else text
