"""Realistic demo extracts, deterministic by seed, calibrated on the Département's own figures.

About 700 contracts and 330 M€ a year; the clause in every building and road-works contract from
the threshold of dbt_project.yml (a few missed, as in real life), in part of the service contracts; the nine
facilitators and their territories; the eligible publics, the modalités, exits and situations six months later.
Drawn here; written as real extracts arrive by pipeline/demo/files.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from stdnum import luhn

from pipeline.demo.achats import write_open_data
from pipeline.demo.files import DemoSummary, write_files
from pipeline.demo.names import NOMS, PRENOMS_F, PRENOMS_M
from pipeline.extracts.kinds import PARTICIPANTS
from pipeline.extracts.reference import FAMILLE_SECTEUR, MODALITES, SEEDS_DIR, SPASER
from pipeline.warehouse.key_guard import DEMO_MARKER

CONTRACTS_PER_YEAR = 700
OBJETS = {
    "TRAVAUX_BATIMENT": [
        "Réhabilitation du collège {c}",
        "Construction d'un gymnase à {c}",
        "Rénovation énergétique du collège {c}",
        "Extension de la Maison départementale de la solidarité de {c}",
    ],
    "TRAVAUX_ROUTES_RESEAUX": [
        "Recalibrage de la RD {n} à {c}",
        "Aménagement d'un giratoire sur la RD {n}",
        "Réfection de chaussée RD {n} - secteur {c}",
        "Piste cyclable RD {n} à {c}",
    ],
    "NETTOYAGE": ["Nettoyage des locaux départementaux - secteur {c}"],
    "ESPACES_VERTS": ["Entretien des espaces verts des collèges de {c}"],
    "SURVEILLANCE_GARDIENNAGE": ["Gardiennage des sites départementaux de {c}"],
    "PRESTATIONS_INTELLECTUELLES": ["Maîtrise d'œuvre pour le collège {c}", "Assistance à maîtrise d'ouvrage - {c}"],
    "INFORMATIQUE": ["Maintenance applicative du SI social"],
    "FORMATION": ["Formation des agents des routes"],
    "RESTAURATION": ["Restauration scolaire des collèges de {c}"],
    "DECHETS": ["Collecte des déchets des centres routiers"],
    "DEMENAGEMENT": ["Déménagement des services à {c}"],
    "COURRIER": ["Collecte et affranchissement du courrier"],
    "MEDIATION_SOCIALE": ["Médiation sociale aux abords des collèges de {c}"],
    "SECRETARIAT": ["Prestations de secrétariat"],
    "AUTRES_SERVICES": ["Maintenance des ascenseurs - {c}"],
    "FOURNITURES": ["Fourniture de mobilier scolaire", "Fourniture de sel de déneigement"],
}
CPV = {
    "TRAVAUX_BATIMENT": "45214200-2",
    "TRAVAUX_ROUTES_RESEAUX": "45233140-2",
    "NETTOYAGE": "90911200-8",
    "ESPACES_VERTS": "77310000-6",
    "SURVEILLANCE_GARDIENNAGE": "79713000-5",
    "PRESTATIONS_INTELLECTUELLES": "71000000-8",
    "INFORMATIQUE": "72000000-5",
    "FORMATION": "80500000-9",
    "RESTAURATION": "55520000-1",
    "DECHETS": "90500000-2",
    "DEMENAGEMENT": "98392000-7",
    "COURRIER": "64110000-0",
    "MEDIATION_SOCIALE": "85300000-2",
    "SECRETARIAT": "79500000-9",
    "AUTRES_SERVICES": "50750000-7",
    "FOURNITURES": "39160000-1",
}
# Share of contracts and median amount (€) by famille: works are few and large.
FAMILLE_MIX = {
    "TRAVAUX_BATIMENT": (0.17, 728_000),
    "TRAVAUX_ROUTES_RESEAUX": (0.15, 588_000),
    "NETTOYAGE": (0.05, 224_000),
    "ESPACES_VERTS": (0.05, 154_000),
    "SURVEILLANCE_GARDIENNAGE": (0.03, 252_000),
    "PRESTATIONS_INTELLECTUELLES": (0.12, 98_000),
    "INFORMATIQUE": (0.06, 168_000),
    "FORMATION": (0.03, 56_000),
    "RESTAURATION": (0.03, 490_000),
    "DECHETS": (0.02, 210_000),
    "DEMENAGEMENT": (0.01, 70_000),
    "COURRIER": (0.01, 126_000),
    "MEDIATION_SOCIALE": (0.01, 168_000),
    "SECRETARIAT": (0.01, 56_000),
    "AUTRES_SERVICES": (0.06, 126_000),
    "FOURNITURES": (0.19, 112_000),
}
SERVICE_CLAUSE_RATE = {
    "NETTOYAGE": 0.55,
    "ESPACES_VERTS": 0.6,
    "SURVEILLANCE_GARDIENNAGE": 0.4,
    "RESTAURATION": 0.35,
    "DECHETS": 0.45,
    "MEDIATION_SOCIALE": 0.5,
    "PRESTATIONS_INTELLECTUELLES": 0.05,
    "DEMENAGEMENT": 0.3,
}
SITUATIONS = {  # situation six months after exit: base shares
    "CDI": 0.10,
    "CDD_6_MOIS_ET_PLUS": 0.09,
    "INTERIM_6_MOIS_ET_PLUS": 0.05,
    "CREATION_ENTREPRISE": 0.01,
    "FONCTION_PUBLIQUE": 0.01,
    "CDD_MOINS_6_MOIS": 0.10,
    "INTERIM_MOINS_6_MOIS": 0.10,
    "CONTRAT_AIDE": 0.05,
    "FORMATION_QUALIFIANTE": 0.07,
    "EMBAUCHE_SIAE": 0.05,
    "DEMANDEUR_EMPLOI": 0.18,
    "INACTIF": 0.03,
    "AUTRE": 0.03,
    "INCONNU": 0.13,
}
MODALITE_SHARES = (0.22, 0.38, 0.14, 0.08, 0.02, 0.06, 0.05, 0.05)


def _valid_siret(rng: np.random.Generator) -> str:
    """A SIRET whose SIREN and SIRET Luhn keys are valid, as a real company's are."""
    siren = "".join(str(d) for d in rng.integers(0, 10, 8))
    siren += luhn.calc_check_digit(siren)
    nic = "".join(str(d) for d in rng.integers(0, 10, 4))
    return siren + nic + luhn.calc_check_digit(siren + nic)


