"""One test per row of the tolerances docs/deposer_des_extractions.md lists, and the hostile cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import MARCHES_HEADER, SIRET_A, heure, marche, write_csv, write_xlsx

from pipeline.extracts.columns import normalise_header
from pipeline.extracts.kinds import HEURES, MARCHES
from pipeline.extracts.parsing import parse_boolean, parse_date, parse_month, parse_number
from pipeline.extracts.raw import FileRejected
from pipeline.ingest.readers import read_extract


def _values(expr, values):
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr(pl.col("v")).alias("v"))["v"].to_list()


# -- file types ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["m.csv", "m.txt", "m"])
def test_delimited_file_whatever_its_extension(tmp_path, name):
    table = read_extract(write_csv(tmp_path / name, [marche()]), MARCHES)
    assert table.frame["id_marche"].to_list() == ["M1"]


def test_xlsx_first_sheet(tmp_path):
    table = read_extract(write_xlsx(tmp_path / "m.xlsx", [marche()]), MARCHES)
    assert table.format == "xlsx" and table.frame["objet"].to_list() == ["Réhabilitation du collège"]


def test_xlsx_sheet_named_like_the_folder(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [], sheets={"Notes": [{"a": "b"}], "Heures": [heure(heures="12")]})
    table = read_extract(path, HEURES)
    assert table.frame["heures"].to_list() == ["12"]


def test_xlsx_real_date_cells(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [marche(date_notification=dt.date(2024, 3, 15))])
    table = read_extract(path, MARCHES)
    assert _values(parse_date, table.frame["date_notification"].to_list()) == [dt.date(2024, 3, 15)]


def test_json_is_only_for_marches(tmp_path):
    path = tmp_path / "h.json"
    path.write_text('{"marches": []}')
    with pytest.raises(FileRejected, match="JSON : raw/heures/ accepte"):
        read_extract(path, HEURES)


# -- encodings -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("cp1252", "windows-1252"), ("utf-16", "utf-16")]
)
def test_encodings_are_detected(tmp_path, encoding, expected):
    path = write_csv(tmp_path / "m.csv", [marche(objet="Œuvre d'art – lot 2 : 5 000 €")], encoding=encoding)
    table = read_extract(path, MARCHES)
    assert table.encoding == expected
    assert table.frame["objet"].to_list() == ["Œuvre d'art – lot 2 : 5 000 €"]


# -- delimiters ------------------------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters_are_detected(tmp_path, delimiter):
    path = write_csv(tmp_path / "m.csv", [marche(montant_ht="1 234,50")], delimiter=delimiter)
    table = read_extract(path, MARCHES)
    assert table.delimiter == delimiter and table.frame["montant_ht"].to_list() == ["1 234,50"]


# -- headers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["Montant HT (€)", "montant_ht", "MONTANT HT", "Montant", "montant_ht_eur"])
def test_header_aliases_are_one_column(label):
    assert normalise_header(label) in {"montant_ht", "montant"}


def test_aliases_map_to_canonical_columns_and_extra_columns_are_dropped(tmp_path):
    rows = [
        {
            "N° marché": "M1",
            "Intitulé": "x",
            "Famille d'achat": "NETTOYAGE",
            "Date de notification": "01/02/2024",
            "Montant HT (€)": "10",
            "SIRET": SIRET_A,
            "Raison sociale": "y",
            "Clause sociale": "non",
            "Commentaire interne": "z",
        }
    ]
    table = read_extract(write_csv(tmp_path / "m.csv", rows), MARCHES)
    assert {
        "id_marche",
        "objet",
        "famille",
        "date_notification",
        "montant_ht",
        "titulaire_siret",
        "titulaire_nom",
        "clause_insertion",
    } <= set(table.frame.columns)
    assert "Commentaire interne" in table.ignored_columns
    assert not any("commentaire" in c for c in table.frame.columns)


# -- numbers, dates, months, booleans --------------------------------------------------------------
def test_numbers():
    written = ["1234.5", "1234,5", "1 234,50", "1 234,50 €", "1\u00a0234,5", "1\u202f234,5", "abc"]
    assert _values(parse_number, written) == [
        1234.5,
        1234.5,
        1234.5,
        1234.5,
        1234.5,
        1234.5,
        None,
    ]


def test_dates():
    assert _values(
        parse_date,
        [
            "15/03/2024",
            "2024-03-15",
            "15-03-2024",
            "2018-12-17+01:00",
            "2024-03-15T10:00:00",
            "45366",
            "31/02/2024",
            "n/a",
        ],
    ) == [
        dt.date(2024, 3, 15),
        dt.date(2024, 3, 15),
        dt.date(2024, 3, 15),
        dt.date(2018, 12, 17),
        dt.date(2024, 3, 15),
        dt.date(2024, 3, 15),
        None,
        None,
    ]


def test_months():
    assert _values(parse_month, ["2024-03", "03/2024", "15/03/2024", "2024-03-15", "13/2024"]) == [
        dt.date(2024, 3, 1)
    ] * 4 + [None]


def test_booleans_and_checkboxes():
    words = ["oui", "non", "o", "n", "vrai", "faux", "true", "false", "1", "0", "x", None, "peut-être"]
    assert _values(parse_boolean, words) == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        None,
        None,
    ]
    assert _values(lambda e: parse_boolean(e, checkbox=True), ["x", None]) == [True, False]


def test_blank_lines_trailing_separators_and_spaces_are_ignored(tmp_path):
    path = tmp_path / "m.csv"
    header = ";".join(MARCHES_HEADER)
    row = ";".join(marche().values())
    path.write_text(f"{header};\r\n\r\n  M2 ;{row.split(';', 1)[1]};\r\n;;;;\r\n\r\n")
    table = read_extract(path, MARCHES)
    assert table.frame["id_marche"].to_list() == ["M2"]
    assert table.frame["_ligne"].to_list() == [3]


# -- hostile files: a clear reason, never a crash --------------------------------------------------
@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "vide"),
        (b"\x00\x01\x02\xff\xfe\x00garbage" * 50, "binaire"),
        (b"PK\x03\x04" + b"\x00" * 100, "XLSX"),
        (b"une ligne sans rien\nune autre\n", "en-tête"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected, match=reason):
        read_extract(path, MARCHES)


def test_header_alone_gives_no_row(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(";".join(MARCHES_HEADER) + "\n")
    assert read_extract(path, MARCHES).frame.height == 0


def test_missing_required_column_rejects_the_file(tmp_path):
    rows = [{k: v for k, v in marche().items() if k != "montant_ht"}]
    with pytest.raises(FileRejected, match="montant_ht"):
        read_extract(write_csv(tmp_path / "m.csv", rows), MARCHES)


def test_title_rows_above_the_header(tmp_path):
    path = write_csv(tmp_path / "m.csv", [marche()], before="Extraction des marchés;;;\r\nau 31/12/2025\r\n\r\n")
    table = read_extract(path, MARCHES)
    assert table.frame["id_marche"].to_list() == ["M1"] and table.frame["_ligne"].to_list() == [5]


def test_quoted_fields_with_separators_and_line_breaks(tmp_path):
    path = write_csv(tmp_path / "m.csv", [marche(objet="Lot 1 ; voirie\net réseaux"), marche(id_marche="M2")])
    assert read_extract(path, MARCHES).frame["objet"].to_list() == [
        "Lot 1 ; voirie\net réseaux",
        "Réhabilitation du collège",
    ]


def test_header_repeated_mid_file_is_not_a_row(tmp_path):
    rows = [marche(), dict(zip(MARCHES_HEADER, MARCHES_HEADER, strict=False)), marche(id_marche="M2")]
    table = read_extract(write_csv(tmp_path / "m.csv", rows, header=MARCHES_HEADER), MARCHES)
    assert table.frame["id_marche"].to_list() == ["M1", "M2"] and table.repeated_header_lines == [3]


def test_a_one_megabyte_cell_rejects_its_file_unless_the_line_limit_is_raised(tmp_path):
    # An Excel cell holds at most 32,767 characters: a line of 256 KB is far beyond any real extract's row.
    from pipeline.settings import Limits

    path = write_csv(tmp_path / "m.csv", [marche(objet="x" * 1_000_000)])
    with pytest.raises(FileRejected, match="une ligne de 976 Ko : au-delà de la limite de 256 Ko"):
        read_extract(path, MARCHES)
    table = read_extract(path, MARCHES, Limits(line_kb=2048))
    assert table.frame["objet"].str.len_chars().to_list() == [1_000_000]


def test_a_stray_quote_is_reported_with_its_line_in_french(tmp_path):
    """Issue 25, point 4: « texte délimité illisible (ComputeError) » named the library, not the line."""
    path = tmp_path / "heures.csv"
    rows = [";".join(heure().values()) for _ in range(3)]
    rows[1] = rows[1].replace("M1", '"M1', 1)  # a quote that opens a field and never closes
    path.write_text(";".join(heure()) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(FileRejected) as caught:
        read_extract(path, HEURES)
    message = str(caught.value)
    assert "à partir de la ligne 3" in message and "guillemet" in message
    assert "Error" not in message and "polars" not in message
