"""The workbook for the elected officials: a cover, one sheet per theme, territories, contracts, data quality.

Every figure comes from the published warehouse through `ExportData`; every constant a text states (the
eligibility threshold, the SPASER period, the hours of an ETP) comes from where the figures took it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from pipeline import french
from pipeline.exports import labels, questions, secrecy
from pipeline.exports.data import ExportData
from pipeline.extracts.kinds import BY_NAME, EXTRACTS
from pipeline.extracts.reference import RATIOS, SPASER

OUTCOMES = ("sorties_dynamiques", "emploi_durable", "emploi_transition", "sortie_positive")  # as the sheets list them

MIN_WIDTH, HEADER_WIDTH, TEXT_WIDTH = 8, 22, 60  # characters: narrowest column, where headers and texts wrap
# Characters of column width a sheet may hold: LibreOffice fits about 107 on A4 landscape at 100 %, so 135 prints
# its 11 pt type at 8 pt or more (tests/test_print.py reads it back from the PDF).
PAGE_WIDTH = 135
WORKBOOK_MAX_CONTRACTS = 5_000  # rows of the contract list in the workbook (the Département has about 1,000)
FORMATS = {
    "title": {"bold": True, "font_size": 16, "font_color": "#1f3864"},
    "subtitle": {"bold": True, "font_size": 12, "font_color": "#1f3864"},
    # centred: a year right-aligned beside a text header left-aligned would print touching it (LibreOffice)
    "header": {"bold": True, "bg_color": "#d9e2f3", "border": 1, "text_wrap": True, "valign": "top", "align": "center"},
    "note": {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"},
    "text": {"border": 1, "text_wrap": True, "valign": "top", "indent": 1},  # off a number on its left
    "count": {"num_format": "#,##0", "border": 1, "valign": "top"},
    "hours": {"num_format": "#,##0", "border": 1, "valign": "top"},
    "euros": {"num_format": "#,##0 €", "border": 1, "valign": "top"},
    "etp": {"num_format": "#,##0.0", "border": 1, "valign": "top"},
    "rate": {"num_format": "0%", "border": 1, "valign": "top"},
    "year": {"num_format": "0", "border": 1, "bold": True, "valign": "top"},
    "date": {"num_format": "dd/mm/yyyy", "border": 1, "valign": "top"},
    "secret": {"border": 1, "align": "right", "font_color": "#7f7f7f", "valign": "top"},
    "target": {"num_format": "0%", "border": 1, "bg_color": "#e2efda", "valign": "top"},
    "target_count": {"num_format": "#,##0", "border": 1, "bg_color": "#e2efda", "valign": "top"},
}


def themes(data: ExportData) -> dict[str, tuple[list[str], str]]:
    """Sheet -> (indicators of kpi_annuel and kpi_spaser, the definition written under them)."""
    seuil = french.format_euros(SPASER.seuil_clause_btp_ht)
    return {
        "Marchés et clauses": (
            ["nb_marches", "montant_marches_ht", "nb_marches_eligibles", "nb_marches_eligibles_avec_clause",
             "taux_couverture_clause", "nb_marches_clause", "montant_marches_clause_ht", "nb_marches_clause_services",
             "nb_marches_clause_prestations_intellectuelles", "nb_marches_critere_social",
             "part_marches_critere_social", "nb_marches_reserves", "montant_marches_reserves_ht", "heures_prevues",
             "nb_marches_considerations_connues", "nb_marches_consideration_sociale", questions.PNAD_INDICATOR,
             "montant_marches_considerations_connues_ht", "montant_marches_consideration_sociale_ht",
             "part_montant_consideration_sociale", "nb_marches_considerations_environnementales_connues",
             "nb_marches_consideration_environnementale", "part_marches_consideration_environnementale"],
            f"Par année de notification. Éligible : marché de travaux (BTP) d'au moins {seuil} HT, pour lequel le "
            "Département impose la clause ; la cible du SPASER est une couverture de 100 %. Un marché publié en "
            "données ouvertes sans information sur la clause compte dans les marchés notifiés, jamais dans les "
            "clauses. Indicateur national (PNAD 2022-2025, cible 30 % en 2025) : part des marchés d'au moins "
            f"{french.format_euros(SPASER.seuil_decp_ht)} HT aux considérations sociales connues qui en portent au "
            "moins une (clause, critère social ou réservation) ; son pendant environnemental (cible 100 % en 2025) : "
            "clause ou critère environnemental, parmi les marchés où ils sont connus.",
        ),
        "Heures et personnes": (
            ["heures_realisees", "etp", "nb_mois_couverts", "etp_annuel_moyen", "nb_participants",
             "nb_nouveaux_participants", "nb_employeurs", "nb_marches_actifs", "taux_realisation_marches_acheves"],
            "Par année du mois travaillé. Une personne suivie par deux facilitateurs compte une fois ; sur la période "
            f"du {data.plan.nom}, les personnes sont comptées une fois sur toute la période. ETP-années : heures / "
            f"{french.format_number(data.heures_etp)}, cumulées sur la colonne ; la moyenne annuelle les rapporte aux "
            "mois couverts (une année en cours n'en couvre que jusqu'à la date d'arrêté).",
        ),
        "Publics": (
            ["nb_participants", "part_femmes", "part_moins_26_ans", "part_50_ans_et_plus", "part_qpv", "part_brsa",
             "part_deld", "part_rqth", "part_jeunes_sans_qualification"],
            "Parmi les personnes ayant travaillé dans l'année, selon leur dernière fiche ; "
            "âges à l'entrée dans le parcours.",
        ),
        "Résultats": (
            ["nb_sortants", "nb_sortants_en_attente", "nb_sortants_situation_connue", "nb_sortants_situation_inconnue",
             "taux_situation_connue",
             *[f"{reading}_{outcome}" for outcome in OUTCOMES for reading in ("fourchette", "parmi_connues")]],
            "Par année de sortie (cohorte), situation six mois après la sortie ; une sortie par personne et par année "
            "(la dernière, tous facilitateurs). Les sorties de moins de six mois sont comptées à part. Fourchette : "
            "du taux où toutes les situations inconnues seraient des échecs à celui où toutes seraient des "
            "réussites, sur n sorties observables ; la cible se juge sur son bas. Parmi les situations connues : le "
            "taux qui suppose les inconnues semblables aux connues, entre crochets son intervalle de confiance à "
            "95 % : deux taux dont les intervalles se chevauchent ne diffèrent peut-être que par le hasard.",
        ),
    }  # fmt: skip


class Workbook:
    """xlsxwriter with our habits: typed cells, words for codes, widths that fit, sheets that print on A4."""

    def __init__(self, path: Path, data: ExportData):
        self.book = xlsxwriter.Workbook(str(path))
        self.fmt = {name: self.book.add_format(spec) for name, spec in FORMATS.items()}
        self.data = data
        self.widths: dict[str, dict[int, float]] = {}
        self.floors: dict[str, dict[int, float]] = {}  # the width under which a column's words or numbers break
        self.identifiers: dict[str, list[str]] = {}
        # sheet -> row -> (column, text) of the cells that wrap: their row gets the height its lines need, which
        # LibreOffice does not work out (a wrapped header would print over the first data row).
        self.wrapped: dict[str, dict[int, list[tuple[int, str]]]] = {}
        # sheet -> header rows of its tables: a header repeats on each printed page only where it is the sheet's
        # one table (repeated above a later table, it would head columns it does not name)
        self.headers: dict[str, list[int]] = {}

    def sheet(self, name: str) -> xlsxwriter.worksheet.Worksheet:
        """A sheet that prints on A4 landscape, one page wide, with its name and page numbers."""
        ws = self.book.add_worksheet(name)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.set_footer(f"&L{name} — données au {self.data.as_of:%d/%m/%Y}&RPage &P / &N")
        self.widths[name], self.floors[name] = {}, {}
        return ws

    def fit(self, ws, col: int, text: str, header: bool = False, wraps: bool = True) -> None:
        """Remember the width the column needs; headers and long texts wrap, so they count up to a cap."""
        # LibreOffice breaks a wrapped line at a space or after a hyphen (Aix-Marseille-Provence); an identifier
        # (2022-TX-00131: digits, no space) is kept whole
        identifier = " " not in text and any(c.isdigit() for c in text)
        words = [text] if identifier else re.findall(r"[^\s-]+-?", text)
        longest_word = max((len(w) for w in words), default=0) if wraps else len(text)
        need = max(longest_word, min(len(text), HEADER_WIDTH)) if header else min(len(text), TEXT_WIDTH)
        widths, floors = self.widths[ws.name], self.floors[ws.name]
        widths[col] = max(widths.get(col, MIN_WIDTH), need + 2)
        floors[col] = max(floors.get(col, MIN_WIDTH), longest_word + 2)

    def header(self, ws, row: int, col: int, text: str) -> None:
        if text.isdigit():  # a year: a number, or Excel flags "number stored as text"
            ws.write_number(row, col, int(text), self.fmt["header"])
        else:
            ws.write_string(row, col, text, self.fmt["header"])
        self.fit(ws, col, text, header=True)
        self.wrapped.setdefault(ws.name, {}).setdefault(row, []).append((col, text))

    def cell(self, ws, row: int, col: int, value, unit: str, secret: bool = False) -> None:
        if isinstance(value, Decimal):  # DuckDB's sums of integers: numbers, never text
            value = float(value)
        if secret:
            ws.write_string(row, col, secrecy.SECRET, self.fmt["secret"])
        elif value is None:
            ws.write_blank(row, col, None, self.fmt["text"])
        elif unit == "date" and isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.fmt["date"])
            self.fit(ws, col, "31/12/2026", wraps=False)
        elif isinstance(value, int | float) and not isinstance(value, bool) and unit != "text":
            ws.write_number(row, col, value, self.fmt.get(unit, self.fmt["count"]))
            self.fit(ws, col, labels.formatted(value, unit), wraps=False)
        else:
            ws.write_string(row, col, secrecy.safe_text(str(value)), self.fmt["text"])  # never a formula
            self.fit(ws, col, str(value))
            if len(str(value)) > MIN_WIDTH:  # it may wrap
                self.wrapped.setdefault(ws.name, {}).setdefault(row, []).append((col, str(value)))
            if str(value).isdigit():  # an identifier (a SIREN): text on purpose, which Excel must not flag
                self.identifiers.setdefault(ws.name, []).append(xl_rowcol_to_cell(row, col))

    def note(self, ws, row: int, text: str, width: int = 8) -> int:
        ws.merge_range(row, 0, row, width, text, self.fmt["note"])
        ws.set_row(row, 15 * (1 + len(text) // 110))
        return row + 2

    def freeze(self, ws, header_row: int, columns: int = 1, last_row: int | None = None, last_col: int = 0) -> None:
        """The header stays in sight (and prints on every page: `close`); with `last_row`, a filter on each column."""
        ws.freeze_panes(header_row + 1, columns)
        self.headers.setdefault(ws.name, []).insert(0, header_row)
        if last_row is not None and last_row > header_row:
            ws.autofilter(header_row, 0, last_row, last_col)

    def table(self, ws, row: int, frame: pl.DataFrame, columns: list[str], title: str, definition: str,
              main: bool = False) -> int:  # fmt: skip
        """A titled table with words for codes and "s" for hidden cells; the sheet's `main` table is frozen."""
        ws.write_string(row, 0, title, self.fmt["subtitle"])
        row += 1
        if not main:
            self.headers.setdefault(ws.name, []).append(row)
        masks = secrecy.masks(frame)
        for c, column in enumerate(columns):
            self.header(ws, row, c, labels.label(column))
        units = [labels.unit(column) for column in columns]
        hidden = [masks[column].to_list() if column in masks else None for column in columns]
        for i, record in enumerate(frame.select(columns).iter_rows()):
            for c, value in enumerate(record):
                secret = hidden[c] is not None and bool(hidden[c][i])
                self.cell(ws, row + 1 + i, c, labels.words(columns[c], value), units[c], secret)
        if main:
            self.freeze(ws, row, 1, row + frame.height, len(columns) - 1)
        return self.note(ws, row + frame.height + 1, definition, max(len(columns) - 1, 6))

    def crosstab(self, ws, row: int, frame: pl.DataFrame, index: str, value: str, title: str, definition: str) -> int:
        """`value` by `index` (rows) and year (columns), as the indicator tables lay them out."""
        wide = frame.pivot(on="annee", index=index, values=value, sort_columns=True)
        ws.write_string(row, 0, title, self.fmt["subtitle"])
        self.headers.setdefault(ws.name, []).append(row + 1)
        self.header(ws, row + 1, 0, labels.label(index))
        for c, year in enumerate(wide.columns[1:], start=1):
            self.header(ws, row + 1, c, self.year_header(int(year)))
        for r, record in enumerate(wide.iter_rows(), start=row + 2):
            self.cell(ws, r, 0, labels.words(index, record[0]), "text")
            for c, amount in enumerate(record[1:], start=1):
                self.cell(ws, r, c, amount, labels.unit(value))
        return self.note(ws, row + wide.height + 2, definition, max(wide.width - 1, 6))

    def year_header(self, year: int) -> str:
        """The as-of year is not a full year yet: say so where it stands beside full years."""
        as_of = self.data.as_of
        return f"{year} (au {as_of:%d/%m})" if year == as_of.year and as_of < dt.date(year, 12, 31) else str(year)

    def indicators(self, ws, row: int, columns: list[str], title: str, definition: str) -> int:
        """Indicators as rows, years then the SPASER period as columns, and the target where one is set."""
        annuel, spaser = (labels.with_ranges(self.data.tables[t]) for t in ("kpi_annuel", "kpi_spaser"))
        years = annuel["annee"].to_list()
        # a range stands beside its rate's target
        targets = {(a, i.replace("taux_", "fourchette_", 1)) if i.removeprefix("taux_") in OUTCOMES else (a, i): c
                   for a, i, c in self.data.targets.iter_rows()}  # fmt: skip
        target_years = [y for y in years if any((y, c) in targets for c in columns)]
        header = ["Indicateur", *[self.year_header(y) for y in years], self.data.plan.nom,
                  *[f"Cible {y}" for y in target_years]]  # fmt: skip
        ws.write_string(row, 0, title, self.fmt["subtitle"])
        for c, text in enumerate(header):
            self.header(ws, row + 1, c, text)
        for r, column in enumerate(columns, start=row + 2):
            self.cell(ws, r, 0, labels.label(column), "text")
            self._actuals(ws, r, column, annuel, spaser)
            for c, year in enumerate(target_years, start=len(years) + 2):
                rate = labels.unit(column) == "rate" or column.startswith("fourchette_")
                unit = "target" if rate else "target_count"
                self.cell(ws, r, c, targets.get((year, column)), unit)
        self.freeze(ws, row + 1)
        return self.note(ws, row + len(columns) + 2, definition, len(header) - 1)

    def _actuals(self, ws, r: int, column: str, annuel: pl.DataFrame, spaser: pl.DataFrame) -> None:
        unit = labels.unit(column)
        masks_y, masks_s = secrecy.masks(annuel), secrecy.masks(spaser)
        for i, value in enumerate(annuel[column].to_list()):
            self.cell(ws, r, i + 1, value, unit, column in masks_y and bool(masks_y[column][i]))
        hidden = column in masks_s and bool(masks_s[column][0]) if spaser.height else False
        self.cell(ws, r, annuel.height + 1, spaser[column][0] if spaser.height else None, unit, hidden)

    def close(self) -> None:
        for ws in self.book.worksheets():
            self.widths[ws.name] = _within_page(self.widths[ws.name], self.floors[ws.name])
            for col, width in self.widths[ws.name].items():
                ws.set_column(col, col, width)
            for row, cells in self.wrapped.get(ws.name, {}).items():
                lines = max(_lines(text, self.widths[ws.name].get(col, MIN_WIDTH) - 2) for col, text in cells)
                if lines > 1:
                    ws.set_row(row, 15 * lines)
            if len(self.headers.get(ws.name, [])) == 1:
                ws.repeat_rows(self.headers[ws.name][0])
            if ws.name in self.identifiers:
                ws.ignore_errors({"number_stored_as_text": " ".join(self.identifiers[ws.name])})
        self.book.close()