def _communes() -> pl.DataFrame:
    return pl.read_csv(SEEDS_DIR / "communes_territoires.csv", infer_schema=False)


TITULAIRES = (
    "Eiffage Construction Provence", "Colas Méditerranée", "Bouygues Bâtiment Sud-Est", "Razel-Bec", "Guintoli", "SNEF",
    "Onet Propreté", "Derichebourg Multiservices", "Sud Espaces Verts", "Provence Sécurité", "Sodexo", "Elior",
    "Bureau d'études Ingérop", "Egis", "Sopra Steria", "ESAT Les Ateliers du Soleil",
    "Régie de quartier Marseille Nord",
    "Manutan Collectivités", "Nouvelle Société de BTP Marseillaise", "Atelier d'architecture Calanques",
)  # fmt: skip
EMPLOYEURS_SIAE = (
    "ETTI Interim Insertion 13", "GEIQ BTP 13", "AI Pays d'Aix", "ACI Chantier École Arles", "EI Nature et Propreté",
)  # fmt: skip
SIAE_MODALITES = ("INTERIM_INSERTION", "MISE_A_DISPOSITION", "SOUS_TRAITANCE_SIAE", "CO_TRAITANCE_SIAE")
CONTRACT_OF_MODALITE = {"INTERIM_INSERTION": "INTERIM", "MISE_A_DISPOSITION": "CDDI", "APPRENTISSAGE": "APPRENTISSAGE",
                        "PROFESSIONNALISATION": "PROFESSIONNALISATION"}  # fmt: skip


@dataclass
class Places:
    """The communes of the reference table, and which facilitator covers each."""

    codes: list[str]
    names: dict[str, str]
    covered: list[str]
    facilitator: dict[str, str]

    @classmethod
    def load(cls) -> Places:
        communes = _communes()
        covered = communes.filter(pl.col("facilitateur").is_not_null())
        return cls(
            codes=communes["code_insee"].to_list(),
            names=dict(zip(communes["code_insee"], communes["commune"], strict=True)),
            covered=covered["code_insee"].to_list(),
            facilitator=dict(zip(covered["code_insee"], covered["facilitateur"], strict=True)),
        )

    def of_facilitator(self) -> dict[str, list[str]]:
        return {f"F{i}": [c for c in self.covered if self.facilitator[c] == f"F{i}"] for i in range(1, 10)}


