"""Every rule a row can break, in one place: what it means (the quarantine's `motif`) and what its sender
should do about it (the sentence of the returns workbook). The checks themselves are in
pipeline/extracts/schemas.py (Pandera), pipeline/ingest/validate.py (values unreadable for their type) and
pipeline/ingest/assembly.py (across rows)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    motif: str  # what is wrong, short
    action: str  # what to do, a sentence for the sender


CATALOGUE = {
    "OBLIGATOIRE": Rule("valeur obligatoire absente", "renseigner la valeur, elle est obligatoire."),
    "FORMAT_INVALIDE": Rule("valeur illisible pour ce type", "écrire la valeur sous la forme attendue : {type}."),
    "HORS_LIMITES": Rule("valeur hors des limites admises",
                         "vérifier la valeur : elle sort des limites plausibles (date, montant, heures ou taux)."),
    "CODE_INCONNU": Rule("code inconnu", "choisir une valeur de la liste admise : {codes}."),
    "SIRET_INVALIDE": Rule("SIRET invalide (14 chiffres et clé de Luhn)",
                           "corriger le SIRET : 14 chiffres dont le dernier est une clé de contrôle (voir l'annuaire "
                           "des entreprises)."),
    "TEXTE_TROP_LONG": Rule("texte anormalement long (plus de 10 000 caractères)",
                            "vérifier la cellule : un collage a sans doute débordé."),
    "HEURES_PREVUES_SANS_CLAUSE_OU_ABSENTES": Rule(
        "heures prévues absentes avec clause, ou présentes sans clause",
        "indiquer les heures prévues d'un marché avec clause, et aucune pour un marché sans clause."),
    "AGE_A_L_ENTREE_HORS_16_70": Rule("âge à l'entrée hors de 16 à 70 ans",
                                      "vérifier la date de naissance et la date d'entrée."),
    "SORTIE_AVANT_ENTREE": Rule("date de sortie antérieure à la date d'entrée",
                                "vérifier la date d'entrée et la date de sortie."),
    "OBSERVATION_AVANT_SORTIE": Rule("situation observée avant la date de sortie",
                                     "vérifier la date d'observation de la situation : elle suit la sortie."),
    "FIN_AVANT_DEBUT": Rule("fin du plan avant son début", "vérifier les dates de début et de fin du plan."),
    "AUCUN_CRITERE_D_ELIGIBILITE": Rule("aucun critère d'éligibilité : hors du public de la clause",
                                        "cocher au moins un critère (DELD, BRSA, RQTH...) ou retirer la personne."),
    "EN_TETE_REPETEE": Rule("ligne d'en-tête répétée au milieu du fichier",
                            "supprimer la ligne d'en-tête répétée (fichiers collés bout à bout) ; rien n'est perdu."),
    "DOUBLON": Rule("copie exacte d'une ligne précédente du même fichier",
                    "supprimer la copie : la ligne est comptée une fois."),
    "CONFLIT": Rule("même clé qu'une autre ligne du fichier, avec des valeurs différentes",
                    "garder une seule ligne par clé ({colonne}) avec les bonnes valeurs, puis renvoyer le fichier."),
    "MARCHE_INCONNU": Rule("marché inconnu : ligne en attente de l'arrivée du marché",
                           "vérifier le numéro de marché ; s'il est juste, la ligne sera chargée dès que la commande "
                           "publique aura transmis le marché."),
    "PARTICIPANT_INCONNU": Rule("participant inconnu : ligne en attente de l'arrivée du participant",
                                "envoyer la fiche de la personne dans raw/participants/ : la ligne sera alors "
                                "chargée."),
    "CONCESSION": Rule("contrat de concession : hors du champ des marchés",
                       "rien à faire : les concessions ne comptent pas dans les indicateurs."),
    "ENREGISTREMENT_ILLISIBLE": Rule("enregistrement DECP qui n'est pas un objet (ni marché ni concession)",
                                     "vérifier la structure du fichier DECP à cet enregistrement."),
    "FAMILLE_INDETERMINABLE": Rule("famille d'achat absente et non déductible du code CPV",
                                   "renseigner la famille d'achat, ou un code CPV complet à 8 chiffres."),
}  # fmt: skip
UNKNOWN = Rule("règle non respectée", "vérifier la ligne.")

MESSAGES = {code: rule.motif for code, rule in CATALOGUE.items()}


def sentence(code: str, header: str, value: str | None, type_label: str = "", codes: tuple[str, ...] = ()) -> str:
    """One sentence in plain French: what is wrong with the cell, and what to do."""
    rule = CATALOGUE.get(code, UNKNOWN)
    shown = f" (valeur « {value} »)" if value else ""
    listed = ", ".join(codes[:12]) + (" ..." if len(codes) > 12 else "")
    action = rule.action.format(type=type_label or "voir le modèle", codes=listed or "voir le modèle", colonne=header)
    where = f"Colonne « {header} »{shown} : " if header else ""
    return f"{where}{rule.motif}. À faire : {action}"