def _within_page(widths: dict[int, float], floors: dict[int, float]) -> dict[int, float]:
    """Give back to PAGE_WIDTH the same share of each column's room above its floor: the longest texts wrap most."""
    room = sum(widths.values()) - sum(floors.values())
    if sum(widths.values()) <= PAGE_WIDTH or room <= 0:
        return widths
    kept = max(PAGE_WIDTH - sum(floors.values()), 0) / room
    return {col: floors[col] + (width - floors[col]) * kept for col, width in widths.items()}


def _lines(text: str, width: float) -> int:
    """The lines a text wraps onto in a column `width` characters wide, word by word."""
    width *= 1.2  # a column's width counts its widest digits: a line of text holds about a fifth more letters
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return lines


def write_workbook(data: ExportData, path: Path) -> None:
    wb = Workbook(path, data)
    _cover(wb, data)
    for theme, (columns, definition) in themes(data).items():
        ws = wb.sheet(theme)
        r = wb.indicators(ws, 0, columns, theme, definition)
        if theme == "Heures et personnes":
            modalites = data.tables["kpi_modalites"]
            r = wb.crosstab(ws, r, modalites, "libelle_modalite", "heures", "Heures par modalité de réalisation",
                            "Heures de l'année réalisées par chaque modalité.")  # fmt: skip
            wb.crosstab(ws, r, modalites, "libelle_modalite", "part_heures", "Part des heures par modalité",
                        "Part des heures de l'année réalisées par chaque modalité.")  # fmt: skip
        if theme == "Résultats":
            _outcomes_by_hours(wb, ws, r, data)
        if theme == "Marchés et clauses":
            _national_references(wb, ws, r, data)
    _targets(wb, data)
    if questions.has_peers(data.tables["kpi_comparaison"]):
        _peers(wb, data)
    _territories(wb, data)
    _article_35(wb, data)
    _contracts(wb, data)
    _quality(wb, data)
    wb.close()


