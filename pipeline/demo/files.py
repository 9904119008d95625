"""The demo's files, written as the senders really write them: Windows-1252 CSV with `;` and decimal commas,
XLSX, header aliases, title rows, personal columns to drop, a few bad rows of each kind, a statement too long
for a sheet sent as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from pipeline import french


@dataclass
class DemoSummary:
    out: Path
    files: int
    marches: int
    heures: int
    participants: int


def _write_csv(
    path: Path,
    header: list[str],
    rows: list[list],
    encoding: str = "cp1252",
    title: str | None = None,
    delimiter: str = ";",
) -> None:
    buf = io.StringIO()
    if title:
        buf.write(title + "\r\n\r\n")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def _write_xlsx(
    path: Path, sheet: str, header: list[str], rows: list[list], date_columns: tuple[str, ...] = ()
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.set_properties({"created": dt.datetime(2026, 1, 1)})  # a fixed date: same seed, same bytes
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


def _bad_marches(rows: list[list], header: list[str]) -> list[list]:
    base = rows[0]
    idx = {h: i for i, h in enumerate(header)}
    bad = []
    r = list(base)
    r[idx["N° marché"]] = "BAD-SIRET"
    r[idx["SIRET titulaire"]] = "12345678901234"
    bad.append(r)
    r = list(base)
    r[idx["N° marché"]] = "BAD-MONTANT"
    r[idx["Montant HT (€)"]] = ""
    bad.append(r)
    r = list(base)
    r[idx["N° marché"]] = "BAD-DATE"
    r[idx["Date de notification"]] = "31/02/2024"
    bad.append(r)
    r = list(base)
    r[idx["N° marché"]] = "BAD-FAMILLE"
    r[idx["Famille d'achat"]] = "BOULANGERIE"
    bad.append(r)
    bad.append(list(rows[1]))  # an exact duplicate
    r = list(base)
    r[idx["N° marché"]] = "CONFLIT-1"
    bad.append(r)
    r = list(base)
    r[idx["N° marché"]] = "CONFLIT-1"
    r[idx["Montant HT (€)"]] = "999\u00a0999,00"
    bad.append(r)
    return bad


def write_files(out: Path, rng, marches, participants, heures, as_of) -> DemoSummary:
    files = _write_marches(out, marches, as_of)
    files += _write_participants(out, rng, participants, as_of)
    files += _write_heures(out, heures, as_of)
    return DemoSummary(out, files, marches=len(marches), heures=heures.height, participants=participants.height)


MARCHES_HEADER = [
    "N° marché", "Intitulé", "Famille d'achat", "Code CPV", "Procédure", "Date de notification", "Durée",
    "Montant HT (€)", "SIRET titulaire", "Raison sociale", "Lieu d'exécution", "Clause sociale",
    "Heures d'insertion prévues", "Critère social", "Réservé", "Facilitateur", "Clause environnementale",
    "Date lancement consultation",
]  # fmt: skip
MARCHES_XLSX_HEADER = [
    "numero_marche", "objet", "famille", "cpv", "procedure", "date_notification", "duree_mois", "montant_ht",
    "titulaire_siret", "titulaire_nom", "commune_execution", "clause_insertion", "heures_insertion_prevues",
    "critere_social", "marche_reserve", "facilitateur", "clause_environnementale", "date_lancement_consultation",
]  # fmt: skip
PARTICIPANTS_HEADER = [
    "Facilitateur", "Réf participant", "Nom", "Prénom", "Né le", "NIR", "Téléphone", "Email", "Sexe", "Commune",
    "Résident QPV", "Niveau", "DELD", "BRSA", "RQTH", "Jeune sans qualification", "Minima sociaux", "Senior",
    "Autre public", "Date d'entrée", "Date de sortie", "Situation à 6 mois", "Situation à 12 mois",
    "Date observation situation",
]  # fmt: skip
HEURES_HEADER = ["Facilitateur", "Ref participant", "N° marché", "Période", "Nb heures", "Modalité", "SIRET employeur",
                 "Employeur", "Contrat"]  # fmt: skip
FLAGS = ["deld", "brsa", "rqth", "jeune_sans_qualification", "minima_sociaux", "senior", "autre_public"]


def _marche_csv_row(m: dict) -> list:
    """As the procurement service's spreadsheet exports it: French numbers and dates, Oui/Non."""
    heures = m["heures_insertion_prevues"]
    return [
        m["id_marche"], m["objet"], m["famille"], m["cpv"], m["procedure"], m["date_notification"].strftime("%d/%m/%Y"),
        m["duree_mois"], french.format_number(m["montant_ht"], 2, french.NBSP), m["titulaire_siret"],
        m["titulaire_nom"],
        m["commune_execution"], "Oui" if m["clause_insertion"] else "Non",
        french.format_number(heures, 0, french.NBSP) if heures else "", "oui" if m["critere_social"] else "non",
        m["marche_reserve"], m["facilitateur"] or "", "Oui" if m["clause_environnementale"] else "Non",
        m["date_lancement_consultation"].strftime("%d/%m/%Y"),
    ]  # fmt: skip