def generate(
    out: Path, seed: int = 13, years: tuple[int, int] = (2022, 2026), scale: float = 1.0, as_of: dt.date | None = None
) -> DemoSummary:
    """Write raw/marches, raw/heures, raw/participants under `out`."""
    as_of = as_of or dt.date.today()
    rng = np.random.default_rng(seed)
    places = Places.load()
    titulaires = [(_valid_siret(rng), name) for name in TITULAIRES]
    employeurs_siae = [(_valid_siret(rng), name) for name in EMPLOYEURS_SIAE]
    marches = _contracts(rng, places, titulaires, (years[0], min(years[1], as_of.year)), scale, as_of)
    clause = pl.DataFrame([m for m in marches if m["clause_insertion"]], infer_schema_length=None).select(
        "id_marche", "facilitateur", "date_notification", "heures_insertion_prevues", "titulaire_siret", "titulaire_nom"
    )
    participants, heures = _people_and_hours(rng, clause, as_of, employeurs_siae, places)
    summary = write_files(out, rng, marches, participants, heures, as_of)
    summary.files += write_open_data(out, seed, years, as_of)
    # The public demo key may pseudonymise these files, and only these (pipeline/warehouse/key_guard.py).
    (out / DEMO_MARKER).write_text("Fichiers de démonstration écrits par `clauses demo` : personnes fictives.\n")
    return summary


def _contracts(rng: np.random.Generator, places: Places, titulaires: list, years: tuple[int, int], scale: float,
               as_of: dt.date) -> list[dict]:  # fmt: skip
    """About 700 contracts a year (scaled), the current year up to the as-of month."""
    familles = list(FAMILLE_MIX)
    shares = np.array([FAMILLE_MIX[f][0] for f in familles])
    shares = shares / shares.sum()
    marches: list[dict] = []
    for year in range(years[0], years[1] + 1):
        months = 12 if year < as_of.year else as_of.month
        n = int(round(CONTRACTS_PER_YEAR * scale * months / 12))
        for index in rng.choice(len(familles), size=n, p=shares):
            draw = _Draw(rng, year, months, year - years[0], as_of)
            marches.append(draw.contract(familles[index], places, titulaires, len(marches) + 1))
    return marches


@dataclass
class _Draw:
    rng: np.random.Generator
    year: int
    months: int  # months of the year drawn from (the current year stops at the as-of month)
    rank: int  # years since the first one: coverage and social criteria improve over the SPASER
    as_of: dt.date

    def contract(self, famille: str, places: Places, titulaires: list, number: int) -> dict:
        """One contract; the order of the draws is the order of the demo's bytes (same seed, same files)."""
        rng = self.rng
        montant = float(np.round(FAMILLE_MIX[famille][1] * rng.lognormal(0, 0.9), 2))
        montant = min(max(montant, 4_000.0), 60_000_000.0)
        if rng.random() < 0.85:
            code = places.covered[rng.integers(len(places.covered))]
        else:
            code = places.codes[rng.integers(len(places.codes))]
        secteur = FAMILLE_SECTEUR[famille]
        clause = self._clause(famille, secteur, montant)
        if clause and places.facilitator.get(code) is None:
            code = places.covered[rng.integers(len(places.covered))]
        day = min(dt.date(self.year, int(rng.integers(1, self.months + 1)), int(rng.integers(1, 29))), self.as_of)
        travaux = famille.startswith("TRAVAUX")
        duree = int(rng.choice([6, 9, 12, 18, 24, 36, 48])) if travaux else int(rng.choice([12, 24, 36, 48]))
        titulaire = titulaires[rng.integers(len(titulaires))]
        reserve = str(rng.choice(["SIAE", "EA_ESAT", "ESS"])) if not travaux and rng.random() < 0.05 else "NON"
        prefix = {"BTP": "TX", "SERVICES": "SV"}.get(secteur, "FO")
        objet = OBJETS[famille][rng.integers(len(OBJETS[famille]))]
        return {
            "id_marche": f"{self.year}-{prefix}-{number:05d}",
            "objet": objet.format(c=places.names[code], n=int(rng.integers(1, 999))),
            "famille": famille, "cpv": CPV[famille],
            "procedure": str(rng.choice(["Appel d'offres ouvert", "Procédure adaptée", "Marché négocié"])),
            "date_notification": day, "duree_mois": duree, "montant_ht": montant,
            "titulaire_siret": titulaire[0], "titulaire_nom": titulaire[1], "commune_execution": code,
            "clause_insertion": clause,
            "heures_insertion_prevues": float(max(35, round(montant * 0.06 / 38 / 7) * 7)) if clause else None,
            "critere_social": bool(rng.random() < (0.10 + 0.03 * self.rank)),
            "marche_reserve": reserve, "facilitateur": places.facilitator[code] if clause else None,
            # more environmental clauses as the plan goes on; the consultation launched 2 to 6 months earlier
            "clause_environnementale": bool(rng.random() < (0.55 + 0.1 * self.rank)),
            "date_lancement_consultation": day - dt.timedelta(days=int(rng.integers(60, 181))),
        }  # fmt: skip

    def _clause(self, famille: str, secteur: str, montant: float) -> bool:
        if secteur != "BTP":
            return bool(self.rng.random() < SERVICE_CLAUSE_RATE.get(famille, 0.0))
        if montant >= SPASER.seuil_clause_btp_ht:  # coverage of the eligible contracts improves over the years
            return bool(self.rng.random() < (0.88 + 0.025 * self.rank))
        return bool(self.rng.random() < 0.25)


