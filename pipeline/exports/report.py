"""The one-page HTML report: headline figures and inline SVG charts (pygal), rendered with Jinja.

Self-contained: no script, no font, no image from outside; opens offline and prints well.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import jinja2
import polars as pl
import pygal
from pygal.style import Style

from pipeline import french
from pipeline.exports import labels, questions, secrecy
from pipeline.exports.data import MIN_AT_RISK, ExportData
from pipeline.extracts.kinds import EXTRACTS
from pipeline.extracts.reference import RATIOS, SPASER

TEMPLATES = Path(__file__).with_name("templates")
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#1f3864",
    foreground_subtle="#999",
    colors=("#1f5fa8", "#e07b39", "#3a9a5b", "#b0b0b0", "#7b4fa0"),
    font_family="sans-serif",
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=11,
)


# Each chart is drawn twice: for a page (and print) and for a phone, where a 760-wide drawing shrunk to 390 px
# would make its text half size; the page's CSS shows the one that fits.
SIZES = {"large": (760, 360), "small": (400, 340)}


def _chart(chart_type, title: str, **options) -> pygal.Graph:
    settings = {"legend_at_bottom": True, "print_values": False, "truncate_label": -1, "truncate_legend": -1}
    return chart_type(
        title=title, style=STYLE, js=[], disable_xml_declaration=True, explicit_size=False, **{**settings, **options}
    )


def _svg(chart: pygal.Graph, size: str) -> str:
    width, height = SIZES[size]
    svg = chart.render(is_unicode=True, width=width, height=height, x_label_rotation=30 if size == "small" else 0)
    # pygal leaves an inline config script for its tooltips, useless without them: the page carries no script.
    return re.sub(r"<script\b.*?</script>", "", svg, flags=re.S)


def _figure(title: str, chart: pygal.Graph, note: str) -> dict:
    return {"titre": title, "svg": _svg(chart, "large"), "svg_telephone": _svg(chart, "small"), "note": note}


def _hours(annuel: pl.DataFrame, years: list[str]) -> dict:
    c = _chart(pygal.Bar, "Heures d'insertion réalisées par année", show_legend=False,
               value_formatter=lambda v: labels.formatted(v, "hours"))  # fmt: skip
    c.x_labels = years
    c.add("Heures réalisées", annuel["heures_realisees"].to_list())
    return _figure("Heures d'insertion", c, "Heures par année du mois travaillé." + _in_progress(years))


def _people(annuel: pl.DataFrame, years: list[str]) -> dict:
    c = _chart(pygal.Bar, "Personnes ayant travaillé dans l'année",
               value_formatter=lambda v: labels.formatted(v, "count"))  # fmt: skip
    c.x_labels = years
    c.add("Personnes", annuel["nb_participants"].to_list())
    c.add("dont nouvelles", annuel["nb_nouveaux_participants"].to_list())
    first = years[0].rstrip("*") if years else ""
    note = ("Personnes distinctes ayant travaillé dans l'année, dont celles qui travaillaient pour la première fois. "
            f"En {first}, première année des données, toutes sont nouvelles : l'entrepôt ne voit pas les années "
            "d'avant.")  # fmt: skip
    return _figure("Personnes en insertion", c, note + _in_progress(years))


def _years(annuel: pl.DataFrame, as_of) -> list[str]:
    """Year labels, the year in progress starred so that it does not read as a fall."""
    partial = as_of < dt.date(as_of.year, 12, 31)
    return [f"{y}*" if y == as_of.year and partial else str(y) for y in annuel["annee"].to_list()]


def _in_progress(years: list[str]) -> str:
    starred = [y for y in years if y.endswith("*")]
    return f" * {starred[0][:-1]} : année en cours, jusqu'à la date d'arrêté." if starred else ""


def _coverage(annuel: pl.DataFrame, years: list[str], targets: pl.DataFrame) -> dict:
    target = {a: v for a, i, v in targets.iter_rows() if i == "taux_couverture_clause"}
    c = _chart(pygal.Bar, "Couverture des marchés éligibles par la clause", range=(0, 1.05),
               value_formatter=lambda v: labels.formatted(v, "rate"))  # fmt: skip
    c.x_labels = years
    c.add("Taux de couverture", annuel["taux_couverture_clause"].to_list())
    targets_by_year = [target.get(int(y.rstrip("*")), 1.0) for y in years]
    c.add("Cible SPASER (100 %)", targets_by_year, stroke_style={"dasharray": "6,4"})
    seuil = french.format_euros(SPASER.seuil_clause_btp_ht)
    return _figure("Couverture des marchés éligibles", c, f"Marchés de travaux d'au moins {seuil} HT : part de "
                   "ceux qui portent une clause d'insertion." + _in_progress(years))  # fmt: skip


RANGE_READING = (
    "La barre bleue compte toute situation inconnue comme un échec, le haut de son trait comme une réussite : le "
    "vrai taux est dans ce trait, élargi de l'aléa des petits nombres. La barre orange est le taux parmi les "
    "situations connues, son trait son intervalle de confiance à 95 %."
)


def _with_interval(value, low, high) -> dict | None:
    """A bar with its whisker (pygal's manual confidence interval); nothing for a hidden or missing value."""
    if value is None:
        return None
    return {"value": value, "ci": {"low": low, "high": high}} if low is not None and high is not None else value


def _range_series(c: pygal.Graph, frame: pl.DataFrame, outcome: str) -> None:
    """Two bars per group: the low end of the range with its whisker up to the high end widened by chance, and the
    rate among known situations with its 95 % interval."""
    rate, bounds = f"taux_{outcome}", [f"taux_{outcome}_{end}" for end in ("bas", "fourchette_ic_bas", "haut")]
    low = [
        _with_interval(b, lo, hi)
        for b, lo, hi in zip(*[frame[x] for x in bounds[:2]], frame[f"taux_{outcome}_fourchette_ic_haut"], strict=True)
    ]
    c.add("Toutes les sorties observables", low)
    known = [
        _with_interval(*v) for v in zip(*[frame[x] for x in (rate, f"{rate}_ic_bas", f"{rate}_ic_haut")], strict=True)
    ]
    c.add("Parmi les situations connues", known)


def _outcomes_by_cohort(annuel: pl.DataFrame, years: list[str]) -> dict:
    c = _chart(pygal.Bar, "Sorties dynamiques six mois après la sortie, par année de sortie", range=(0, 1),
               legend_at_bottom_columns=1,
               value_formatter=lambda v: labels.formatted(v, "rate"))  # fmt: skip
    c.x_labels = [f"{y} (n = {french.format_number(n)})" for y, n in zip(years, annuel["nb_sortants"], strict=True)]
    _range_series(c, annuel, "sorties_dynamiques")
    note = ("Emploi durable, de transition ou sortie positive, une sortie par personne et par année ; n : sorties de "
            "plus de six mois. " + RANGE_READING + _in_progress(years))  # fmt: skip
    return _figure("Résultats par cohorte de sortie", c, note)


def _outcomes_by_hours(data: ExportData) -> dict:
    impact = data.tables["kpi_impact_heures"].filter(pl.col("perimetre") == "TOUTES_ANNEES").sort("ordre_tranche")
    impact = secrecy.shown(impact)
    c = _chart(pygal.Bar, "Sorties dynamiques selon les heures travaillées", range=(0, 1), legend_at_bottom_columns=1,
               value_formatter=lambda v: labels.formatted(v, "rate"))  # fmt: skip
    c.x_labels = [f"{t} (n = {labels.formatted(n, 'count')})"
                  for t, n in zip(impact["tranche_heures"], impact["nb_sortants"], strict=True)]  # fmt: skip
    _range_series(c, impact, "sorties_dynamiques")
    return _figure(
        "Résultats selon les heures",
        c,
        "Toutes les sorties observables, selon les heures des parcours quittés dans l'année. Une description, pas "
        "une mesure de l'effet des heures : qui part tôt vers un emploi a peu d'heures, qui reste longtemps est "
        "peut-être le plus éloigné de l'emploi ; les intervalles disent quels écarts le hasard suffit à expliquer. "
        + RANGE_READING,
    )


def _path_durations(data: ExportData) -> dict | None:
    """The Kaplan-Meier curve: the share of paths ended after each month since entry, running paths censored."""
    durations = data.durations
    if durations.height < 2:
        return None
    c = _chart(pygal.Line, "Part des parcours sortis selon les mois écoulés depuis l'entrée", range=(0, 1),
               show_legend=False, dots_size=2, value_formatter=lambda v: labels.formatted(v, "rate"),
               x_labels_major_every=6, show_minor_x_labels=False)  # fmt: skip
    c.x_labels = [str(m) for m in durations["mois"].to_list()]
    c.add("Parcours sortis", durations["part_sortis"].to_list())
    note = ("Estimation de Kaplan-Meier sur tous les épisodes de parcours : un parcours encore en cours compte "
            "jusqu'à sa durée actuelle, sans être pris pour une sortie ; la courbe s'arrête là où moins de "
            f"{MIN_AT_RISK} parcours restent. En abscisse : les mois depuis l'entrée.")  # fmt: skip
    return _figure("Durée des parcours", c, note)


def _hours_by_territory(data: ExportData) -> dict:
    territoire = data.tables["kpi_territoire"]
    last = territoire["annee"].max()
    current = territoire.filter(pl.col("annee") == last).sort("heures_realisees")
    # The values go in the labels, not on the bars (a short bar cannot hold its figure) nor on an axis whose labels
    # collide on a phone.
    c = _chart(pygal.HorizontalBar, f"Heures par facilitateur en {last}", show_legend=False, show_y_labels=False,
               value_formatter=lambda v: labels.formatted(v, "hours"))  # fmt: skip
    # "Métropole Aix-Marseille-Provence – Pays d'Aix" -> "Pays d'Aix": four structures share the prefix.
    c.x_labels = [f"{structure.split(' – ')[-1]} : {labels.formatted(hours, 'hours')} h"
                  for structure, hours in current.select("structure", "heures_realisees").rows()]  # fmt: skip
    c.add("Heures réalisées", current["heures_realisees"].to_list())
    partial = " (jusqu'à la date d'arrêté)" if last == data.as_of.year else ""
    return _figure("Heures par facilitateur", c, f"Heures déclarées par chaque facilitateur en {last}{partial}.")


def _national_indicator(data: ExportData, annuel: pl.DataFrame, years: list[str]) -> dict:
    target = {a: v for a, i, v in data.targets.iter_rows() if i == questions.PNAD_INDICATOR}
    national = {(r["indicateur"], r["annee"]): r for r in data.national.iter_rows(named=True)}
    c = _chart(pygal.Bar, "Indicateurs nationaux : marchés avec une considération sociale, environnementale",
               range=(0, 1.05), legend_at_bottom_columns=2,
               value_formatter=lambda v: labels.formatted(v, "rate"))  # fmt: skip
    c.x_labels = years
    c.add("Sociale (Département)", annuel[questions.PNAD_INDICATOR].to_list())
    c.add("Environnementale (Département)", annuel["part_marches_consideration_environnementale"].to_list())
    c.add("Sociale (France, OECP)", [_measured(national, questions.PNAD_INDICATOR, y) for y in years])
    c.add("Cible sociale", [target.get(int(y.rstrip("*"))) for y in years], stroke_style={"dasharray": "6,4"})
    note = (f"Marchés d'au moins {french.format_euros(SPASER.seuil_decp_ht)} HT dont les considérations sont "
            "connues : part de ceux qui portent une clause, un critère social ou une réservation (sociale), une clause "
            "ou un critère environnemental (environnementale). Cibles nationales pour 2025 : 30 % et 100 %. La part "
            "nationale (OECP) change de base en 2024 (données essentielles) : les années d'avant ne se comparent pas "
            "à celles d'après.")  # fmt: skip
    return _figure("Indicateurs nationaux (PNAD 2022-2025)", c, note + _in_progress(years))


def _measured(national: dict, indicator: str, year: str) -> float | None:
    row = national.get((indicator, int(year.rstrip("*"))))
    return row["valeur"] if row and row["nature"] == "mesure nationale" else None


def _among_peers(data: ExportData) -> dict | None:
    comparaison = data.tables["kpi_comparaison"]
    own = questions.departement_among_peers(comparaison).filter(pl.col("rang_categorie").is_not_null())
    if not questions.has_peers(comparaison) or own.height == 0:
        return None
    last = own.row(-1, named=True)
    shares = questions.category_shares(comparaison, last["annee"], last["categorie_acheteur"])
    category = labels.words("categorie_acheteur", last["categorie_acheteur"])
    title = f"{category} en {last['annee']} : part des marchés avec une considération sociale"
    c = _chart(pygal.Bar, title, range=(0, 1), value_formatter=lambda v: labels.formatted(v, "rate"))
    c.x_labels = [f"{r['rang_categorie']}. {_buyer(r)}" for r in shares.iter_rows(named=True)]
    share = shares[questions.PNAD_INDICATOR].to_list()
    own_row = shares["est_departement"].to_list()
    c.add("Le Département", [v if mine else None for v, mine in zip(share, own_row, strict=True)])
    c.add("Les autres acheteurs classés", [None if mine else v for v, mine in zip(share, own_row, strict=True)])
    note = (f"Rang {last['rang_categorie']} sur {last['nb_acheteurs_classes']} ; médiane de la catégorie "
            f"{labels.formatted(last['mediane_categorie'], 'rate')} (quartiles "
            f"{labels.formatted(last['premier_quartile'], 'rate')} et "
            f"{labels.formatted(last['troisieme_quartile'], 'rate')}). Acheteurs d'au moins 5 marchés dans le "
            "périmètre, d'après les données essentielles de la commande publique déposées.")  # fmt: skip
    return _figure("Le Département parmi les acheteurs publics", c, note)


def trend_charts(data: ExportData) -> list[dict]:
    """Hours, persons, coverage and outcomes year by year: the trend a review shows over its plan."""
    annuel = secrecy.shown(data.tables["kpi_annuel"])
    years = _years(annuel, data.as_of)
    return [_hours(annuel, years), _people(annuel, years), _coverage(annuel, years, data.targets),
            _outcomes_by_cohort(annuel, years)]  # fmt: skip


def _buyer(row: dict) -> str:
    """A buyer as the chart names it: the Département in words, another by the name the open data gives (v1), else
    by its SIREN."""
    if row["est_departement"]:
        return "le Département"
    return row.get("acheteur_nom") or f"SIREN {row['acheteur_siren']}"


def charts(data: ExportData) -> list[dict]:
    annuel = secrecy.shown(data.tables["kpi_annuel"])
    years = _years(annuel, data.as_of)
    figures = [
        _hours(annuel, years),
        _people(annuel, years),
        _coverage(annuel, years, data.targets),
        _national_indicator(data, annuel, years),
        _among_peers(data),
        _outcomes_by_cohort(annuel, years),
        _outcomes_by_hours(data),
        _path_durations(data),
        _hours_by_territory(data),
    ]
    return [f for f in figures if f is not None]


def _change(before: float | None, after: float | None, unit: str) -> str:
    if before is None or after is None:
        return ""
    sign = "+" if after >= before else "−"
    if unit == "rate":
        return f" ({sign}{french.format_number(abs(after - before) * 100, 1)} points)"
    return f" ({sign}{labels.formatted(abs(after - before), unit)})"


def revision_lines(data: ExportData) -> list[str]:
    """The figures this publication changed, in words: « Heures…, 2024 : 357 190 → 358 000 (+810) »."""
    out = []
    for rec in data.revisions.iter_rows(named=True):
        unit, before, after = labels.unit(rec["indicateur"]), rec["valeur_precedente"], rec["valeur"]
        out.append(f"{labels.label(rec['indicateur'])}, {rec['annee']} : {labels.formatted(before, unit)} → "
                   f"{labels.formatted(after, unit)}{_change(before, after, unit)}")  # fmt: skip
    return out


def target_rows(data: ExportData) -> list[dict]:
    """The targets as the report's table shows them: values formatted by the indicator's unit, a range where the
    actual has one."""
    out = []
    for rec in questions.targets(data.tables["kpi_objectifs"]).iter_rows(named=True):
        unit = "rate" if rec["indicateur"] in RATIOS else "count"
        realise = labels.formatted(rec["realise"], unit)
        if rec["realise_fourchette"]:
            realise += f" (fourchette {rec['realise_fourchette']})"
        out.append({"annee": rec["annee"], "indicateur": rec["libelle_indicateur"], "statut": rec["statut"],
                    "libelle_statut": rec["libelle_statut"], "realise": realise,
                    **{c: labels.formatted(rec[c], unit) for c in ("cible", "ecart")}})  # fmt: skip
    return out


def source_rows(data: ExportData) -> list[dict]:
    """The files received, per extract, in words and French numbers."""
    names = {extract.name: extract.label for extract in EXTRACTS}
    counts = ("fichiers", "lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_en_attente")
    return [
        {
            "type_extrait": names.get(rec["type_extrait"], rec["type_extrait"]),
            **{c: labels.formatted(rec[c], "count") for c in counts},
        }  # fmt: skip
        for rec in data.files.iter_rows(named=True)
    ]


def headline(data: ExportData) -> list[dict]:
    spaser = labels.with_ranges(data.tables["kpi_spaser"])
    if spaser.height == 0:
        return []
    row, masked = spaser.row(0, named=True), secrecy.masks(spaser)
    items = ["heures_realisees", "etp", "etp_annuel_moyen", "nb_participants", "nb_marches_clause",
             "taux_couverture_clause", "fourchette_sorties_dynamiques", "fourchette_emploi_durable",
             "taux_situation_connue"]  # fmt: skip
    return [
        {
            "libelle": labels.label(c),
            "valeur": secrecy.SECRET if c in masked and masked[c][0] else labels.formatted(row[c], labels.unit(c)),
        }
        for c in items
    ]


def write_report(data: ExportData, path: Path) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    spaser = data.tables["kpi_spaser"]
    html = env.get_template("rapport.html.j2").render(
        as_of=data.as_of.strftime("%d/%m/%Y"),
        periode=f"du {data.plan.debut:%d/%m/%Y} au {spaser['periode_fin'][0]:%d/%m/%Y}" if spaser.height else "",
        plan=data.plan.nom,
        chiffres=headline(data),
        graphiques=charts(data),
        cibles=target_rows(data),
        couleurs_statut={k: v[1] for k, v in questions.STATUTS.items()},
        note_secret=secrecy.note(data.secret_min),
        heures_etp=french.format_number(data.heures_etp),
        sources=source_rows(data),
        mois_manquants=data.missing_months.to_dicts(),
        revisions=revision_lines(data),
    )
    path.write_text(html, encoding="utf-8")