def _cover(wb: Workbook, data: ExportData) -> None:
    cover = wb.sheet("Couverture")
    cover.write_string(0, 0, f"Clause sociale d'insertion — indicateurs du {data.plan.nom}", wb.fmt["title"])
    cover.write_string(1, 0, "Département des Bouches-du-Rhône", wb.fmt["subtitle"])
    cover.write_string(3, 0, "Données arrêtées au", wb.fmt["header"])
    as_of = dt.datetime.combine(data.as_of, dt.time())
    cover.write_datetime(3, 1, as_of, wb.book.add_format({"num_format": "dd/mm/yyyy", "bold": True}))
    cover.write_string(5, 0, "Sources", wb.fmt["subtitle"])
    row = 6
    headers = ["Extraction", "Fichiers", "Rejetés", "Lignes lues", "Chargées", "En quarantaine", "En attente",
               "Premier dépôt", "Dernier dépôt"]  # fmt: skip
    for c, h in enumerate(headers):
        wb.header(cover, row, c, h)
    counts = ["fichiers", "rejetes", "lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_en_attente"]
    for r, rec in enumerate(data.files.iter_rows(named=True), start=row + 1):
        extract = BY_NAME.get(rec["type_extrait"])
        wb.cell(cover, r, 0, extract.label if extract else rec["type_extrait"], "text")
        for c, k in enumerate(counts, start=1):
            wb.cell(cover, r, c, rec[k], "count")
        wb.cell(cover, r, 7, rec["premier_depot"], "date")
        wb.cell(cover, r, 8, rec["dernier_depot"], "date")
    row += data.files.height + 2
    cover.write_string(row, 0, "Comment lire ce classeur", wb.fmt["subtitle"])
    for text in _how_to_read(data):
        row += 1
        cover.merge_range(row, 0, row, 8, text, wb.fmt["note"])
        cover.set_row(row, 32)


