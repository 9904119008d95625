"""What the elected officials receive: a workbook, a one-page report, and one CSV and Parquet per KPI table.

Everything is written into a new folder under exports/.sets/, then the dated link
(`exports/<as-of>`) and `exports/latest` are swapped onto it atomically: a reader never sees a half set,
and a killed run leaves the previous set untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

from pipeline import confidentiality, labels
from pipeline.warehouse import connect

WORKBOOK_MAX_CONTRACTS = 5_000  # rows of the contract list in the workbook (the Département has about 1,000)
KPI_TABLES = (
    "kpi_annuel",
    "kpi_spaser",
    "kpi_modalites",
    "kpi_impact_heures",
    "kpi_territoire",
    "kpi_residence",
    "marche_execution",
)

THEMES = {
    "Marchés et clauses": (
        [
            "nb_marches",
            "montant_marches_ht",
            "nb_marches_eligibles",
            "nb_marches_eligibles_avec_clause",
            "taux_couverture_clause",
            "nb_marches_clause",
            "montant_marches_clause_ht",
            "nb_marches_clause_services",
            "nb_marches_clause_prestations_intellectuelles",
            "nb_marches_critere_social",
            "part_marches_critere_social",
            "nb_marches_reserves",
            "montant_marches_reserves_ht",
            "heures_prevues",
        ],
        "Par année de notification. Éligible : marché de travaux (BTP) d'au moins 200 000 € HT, pour lequel le "
        "Département impose la clause ; la cible du SPASER est une couverture de 100 %. Un marché publié en données "
        "ouvertes sans information sur la clause compte dans les marchés notifiés, jamais dans les clauses.",
    ),
    "Heures et personnes": (
        [
            "heures_realisees",
            "etp",
            "nb_participants",
            "nb_nouveaux_participants",
            "nb_employeurs",
            "nb_marches_actifs",
            "taux_realisation_marches_acheves",
        ],
        "Par année du mois travaillé. Une personne suivie par deux facilitateurs compte une fois ; sur la période du "
        "SPASER, les personnes sont comptées une fois sur toute la période. ETP : heures / 1 607.",
    ),
    "Publics": (
        [
            "nb_participants",
            "part_femmes",
            "part_moins_26_ans",
            "part_50_ans_et_plus",
            "part_qpv",
            "part_brsa",
            "part_deld",
            "part_rqth",
            "part_jeunes_sans_qualification",
        ],
        "Parmi les personnes ayant travaillé dans l'année, selon leur dernière fiche ; âges à l'entrée dans le parcours.",
    ),
    "Résultats": (
        [
            "nb_sortants",
            "nb_sortants_en_attente",
            "nb_sortants_situation_connue",
            "taux_situation_connue",
            "taux_emploi_durable",
            "taux_emploi_transition",
            "taux_sortie_positive",
            "taux_sorties_dynamiques",
        ],
        "Par année de sortie (cohorte), situation six mois après la sortie. Les sorties de moins de six mois sont "
        "comptées à part. Les taux d'emploi sont calculés sur les sorties dont la situation est connue.",
    ),
}


@dataclass
class ExportData:
    as_of: dt.date
    tables: dict[str, pl.DataFrame]
    targets: pl.DataFrame
    files: pl.DataFrame
    synthese: pl.DataFrame


def load(published_db: Path, as_of: dt.date) -> ExportData:
    with connect(published_db, read_only=True) as con:

        def frame(sql: str) -> pl.DataFrame:
            return pl.from_arrow(con.sql(sql).to_arrow_table())

        tables = {t: frame(f"select * from marts.{t}") for t in KPI_TABLES}
        return ExportData(
            as_of=as_of,
            tables=tables,
            targets=frame("select annee, indicateur, cible from marts.objectifs_spaser"),
            files=frame(
                "select type_extrait, count(*) as fichiers, count(*) filter (where statut = 'REJETE') as rejetes, "
                "sum(lignes_lues) as lignes_lues, sum(lignes_chargees) as lignes_chargees, "
                "sum(lignes_quarantaine) as lignes_quarantaine, sum(lignes_en_attente) as lignes_en_attente, "
                "min(date_depot) as premier_depot, max(date_depot) as dernier_depot "
                "from qualite.qualite_fichiers group by 1 order by 1"
            ),
            synthese=frame("select * from qualite.qualite_synthese order by source, annee, champ"),
        )


def confidential(frame: pl.DataFrame, threshold: int) -> tuple[pl.DataFrame, pl.Series]:
    return confidentiality.apply(frame, threshold)


# -- CSV and Parquet --------------------------------------------------------------------------------
def write_tables(data: ExportData, folder: Path, threshold: int) -> None:
    for name, frame in data.tables.items():
        masked, hidden = confidential(frame, threshold)
        masked.with_columns(hidden).write_parquet(folder / f"{name}.parquet")
        text = masked.with_columns(pl.all().cast(pl.String))
        for column, mask in confidentiality.masked_cells(frame, threshold).items():
            text = text.with_columns(
                pl.when(mask).then(pl.lit(confidentiality.SECRET)).otherwise(pl.col(column)).alias(column)
            )
        text = text.with_columns(confidentiality.safe_text_expr(c) for c in text.columns)
        # UTF-8 with BOM and `;`, so that Excel in French opens it as it is.
        (folder / f"{name}.csv").write_bytes(b"\xef\xbb\xbf" + text.write_csv(separator=";").encode("utf-8"))


# -- workbook ---------------------------------------------------------------------------------------
class Workbook:
    def __init__(self, path: Path):
        self.book = xlsxwriter.Workbook(str(path))
        b = self.book
        self.fmt = {
            "title": b.add_format({"bold": True, "font_size": 16, "font_color": "#1f3864"}),
            "subtitle": b.add_format({"bold": True, "font_size": 12, "font_color": "#1f3864"}),
            "header": b.add_format(
                {"bold": True, "bg_color": "#d9e2f3", "border": 1, "text_wrap": True, "valign": "top"}
            ),
            "note": b.add_format({"italic": True, "font_color": "#595959", "text_wrap": True, "valign": "top"}),
            "text": b.add_format({"border": 1, "text_wrap": True, "valign": "top"}),
            "count": b.add_format({"num_format": "#,##0", "border": 1}),
            "hours": b.add_format({"num_format": "#,##0", "border": 1}),
            "euros": b.add_format({"num_format": "#,##0 €", "border": 1}),
            "etp": b.add_format({"num_format": "#,##0.0", "border": 1}),
            "rate": b.add_format({"num_format": "0%", "border": 1}),
            "year": b.add_format({"num_format": "0", "border": 1, "bold": True}),
            "date": b.add_format({"num_format": "dd/mm/yyyy", "border": 1}),
            "secret": b.add_format({"border": 1, "align": "right", "font_color": "#7f7f7f"}),
            "target": b.add_format({"num_format": "0%", "border": 1, "bg_color": "#e2efda"}),
        }

    def cell(self, ws, row: int, col: int, value, kind: str, secret: bool = False) -> None:
        if secret:
            ws.write_string(row, col, confidentiality.SECRET, self.fmt["secret"])
        elif value is None:
            ws.write_blank(row, col, None, self.fmt["text"])
        elif kind == "date" and isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.fmt["date"])
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and kind != "text":
            ws.write_number(row, col, value, self.fmt.get(kind, self.fmt["count"]))
        else:
            ws.write_string(row, col, confidentiality.safe_text(str(value)), self.fmt["text"])  # never a formula

    def note(self, ws, row: int, text: str, width: int = 8) -> int:
        ws.merge_range(row, 0, row, width, text, self.fmt["note"])
        ws.set_row(row, 15 * (1 + len(text) // 110))
        return row + 2

    def table(
        self, ws, row: int, frame: pl.DataFrame, columns: list[str], threshold: int, title: str, definition: str
    ) -> int:
        ws.write_string(row, 0, title, self.fmt["subtitle"])
        row += 1
        masks = confidentiality.masked_cells(frame, threshold)
        for c, column in enumerate(columns):
            ws.write_string(row, c, labels.label(column), self.fmt["header"])
        kinds = [labels.kind(column) for column in columns]
        hidden = [masks[column].to_list() if column in masks else None for column in columns]
        for i, record in enumerate(frame.select(columns).iter_rows()):
            for c, value in enumerate(record):
                self.cell(ws, row + 1 + i, c, value, kinds[c], hidden[c] is not None and bool(hidden[c][i]))
        return self.note(ws, row + frame.height + 1, definition, max(len(columns) - 1, 6))

    def indicators(
        self, ws, row: int, data: ExportData, columns: list[str], threshold: int, title: str, definition: str
    ) -> int:
        """Indicators as rows, years then the SPASER period as columns, and the target where one is set."""
        annuel, spaser = data.tables["kpi_annuel"], data.tables["kpi_spaser"]
        masks_y, masks_s = (
            confidentiality.masked_cells(annuel, threshold),
            confidentiality.masked_cells(spaser, threshold),
        )
        years = annuel["annee"].to_list()
        targets = {(a, i): c for a, i, c in data.targets.iter_rows()}
        ws.write_string(row, 0, title, self.fmt["subtitle"])
        row += 1
        header = ["Indicateur", *[str(y) for y in years], "SPASER 2023-2026"]
        has_targets = any(i in columns for _, i in targets)
        if has_targets:
            header += [f"Cible {y}" for y in years if any((y, c) in targets for c in columns)]
        for c, text in enumerate(header):
            ws.write_string(row, c, text, self.fmt["header"])
        for r, column in enumerate(columns, start=row + 1):
            kind = labels.kind(column)
            ws.write_string(r, 0, labels.label(column), self.fmt["text"])
            for c, year_index in enumerate(range(len(years)), start=1):
                hidden = column in masks_y and bool(masks_y[column][year_index])
                self.cell(ws, r, c, annuel[column][year_index], kind, hidden)
            hidden = column in masks_s and bool(masks_s[column][0]) if spaser.height else False
            self.cell(ws, r, len(years) + 1, spaser[column][0] if spaser.height else None, kind, hidden)
            if has_targets:
                col = len(years) + 2
                for y in years:
                    if any((y, c2) in targets for c2 in columns):
                        target = targets.get((y, column))
                        if target is not None:
                            ws.write_number(r, col, target, self.fmt["target"])
                        else:
                            ws.write_blank(r, col, None, self.fmt["text"])
                        col += 1
        return self.note(ws, row + len(columns) + 1, definition, len(header) - 1)

    def close(self) -> None:
        self.book.close()


def write_workbook(data: ExportData, path: Path, threshold: int) -> None:
    wb = Workbook(path)
    cover = wb.book.add_worksheet("Couverture")
    cover.set_column(0, 0, 34)
    cover.set_column(1, 8, 16)
    cover.write_string(0, 0, "Clause sociale d'insertion — indicateurs du SPASER 2023-2026", wb.fmt["title"])
    cover.write_string(1, 0, "Département des Bouches-du-Rhône", wb.fmt["subtitle"])
    cover.write_string(3, 0, "Données arrêtées au", wb.fmt["header"])
    cover.write_datetime(
        3, 1, dt.datetime.combine(data.as_of, dt.time()), wb.book.add_format({"num_format": "dd/mm/yyyy", "bold": True})
    )
    cover.write_string(5, 0, "Sources", wb.fmt["subtitle"])
    row = 6
    for c, h in enumerate(
        [
            "Extraction",
            "Fichiers",
            "Rejetés",
            "Lignes lues",
            "Chargées",
            "En quarantaine",
            "En attente",
            "Premier dépôt",
            "Dernier dépôt",
        ]
    ):
        cover.write_string(row, c, h, wb.fmt["header"])
    names = {
        "marches": "Marchés (commande publique, DECP)",
        "heures": "Heures d'insertion (facilitateurs)",
        "participants": "Participants (facilitateurs)",
    }
    for r, rec in enumerate(data.files.iter_rows(named=True), start=row + 1):
        wb.cell(cover, r, 0, names.get(rec["type_extrait"], rec["type_extrait"]), "text")
        for c, k in enumerate(
            ["fichiers", "rejetes", "lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_en_attente"],
            start=1,
        ):
            wb.cell(cover, r, c, rec[k], "count")
        wb.cell(cover, r, 7, rec["premier_depot"], "date")
        wb.cell(cover, r, 8, rec["dernier_depot"], "date")
    row += data.files.height + 2
    cover.write_string(row, 0, "Comment lire ce classeur", wb.fmt["subtitle"])
    lines = [
        "Une feuille par thème : marchés et clauses, heures et personnes, publics, résultats, territoires, exécution des "
        "marchés, qualité des données. Sous chaque tableau, une définition courte.",
        "Les années sont civiles. La colonne « SPASER 2023-2026 » porte sur toute la période (jusqu'à la date d'arrêté) : "
        "les personnes y sont comptées une fois, ce n'est pas la somme des années.",
        "Les cibles fixées par le Département figurent à côté des réalisations (fond vert).",
        confidentiality.NOTE,
        "Chaque chiffre est traçable jusqu'aux lignes des fichiers sources dans l'entrepôt (warehouse/clauses.duckdb).",
    ]
    for text in lines:
        row += 1
        cover.merge_range(row, 0, row, 8, text, wb.fmt["note"])
        cover.set_row(row, 32)

    for theme, (columns, definition) in THEMES.items():
        ws = wb.book.add_worksheet(theme)
        ws.set_column(0, 0, 52)
        ws.set_column(1, 12, 14)
        r = wb.indicators(ws, 0, data, columns, threshold, theme, definition)
        if theme == "Heures et personnes":
            wb.table(
                ws,
                r,
                data.tables["kpi_modalites"],
                ["annee", "libelle_modalite", "heures", "part_heures"],
                threshold,
                "Heures par modalité de réalisation",
                "Part des heures de l'année réalisées par chaque modalité.",
            )
        if theme == "Résultats":
            impact = data.tables["kpi_impact_heures"].filter(pl.col("perimetre") == "TOUTES_ANNEES")
            wb.table(
                ws,
                r,
                impact,
                [
                    "tranche_heures",
                    "nb_sortants",
                    "nb_sortants_situation_connue",
                    "taux_emploi_durable",
                    "taux_emploi_transition",
                    "taux_sortie_positive",
                    "taux_sorties_dynamiques",
                ],
                threshold,
                "Résultats selon les heures travaillées",
                "Toutes les sorties observables, selon le total d'heures du parcours sur toute sa durée : "
                "les résultats croissent-ils avec les heures travaillées ?",
            )

    ws = wb.book.add_worksheet("Territoires")
    ws.set_column(0, 3, 22)
    ws.set_column(4, 16, 14)
    territoire = data.tables["kpi_territoire"]
    r = wb.table(
        ws,
        0,
        territoire,
        [
            "annee",
            "facilitateur",
            "structure",
            "territoire",
            "heures_realisees",
            "etp",
            "nb_participants",
            "nb_employeurs",
            "nb_marches_clause",
            "nb_sortants",
            "taux_sorties_dynamiques",
        ],
        threshold,
        "Par facilitateur",
        "Heures déclarées par chaque facilitateur, personnes suivies (une personne suivie par deux facilitateurs "
        "compte dans chacun), marchés avec clause suivis (année de notification), résultats de ses parcours.",
    )
    wb.table(
        ws,
        r,
        data.tables["kpi_residence"],
        ["annee", "territoire_residence", "nb_participants", "heures_realisees", "part_participants"],
        threshold,
        "Par territoire de résidence",
        "Personnes ayant travaillé dans l'année selon leur commune de résidence ; « territoire non couvert » : "
        "communes sans facilitateur ; « hors département » : commune absente du référentiel.",
    )

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
            f" Seuls les {WORKBOOK_MAX_CONTRACTS:,} premiers marchés (sur {execution.height:,}) sont listés "
            "ici ; la liste complète est dans marche_execution.csv."
        ).replace(",", "\u202f")
        execution = execution.head(WORKBOOK_MAX_CONTRACTS)
    wb.table(
        ws,
        0,
        execution,
        [
            "id_marche",
            "objet",
            "famille",
            "facilitateur",
            "date_notification",
            "date_fin",
            "heures_prevues",
            "heures_realisees",
            "taux_realisation",
            "statut",
        ],
        threshold,
        "Marchés avec clause",
        definition,
    )

    ws = wb.book.add_worksheet("Qualité des données")
    ws.set_column(0, 0, 30)
    ws.set_column(1, 10, 16)
    r = wb.table(
        ws,
        0,
        data.files,
        ["type_extrait", "lignes_lues", "lignes_chargees", "lignes_quarantaine", "lignes_en_attente"],
        threshold,
        "Lignes reçues",
        "Pour chaque extraction : lignes lues = chargées + en quarantaine + en attente. Les lignes en attente "
        "(heures dont le marché ou la personne n'est pas encore connu) seront chargées à leur arrivée.",
    )
    wb.table(
        ws,
        r,
        data.synthese,
        ["source", "annee", "champ", "nb_attendus", "nb_renseignes", "taux_completude"],
        threshold,
        "Complétude des champs",
        "Part des lignes où le champ nécessaire aux indicateurs est renseigné : l'objectif de collecte du SPASER.",
    )
    wb.close()


# -- the set, swapped in atomically -----------------------------------------------------------------
def _swap_link(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(os.path.relpath(target, link.parent))
    os.replace(tmp, link)


def publish_exports(published_db: Path, export_dir: Path, as_of: dt.date, threshold: int) -> Path:
    """Write a complete set, then point `<as-of>` and `latest` at it. Returns the set's folder."""
    from pipeline.report import write_report

    data = load(published_db, as_of)
    sets = export_dir / ".sets"
    sets.mkdir(parents=True, exist_ok=True)
    stamp = f"{as_of.isoformat()}_{time.strftime('%Y%m%dT%H%M%S')}_{os.getpid()}"
    building = sets / f".{stamp}.partiel"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    write_workbook(data, building / f"indicateurs_spaser_{as_of.isoformat()}.xlsx", threshold)
    write_report(data, building / f"rapport_spaser_{as_of.isoformat()}.html", threshold)
    write_tables(data, building, threshold)
    final = sets / stamp
    os.replace(building, final)
    dated = export_dir / as_of.isoformat()
    if dated.exists() and not dated.is_symlink():
        shutil.rmtree(dated)
    _swap_link(dated, final)
    _swap_link(export_dir / "latest", final)
    _prune(sets, export_dir)
    return final


def _prune(sets: Path, export_dir: Path) -> None:
    """Remove the sets no link points to any more (and leftovers of killed runs)."""
    live = {p.resolve() for p in export_dir.iterdir() if p.is_symlink()}
    for folder in sets.iterdir():
        partial_of_a_live_run = folder.name.startswith(".") and time.time() - folder.stat().st_mtime < 6 * 3600
        if folder.resolve() not in live and not partial_of_a_live_run:
            shutil.rmtree(folder, ignore_errors=True)
