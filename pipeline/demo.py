"""Realistic demo extracts, deterministic by seed, calibrated on the Département's own figures.

About 700 contracts and 330 M€ a year; the clause in every building and road-works contract from
200,000 € (a few missed, as in real life), in part of the service contracts; the nine facilitators
and their territories; the eligible publics, the modalités, exits and situations six months later.
Written as real extracts arrive: Windows-1252 with `;` and decimal commas, XLSX, header aliases,
title rows, personal columns to drop, and a few bad rows of each kind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter
from stdnum import luhn

from pipeline.extracts import FAMILLE_SECTEUR, MODALITES
from pipeline.settings import PROJECT_ROOT

REFERENCE_DIR = PROJECT_ROOT / "dbt_project" / "seeds"
CONTRACTS_PER_YEAR = 700
NOMS = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
        "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Benali", "Haddad", "Nguyen",
        "Diallo", "Traoré", "Ferrari", "Rossi", "Da Silva", "Pereira", "Mansouri", "Chérif", "Le Goff", "Müller"]
PRENOMS_F = ["Marie", "Léa", "Inès", "Fatima", "Sarah", "Chloé", "Emma", "Yasmine", "Nadia", "Aïcha", "Céline",
             "Sandrine", "Hélène", "Zoé", "Manon", "Amandine", "Océane", "Samia"]
PRENOMS_M = ["Jean", "Mohamed", "Lucas", "Nicolas", "Karim", "Julien", "Thomas", "Mehdi", "Hugo", "Rachid", "Kévin",
             "Sébastien", "Yanis", "Moussa", "François", "Loïc", "Jérôme", "Bilal", "Noé", "Théo"]
OBJETS = {
    "TRAVAUX_BATIMENT": ["Réhabilitation du collège {c}", "Construction d'un gymnase à {c}", "Rénovation énergétique du collège {c}",
                         "Extension de la Maison départementale de la solidarité de {c}"],
    "TRAVAUX_ROUTES_RESEAUX": ["Recalibrage de la RD {n} à {c}", "Aménagement d'un giratoire sur la RD {n}",
                               "Réfection de chaussée RD {n} - secteur {c}", "Piste cyclable RD {n} à {c}"],
    "NETTOYAGE": ["Nettoyage des locaux départementaux - secteur {c}"], "ESPACES_VERTS": ["Entretien des espaces verts des collèges de {c}"],
    "SURVEILLANCE_GARDIENNAGE": ["Gardiennage des sites départementaux de {c}"],
    "PRESTATIONS_INTELLECTUELLES": ["Maîtrise d'œuvre pour le collège {c}", "Assistance à maîtrise d'ouvrage - {c}"],
    "INFORMATIQUE": ["Maintenance applicative du SI social"], "FORMATION": ["Formation des agents des routes"],
    "RESTAURATION": ["Restauration scolaire des collèges de {c}"], "DECHETS": ["Collecte des déchets des centres routiers"],
    "DEMENAGEMENT": ["Déménagement des services à {c}"], "COURRIER": ["Collecte et affranchissement du courrier"],
    "MEDIATION_SOCIALE": ["Médiation sociale aux abords des collèges de {c}"], "SECRETARIAT": ["Prestations de secrétariat"],
    "AUTRES_SERVICES": ["Maintenance des ascenseurs - {c}"], "FOURNITURES": ["Fourniture de mobilier scolaire", "Fourniture de sel de déneigement"],
}
CPV = {"TRAVAUX_BATIMENT": "45214200-2", "TRAVAUX_ROUTES_RESEAUX": "45233140-2", "NETTOYAGE": "90911200-8",
       "ESPACES_VERTS": "77310000-6", "SURVEILLANCE_GARDIENNAGE": "79713000-5", "PRESTATIONS_INTELLECTUELLES": "71000000-8",
       "INFORMATIQUE": "72000000-5", "FORMATION": "80500000-9", "RESTAURATION": "55520000-1", "DECHETS": "90500000-2",
       "DEMENAGEMENT": "98392000-7", "COURRIER": "64110000-0", "MEDIATION_SOCIALE": "85300000-2",
       "SECRETARIAT": "79500000-9", "AUTRES_SERVICES": "50750000-7", "FOURNITURES": "39160000-1"}
# Share of contracts and median amount (€) by famille: works are few and large.
FAMILLE_MIX = {"TRAVAUX_BATIMENT": (0.17, 728_000), "TRAVAUX_ROUTES_RESEAUX": (0.15, 588_000), "NETTOYAGE": (0.05, 224_000),
               "ESPACES_VERTS": (0.05, 154_000), "SURVEILLANCE_GARDIENNAGE": (0.03, 252_000),
               "PRESTATIONS_INTELLECTUELLES": (0.12, 98_000), "INFORMATIQUE": (0.06, 168_000), "FORMATION": (0.03, 56_000),
               "RESTAURATION": (0.03, 490_000), "DECHETS": (0.02, 210_000), "DEMENAGEMENT": (0.01, 70_000),
               "COURRIER": (0.01, 126_000), "MEDIATION_SOCIALE": (0.01, 168_000), "SECRETARIAT": (0.01, 56_000),
               "AUTRES_SERVICES": (0.06, 126_000), "FOURNITURES": (0.19, 112_000)}
SERVICE_CLAUSE_RATE = {"NETTOYAGE": 0.55, "ESPACES_VERTS": 0.6, "SURVEILLANCE_GARDIENNAGE": 0.4, "RESTAURATION": 0.35,
                       "DECHETS": 0.45, "MEDIATION_SOCIALE": 0.5, "PRESTATIONS_INTELLECTUELLES": 0.05, "DEMENAGEMENT": 0.3}
SITUATIONS = {  # situation six months after exit: base shares
    "CDI": 0.10, "CDD_6_MOIS_ET_PLUS": 0.09, "INTERIM_6_MOIS_ET_PLUS": 0.05, "CREATION_ENTREPRISE": 0.01,
    "FONCTION_PUBLIQUE": 0.01, "CDD_MOINS_6_MOIS": 0.10, "INTERIM_MOINS_6_MOIS": 0.10, "CONTRAT_AIDE": 0.05,
    "FORMATION_QUALIFIANTE": 0.07, "EMBAUCHE_SIAE": 0.05, "DEMANDEUR_EMPLOI": 0.18, "INACTIF": 0.03, "AUTRE": 0.03,
    "INCONNU": 0.13,
}
DURABLE = ("CDI", "CDD_6_MOIS_ET_PLUS", "INTERIM_6_MOIS_ET_PLUS", "CREATION_ENTREPRISE", "FONCTION_PUBLIQUE")
MODALITE_SHARES = (0.22, 0.38, 0.14, 0.08, 0.02, 0.06, 0.05, 0.05)


@dataclass
class DemoSummary:
    out: Path
    files: int
    marches: int
    heures: int
    participants: int


def _valid_siret(rng: np.random.Generator) -> str:
    """A SIRET whose SIREN and SIRET Luhn keys are valid, as a real company's are."""
    siren = "".join(str(d) for d in rng.integers(0, 10, 8))
    siren += luhn.calc_check_digit(siren)
    nic = "".join(str(d) for d in rng.integers(0, 10, 4))
    return siren + nic + luhn.calc_check_digit(siren + nic)


