"""The workbook for the elected officials: a cover, one sheet per theme, territories, contracts, data quality.

Every figure comes from the published warehouse through `ExportData`; every constant a text states (the
eligibility threshold, the SPASER period, the hours of an ETP) comes from where the figures took it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import xlsxwriter

from pipeline import confidentiality, french, labels, questions
from pipeline.export_data import ExportData
from pipeline.extracts import BY_NAME
from pipeline.reference import RATIOS, RULES

WORKBOOK_MAX_CONTRACTS = 5_000  # rows of the contract list in the workbook (the Département has about 1,000)
FORMATS = {
    "title": {"bold": True, "font_size": 16, "font_color": "#1f3864"},
    "subtitle": {"bold": True, "font_size": 12, "font_color": "#1f3864"},
    "header": {"bold": True, "bg_color": "#d9e2f3", "border": 1, "text_wrap": True, "valign": "top"},
    "note": {"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"},
    "text": {"border": 1, "text_wrap": True, "valign": "top"},
    "count": {"num_format": "#,##0", "border": 1},
    "hours": {"num_format": "#,##0", "border": 1},
    "euros": {"num_format": "#,##0 €", "border": 1},
    "etp": {"num_format": "#,##0.0", "border": 1},
    "rate": {"num_format": "0%", "border": 1},
    "year": {"num_format": "0", "border": 1, "bold": True},
    "date": {"num_format": "dd/mm/yyyy", "border": 1},
    "secret": {"border": 1, "align": "right", "font_color": "#7f7f7f"},
    "target": {"num_format": "0%", "border": 1, "bg_color": "#e2efda"},
    "target_count": {"num_format": "#,##0", "border": 1, "bg_color": "#e2efda"},
}


def themes(data: ExportData) -> dict[str, tuple[list[str], str]]:
    """Sheet -> (indicators of kpi_annuel and kpi_spaser, the definition written under them)."""
    seuil = french.euros(RULES.seuil_clause_btp_ht)
    return {
        "Marchés et clauses": (
            ["nb_marches", "montant_marches_ht", "nb_marches_eligibles", "nb_marches_eligibles_avec_clause",
             "taux_couverture_clause", "nb_marches_clause", "montant_marches_clause_ht", "nb_marches_clause_services",
             "nb_marches_clause_prestations_intellectuelles", "nb_marches_critere_social",
             "part_marches_critere_social", "nb_marches_reserves", "montant_marches_reserves_ht", "heures_prevues"],
            f"Par année de notification. Éligible : marché de travaux (BTP) d'au moins {seuil} HT, pour lequel le "
            "Département impose la clause ; la cible du SPASER est une couverture de 100 %. Un marché publié en "
            "données ouvertes sans information sur la clause compte dans les marchés notifiés, jamais dans les "
            "clauses. Indicateur national (PNAD 2022-2025, cible 30 % en 2025) : part des marchés d'au moins "
            f"{french.euros(RULES.seuil_decp_ht)} HT aux considérations sociales connues qui en portent au moins une "
            "(clause, critère social ou réservation).",
        ),
        "Heures et personnes": (
            ["heures_realisees", "etp", "nb_participants", "nb_nouveaux_participants", "nb_employeurs",
             "nb_marches_actifs", "taux_realisation_marches_acheves"],
            "Par année du mois travaillé. Une personne suivie par deux facilitateurs compte une fois ; sur la période "
            f"du {RULES.spaser}, les personnes sont comptées une fois sur toute la période. "
            f"ETP : heures / {french.number(data.heures_etp)}.",
        ),
        "Publics": (
            ["nb_participants", "part_femmes", "part_moins_26_ans", "part_50_ans_et_plus", "part_qpv", "part_brsa",
             "part_deld", "part_rqth", "part_jeunes_sans_qualification"],
            "Parmi les personnes ayant travaillé dans l'année, selon leur dernière fiche ; "
            "âges à l'entrée dans le parcours.",
        ),
        "Résultats": (
            ["nb_sortants", "nb_sortants_en_attente", "nb_sortants_situation_connue", "taux_situation_connue",
             "taux_emploi_durable", "taux_emploi_transition", "taux_sortie_positive", "taux_sorties_dynamiques"],
            "Par année de sortie (cohorte), situation six mois après la sortie. Les sorties de moins de six mois sont "
            "comptées à part. Les taux d'emploi sont calculés sur les sorties dont la situation est connue.",
        ),
    }  # fmt: skip


class Workbook:
    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(str(path))
        self.fmt = {name: self.book.add_format(spec) for name, spec in FORMATS.items()}

    def cell(self, ws, row: int, col: int, value, unit: str, secret: bool = False) -> None:
        if secret:
            ws.write_string(row, col, confidentiality.SECRET, self.fmt["secret"])
        elif value is None:
            ws.write_blank(row, col, None, self.fmt["text"])
        elif unit == "date" and isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.fmt["date"])
        elif isinstance(value, int | float) and not isinstance(value, bool) and unit != "text":
            ws.write_number(row, col, value, self.fmt.get(unit, self.fmt["count"]))
        else:
            ws.write_string(row, col, confidentiality.safe_text(str(value)), self.fmt["text"])  # never a formula

    def note(self, ws, row: int, text: str, width: int = 8) -> int:
        ws.merge_range(row, 0, row, width, text, self.fmt["note"])
        ws.set_row(row, 15 * (1 + len(text) // 110))
        return row + 2

    def table(self, ws, row: int, frame: pl.DataFrame, columns: list[str], title: str, definition: str) -> int:
        ws.write_string(row, 0, title, self.fmt["subtitle"])
        row += 1
        masks = confidentiality.masks(frame)
        for c, column in enumerate(columns):
            ws.write_string(row, c, labels.label(column), self.fmt["header"])
        units = [labels.unit(column) for column in columns]
        hidden = [masks[column].to_list() if column in masks else None for column in columns]
        for i, record in enumerate(frame.select(columns).iter_rows()):
            for c, value in enumerate(record):
                self.cell(ws, row + 1 + i, c, value, units[c], hidden[c] is not None and bool(hidden[c][i]))
        return self.note(ws, row + frame.height + 1, definition, max(len(columns) - 1, 6))

    def indicators(self, ws, row: int, data: ExportData, columns: list[str], title: str, definition: str) -> int:
        """Indicators as rows, years then the SPASER period as columns, and the target where one is set."""
        annuel, spaser = data.tables["kpi_annuel"], data.tables["kpi_spaser"]
        years = annuel["annee"].to_list()
        targets = {(a, i): c for a, i, c in data.targets.iter_rows()}
        target_years = [y for y in years if any((y, c) in targets for c in columns)]
        header = ["Indicateur", *[str(y) for y in years], RULES.spaser, *[f"Cible {y}" for y in target_years]]
        ws.write_string(row, 0, title, self.fmt["subtitle"])
        for c, text in enumerate(header):
            ws.write_string(row + 1, c, text, self.fmt["header"])
        for r, column in enumerate(columns, start=row + 2):
            ws.write_string(r, 0, labels.label(column), self.fmt["text"])
            self._actuals(ws, r, column, annuel, spaser)
            for c, year in enumerate(target_years, start=len(years) + 2):
                target = targets.get((year, column))
                if target is None:
                    ws.write_blank(r, c, None, self.fmt["text"])
                else:
                    unit = "target" if labels.unit(column) == "rate" else "target_count"
                    ws.write_number(r, c, target, self.fmt[unit])
        return self.note(ws, row + len(columns) + 2, definition, len(header) - 1)

    def _actuals(self, ws, r: int, column: str, annuel: pl.DataFrame, spaser: pl.DataFrame) -> None:
        unit = labels.unit(column)
        masks_y, masks_s = confidentiality.masks(annuel), confidentiality.masks(spaser)
        for i, value in enumerate(annuel[column].to_list()):
            self.cell(ws, r, i + 1, value, unit, column in masks_y and bool(masks_y[column][i]))
        hidden = column in masks_s and bool(masks_s[column][0]) if spaser.height else False
        self.cell(ws, r, annuel.height + 1, spaser[column][0] if spaser.height else None, unit, hidden)

    def close(self) -> None:
        self.book.close()


def write_workbook(data: ExportData, path: Path) -> None:
    wb = Workbook(path)
    _cover(wb, data)
    for theme, (columns, definition) in themes(data).items():
        ws = wb.book.add_worksheet(theme)
        ws.set_column(0, 0, 52)
        ws.set_column(1, 12, 14)
        r = wb.indicators(ws, 0, data, columns, theme, definition)
        if theme == "Heures et personnes":
            columns = ["annee", "libelle_modalite", "heures", "part_heures"]
            wb.table(ws, r, data.tables["kpi_modalites"], columns, "Heures par modalité de réalisation",
                     "Part des heures de l'année réalisées par chaque modalité.")  # fmt: skip
        if theme == "Résultats":
            _outcomes_by_hours(wb, ws, r, data)
    _targets(wb, data)
    if questions.has_peers(data.tables["kpi_comparaison"]):
        _peers(wb, data)
    _territories(wb, data)
    _contracts(wb, data)
    _quality(wb, data)
    wb.close()


def _cover(wb: Workbook, data: ExportData) -> None:
    cover = wb.book.add_worksheet("Couverture")
    cover.set_column(0, 0, 34)
    cover.set_column(1, 8, 16)
    cover.write_string(0, 0, f"Clause sociale d'insertion — indicateurs du {RULES.spaser}", wb.fmt["title"])
    cover.write_string(1, 0, "Département des Bouches-du-Rhône", wb.fmt["subtitle"])
    cover.write_string(3, 0, "Données arrêtées au", wb.fmt["header"])
    as_of = dt.datetime.combine(data.as_of, dt.time())
    cover.write_datetime(3, 1, as_of, wb.book.add_format({"num_format": "dd/mm/yyyy", "bold": True}))
    cover.write_string(5, 0, "Sources", wb.fmt["subtitle"])
    row = 6
    headers = ["Extraction", "Fichiers", "Rejetés", "Lignes lues", "Chargées", "En quarantaine", "En attente",
               "Premier dépôt", "Dernier dépôt"]  # fmt: skip
    for c, h in enumerate(headers):
        cover.write_string(row, c, h, wb.fmt["header"])
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
    for text in _how_to_read():
        row += 1
        cover.merge_range(row, 0, row, 8, text, wb.fmt["note"])
        cover.set_row(row, 32)


def _how_to_read() -> list[str]:
    return [
        "Une feuille par thème : marchés et clauses, heures et personnes, publics, résultats, territoires, "
        "exécution des marchés, qualité des données. Sous chaque tableau, une définition courte.",
        f"Les années sont civiles. La colonne « {RULES.spaser} » porte sur toute la période (jusqu'à la date "
        "d'arrêté) : les personnes y sont comptées une fois, ce n'est pas la somme des années.",
        "Les cibles fixées par le Département figurent à côté des réalisations (fond vert).",
        confidentiality.NOTE,
        "Chaque chiffre est traçable jusqu'aux lignes des fichiers sources dans l'entrepôt (warehouse/clauses.duckdb).",
    ]


def _outcomes_by_hours(wb: Workbook, ws, row: int, data: ExportData) -> None:
    impact = data.tables["kpi_impact_heures"].filter(pl.col("perimetre") == "TOUTES_ANNEES")
    columns = ["tranche_heures", "nb_sortants", "nb_sortants_situation_connue", "taux_emploi_durable",
               "taux_emploi_transition", "taux_sortie_positive", "taux_sorties_dynamiques"]  # fmt: skip
    wb.table(ws, row, impact, columns, "Résultats selon les heures travaillées",
             "Toutes les sorties observables, selon le total d'heures du parcours sur toute sa durée : "
             "les résultats croissent-ils avec les heures travaillées ?")  # fmt: skip


def _targets(wb: Workbook, data: ExportData) -> None:
    """Each target beside its actual, the gap and the status, in a colour and in words (it prints in grey)."""
    ws = wb.book.add_worksheet("Objectifs")
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 4, 14)
    ws.set_column(5, 5, 18)
    ws.write_string(0, 0, "Les cibles du Département et leur réalisation", wb.fmt["subtitle"])
    for c, text in enumerate(["Année", "Indicateur", "Cible", "Réalisé", "Écart", "Statut"]):
        ws.write_string(1, c, text, wb.fmt["header"])
    rows = questions.targets(data.tables["kpi_objectifs"])
    for r, rec in enumerate(rows.iter_rows(named=True), start=2):
        unit = "rate" if rec["indicateur"] in RATIOS else "count"
        wb.cell(ws, r, 0, rec["annee"], "year")
        wb.cell(ws, r, 1, rec["libelle_indicateur"], "text")
        for c, column in enumerate(("cible", "realise", "ecart"), start=2):
            wb.cell(ws, r, c, rec[column], unit)
        colour = questions.STATUTS.get(rec["statut"], ("", "#ffffff"))[1]
        ws.write_string(r, 5, rec["libelle_statut"], wb.book.add_format({"border": 1, "bg_color": colour}))
    note = ("Cibles déposées dans raw/objectifs/ ou, à défaut, celles de la brochure du SPASER et du PNAD. "
            "Atteint : réalisé ≥ cible ; en cours : l'année d'arrêté ; à venir : une année future.")  # fmt: skip
    wb.note(ws, rows.height + 3, note, 5)


def _peers(wb: Workbook, data: ExportData) -> None:
    """The Département among the buyers of the open data: its rank in its category, the category's spread."""
    ws = wb.book.add_worksheet("Parmi les acheteurs")
    ws.set_column(0, 1, 16)
    ws.set_column(2, 8, 15)
    comparaison = data.tables["kpi_comparaison"]
    columns = ["annee", "categorie_acheteur", "nb_marches_considerations_connues", questions.PNAD_INDICATOR,
               "rang_categorie", "nb_acheteurs_classes", "mediane_categorie", "premier_quartile",
               "troisieme_quartile"]  # fmt: skip
    own = questions.departement_among_peers(comparaison)
    r = wb.table(ws, 0, own, columns, "Le Département parmi les acheteurs publics",
                 "Part des marchés avec au moins une considération sociale (indicateur national), rang parmi les "
                 "acheteurs de la même catégorie classés (au moins 5 marchés dans le périmètre), médiane et quartiles "
                 "de la catégorie. Source : les données essentielles (DECP) déposées dans raw/marches/.")  # fmt: skip
    ranked = own.filter(pl.col("rang_categorie").is_not_null())
    if ranked.height:
        last = ranked.row(-1, named=True)
        shares = questions.category_shares(comparaison, last["annee"], last["categorie_acheteur"])
        wb.table(ws, r, shares, ["rang_categorie", "acheteur_siren", questions.PNAD_INDICATOR],
                 f"Catégorie {last['categorie_acheteur']} en {last['annee']}",
                 "Le Département y figure sous son SIREN.")  # fmt: skip