def _marche_xlsx_row(m: dict) -> list:
    return [
        m["id_marche"], m["objet"], m["famille"], m["cpv"], m["procedure"], m["date_notification"], m["duree_mois"],
        m["montant_ht"], m["titulaire_siret"], m["titulaire_nom"], m["commune_execution"],
        "oui" if m["clause_insertion"] else "non", m["heures_insertion_prevues"], "x" if m["critere_social"] else "",
        m["marche_reserve"], m["facilitateur"], "oui" if m["clause_environnementale"] else "non",
        m["date_lancement_consultation"],
    ]  # fmt: skip


def _write_marches(out: Path, marches: list[dict], as_of: dt.date) -> int:
    """The procurement service's CSV (aliases, cp1252, title row) with a few bad rows, and one XLSX."""
    # The latest year comes as an XLSX beside the CSV of the earlier ones (one year alone: all in the CSV).
    years = sorted({m["date_notification"].year for m in marches})
    latest_year = years[-1] if len(years) > 1 else years[-1] + 1
    older = [_marche_csv_row(m) for m in marches if m["date_notification"].year < latest_year]
    recent = [_marche_xlsx_row(m) for m in marches if m["date_notification"].year == latest_year]
    older += _bad_marches(older, MARCHES_HEADER)
    title = f"Extraction des marchés notifiés - Direction de la commande publique - {as_of.year - 1}"
    _write_csv(out / "marches" / f"{as_of.year - 1}-12-31_extraction_marches.csv", MARCHES_HEADER, older, title=title)
    if not recent:
        return 1
    _write_xlsx(out / "marches" / f"{as_of.isoformat()}_marches_{latest_year}.xlsx", "marches", MARCHES_XLSX_HEADER,
                recent, date_columns=("date_notification", "date_lancement_consultation"))  # fmt: skip
    return 2


def _participants_as_written(rng: np.random.Generator, participants: pl.DataFrame) -> pl.DataFrame:
    """As a facilitator's software exports them, with the NIR, phone and e-mail the door must drop."""
    digits = rng.integers(0, 10, (participants.height, 16)).astype(str)
    nir = (pl.when(pl.col("sexe") == "M").then(pl.lit("1")).otherwise(pl.lit("2"))
           + pl.col("date_naissance").dt.strftime("%y%m") + "13" + pl.col("_nir_tail"))  # fmt: skip
    email = (pl.col("prenom").str.to_lowercase() + "." + pl.col("nom").str.to_lowercase().str.replace_all(" ", "")
             + "@example.fr")  # fmt: skip
    return participants.with_columns(
        pl.Series("_nir_tail", ["".join(d[:8]) for d in digits]),
        pl.Series("_phone", ["".join(d[8:]) for d in digits]),
    ).select(
        "facilitateur", "id_participant", "nom", "prenom", pl.col("date_naissance").dt.strftime("%d/%m/%Y"),
        nir.alias("nir"), ("06" + pl.col("_phone")).alias("telephone"), email.alias("email"),
        pl.when(pl.col("sexe") == "F").then(pl.lit("Femme")).otherwise(pl.lit("H")).alias("sexe"),
        "commune_residence", pl.when("qpv").then(pl.lit("oui")).otherwise(pl.lit("non")).alias("qpv"),
        "niveau_formation", *[pl.when(f).then(pl.lit("x")).otherwise(pl.lit("")).alias(f) for f in FLAGS],
        pl.col("date_entree").dt.strftime("%d/%m/%Y"), pl.col("date_sortie").dt.strftime("%d/%m/%Y").fill_null(""),
        pl.col("situation_6_mois").fill_null(""), pl.col("situation_12_mois").fill_null(""),
        pl.col("date_observation_situation").dt.strftime("%d/%m/%Y").fill_null(""),
    )  # fmt: skip


