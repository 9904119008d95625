"""The end-of-plan review (`clauses bilan --plan 2023-2026`, and in every export set once a plan has ended).

For each commitment of the plan (an indicator it set a target for): the year before the plan, the target, the result
with its range, and a verdict with its reason (marts.bilan_plans); the trend of hours, persons, coverage and
outcomes year by year; what the data could not say. A workbook and a printable page, in the style and under the
secrecy of the yearly exports: the review reads the same ExportData, loaded for its plan.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import polars as pl

from pipeline import french
from pipeline.exports import labels, secrecy
from pipeline.exports.data import ExportData
from pipeline.exports.report import TEMPLATES, headline, trend_charts
from pipeline.exports.workbook import Workbook, themes
from pipeline.extracts.reference import RATIOS

VERDICTS = {
    "ATTEINT": ("✔ atteint", "#c6efce"),
    "NON_ATTEINT": ("✘ non atteint", "#ffc7ce"),
    "NON_MESURABLE": ("? non mesurable", "#ededed"),
}


def slug(plan: str) -> str:
    """« SPASER 2023-2026 » -> « spaser_2023-2026 »: the reviews' file names."""
    return re.sub(r"[^a-z0-9-]+", "_", plan.lower()).strip("_")


def commitments(data: ExportData) -> list[dict]:
    """The plan's commitments as the review shows them: values in their unit, a range where the result has one."""
    rows = data.tables["bilan_plans"].filter(pl.col("plan") == data.plan.nom)
    out = []
    for rec in rows.iter_rows(named=True):
        unit = "rate" if rec["indicateur"] in RATIOS else "count"
        realise = labels.formatted(rec["realise"], unit)
        if rec["realise_bas"] is not None and rec["realise_bas"] != rec["realise_haut"]:
            realise += f" (fourchette {french.format_range(rec['realise_bas'], rec['realise_haut'])})"
        words, colour = VERDICTS[rec["verdict"]]
        out.append({
            "indicateur": labels.label(rec["indicateur"]),
            "reference": f"{labels.formatted(rec['valeur_reference'], unit)} en {rec['annee_reference']}",
            "cible": f"{labels.formatted(rec['cible'], unit)} en {rec['annee_cible']}",
            "realise": realise,
            "annuelles": f"{rec['nb_cibles_annuelles_atteintes']} sur {rec['nb_cibles_annuelles']}",
            "verdict": words, "raison": rec["raison"], "couleur": colour,
        })  # fmt: skip
    return out


def limits(data: ExportData) -> list[str]:
    """What the data could not say about the plan, in sentences an elected official reads."""
    out = ["Aucun groupe témoin : l'entrepôt décrit les parcours et ce que deviennent les personnes, il ne mesure "
           "pas ce qui se serait passé sans la clause."]  # fmt: skip
    spaser = secrecy.shown(data.tables["kpi_spaser"])  # what is said here is what the exports may show
    unknown, n = (spaser[c][0] if spaser.height else None for c in ("nb_sortants_situation_inconnue", "nb_sortants"))
    if unknown is not None and n:
        out.append(
            f"{french.format_percent(unknown / n)} des {french.format_number(n)} sorties observables de la "
            "période ont une situation à six mois inconnue : chaque taux de résultat est une fourchette."
        )
    if spaser.height and spaser["nb_sortants_en_attente"][0]:
        out.append(f"{french.format_number(spaser['nb_sortants_en_attente'][0])} sorties de moins de six mois n'ont "
                   "pas encore de résultat : le bilan des résultats ne sera complet que six mois après la fin du "
                   "plan.")  # fmt: skip
    pending = [c for c in commitments(data) if c["raison"]]
    out += [f"{c['indicateur']} : {c['raison']}." for c in pending]
    missing = int(data.missing_months["nb_mois_manquants"].sum()) if data.missing_months.height else 0
    if missing:
        out.append(f"{missing} relevés mensuels d'heures manquent (un facilitateur, un mois) : les heures de ces mois "
                   "sont sous-estimées.")  # fmt: skip
    quality = data.outcome_quality
    if quality.height and quality["nb_decrochages_silencieux"].sum():
        out.append(f"{int(quality['nb_decrochages_silencieux'].sum())} parcours se sont tus sans date de sortie "
                   "(aucune heure depuis six mois) : des sorties qu'aucun taux ne voit.")  # fmt: skip
    return out


def write_review_workbook(data: ExportData, path: Path) -> None:
    wb = Workbook(path, data)
    ws = wb.sheet("Bilan")
    ws.write_string(0, 0, f"Bilan du {data.plan.nom}", wb.fmt["title"])
    ws.write_string(1, 0, f"Données arrêtées au {data.as_of:%d/%m/%Y}", wb.fmt["subtitle"])
    headers = ["Indicateur", "Référence", "Cible", "Réalisé", "Cibles annuelles atteintes", "Verdict", "Pourquoi"]
    for c, text in enumerate(headers):
        wb.header(ws, 3, c, text)
    rows = commitments(data)
    for r, rec in enumerate(rows, start=4):
        for c, key in enumerate(("indicateur", "reference", "cible", "realise", "annuelles")):
            wb.cell(ws, r, c, rec[key], "text")
        ws.write_string(r, 5, rec["verdict"], wb.book.add_format({"border": 1, "bg_color": rec["couleur"]}))
        wb.fit(ws, 5, rec["verdict"])
        wb.cell(ws, r, 6, rec["raison"], "text")
    wb.freeze(ws, 3, 1)
    row = wb.note(
        ws,
        len(rows) + 5,
        "Référence : l'année qui précède le plan. Verdict : celui de la dernière année du "
        "plan qui porte une cible ; un taux de résultat est atteint quand le bas de sa fourchette l'est.",
        6,
    )
    ws.write_string(row, 0, "Ce que les données ne permettent pas de dire", wb.fmt["subtitle"])
    for text in limits(data):
        row = wb.note(ws, row + 1, text, 6) - 1
    wb.note(ws, row + 2, secrecy.note(data.secret_min), 6)
    for theme, (columns, definition) in themes(data).items():
        wb.indicators(wb.sheet(theme), 0, columns, theme, definition)
    wb.close()


def write_review_report(data: ExportData, path: Path) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    spaser = data.tables["kpi_spaser"]
    end = spaser["periode_fin"][0] if spaser.height else data.plan.fin
    html = env.get_template("bilan.html.j2").render(
        plan=data.plan.nom,
        as_of=f"{data.as_of:%d/%m/%Y}",
        periode=f"du {data.plan.debut:%d/%m/%Y} au {end:%d/%m/%Y}",
        chiffres=headline(data),
        engagements=commitments(data),
        graphiques=trend_charts(data),
        limites=limits(data),
        note_secret=secrecy.note(data.secret_min),
    )
    path.write_text(html, encoding="utf-8")


def write_review(data: ExportData, folder: Path) -> tuple[Path, Path]:
    """The review's workbook and page, named after the plan and the as-of date."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"bilan_{slug(data.plan.nom)}_{data.as_of.isoformat()}"
    workbook, report = folder / f"{name}.xlsx", folder / f"{name}.html"
    write_review_workbook(data, workbook)
    write_review_report(data, report)
    return workbook, report