def _territories(wb: Workbook, data: ExportData) -> None:
    ws = wb.book.add_worksheet("Territoires")
    ws.set_column(0, 3, 22)
    ws.set_column(4, 16, 14)
    columns = ["annee", "facilitateur", "structure", "territoire", "heures_realisees", "etp", "nb_participants",
               "nb_employeurs", "nb_marches_clause", "nb_sortants", "taux_sorties_dynamiques"]  # fmt: skip
    r = wb.table(ws, 0, data.tables["kpi_territoire"], columns, "Par facilitateur",
                 "Heures déclarées par chaque facilitateur, personnes suivies (une personne suivie par deux "
                 "facilitateurs compte dans chacun), marchés avec clause suivis (année de notification), "
                 "résultats de ses parcours.")  # fmt: skip
    columns = ["annee", "territoire_residence", "nb_participants", "heures_realisees", "part_participants"]
    wb.table(ws, r, data.tables["kpi_residence"], columns, "Par territoire de résidence",
             "Personnes ayant travaillé dans l'année selon leur commune de résidence ; « territoire non couvert » : "
             "communes sans facilitateur ; « hors département » : commune absente du référentiel.")  # fmt: skip


def _contracts(wb: Workbook, data: ExportData) -> None:
    ws = wb.book.add_worksheet("Exécution des marchés")
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 50)
    ws.set_column(2, 10, 16)
    execution = data.tables["marche_execution"].sort(["statut", "date_fin"], nulls_last=True)
    definition = (
        "Heures réalisées (tous mois) rapportées aux heures prévues ; un marché est achevé quand sa date de "
        "fin (notification + durée) est passée à la date d'arrêté."
    )
    if execution.height > WORKBOOK_MAX_CONTRACTS:  # a region or the country: the full list is in the CSV
        definition += (
            f" Seuls les {french.number(WORKBOOK_MAX_CONTRACTS)} premiers marchés (sur "
            f"{french.number(execution.height)}) sont listés ici ; la liste complète est dans marche_execution.csv."
        )
        execution = execution.head(WORKBOOK_MAX_CONTRACTS)
    columns = ["id_marche", "objet", "famille", "facilitateur", "date_notification", "date_fin", "heures_prevues",
               "heures_realisees", "taux_realisation", "statut"]  # fmt: skip
    wb.table(ws, 0, execution, columns, "Marchés avec clause", definition)


def _quality(wb: Workbook, data: ExportData) -> None:
    ws = wb.book.add_worksheet("Qualité des données")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 10, 16)
    columns = ["type_extrait", "lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_en_attente"]
    r = wb.table(ws, 0, data.files, columns, "Lignes reçues",
                 "Pour chaque extraction : lignes lues = chargées + en quarantaine + en attente. Les lignes en "
                 "attente (heures dont le marché ou la personne n'est pas encore connu) seront chargées à leur "
                 "arrivée.")  # fmt: skip
    r = wb.table(ws, r, data.missing_months, ["facilitateur", "nb_mois_manquants", "mois_manquants"],
                 "Mois manquants", "Mois sans aucune ligne d'heures alors que le facilitateur suivait un marché avec "
                 "clause en cours ; chaque facilitateur en reçoit la liste dans son classeur de retours.")  # fmt: skip
    columns = ["source", "annee", "champ", "nb_attendus", "nb_renseignes", "taux_completude"]
    wb.table(ws, r, data.synthese, columns, "Complétude des champs",
             "Part des lignes où le champ nécessaire aux indicateurs est renseigné : "
             "l'objectif de collecte du SPASER.")  # fmt: skip