def _how_to_read(data: ExportData) -> list[str]:
    return [
        "Une feuille par thème : marchés et clauses, heures et personnes, publics, résultats, territoires, "
        "exécution des marchés, qualité des données. Sous chaque tableau, une définition courte.",
        f"Les années sont civiles. La colonne « {data.plan.nom} » porte sur toute la période (jusqu'à la date "
        "d'arrêté) : les personnes y sont comptées une fois, ce n'est pas la somme des années.",
        "Les cibles fixées par le Département figurent à côté des réalisations (fond vert).",
        secrecy.note(data.secret_min),
        "Chaque chiffre est traçable jusqu'aux lignes des fichiers reçus, que l'entrepôt de données conserve.",
    ]


def _outcomes_by_hours(wb: Workbook, ws, row: int, data: ExportData) -> None:
    impact = data.tables["kpi_impact_heures"].filter(pl.col("perimetre") == "TOUTES_ANNEES")
    columns = [
        "tranche_heures",
        "nb_sortants",
        "nb_sortants_situation_connue",
        "fourchette_emploi_durable",
        "parmi_connues_emploi_durable",
        "fourchette_sorties_dynamiques",
        "parmi_connues_sorties_dynamiques",
    ]
    row = wb.table(ws, row, labels.with_ranges(impact), columns, "Résultats selon les heures travaillées",
                   "Toutes les sorties observables, selon les heures des parcours quittés dans l'année. Une "
                   "description, pas une mesure de l'effet des heures : qui part tôt vers un emploi a peu d'heures, "
                   "qui reste longtemps est peut-être le plus éloigné de l'emploi.")  # fmt: skip
    row = _outcomes_by_public(wb, ws, row, data)
    _entry_cohorts(wb, ws, row, data)


