"""The demo's open data and targets: a regional DECP v2 file of other buyers, and the Département's targets.

Other départements of the région, the Région itself and a few communes publish their contracts from 2024
(DECP v2, with their social considerations); some contracts are amended, one amendment is dated after the
as-of date, and two records carry the implausible values real files do (a year 0218, an amount of 1e17 €).
None of it is the Département's: its figures do not move, and `kpi_comparaison` gets peers.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from pipeline.extracts.reference import SPASER
from pipeline.ingest.decp import CLAUSE_SOCIALE, CRITERE_SOCIAL, MARCHE_RESERVE

# SIREN, name, contracts a year at scale 1, share with a social consideration
BUYERS = (
    ("220400012", "Département des Alpes-de-Haute-Provence", 60, 0.22),
    ("220500019", "Département des Hautes-Alpes", 45, 0.18),
    ("220600019", "Département des Alpes-Maritimes", 160, 0.31),
    ("228300017", "Département du Var", 140, 0.27),
    ("228400016", "Département de Vaucluse", 90, 0.35),
    ("231300021", "Région Provence-Alpes-Côte d'Azur", 220, 0.29),
    ("211300553", "Ville de Marseille", 180, 0.24),
    ("211300017", "Ville d'Aix-en-Provence", 70, 0.20),
    ("218400075", "Ville d'Avignon", 40, 0.15),
)
CPV = ("45214200-2", "45233140-2", "90911200-8", "77310000-6", "71000000-8", "72000000-5", "39160000-1")
CONSIDERATIONS = (CLAUSE_SOCIALE, CRITERE_SOCIAL, MARCHE_RESERVE)


def write_open_data(out: Path, seed: int, years: tuple[int, int], as_of: dt.date) -> int:
    """raw/marches/ gets the regional DECP file, raw/objectifs/ the targets file; returns how many files. Their size
    does not follow the demo's scale: the other buyers are not the Département's volume (and a national file is
    read whole: pipeline/ingest/decp.py)."""
    rng = np.random.default_rng(seed + 1)  # its own draws: the Département's files stay byte for byte the same
    records = [
        _record(rng, siren, name, share, year, number, as_of)
        for siren, name, per_year, share in BUYERS
        for year in range(max(years[0], 2024), min(years[1], as_of.year) + 1)
        for number in range(1, per_year + 1)
    ]
    if records:  # what real files hold too: a year 0218, an amount of 1e17 €
        records[0]["dateNotification"] = "0218-10-29"
        records[-1]["montant"] = 1e17
    path = out / "marches" / f"{as_of.isoformat()}_decp_region_sud.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"marches": {"marche": records}}, ensure_ascii=False, indent=1), encoding="utf-8")
    _write_targets(out / "objectifs" / f"{as_of.isoformat()}_objectifs_spaser.csv", as_of)
    return 2


def _record(rng: np.random.Generator, siren: str, name: str, share: float, year: int, number: int,
            as_of: dt.date) -> dict:  # fmt: skip
    last_month = 12 if year < as_of.year else as_of.month
    day = min(dt.date(year, int(rng.integers(1, last_month + 1)), int(rng.integers(1, 29))), as_of)
    amount = round(float(np.clip(120_000 * rng.lognormal(0, 1.0), SPASER.seuil_decp_ht, 30_000_000)), 2)
    considerations = [c for c in CONSIDERATIONS if rng.random() < share * (1.0 if c == CLAUSE_SOCIALE else 0.3)]
    record = {
        "id": f"{year}{number:05d}",
        "acheteur": {"id": f"{siren}00018"},
        "nature": "Marché",
        "objet": f"Marché {number} de {name} ({year})",
        "codeCPV": CPV[int(rng.integers(len(CPV)))],
        "procedure": "Appel d'offres ouvert" if amount > 221_000 else "Procédure adaptée",
        "dureeMois": int(rng.choice([6, 12, 24, 36, 48])),
        "dateNotification": day.isoformat(),
        "montant": amount,
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": "73282932000074"}}],
        "considerationsSociales": {"considerationSociale": considerations or ["Pas de considération sociale"]},
    }
    if rng.random() < 0.1:
        record["modifications"] = _modifications(rng, day, amount, as_of)
    return record


def _modifications(rng: np.random.Generator, day: dt.date, amount: float, as_of: dt.date) -> list[dict]:
    """One to three amendments raising the amount; a late one may be dated after the as-of date."""
    out = []
    for i in range(1, int(rng.integers(1, 4)) + 1):
        amount = round(amount * (1 + float(rng.uniform(0.02, 0.15))), 2)
        date = day + dt.timedelta(days=int(rng.integers(60, 400)) * i)
        out.append({"modification": {"id": i, "montant": amount, "dateNotificationModification": date.isoformat(),
                                     "datePublicationDonneesModification": min(date, as_of).isoformat()}})  # fmt: skip
    return out


def _write_targets(path: Path, as_of: dt.date) -> None:
    """The Département's targets as its SPASER team types them: percentages in every French form."""
    rows = [
        ("Année", "Indicateur", "Cible", "Commentaire"),
        *[(str(y), "taux_couverture_clause", "100 %", "Brochure SPASER") for y in range(2023, 2027)],
        ("2025", "part_marches_consideration_sociale", "30%", "PNAD 2022-2025"),
        ("2026", "part_marches_consideration_sociale", "0,35", "Ambition départementale"),
        ("2026", "nb_marches_clause", "300", ""),
        ("2026", "taux_sorties_dynamiques", "55 %", ""),
        ("2024", "taux_emploi_durable", "25 %", ""),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\r\n".join(";".join(r) for r in rows).encode("cp1252") + b"\r\n")
