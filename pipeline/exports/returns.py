"""Returns to each sender (docs/deposer_des_extractions.md): one workbook per facilitator, for the
procurement register and for the targets, saying in the sender's own terms what was received, what to
correct, what waits, and which months are missing. No personal value: the sender finds the row by its file
and line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import xlsxwriter

from pipeline import french
from pipeline.exports import secrecy
from pipeline.extracts import rules
from pipeline.extracts.columns import TYPES
from pipeline.extracts.kinds import BY_NAME
from pipeline.extracts.reference import FACILITATEURS
from pipeline.ingest.assembly import UNATTRIBUTED
from pipeline.warehouse.database import connect

HEADER = {"bold": True, "bg_color": "#d9e2f3", "border": 1, "text_wrap": True, "valign": "top"}
SHEETS = {
    "Synthèse": (["Fichier", "Reçu le", "Lignes lues", "Chargées", "En quarantaine", "En attente",
                  "Remplacées ensuite", "Statut", "Motif du rejet"], [46, 12, 12, 12, 14, 12, 16, 10, 60]),
    "Lignes à corriger": (["Fichier", "Ligne", "Colonne", "Valeur", "Règle", "Ce qui ne va pas et que faire"],
                          [40, 8, 24, 24, 26, 90]),
    "Lignes en attente": (["Fichier", "Ligne", "Attend", "Valeur", "Depuis", "Que faire"], [40, 8, 24, 24, 12, 90]),
    "Mois manquants": (["Mois", "Marchés suivis en cours ce mois-là", "Que faire"], [12, 18, 90]),
}  # fmt: skip
SLUGS = {"Synthèse": "synthese", "Lignes à corriger": "lignes_a_corriger", "Lignes en attente": "lignes_en_attente",
         "Mois manquants": "mois_manquants"}  # fmt: skip
# Lines listed in a sheet: more than anyone corrects by hand (a file rejected whole can leave millions waiting,
# and a sheet holds 1,048,576 at most); beyond, the sheet says so and the whole list is in a CSV beside it.
MAX_LISTED = 100_000


def load_returns_data(published_db: Path) -> dict[str, pl.DataFrame]:
    with connect(published_db, read_only=True) as con:

        def frame(sql: str) -> pl.DataFrame:
            return pl.from_arrow(con.sql(sql).to_arrow_table())

        return {
            "files": frame("select * from qualite.qualite_fichiers order by chemin"),
            "rows": frame("select q.*, f.expediteur from qualite.quarantaine q "
                          "join qualite.qualite_fichiers f using (chemin) order by q.chemin, q.ligne"),
            "missing": frame("select facilitateur, mois, nb_marches_suivis_en_cours from qualite.completude_heures "
                             "where statut = 'MANQUANT' order by facilitateur, mois"),
        }  # fmt: skip


def write_returns(published_db: Path, folder: Path, as_of: dt.date) -> list[Path]:
    """One workbook per sender of a received file, and one per facilitator whatever it sent."""
    data = load_returns_data(published_db)
    senders = sorted(set(FACILITATEURS) | set(data["files"]["expediteur"].drop_nulls().to_list()))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for sender in senders:
        path = folder / f"retours_{sender}_{as_of.isoformat()}.xlsx"
        _write_one(path, sender, data)
        written.append(path)
    return written


def _write_one(path: Path, sender: str, data: dict[str, pl.DataFrame]) -> None:
    files = data["files"].filter(pl.col("expediteur") == sender)
    rows = data["rows"].filter(pl.col("expediteur") == sender)
    tables = {
        "Synthèse": _summary(files),
        "Lignes à corriger": _to_correct(rows.filter(pl.col("statut") == "REJETEE"), files),
        "Lignes en attente": _held(rows.filter(pl.col("statut") == "EN_ATTENTE")),
    }
    if sender in FACILITATEURS or sender == UNATTRIBUTED:
        tables["Mois manquants"] = _missing(data["missing"].filter(pl.col("facilitateur") == sender))
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})  # rows are written in order
    formats = book.add_format(HEADER), book.add_format({"text_wrap": True, "valign": "top"})
    unwrapped = book.add_format({"italic": True})  # the sentence runs on over the empty cells beside it
    for name, table in tables.items():
        ws = book.add_worksheet(name)
        _write_sheet(ws, table, SHEETS[name][1], formats)
        if table.height > MAX_LISTED:  # a file rejected whole leaves millions waiting: the full list in a CSV
            csv = path.with_name(f"{path.stem}_{SLUGS[name]}.csv")
            french.write_excel_csv(table.with_columns(secrecy.safe_text_expr(c) for c in _texts(table)), csv)
            more = french.format_number(table.height - MAX_LISTED)
            ws.write_string(MAX_LISTED + 1, 0, f"… et {more} autres lignes : "
                            f"la liste complète est dans {csv.name}, à côté de ce classeur.", unwrapped)  # fmt: skip
    book.close()


def _write_sheet(ws, table: pl.DataFrame, widths: list[int], formats: tuple) -> None:
    """Its header, frozen and filtered, then its first MAX_LISTED lines: numbers as numbers, text never a formula."""
    header, wrap = formats
    for c, (title, width) in enumerate(zip(table.columns, widths, strict=True)):
        ws.write_string(0, c, title, header)
        ws.set_column(c, c, width, wrap)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(min(table.height, MAX_LISTED), 1), table.width - 1)
    for r, record in enumerate(table.head(MAX_LISTED).iter_rows(), start=1):
        for c, value in enumerate(record):
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, secrecy.safe_text(str(value)))


def _texts(table: pl.DataFrame) -> list[str]:
    return [c for c, dtype in table.schema.items() if dtype == pl.String]


def _summary(files: pl.DataFrame) -> pl.DataFrame:
    loaded = pl.when(pl.col("statut") == "CHARGE").then(pl.lit("chargé")).otherwise(pl.lit("rejeté"))
    return files.select(
        "chemin", pl.col("date_depot").dt.strftime("%d/%m/%Y"), "lignes_lues", "lignes_chargees",
        "lignes_quarantaine", "lignes_en_attente", "lignes_remplacees", loaded.alias("statut"), "motif",
    ).pipe(_titled, "Synthèse")  # fmt: skip


def _titled(frame: pl.DataFrame, sheet: str) -> pl.DataFrame:
    return frame.rename(dict(zip(frame.columns, SHEETS[sheet][0], strict=True)))


def _sender_header(column: str | None, written: dict[str, str]) -> str:
    """The column as the sender wrote it (a key of several columns: each of them)."""
    if not column:
        return ""
    return ", ".join(written.get(c, c) for c in column.split(","))


def _to_correct(rows: pl.DataFrame, files: pl.DataFrame) -> pl.DataFrame:
    """Each line to correct, with its column as the sender wrote it and a sentence on what to do: one sentence per
    distinct case (a file rejected line by line repeats the same few)."""
    written = zip(files["chemin"], files["entetes"], strict=True)
    headers = {chemin: json.loads(entetes or "{}") for chemin, entetes in written}  # once per file
    keys = ["type_extrait", "chemin", "colonne", "regle", "valeur"]
    cases = rows.select(keys).unique(maintain_order=True)
    said = []
    for extract_name, chemin, colonne, regle, valeur in cases.iter_rows():
        extract = BY_NAME.get(extract_name)
        column = next((c for c in extract.columns if c.name == colonne), None) if extract else None
        header = _sender_header(colonne, headers.get(chemin, {}))
        text = rules.sentence(regle, header, valeur, TYPES.get(column.type, "") if column else "",
                              column.codes if column else ())  # fmt: skip
        said.append((header, text))
    cases = cases.with_columns(pl.DataFrame(said, schema=["entete", "texte"], orient="row", strict=False))
    return (
        rows.join(cases, on=keys, how="left", nulls_equal=True, maintain_order="left")
        .select("chemin", "ligne", "entete", "valeur", "regle", "texte")
        .pipe(_titled, "Lignes à corriger")
    )


def _held(rows: pl.DataFrame) -> pl.DataFrame:
    codes = rows["regle"].unique().to_list()
    said = {code: rules.CATALOGUE.get(code, rules.UNKNOWN) for code in codes}
    waits_for = {code: rule.motif.split(" :")[0] for code, rule in said.items()}  # « marché inconnu »
    todo = {code: rule.action[:1].upper() + rule.action[1:] for code, rule in said.items()}
    return rows.select(
        "chemin",
        "ligne",
        pl.col("regle").replace_strict(waits_for, return_dtype=pl.String),
        "valeur",
        pl.col("depuis").dt.strftime("%d/%m/%Y"),
        pl.col("regle").replace_strict(todo, return_dtype=pl.String).alias("action"),
    ).pipe(_titled, "Lignes en attente")


MISSING_TODO = ("Aucune ligne d'heures reçue pour ce mois alors qu'un marché suivi était en cours : envoyer le relevé "
                "du mois, ou signaler qu'aucune heure n'a été réalisée.")  # fmt: skip


def _missing(months: pl.DataFrame) -> pl.DataFrame:
    return months.select(pl.col("mois").dt.strftime("%m/%Y"), "nb_marches_suivis_en_cours", pl.lit(MISSING_TODO)).pipe(
        _titled, "Mois manquants"
    )