def _entry_cohorts(wb: Workbook, ws, row: int, data: ExportData) -> int:
    cohorts = data.tables["kpi_suivi_cohortes"].filter(pl.col("nb_entrants_observables") > 0)
    cohorts = labels.with_range(cohorts, "fourchette_sortie_dynamique", "part_sortie_dynamique_bas",
                                "part_sortie_dynamique_haut", "nb_entrants_observables")  # fmt: skip
    columns = ["annee_entree", "delai_mois", "nb_entrants", "nb_entrants_observables", "fourchette_sortie_dynamique"]
    return wb.table(ws, row, cohorts, columns, "Cohortes d'entrée : sorties dynamiques dans le délai",
                    "Des personnes entrées une année, la part sortie en emploi ou en sortie positive dans les 6, 12, "
                    "18 ou 24 mois, sur celles dont la fenêtre est close à la date d'arrêté (l'entrée, le délai et six "
                    "mois pour observer la situation). Fourchette : une sortie de situation inconnue comptée en "
                    "échec, puis en réussite.")  # fmt: skip


DIMENSIONS = {"ensemble": "Ensemble", "sexe": "Sexe", "tranche_age": "Âge à l'entrée", "brsa": "Bénéficiaire du RSA",
              "deld": "Demandeur d'emploi de longue durée", "rqth": "Travailleur handicapé (RQTH)",
              "qpv": "Résident d'un QPV", "niveau_formation": "Niveau de formation",
              "territoire_residence": "Territoire de résidence", "famille": "Famille d'achat (la plus d'heures)",
              "modalite": "Modalité (la plus d'heures)"}  # fmt: skip


def _outcomes_by_public(wb: Workbook, ws, row: int, data: ExportData) -> int:
    publics = data.tables["kpi_sorties_publics"].filter(pl.col("periode") == data.plan.nom)
    publics = labels.with_ranges(publics).with_columns(
        pl.struct("dimension", "valeur")
        .map_elements(lambda r: labels.words(r["dimension"], r["valeur"]), return_dtype=pl.String)
        .alias("valeur"),
        pl.col("dimension").replace_strict(DIMENSIONS, default=pl.col("dimension"), return_dtype=pl.String),
    )
    columns = ["dimension", "valeur", "nb_sortants", "nb_sortants_situation_inconnue", "fourchette_sorties_dynamiques",
               "parmi_connues_sorties_dynamiques", "fourchette_emploi_durable"]  # fmt: skip
    return wb.table(ws, row, publics, columns, f"Résultats par public sur la période du {data.plan.nom}",
             "Chaque dimension répartit toutes les sorties observables de la période (une par personne et par "
             "année) : ses lignes font le total de la ligne Ensemble. Descriptif : un écart entre publics dit qui "
             "sort vers l'emploi, pas ce que la clause y a fait.")  # fmt: skip


