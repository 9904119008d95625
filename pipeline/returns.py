"""Returns to each sender (retours.md): one workbook per facilitator, for the procurement register and for the
targets, saying in the sender's own terms what was received, what to correct, what waits, and which months
are missing. No personal value: the sender finds the row by its file and line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import xlsxwriter

from pipeline import confidentiality, rules
from pipeline.columns import TYPES
from pipeline.extracts import BY_NAME
from pipeline.ingest import UNATTRIBUTED
from pipeline.reference import FACILITATEURS
from pipeline.warehouse import connect

HEADER = {"bold": True, "bg_color": "#d9e2f3", "border": 1, "text_wrap": True, "valign": "top"}
SHEETS = {
    "Synthèse": (["Fichier", "Reçu le", "Lignes lues", "Chargées", "En quarantaine", "En attente",
                  "Remplacées ensuite", "Statut", "Motif du rejet"], [46, 12, 12, 12, 14, 12, 16, 10, 60]),
    "Lignes à corriger": (["Fichier", "Ligne", "Colonne", "Valeur", "Règle", "Ce qui ne va pas et que faire"],
                          [40, 8, 24, 24, 26, 90]),
    "Lignes en attente": (["Fichier", "Ligne", "Attend", "Valeur", "Depuis", "Que faire"], [40, 8, 24, 24, 12, 90]),
    "Mois manquants": (["Mois", "Marchés suivis en cours ce mois-là", "Que faire"], [12, 18, 90]),
}  # fmt: skip


def load(published_db: Path) -> dict[str, pl.DataFrame]:
    with connect(published_db, read_only=True) as con:

        def frame(sql: str) -> pl.DataFrame:
            return pl.from_arrow(con.sql(sql).to_arrow_table())

        return {
            "files": frame("select * from qualite.qualite_fichiers order by chemin"),
            "rows": frame("select q.*, f.expediteur, f.entetes from qualite.quarantaine q "
                          "join qualite.qualite_fichiers f using (chemin) order by q.chemin, q.ligne"),
            "missing": frame("select facilitateur, mois, nb_marches_suivis_en_cours from qualite.completude_heures "
                             "where statut = 'MANQUANT' order by facilitateur, mois"),
        }  # fmt: skip


def write_returns(published_db: Path, folder: Path, as_of: dt.date) -> list[Path]:
    """One workbook per sender of a received file, and one per facilitator whatever it sent."""
    data = load(published_db)
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
    book = xlsxwriter.Workbook(str(path))
    header, wrap = book.add_format(HEADER), book.add_format({"text_wrap": True, "valign": "top"})
    tables = {
        "Synthèse": _summary(files),
        "Lignes à corriger": _to_correct(rows.filter(pl.col("statut") == "REJETEE")),
        "Lignes en attente": _held(rows.filter(pl.col("statut") == "EN_ATTENTE")),
    }
    if sender in FACILITATEURS or sender == UNATTRIBUTED:
        tables["Mois manquants"] = _missing(data["missing"].filter(pl.col("facilitateur") == sender))
    for name, records in tables.items():
        columns, widths = SHEETS[name]
        ws = book.add_worksheet(name)
        for c, (title, width) in enumerate(zip(columns, widths, strict=True)):
            ws.write_string(0, c, title, header)
            ws.set_column(c, c, width, wrap)
        for r, record in enumerate(records, start=1):
            for c, value in enumerate(record):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, value)
                elif value is not None:
                    ws.write_string(r, c, confidentiality.safe_text(str(value)))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(records), 1), len(columns) - 1)
    book.close()


def _summary(files: pl.DataFrame) -> list[tuple]:
    return [
        (f["chemin"], f["date_depot"].strftime("%d/%m/%Y") if f["date_depot"] else None, f["lignes_lues"],
         f["lignes_chargees"], f["lignes_quarantaine"], f["lignes_en_attente"], f["lignes_remplacees"],
         "chargé" if f["statut"] == "CHARGE" else "rejeté", f["motif"])
        for f in files.iter_rows(named=True)
    ]  # fmt: skip


def _sender_header(record: dict) -> str:
    """The column as the sender wrote it (a key of several columns: each of them)."""
    if not record["colonne"]:
        return ""
    headers = json.loads(record["entetes"] or "{}")
    return ", ".join(headers.get(c, c) for c in record["colonne"].split(","))


def _to_correct(rows: pl.DataFrame) -> list[tuple]:
    out = []
    for record in rows.iter_rows(named=True):
        extract = BY_NAME.get(record["type_extrait"])
        column = next((c for c in extract.columns if c.name == record["colonne"]), None) if extract else None
        header = _sender_header(record)
        text = rules.sentence(record["regle"], header, record["valeur"], TYPES.get(column.type, "") if column else "",
                              column.codes if column else ())  # fmt: skip
        out.append((record["chemin"], record["ligne"], header, record["valeur"], record["regle"], text))
    return out


def _held(rows: pl.DataFrame) -> list[tuple]:
    out = []
    for r in rows.iter_rows(named=True):
        rule = rules.CATALOGUE.get(r["regle"], rules.UNKNOWN)
        since = r["depuis"].strftime("%d/%m/%Y") if r["depuis"] else None
        waits_for = rule.motif.split(" :")[0]  # « marché inconnu », « participant inconnu »
        out.append((r["chemin"], r["ligne"], waits_for, r["valeur"], since, rule.action[:1].upper() + rule.action[1:]))
    return out


def _missing(months: pl.DataFrame) -> list[tuple]:
    return [
        (m["mois"].strftime("%m/%Y"), m["nb_marches_suivis_en_cours"],
         "Aucune ligne d'heures reçue pour ce mois alors qu'un marché suivi était en cours : envoyer le relevé du "
         "mois, ou signaler qu'aucune heure n'a été réalisée.")
        for m in months.iter_rows(named=True)
    ]  # fmt: skip