def _people_and_hours(rng: np.random.Generator, clause: pl.DataFrame, as_of: dt.date, employeurs_siae: list,
                      places: Places) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """The people each clause contract employs and their monthly hours, drawn column-wise (no per-row Python)."""
    people = _people(rng, clause, as_of)
    size = people.height
    u = people["_u"].to_numpy()
    ongoing = (people["_end"].to_numpy() >= np.datetime64(as_of - dt.timedelta(days=20))) | (u[:, 0] < 0.05)
    situation = _situations(rng, size)
    situation = np.where(ongoing | (u[:, 1] < 0.06), None, situation)
    residence = _residences(rng, people["facilitateur"].to_numpy(), places)
    work = _work(rng, size, employeurs_siae)
    people = people.with_columns(
        pl.Series("commune_residence", residence),
        pl.Series("qpv", rng.random(size) < 0.35),
        pl.Series(
            "niveau_formation",
            np.array(["INFRA_3", "3", "4", "5_PLUS"])[rng.choice(4, p=[0.45, 0.3, 0.17, 0.08], size=size)],
        ),
        *[pl.Series(name, values) for name, values in _publics(people, u).items()],
        pl.when(pl.Series(ongoing)).then(None).otherwise(pl.min_horizontal("_end", pl.lit(as_of))).alias("date_sortie"),
        pl.Series("situation_6_mois", situation.tolist(), dtype=pl.String),
        *work,
        (
            pl.col("facilitateur")
            + "-"
            + pl.int_range(1, pl.len() + 1).over("facilitateur").cast(pl.String).str.zfill(6)
        ).alias("id_participant"),
    )
    hours = _monthly_hours(people)
    people = _follow_up(rng, people, as_of).select(PERSON_COLUMNS)
    twins, twin_hours = _twins(rng, people, hours)
    return pl.concat([people, twins]), pl.concat([hours, twin_hours])