def _targets(wb: Workbook, data: ExportData) -> None:
    """Each target beside its actual, the gap and the status, in a colour and in words (it prints in grey)."""
    ws = wb.sheet("Objectifs")
    ws.write_string(0, 0, "Les cibles du Département et leur réalisation", wb.fmt["subtitle"])
    headers = ["Année", "Indicateur", "Cible", "Réalisé", "Fourchette", "Écart", "Statut", "Sortants observés"]
    for c, text in enumerate(headers):
        wb.header(ws, 1, c, text)
    rows = questions.targets(data.tables["kpi_objectifs"])
    masks = secrecy.masks(rows)
    for r, rec in enumerate(rows.iter_rows(named=True), start=2):
        unit = "rate" if rec["indicateur"] in RATIOS else "count"
        wb.cell(ws, r, 0, rec["annee"], "year")
        wb.cell(ws, r, 1, rec["libelle_indicateur"], "text")
        for c, column in ((2, "cible"), (3, "realise"), (5, "ecart")):
            wb.cell(ws, r, c, rec[column], unit)
        wb.cell(ws, r, 4, rec["realise_fourchette"], "text")
        colour = questions.STATUTS.get(rec["statut"], ("", "#ffffff"))[1]
        ws.write_string(r, 6, rec["libelle_statut"], wb.book.add_format({"border": 1, "bg_color": colour}))
        wb.fit(ws, 6, rec["libelle_statut"])
        hidden = "part_cohorte_observee" in masks and bool(masks["part_cohorte_observee"][r - 2])
        wb.cell(ws, r, 7, rec["part_cohorte_observee"], "rate", hidden)
    wb.freeze(ws, 1, 2, rows.height + 1, len(headers) - 1)
    note = ("Cibles déposées dans raw/objectifs/ ou, à défaut, celles de la brochure du SPASER et du PNAD. "
            "Atteint : réalisé ≥ cible une fois l'année finie (pour un résultat de sortie, six mois de plus, le "
            "temps d'observer ses derniers sortants, et le bas de sa fourchette, où toutes les situations inconnues "
            "comptent en échec, doit l'atteindre) ; un compte de marchés ou de personnes, qui ne fait que croître, "
            "dès qu'il atteint sa cible. Non démontré : la cible est dans la fourchette, les situations inconnues "
            "décident. En cours : la réalisation peut encore changer, même au-dessus de la cible ; « sortants "
            "observés » dit quelle part des sortants de l'année a déjà six mois de recul. À venir : une année "
            "future.")  # fmt: skip
    wb.note(ws, rows.height + 3, note, len(headers) - 1)


def _peers(wb: Workbook, data: ExportData) -> None:
    """The Département among the buyers of the open data: its rank in its category, the category's spread."""
    ws = wb.sheet("Parmi les acheteurs")
    comparaison = data.tables["kpi_comparaison"]
    columns = ["annee", "nb_marches_considerations_connues", questions.PNAD_INDICATOR,
               "rang_categorie", "nb_acheteurs_classes", "mediane_categorie", "premier_quartile",
               "troisieme_quartile", "part_marches_consideration_environnementale",
               "mediane_categorie_environnement"]  # fmt: skip
    own = questions.departement_among_peers(comparaison)
    categories = own["categorie_acheteur"].unique(maintain_order=True)
    named = " / ".join(labels.words("categorie_acheteur", c) for c in categories)
    title = f"Le Département parmi les acheteurs publics (catégorie {named})"
    r = wb.table(ws, 0, own, columns, title, main=True, definition=
                 "Part des marchés avec au moins une considération sociale (indicateur national), rang parmi les "
                 "acheteurs de la même catégorie classés (au moins 5 marchés dans le périmètre), médiane et quartiles "
                 "de la catégorie. Source : les données essentielles (DECP) déposées dans raw/marches/.")  # fmt: skip
    ranked = own.filter(pl.col("rang_categorie").is_not_null())
    if ranked.height:
        last = ranked.row(-1, named=True)
        shares = questions.category_shares(comparaison, last["annee"], last["categorie_acheteur"])
        category = labels.words("categorie_acheteur", last["categorie_acheteur"])
        wb.table(ws, r, shares, ["rang_categorie", "acheteur_nom", "acheteur_siren", questions.PNAD_INDICATOR],
                 f"{category} en {last['annee']}",
                 "Le nom publié dans les données essentielles ; à défaut, celui du département ou de la commune que "
                 "le SIREN désigne.")  # fmt: skip