def _fr_number(x: float, decimals: int = 2) -> str:
    text = f"{x:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")
    return text


def _write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "cp1252", title: str | None = None,
               delimiter: str = ";") -> None:
    buf = io.StringIO()
    if title:
        buf.write(title + "\r\n\r\n")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list], date_columns: tuple[str, ...] = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet(sheet)
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    date_idx = {header.index(c) for c in date_columns if c in header}
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if c in date_idx and isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date_fmt)
            else:
                ws.write(r, c, v)
    book.close()


def _communes() -> pl.DataFrame:
    return pl.read_csv(REFERENCE_DIR / "communes_territoires.csv", infer_schema=False)


def generate(out: Path, seed: int = 13, years: tuple[int, int] = (2022, 2026), scale: float = 1.0,
             as_of: dt.date | None = None) -> DemoSummary:
    """Write raw/marches, raw/heures, raw/participants under `out`."""
    as_of = as_of or dt.date.today()
    rng = np.random.default_rng(seed)
    first_year, last_year = years
    last_year = min(last_year, as_of.year)
    communes = _communes()
    covered = communes.filter(pl.col("facilitateur").is_not_null())
    commune_codes = communes["code_insee"].to_list()
    covered_codes, covered_fac = covered["code_insee"].to_list(), covered["facilitateur"].to_list()
    commune_name = dict(zip(communes["code_insee"], communes["commune"]))
    familles = list(FAMILLE_MIX)
    shares = np.array([FAMILLE_MIX[f][0] for f in familles])
    shares = shares / shares.sum()
    titulaires = [(_valid_siret(rng), name) for name in
                  ["Eiffage Construction Provence", "Colas Méditerranée", "Bouygues Bâtiment Sud-Est", "Razel-Bec",
                   "Guintoli", "SNEF", "Onet Propreté", "Derichebourg Multiservices", "Sud Espaces Verts",
                   "Provence Sécurité", "Sodexo", "Elior", "Bureau d'études Ingérop", "Egis", "Sopra Steria",
                   "ESAT Les Ateliers du Soleil", "Régie de quartier Marseille Nord", "Manutan Collectivités",
                   "Nouvelle Société de BTP Marseillaise", "Atelier d'architecture Calanques"]]
    employeurs_siae = [(_valid_siret(rng), n) for n in ["ETTI Interim Insertion 13", "GEIQ BTP 13", "AI Pays d'Aix",
                                                        "ACI Chantier École Arles", "EI Nature et Propreté"]]

    # -- contracts -----------------------------------------------------------------------------
    marches = []
    for year in range(first_year, last_year + 1):
        months = 12 if year < as_of.year else as_of.month
        n = int(round(CONTRACTS_PER_YEAR * scale * months / 12))
        fam_idx = rng.choice(len(familles), size=n, p=shares)
        for i in range(n):
            famille = familles[fam_idx[i]]
            median = FAMILLE_MIX[famille][1]
            montant = float(np.round(median * rng.lognormal(0, 0.9), 2))
            montant = min(max(montant, 4_000.0), 60_000_000.0)
            code = covered_codes[rng.integers(len(covered_codes))] if rng.random() < 0.85 else commune_codes[rng.integers(len(commune_codes))]
            fac = dict(zip(covered_codes, covered_fac)).get(code)
            secteur = FAMILLE_SECTEUR[famille]
            if secteur == "BTP":
                # Coverage of the eligible contracts improves over the SPASER years.
                clause = rng.random() < (0.88 + 0.025 * (year - first_year)) if montant >= 200_000 else rng.random() < 0.25
            else:
                clause = rng.random() < SERVICE_CLAUSE_RATE.get(famille, 0.0)
            if clause and fac is None:
                code = covered_codes[rng.integers(len(covered_codes))]
                fac = dict(zip(covered_codes, covered_fac))[code]
            day = dt.date(year, int(rng.integers(1, months + 1)), int(rng.integers(1, 29)))
            day = min(day, as_of)
            duree = int(rng.choice([6, 9, 12, 18, 24, 36, 48])) if famille.startswith("TRAVAUX") else int(rng.choice([12, 24, 36, 48]))
            heures_prevues = float(max(35, round(montant * 0.06 / 38 / 7) * 7)) if clause else None
            titulaire = titulaires[rng.integers(len(titulaires))]
            reserve = "NON"
            if not famille.startswith("TRAVAUX") and rng.random() < 0.05:
                reserve = str(rng.choice(["SIAE", "EA_ESAT", "ESS"]))
            marches.append({
                "id_marche": f"{year}-{'TX' if secteur == 'BTP' else 'SV' if secteur == 'SERVICES' else 'FO'}-{len(marches) + 1:05d}",
                "objet": OBJETS[famille][rng.integers(len(OBJETS[famille]))].format(c=commune_name[code], n=int(rng.integers(1, 999))),
                "famille": famille, "cpv": CPV[famille], "procedure": str(rng.choice(["Appel d'offres ouvert", "Procédure adaptée", "Marché négocié"])),
                "date_notification": day, "duree_mois": duree, "montant_ht": montant, "titulaire_siret": titulaire[0],
                "titulaire_nom": titulaire[1], "commune_execution": code, "clause_insertion": clause,
                "heures_insertion_prevues": heures_prevues, "critere_social": bool(rng.random() < (0.10 + 0.03 * (year - first_year))),
                "marche_reserve": reserve, "facilitateur": fac if clause else None,
            })
    clause_marches = [m for m in marches if m["clause_insertion"]]

    # -- people and their hours ---------------------------------------------------------------
    by_fac: dict[str, list[dict]] = {f"F{i}": [] for i in range(1, 10)}
    for m in clause_marches:
        by_fac[m["facilitateur"]].append(m)
    participants, heures = [], []
    fac_communes = {f: [c for c, cf in zip(covered_codes, covered_fac) if cf == f] for f in by_fac}
    counters = {f: 0 for f in by_fac}
    for m in clause_marches:
        fac = m["facilitateur"]
        start = m["date_notification"]
        target = m["heures_insertion_prevues"]
        realisation = rng.choice([0.0, 0.6, 0.9, 1.1, 1.3], p=[0.05, 0.2, 0.3, 0.3, 0.15])
        remaining = target * realisation
        while remaining > 0:
            counters[fac] += 1
            sexe = "F" if rng.random() < 0.22 else "M"
            prenom = (PRENOMS_F if sexe == "F" else PRENOMS_M)[rng.integers(len(PRENOMS_F if sexe == "F" else PRENOMS_M))]
            nom = NOMS[rng.integers(len(NOMS))]
            age = int(np.clip(rng.normal(34, 11), 17, 64))
            entree = start + dt.timedelta(days=int(rng.integers(15, 120)))
            if entree > as_of:
                break
            birth = dt.date(entree.year - age, int(rng.integers(1, 13)), int(rng.integers(1, 29)))
            n_months = int(rng.integers(1, 13))
            per_month = float(np.round(rng.uniform(35, 151), 1))
            path_months = []
            month = dt.date(entree.year, entree.month, 1)
            for _ in range(n_months):
                if month > as_of.replace(day=1) or remaining <= 0:
                    break
                h = float(min(per_month, max(remaining, 7.0)))
                path_months.append((month, h))
                remaining -= h
                month = (month + dt.timedelta(days=32)).replace(day=1)
            if not path_months:
                break
            last = path_months[-1][0]
            end = (last + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            ongoing = end >= as_of - dt.timedelta(days=20) or rng.random() < 0.05
            total = sum(h for _, h in path_months)
            weights = np.array(list(SITUATIONS.values()))
            boost = 1 + min(total, 1200) / 600  # dose-response: more hours, more lasting jobs
            weights = np.where(np.isin(list(SITUATIONS), DURABLE), weights * boost, weights)
            situation = str(rng.choice(list(SITUATIONS), p=weights / weights.sum()))
            if rng.random() < 0.06:
                situation = None
            jeune = age < 26 and rng.random() < 0.5
            flags = {"deld": rng.random() < 0.45, "brsa": rng.random() < 0.30, "rqth": rng.random() < 0.08,
                     "jeune_sans_qualification": jeune, "minima_sociaux": rng.random() < 0.05,
                     "senior": age >= 50 and rng.random() < 0.6, "autre_public": False}
            if not any(flags.values()):
                flags["autre_public"] = True
            ref = f"{fac}-{counters[fac]:06d}"
            residence = fac_communes[fac][rng.integers(len(fac_communes[fac]))] if rng.random() < 0.8 else commune_codes[rng.integers(len(commune_codes))]
            if rng.random() < 0.02:
                residence = "84089"  # lives outside the département's reference (Orange, Vaucluse)
            person = {
                "facilitateur": fac, "id_participant": ref, "nom": nom, "prenom": prenom, "date_naissance": birth,
                "sexe": sexe, "commune_residence": residence, "qpv": bool(rng.random() < 0.35),
                "niveau_formation": str(rng.choice(["INFRA_3", "3", "4", "5_PLUS"], p=[0.45, 0.3, 0.17, 0.08])),
                **flags, "date_entree": entree, "date_sortie": None if ongoing else min(end, as_of),
                "situation_6_mois": None if ongoing else situation,
            }
            participants.append(person)
            employeur = titulaires[[t[1] for t in titulaires].index(m["titulaire_nom"])]
            modalite = MODALITES[rng.choice(len(MODALITES), p=MODALITE_SHARES)]
            if modalite in ("INTERIM_INSERTION", "MISE_A_DISPOSITION", "SOUS_TRAITANCE_SIAE", "CO_TRAITANCE_SIAE"):
                employeur = employeurs_siae[rng.integers(len(employeurs_siae))]
            contrat = {"INTERIM_INSERTION": "INTERIM", "MISE_A_DISPOSITION": "CDDI", "APPRENTISSAGE": "APPRENTISSAGE",
                       "PROFESSIONNALISATION": "PROFESSIONNALISATION"}.get(modalite, str(rng.choice(["CDD", "CDI", "CDDI"])))
            for month, h in path_months:
                heures.append({"facilitateur": fac, "id_participant": ref, "id_marche": m["id_marche"], "mois": month,
                               "heures": h, "modalite": modalite, "employeur_siret": employeur[0], "employeur_nom": employeur[1],
                               "type_contrat": contrat})

    # The same person followed by a second facilitator, written differently there.
    for person in participants[:: max(1, len(participants) // max(1, int(len(participants) * 0.03)))][: int(len(participants) * 0.03)]:
        other = f"F{(int(person['facilitateur'][1]) % 9) + 1}"
        counters[other] += 1
        twin = dict(person, facilitateur=other, id_participant=f"{other}-{counters[other]:06d}",
                    nom=person["nom"].upper().replace("È", "E").replace("É", "E"),
                    prenom=person["prenom"].upper().replace("É", "E").replace("Ï", "I").replace("É", "E"))
        participants.append(twin)
        src = [h for h in heures if h["id_participant"] == person["id_participant"]][:2]
        for h in src:
            heures.append(dict(h, facilitateur=other, id_participant=twin["id_participant"], heures=round(h["heures"] / 2, 1)))

    return _write_files(out, rng, marches, participants, heures, as_of)


def _bad_marches(rows: list[list], header: list[str]) -> list[list]:
    base = rows[0]
    idx = {h: i for i, h in enumerate(header)}
    bad = []
    r = list(base); r[idx["N° marché"]] = "BAD-SIRET"; r[idx["SIRET titulaire"]] = "12345678901234"; bad.append(r)
    r = list(base); r[idx["N° marché"]] = "BAD-MONTANT"; r[idx["Montant HT (€)"]] = ""; bad.append(r)
    r = list(base); r[idx["N° marché"]] = "BAD-DATE"; r[idx["Date de notification"]] = "31/02/2024"; bad.append(r)
    r = list(base); r[idx["N° marché"]] = "BAD-FAMILLE"; r[idx["Famille d'achat"]] = "BOULANGERIE"; bad.append(r)
    bad.append(list(rows[1]))  # an exact duplicate
    r = list(base); r[idx["N° marché"]] = "CONFLIT-1"; bad.append(r)
    r = list(base); r[idx["N° marché"]] = "CONFLIT-1"; r[idx["Montant HT (€)"]] = "999\u00a0999,00"; bad.append(r)
    return bad


def _write_files(out: Path, rng, marches, participants, heures, as_of) -> DemoSummary:
    files = 0
    # -- marches: the procurement service's CSV (aliases, cp1252, title row) and one XLSX -------------
    header = ["N° marché", "Intitulé", "Famille d'achat", "Code CPV", "Procédure", "Date de notification", "Durée",
              "Montant HT (€)", "SIRET titulaire", "Raison sociale", "Lieu d'exécution", "Clause sociale",
              "Heures d'insertion prévues", "Critère social", "Réservé", "Facilitateur"]
    def row(m):
        return [m["id_marche"], m["objet"], m["famille"], m["cpv"], m["procedure"], m["date_notification"].strftime("%d/%m/%Y"),
                m["duree_mois"], _fr_number(m["montant_ht"]), m["titulaire_siret"], m["titulaire_nom"], m["commune_execution"],
                "Oui" if m["clause_insertion"] else "Non",
                _fr_number(m["heures_insertion_prevues"], 0) if m["heures_insertion_prevues"] else "",
                "oui" if m["critere_social"] else "non", m["marche_reserve"], m["facilitateur"] or ""]
    latest_year = max(m["date_notification"].year for m in marches)
    older = [row(m) for m in marches if m["date_notification"].year < latest_year]
    recent = [m for m in marches if m["date_notification"].year == latest_year]
    older += _bad_marches(older, header)
    _write_csv(out / "marches" / f"{as_of.year - 1}-12-31_extraction_marches.csv", header, older,
               title=f"Extraction des marchés notifiés - Direction de la commande publique - {as_of.year - 1}")
    xlsx_rows = [[m["id_marche"], m["objet"], m["famille"], m["cpv"], m["procedure"], m["date_notification"], m["duree_mois"],
                  m["montant_ht"], m["titulaire_siret"], m["titulaire_nom"], m["commune_execution"],
                  "oui" if m["clause_insertion"] else "non", m["heures_insertion_prevues"], "x" if m["critere_social"] else "",
                  m["marche_reserve"], m["facilitateur"]] for m in recent]
    _write_xlsx(out / "marches" / f"{as_of.isoformat()}_marches_{latest_year}.xlsx", "marches",
                ["numero_marche", "objet", "famille", "cpv", "procedure", "date_notification", "duree_mois", "montant_ht",
                 "titulaire_siret", "titulaire_nom", "commune_execution", "clause_insertion", "heures_insertion_prevues",
                 "critere_social", "marche_reserve", "facilitateur"], xlsx_rows, date_columns=("date_notification",))
    files += 2

    # -- participants: one file per facilitator, personal columns included (dropped at the door) ----
    p_header = ["Facilitateur", "Réf participant", "Nom", "Prénom", "Né le", "NIR", "Téléphone", "Email", "Sexe", "Commune",
                "Résident QPV", "Niveau", "DELD", "BRSA", "RQTH", "Jeune sans qualification", "Minima sociaux", "Senior",
                "Autre public", "Date d'entrée", "Date de sortie", "Situation à 6 mois"]
    flags = ("deld", "brsa", "rqth", "jeune_sans_qualification", "minima_sociaux", "senior", "autre_public")
    for fac in sorted({p["facilitateur"] for p in participants}):
        rows = []
        for p in (p for p in participants if p["facilitateur"] == fac):
            nir = f"{1 if p['sexe'] == 'M' else 2}{p['date_naissance']:%y%m}13{rng.integers(100, 999)}{rng.integers(100, 999)}{rng.integers(10, 97)}"
            rows.append([fac, p["id_participant"], p["nom"], p["prenom"], p["date_naissance"].strftime("%d/%m/%Y"), nir,
                         f"06{rng.integers(10000000, 99999999)}", f"{p['prenom'].lower()}.{p['nom'].lower()}@example.fr",
                         "Femme" if p["sexe"] == "F" else "H", p["commune_residence"], "oui" if p["qpv"] else "non",
                         p["niveau_formation"], *("x" if p[f] else "" for f in flags), p["date_entree"].strftime("%d/%m/%Y"),
                         p["date_sortie"].strftime("%d/%m/%Y") if p["date_sortie"] else "", p["situation_6_mois"] or ""])
        if rows:
            bad = list(rows[0]); bad[1] = f"{fac}-X00001"; bad[12:19] = [""] * 7; rows.append(bad)  # nobody eligible
            bad = list(rows[0]); bad[1] = f"{fac}-X00002"; bad[4] = "01/01/2015"; rows.append(bad)  # 10 years old at entry
            bad = list(rows[0]); bad[1] = f"{fac}-X00003"; bad[20] = "01/01/2011"; rows.append(bad)  # exit before entry
        name = out / "participants" / f"{as_of.isoformat()}_{fac}_participants"
        if fac == "F4":
            _write_xlsx(name.with_suffix(".xlsx"), "participants", p_header, rows)
        else:
            _write_csv(name.with_suffix(".csv"), p_header, rows, encoding="utf-8-sig" if fac in ("F1", "F9") else "cp1252")
        files += 1

    # -- hours: monthly statements, one file per facilitator and year, and one later correction -------
    h_header = ["Facilitateur", "Ref participant", "N° marché", "Période", "Nb heures", "Modalité", "SIRET employeur",
                "Employeur", "Contrat"]
    frame = pl.DataFrame(heures, schema={"facilitateur": pl.String, "id_participant": pl.String, "id_marche": pl.String,
                                         "mois": pl.Date, "heures": pl.Float64, "modalite": pl.String,
                                         "employeur_siret": pl.String, "employeur_nom": pl.String, "type_contrat": pl.String})
    frame = frame.group_by(["facilitateur", "id_participant", "id_marche", "employeur_siret", "mois"], maintain_order=True).agg(
        pl.col("heures").sum().round(1), pl.col("modalite").first(), pl.col("employeur_nom").first(), pl.col("type_contrat").first())
    n_hours = frame.height
    for (fac, year), group in frame.with_columns(pl.col("mois").dt.year().alias("annee")).sort("mois").group_by(
            ["facilitateur", "annee"], maintain_order=True):
        rows = [[r["facilitateur"], r["id_participant"], r["id_marche"], r["mois"].strftime("%m/%Y"),
                 _fr_number(r["heures"], 1), r["modalite"], r["employeur_siret"], r["employeur_nom"], r["type_contrat"]]
                for r in group.iter_rows(named=True)]
        if rows:
            bad = list(rows[0]); bad[4] = "250"; rows.append(bad)  # more than a month can hold
            bad = list(rows[0]); bad[5] = "BENEVOLAT"; rows.append(bad)
            bad = list(rows[0]); bad[2] = f"{year}-TX-99999"; bad[3] = f"{(rows[0][3])}"; rows.append(bad)  # contract not known yet
        stamp = dt.date(year + 1, 1, 15) if year < as_of.year else as_of
        path = out / "heures" / f"{stamp.isoformat()}_{fac}_heures_{year}"
        if fac == "F5":
            _write_xlsx(path.with_suffix(".xlsx"), "heures", h_header, rows)
        else:
            _write_csv(path.with_suffix(".csv"), h_header, rows, delimiter=";" if fac != "F7" else "\t")
        files += 1
    # A corrected statement: F1 sends its month again later; it replaces that month's earlier rows.
    f1 = frame.filter(pl.col("facilitateur") == "F1")
    if f1.height:
        month = f1["mois"].sort()[f1.height // 2]
        fix = f1.filter(pl.col("mois") == month)
        rows = [[r["facilitateur"], r["id_participant"], r["id_marche"], r["mois"].isoformat()[:7], _fr_number(r["heures"] * 0.9, 1),
                 r["modalite"], r["employeur_siret"], r["employeur_nom"], r["type_contrat"]] for r in fix.iter_rows(named=True)]
        _write_csv(out / "heures" / f"{as_of.isoformat()}_F1_rectificatif.csv", h_header, rows)
        files += 1
    return DemoSummary(out=out, files=files, marches=len(marches), heures=n_hours, participants=len(participants))