def _people(rng: np.random.Generator, clause: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Enough persons to spend each contract's budget of hours, with their entry, birth and months of work."""
    n = clause.height
    realisation = rng.choice([0.0, 0.6, 0.9, 1.1, 1.3], p=[0.05, 0.2, 0.3, 0.3, 0.15], size=n)
    budget = clause["heures_insertion_prevues"].to_numpy() * realisation
    # About 370 hours per path (1 to 7 months at 35-150 h): persons enough to spend the contract's budget.
    persons = np.where(budget > 0, np.maximum(1, np.round(budget / 370 * rng.uniform(0.7, 1.3, n))), 0).astype(np.int64)
    people = clause.with_columns(pl.Series("_n", persons)).filter(pl.col("_n") > 0)
    people = people.select(pl.all().repeat_by("_n").explode()).drop("_n")
    size = people.height
    female = rng.random(size) < 0.22
    age = np.clip(rng.normal(34, 11, size), 17, 64).astype(np.int64)
    prenoms_f = np.array(PRENOMS_F)[rng.integers(len(PRENOMS_F), size=size)]
    prenoms_m = np.array(PRENOMS_M)[rng.integers(len(PRENOMS_M), size=size)]
    people = people.with_columns(
        pl.Series("sexe", np.where(female, "F", "M")),
        pl.Series("prenom", np.where(female, prenoms_f, prenoms_m)),
        pl.Series("nom", np.array(NOMS)[rng.integers(len(NOMS), size=size)]),
        pl.Series("_age", age),
        (pl.col("date_notification") + pl.duration(days=pl.Series(rng.integers(15, 120, size)))).alias("date_entree"),
        pl.Series("_birth_month", rng.integers(1, 13, size)),
        pl.Series("_birth_day", rng.integers(1, 29, size)),
        pl.Series("_n_months", rng.integers(1, 8, size)),
        pl.Series("_per_month", np.round(rng.uniform(35, 151, size), 1)),
        pl.Series("_u", rng.random((8, size)).T.tolist(), dtype=pl.Array(pl.Float64, 8)),
    ).filter(pl.col("date_entree") <= as_of)
    as_of_month = as_of.year * 12 + as_of.month - 1
    entry_month = pl.col("date_entree").dt.year() * 12 + pl.col("date_entree").dt.month() - 1
    birth = pl.date(pl.col("date_entree").dt.year() - pl.col("_age"), pl.col("_birth_month"), pl.col("_birth_day"))
    return people.with_columns(
        birth.alias("date_naissance"),
        entry_month.alias("_m0"),
        pl.min_horizontal(pl.col("_n_months"), as_of_month - entry_month + 1).alias("_months"),
    ).with_columns(
        (pl.col("_months") * pl.col("_per_month")).alias("_total"),
        _month_start(pl.col("_m0") + pl.col("_months")).dt.offset_by("-1d").alias("_end"),
    )


def _publics(people: pl.DataFrame, u: np.ndarray) -> dict[str, np.ndarray]:
    """The eligibility criteria; `autre_public` for whom none applies."""
    age = people["_age"].to_numpy()
    flags = {
        "deld": u[:, 2] < 0.45, "brsa": u[:, 3] < 0.30, "rqth": u[:, 4] < 0.08,
        "jeune_sans_qualification": (age < 26) & (u[:, 5] < 0.5), "minima_sociaux": u[:, 6] < 0.05,
        "senior": (age >= 50) & (u[:, 7] < 0.6),
    }  # fmt: skip
    flags["autre_public"] = ~np.any(np.column_stack(list(flags.values())), axis=1)
    return flags


def _residences(rng: np.random.Generator, facs: np.ndarray, places: Places) -> np.ndarray:
    """Mostly in the territory of the facilitator who follows them; a few outside the département."""
    residence = np.array(places.codes)[rng.integers(len(places.codes), size=len(facs))]
    local = rng.random(len(facs)) < 0.8
    for fac, codes in places.of_facilitator().items():
        mask = local & (facs == fac)
        residence[mask] = np.array(codes)[rng.integers(len(codes), size=int(mask.sum()))]
    residence[rng.random(len(facs)) < 0.02] = "84089"  # lives outside the département's reference (Orange, Vaucluse)
    return residence


def _work(rng: np.random.Generator, size: int, employeurs_siae: list) -> list:
    """How each person works: the modalité, the employer (an SIAE for the SIAE modalités), the contract."""
    modalite = np.array(MODALITES)[rng.choice(len(MODALITES), p=MODALITE_SHARES, size=size)]
    by_siae = pl.Series(np.isin(modalite, SIAE_MODALITES))
    siae = rng.integers(len(employeurs_siae), size=size)
    other_kind = np.array(["CDD", "CDI", "CDDI"])[rng.integers(3, size=size)]
    siae_siret = pl.Series(np.array([e[0] for e in employeurs_siae])[siae])
    siae_nom = pl.Series(np.array([e[1] for e in employeurs_siae])[siae])
    contrats = [CONTRACT_OF_MODALITE.get(m, o) for m, o in zip(modalite, other_kind, strict=True)]
    return [
        pl.Series("modalite", modalite),
        pl.when(by_siae).then(siae_siret).otherwise(pl.col("titulaire_siret")).alias("employeur_siret"),
        pl.when(by_siae).then(siae_nom).otherwise(pl.col("titulaire_nom")).alias("employeur_nom"),
        pl.Series("type_contrat", contrats),
    ]


def _monthly_hours(people: pl.DataFrame) -> pl.DataFrame:
    """One row per person and month worked, the same hours each month."""
    work = ["modalite", "employeur_siret", "employeur_nom", "type_contrat"]
    months = people.select("facilitateur", "id_participant", "id_marche", "_m0", "_per_month", *work,
                           pl.int_ranges(0, "_months").alias("_offset")).explode("_offset")  # fmt: skip
    return months.select("facilitateur", "id_participant", "id_marche",
                         _month_start(pl.col("_m0") + pl.col("_offset")).alias("mois"),
                         pl.col("_per_month").alias("heures"), *work)  # fmt: skip


PERSON_COLUMNS = [c.name for c in PARTICIPANTS.columns]  # as the extract declares them


def _month_start(month_index: pl.Expr) -> pl.Expr:
    """Months counted from year 0 (year * 12 + month - 1) -> the first day of that month."""
    return pl.date(month_index // 12, month_index % 12 + 1, 1)


def _situations(rng: np.random.Generator, size: int) -> np.ndarray:
    """Situation six months after exit, drawn alike whatever the hours worked: the demo builds no dose-response in,
    so kpi_impact_heures shows what the data says, not what the generator assumed."""
    names = np.array(list(SITUATIONS))
    base = np.array(list(SITUATIONS.values()))
    return names[rng.choice(len(names), p=base / base.sum(), size=size)].astype(object)


FOLLOW_UP_12_MONTHS = ("F1", "F2", "F3", "F5")  # the facilitators whose software records a situation a year on


def _follow_up(rng: np.random.Generator, people: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The day a known situation was observed (around exit + 6 months), and for some facilitators the situation a
    year on: three times in four the same, otherwise drawn again."""
    size = people.height
    known = pl.col("situation_6_mois").is_not_null() & (pl.col("situation_6_mois") != "INCONNU")
    observed = pl.col("date_sortie").dt.offset_by("6mo") + pl.duration(days=pl.Series(rng.integers(-45, 76, size)))
    redrawn = pl.Series(_situations(rng, size).tolist(), dtype=pl.String)
    a_year_on = pl.col("date_sortie").dt.offset_by("12mo") <= as_of
    return people.with_columns(
        pl.when(known & (observed <= as_of)).then(observed).alias("date_observation_situation"),
        pl.when(known & a_year_on & pl.col("facilitateur").is_in(FOLLOW_UP_12_MONTHS))
        .then(pl.when(pl.Series(rng.random(size) < 0.75)).then(pl.col("situation_6_mois")).otherwise(redrawn))
        .alias("situation_12_mois"),
    )


def _twins(rng: np.random.Generator, people: pl.DataFrame, hours: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """3 % of the people also followed by a second facilitator, who writes their name differently."""
    chosen = np.sort(rng.choice(people.height, size=int(people.height * 0.03), replace=False))
    source = people[chosen]
    fac_number = source["facilitateur"].str.slice(1).cast(pl.Int64)
    last = people.group_by("facilitateur").len()
    twins = (
        source.with_columns(
            ("F" + (fac_number % 9 + 1).cast(pl.String)).alias("facilitateur"),
            pl.col("id_participant").alias("_source"),
            pl.col("nom").str.to_uppercase().str.replace_all("[ÈÉ]", "E"),
            pl.col("prenom").str.to_uppercase().str.replace_all("É", "E").str.replace_all("Ï", "I"),
        )
        .join(last, on="facilitateur", how="left")
        .with_columns(
            (
                pl.col("facilitateur")
                + "-"
                + (pl.col("len") + pl.int_range(1, pl.len() + 1).over("facilitateur")).cast(pl.String).str.zfill(6)
            ).alias("id_participant")
        )
    )
    twin_hours = hours.join(
        twins.select(
            pl.col("_source").alias("id_participant"),
            pl.col("facilitateur").alias("_fac"),
            pl.col("id_participant").alias("_ref"),
        ),
        on="id_participant",
    )
    twin_hours = (
        twin_hours.group_by("id_participant", maintain_order=True)
        .head(2)
        .select(
            pl.col("_fac").alias("facilitateur"),
            pl.col("_ref").alias("id_participant"),
            "id_marche",
            "mois",
            (pl.col("heures") / 2).round(1).alias("heures"),
            "modalite",
            "employeur_siret",
            "employeur_nom",
            "type_contrat",
        )
    )
    return twins.select(PERSON_COLUMNS), twin_hours.select(hours.columns)