def _territories(wb: Workbook, data: ExportData) -> None:
    ws = wb.sheet("Territoires")
    columns = ["annee", "structure", "territoire", "heures_realisees", "etp", "nb_participants",
               "nb_employeurs", "nb_marches_clause", "nb_sortants", "fourchette_sorties_dynamiques",
               "parmi_connues_sorties_dynamiques"]  # fmt: skip
    r = wb.table(ws, 0, labels.with_ranges(data.tables["kpi_territoire"]), columns, "Par facilitateur", main=True,
                 definition="Heures déclarées par chaque facilitateur, personnes suivies (une personne suivie par deux "
                 "facilitateurs compte dans chacun), marchés avec clause suivis (année de notification), "
                 "résultats de ses parcours (une personne sortie de deux facilitateurs compte dans chacun). Avec "
                 "si peu de sorties par facilitateur, comparez les intervalles, pas les taux.")  # fmt: skip
    columns = ["annee", "territoire_residence", "nb_participants", "heures_realisees", "part_participants"]
    wb.table(ws, r, data.tables["kpi_residence"], columns, "Par territoire de résidence",
             "Personnes ayant travaillé dans l'année selon leur commune de résidence ; « territoire non couvert » : "
             "communes sans facilitateur ; « hors département » : commune absente du référentiel.")  # fmt: skip


NATIONAL = {
    "part_marches_consideration_sociale": "Marchés avec une considération sociale (France)",
    "part_marches_consideration_environnementale": "Marchés avec une considération environnementale (France)",
}


def _national_references(wb: Workbook, ws, row: int, data: ExportData) -> None:
    """The national shares and targets to read the Département's beside, the 2024 break said."""
    national = data.national.with_columns(
        pl.col("indicateur").replace_strict(NATIONAL, default=pl.col("indicateur")).alias("repere_national"),
        pl.col("valeur").alias("part_nationale"),
    )
    columns = ["repere_national", "annee", "part_nationale", "nature"]  # the sources go in the note: a long
    # column here would widen the year columns of the indicators above it, and shrink the printed page
    sources = " ; ".join(sorted(set(data.national["source"].drop_nulls())))
    wb.table(ws, row, national, columns, "Repères nationaux",
             "La part nationale des marchés avec une considération sociale (OECP) et les cibles du PNAD 2022-2025. "
             "L'OECP a changé de base en 2024 (données essentielles, marchés de 40 000 € et plus) : les années "
             f"d'avant ne se comparent pas à celles d'après, ni tout à fait au périmètre du Département. Sources : "
             f"{sources}.")  # fmt: skip


def _article_35(wb: Workbook, data: ExportData) -> None:
    """The law in force since 21 August 2026, year by year, and the contracts the buyer has to check."""
    ws = wb.sheet("Loi Climat (article 35)")
    years = data.tables["kpi_article_35"]
    columns = ["annee", "nb_marches_concernes", "nb_marches_au_dessus_seuil", "part_condition_sociale_au_dessus_seuil",
               "part_condition_environnementale", "nb_exceptions_documentees", "nb_non_conformes", "nb_a_verifier",
               "nb_dates_de_notification"]  # fmt: skip
    r = wb.table(ws, 0, years, columns, "Conformité à l'article 35 de la loi Climat et résilience", main=True,
                 definition="Consultations lancées à partir du 21 août 2026 (à défaut de la date de lancement, la date "
                 "de notification). Au-dessus du seuil européen de son type, un marché porte une condition sociale "
                 "d'exécution (clause d'insertion ou marché réservé ; un critère d'attribution seul ne suffit pas) ; "
                 "tout marché porte une condition environnementale d'exécution ; sauf exception légale documentée "
                 "(Code de la commande publique, L2112-2 et L2112-2-1).")  # fmt: skip
    flags = ["manque_condition_sociale", "critere_social_seul", "manque_condition_environnementale"]
    to_check = (
        data.tables["conformite_article_35"]
        .filter(pl.col("statut") != "CONFORME")
        .with_columns(pl.when(pl.col(f)).then(pl.lit("oui")).otherwise(pl.lit("non")).alias(f) for f in flags)
    )
    columns = ["id_marche", "objet", "montant_ht", "date_reference", "seuil_europeen_ht",
               "manque_condition_sociale", "critere_social_seul", "manque_condition_environnementale",
               "exception_article_35", "statut"]  # fmt: skip
    wb.table(ws, r, to_check, columns, "Marchés à vérifier par l'acheteur",
             "Chaque marché du champ auquel il manque une condition (ou dont la condition environnementale n'est pas "
             "connue) : à compléter, ou l'exception légale à documenter dans la colonne exception_article_35 de "
             "l'extraction des marchés. La date est celle du lancement, à défaut celle de la notification "
             "(conformite_article_35.csv dit laquelle).")  # fmt: skip