def _write_participants(out: Path, rng: np.random.Generator, participants: pl.DataFrame, as_of: dt.date) -> int:
    """One file per facilitator, personal columns included (dropped at the door), and three bad rows each."""
    files = 0
    for (fac,), rows in _participants_as_written(rng, participants).group_by("facilitateur", maintain_order=True):
        first = rows.head(1)
        bad = pl.concat(
            [
                first.with_columns(
                    pl.lit(f"{fac}-X00001").alias("id_participant"), *[pl.lit("").alias(f) for f in FLAGS]
                ),
                first.with_columns(
                    pl.lit(f"{fac}-X00002").alias("id_participant"), pl.lit("01/01/2015").alias("date_naissance")
                ),  # 10 at entry
                first.with_columns(
                    pl.lit(f"{fac}-X00003").alias("id_participant"), pl.lit("01/01/2011").alias("date_sortie")
                ),  # exit before entry
            ]
        )  # fmt: skip  (the first: nobody eligible)
        rows = pl.concat([rows, bad])
        name = out / "participants" / f"{as_of.isoformat()}_{fac}_participants"
        if fac == "F4" and rows.height < PARTICIPANTS_XLSX_MAX_ROWS:
            _write_xlsx(name.with_suffix(".xlsx"), "participants", PARTICIPANTS_HEADER, rows.rows())
        else:
            encoding = "utf-8-sig" if fac in ("F1", "F9") else "cp1252"
            _write_frame_csv(name.with_suffix(".csv"), PARTICIPANTS_HEADER, rows, encoding=encoding)
        files += 1
    return files


def _write_heures(out: Path, heures: pl.DataFrame, as_of: dt.date) -> int:
    """Monthly statements, one file per facilitator and year with three bad rows, and one later correction."""
    frame = heures.sort("mois", maintain_order=True)
    as_text = [pl.col("facilitateur"), pl.col("id_participant"), pl.col("id_marche"),
               pl.col("mois").dt.strftime("%m/%Y"),
               french.format_decimal_comma(pl.col("heures")), pl.col("modalite"), pl.col("employeur_siret"),
               pl.col("employeur_nom"), pl.col("type_contrat")]  # fmt: skip
    files = 0
    for (fac, year), group in frame.group_by(
        "facilitateur", pl.col("mois").dt.year().alias("annee"), maintain_order=True
    ):
        rows = group.select(as_text)
        first = rows.head(1)
        rows = pl.concat([
            rows,
            first.with_columns(pl.lit("250").alias("heures")),  # more than a month can hold
            first.with_columns(pl.lit("BENEVOLAT").alias("modalite")),
            first.with_columns(pl.lit(f"{year}-TX-99999").alias("id_marche")),  # contract not known yet
        ])  # fmt: skip
        stamp = dt.date(year + 1, 1, 15) if year < as_of.year else as_of
        path = out / "heures" / f"{stamp.isoformat()}_{fac}_heures_{year}"
        if fac == "F5" and rows.height < XLSX_MAX_ROWS:
            written = path.with_suffix(".xlsx")
            _write_xlsx(written, "heures", HEURES_HEADER, rows.rows())
        else:
            written = path.with_suffix(".csv")
            _write_frame_csv(written, HEURES_HEADER, rows, delimiter="\t" if fac == "F7" else ";")
        deposited = dt.datetime.combine(stamp, dt.time(12)).timestamp()
        os.utime(written, (deposited, deposited))  # deposited on the day its name says: the reporting lag reads it
        files += 1
    # A corrected statement: F1 sends its month again later; it replaces that month's earlier rows.
    f1 = frame.filter(pl.col("facilitateur") == "F1")
    if f1.height:
        month = f1["mois"].sort()[f1.height // 2]
        fix = f1.filter(pl.col("mois") == month).with_columns(pl.col("heures") * 0.9)
        fix = fix.select(*as_text[:3], pl.col("mois").dt.strftime("%Y-%m"), *as_text[4:])
        _write_frame_csv(
            out / "heures" / f"{as_of.isoformat()}_F1_rectificatif.csv", HEURES_HEADER, fix, encoding="utf-8"
        )
        files += 1
    return files


XLSX_MAX_ROWS = 1_000_000  # a sheet holds 1,048,576 rows: bigger statements are sent as CSV, as in real life
# A participant is ~1.6 KB once the workbook is unzipped: from ~320,000 it passes the 512 MB that
# pipeline/ingest/limits.py lets a workbook inflate to, and the file would be rejected whole.
# A list that long is sent as CSV.
PARTICIPANTS_XLSX_MAX_ROWS = 250_000


def _write_frame_csv(
    path: Path, header: list[str], rows: pl.DataFrame, encoding: str = "cp1252", delimiter: str = ";"
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = rows.write_csv(separator=delimiter, include_header=False, line_terminator="\r\n", quote_style="necessary")
    head = delimiter.join(header) + "\r\n"
    path.write_bytes((head + body).encode(encoding, errors="replace"))