EXECUTION = (  # what the summary and the list of contracts say of their rates
    "Heures réalisées (tous mois) rapportées aux heures prévues ; un marché est achevé quand sa date de fin "
    "(notification + durée) est passée à la date d'arrêté."
)


def _contracts(wb: Workbook, data: ExportData) -> None:
    """Contracts by facilitator and status; the list itself is a workbook of its own, printed only when wanted."""
    ws = wb.sheet("Exécution des marchés")
    execution = data.tables["marche_execution"]
    summary = (
        execution.group_by("facilitateur")
        .agg(
            nb_marches_suivis=pl.len(),
            nb_marches_en_cours=(pl.col("statut") == "EN_COURS").sum(),
            nb_marches_acheves_atteint=(pl.col("statut") == "ACHEVE_OBJECTIF_ATTEINT").sum(),
            nb_marches_acheves_non_atteint=(pl.col("statut") == "ACHEVE_OBJECTIF_NON_ATTEINT").sum(),
            heures_prevues=pl.col("heures_prevues").sum(),
            heures_realisees=pl.col("heures_realisees").sum(),
        )
        .with_columns(taux_realisation=pl.col("heures_realisees") / pl.col("heures_prevues"))
        .sort("facilitateur")
    )
    wb.table(ws, 0, summary, list(summary.columns), "Marchés avec clause, par facilitateur",
             f"{EXECUTION} La liste marché par marché est dans le classeur {contract_list_name(data.as_of)}, à "
             "imprimer à part si on le souhaite.", main=True)  # fmt: skip


def contract_list_name(as_of: dt.date) -> str:
    return f"liste_marches_{as_of.isoformat()}.xlsx"


def write_contract_list(data: ExportData, path: Path) -> None:
    """Every contract with its hours and status, in a workbook of its own: long, so printed only on purpose."""
    wb = Workbook(path, data)
    ws = wb.sheet("Marchés")
    execution = data.tables["marche_execution"].sort(["statut", "date_fin"], nulls_last=True)
    definition = EXECUTION
    if execution.height > WORKBOOK_MAX_CONTRACTS:  # a region or the country: the full list is in the CSV
        definition += (
            f" Seuls les {french.format_number(WORKBOOK_MAX_CONTRACTS)} premiers marchés (sur "
            f"{french.format_number(execution.height)}) sont listés ici ; la liste complète est dans "
            "marche_execution.csv."
        )
        execution = execution.head(WORKBOOK_MAX_CONTRACTS)
    columns = ["id_marche", "objet", "facilitateur", "date_fin", "heures_prevues", "heures_realisees",
               "taux_realisation", "statut"]  # fmt: skip
    wb.table(ws, 0, execution, columns, "Marchés avec clause", definition, main=True)
    wb.close()


def _quality(wb: Workbook, data: ExportData) -> None:
    ws = wb.sheet("Qualité des données")
    columns = ["type_extrait", "lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_en_attente"]
    files = data.files.with_columns(pl.col("type_extrait").replace({e.name: e.label for e in EXTRACTS}))
    r = wb.table(ws, 0, files, columns, "Lignes reçues", main=True, definition=
                 "Pour chaque extraction : lignes lues = chargées + en quarantaine + en attente. Les lignes en "
                 "attente (heures dont le marché ou la personne n'est pas encore connu) seront chargées à leur "
                 "arrivée.")  # fmt: skip
    r = wb.table(ws, r, data.missing_months, ["facilitateur", "structure", "nb_mois_manquants", "mois_manquants"],
                 "Mois manquants", "Mois sans aucune ligne d'heures alors que le facilitateur suivait un marché avec "
                 "clause en cours ; chaque facilitateur en reçoit la liste dans son classeur de retours.")  # fmt: skip
    columns = [
        "facilitateur",
        "structure",
        "nb_parcours_actifs_24_mois",
        "part_decrochages_silencieux",
        "part_observees_5_a_8_mois",
        "delai_declaration_median_mois",
        "part_mois_declares_sous_2_mois",
    ]
    r = wb.table(ws, r, data.outcome_quality, columns, "Qualité des résultats, par facilitateur",
                 "Décrochages silencieux : parcours sans date de sortie et sans heure depuis 6 mois ou plus, parmi "
                 "ceux qui ont des heures dans les 24 derniers mois (des sorties qu'aucun taux ne voit). Observées à "
                 "5-8 mois : parmi les situations datées, celles constatées entre la sortie + 5 mois et + 8 mois. "
                 "Délai de déclaration : mois entre le mois travaillé et le dépôt du premier fichier qui "
                 "l'apporte.")  # fmt: skip
    columns = ["source", "annee", "champ", "nb_attendus", "nb_renseignes", "taux_completude"]
    wb.table(ws, r, data.synthese, columns, "Complétude des champs",
             "Part des lignes où le champ nécessaire aux indicateurs est renseigné : "
             "l'objectif de collecte du SPASER.")  # fmt: skip
