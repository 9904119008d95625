"""The documentation holds: example queries run, generated docs are current, templates load.
And on the demo warehouse: no personal value anywhere the run writes."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from conftest import marche

from pipeline.exports.dictionary import data_dictionary, with_example_queries
from pipeline.extracts.kinds import EXTRACTS, MARCHES
from pipeline.ingest.readers import read_extract
from pipeline.settings import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"
QUERIES = sorted((DOCS / "requetes").glob("*.sql"))

pytestmark = pytest.mark.integration


def test_there_are_twelve_example_queries_and_the_guide_shows_them_as_they_are():
    assert len(QUERIES) == 12
    guide = (DOCS / "analystes.md").read_text(encoding="utf-8")
    assert with_example_queries(guide, QUERIES) == guide, "run `clauses docs` and commit docs/analystes.md"


@pytest.mark.parametrize("query", QUERIES, ids=lambda p: p.stem)
def test_example_query_answers_on_the_demo_warehouse(demo_root, query):
    with duckdb.connect(str(demo_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        rows = con.execute(query.read_text(encoding="utf-8")).fetchall()
    assert rows  # every question has an answer on the demo, at its as-of date (not today's)
    noise = [v for row in rows for v in row if isinstance(v, float) and len(repr(v).partition(".")[2]) > 4]
    assert noise == [], f"round the figures an analyst reads: {noise[:3]}"


def test_data_dictionary_is_generated_from_the_current_dbt_docs(demo_root):
    expected = data_dictionary(demo_root / "warehouse" / "clauses.duckdb")
    assert (DOCS / "dictionnaire_donnees.md").read_text(encoding="utf-8") == expected, (
        "run `clauses run` then `clauses docs`, and commit docs/dictionnaire_donnees.md"
    )
    assert "_(sans description)_" not in expected and "|  |" not in expected


@pytest.mark.parametrize("extract", EXTRACTS, ids=lambda e: e.name)
def test_extract_templates_have_the_canonical_headers_and_load(extract, tmp_path):
    kind = extract.name
    headers = [c.name for c in extract.columns]
    with (DOCS / "modeles" / f"{kind}.csv").open(encoding="cp1252", newline="") as fh:
        assert next(csv.reader(fh, delimiter=";")) == headers
    book = openpyxl.load_workbook(DOCS / "modeles" / f"{kind}.xlsx", read_only=True)
    assert [c.value for c in next(book[kind].iter_rows(max_row=1))] == headers
    # Filled in, the template is read as is.
    if extract is MARCHES:
        row = marche()
        filled = tmp_path / "marches.csv"
        filled.write_bytes(
            (DOCS / "modeles" / "marches.csv").read_bytes()
            + (";".join(row.get(h, "") for h in headers) + "\r\n").encode("cp1252")
        )
        assert read_extract(filled, MARCHES).frame.height == 1


def _personal_values(raw: Path) -> set[str]:
    """The demo's personal values: facilitator references, NIR, phones, e-mails, full names."""
    values: set[str] = set()
    for path in (raw / "participants").iterdir():
        if path.suffix != ".csv":
            continue
        text = path.read_bytes().decode("cp1252" if b"\xe9" in path.read_bytes() else "utf-8-sig", errors="replace")
        frame = pl.read_csv(io.StringIO(text), separator=";", infer_schema_length=0, truncate_ragged_lines=True)
        for column in frame.columns:
            if re.search(r"(?i)r.f participant|id_participant|nir|t.l.phone|email", column):
                values |= {v for v in frame[column].drop_nulls().to_list() if len(v) >= 6}
    return values


def test_no_personal_value_in_the_warehouse_logs_records_or_exports(demo_root):
    personal = _personal_values(demo_root / "raw")
    assert len(personal) > 1000
    # The warehouse: every text column of every table.
    with duckdb.connect(str(demo_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        con.execute("create temp table personal(v varchar)")
        con.executemany("insert into personal values (?)", [[v] for v in personal])
        text_columns = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type = 'VARCHAR' and schema_name in ('marts', 'qualite')"
        ).fetchall()
        for schema, table, column in text_columns:
            found = con.execute(
                f'select count(*) from {schema}.{table} where "{column}" in (select v from personal)'
            ).fetchone()[0]
            assert found == 0, f"{schema}.{table}.{column}"
    # Logs, Dagster's records (SQLite: text is stored as is), the exports (workbook unzipped).
    blobs: list[tuple[Path, bytes]] = []
    for folder in ("warehouse", "dagster", "exports"):
        for path in (demo_root / folder).rglob("*"):
            if not path.is_file() or path.suffix in (".duckdb", ".parquet", ".wal") or path.name == ".lock":
                continue
            data = path.read_bytes()
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(io.BytesIO(data)) as book:
                    data = b"".join(book.read(n) for n in book.namelist() if n.endswith(".xml"))
            blobs.append((path, data))
    assert any(p.name == "dernier_passage.log" for p, _ in blobs)
    # Every token shaped like a reference, a NIR, a phone or an e-mail, looked up in the set.
    shapes = re.compile(rb"[\w.+-]+@[\w.-]+|F\d-\d+|\d{10,15}")
    for path, data in blobs:
        leaked = {t.decode(errors="replace") for t in shapes.findall(data)} & personal
        assert not leaked, f"{sorted(leaked)[:3]} in {path}"


def _published_columns():
    """(model, column, description, accepted values) of every model an analyst queries (marts, qualite)."""
    import yaml

    for path in sorted((PROJECT_ROOT / "dbt_project" / "models").glob("[mq]*/*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            for column in model.get("columns") or []:
                values = [
                    test["accepted_values"]["arguments"]["values"]
                    for test in column.get("data_tests") or []
                    if isinstance(test, dict) and "accepted_values" in test
                ]
                yield model["name"], column["name"], column.get("description") or "", values[0] if values else []


def test_every_published_column_says_what_it_holds_and_which_codes_it_takes():
    for model, column, description, values in _published_columns():
        where = f"{model}.{column}: {description!r}"
        assert description.startswith("{{ doc(") or len(description) >= 20, where
        assert all(str(v) in description for v in values), f"{where} should list {values}"


def test_the_definitions_the_project_carries_cover_every_indicator():
    from pipeline.extracts.reference import INDICATEURS_CIBLES

    definitions = (DOCS / "indicateurs.md").read_text(encoding="utf-8")
    missing = [c for c in INDICATEURS_CIBLES if c not in definitions and not c.startswith("montant_")]
    assert missing == []


def test_the_analysts_guide_names_every_table_the_warehouse_publishes(demo_root):
    """Issue 25, point 6: the guide listed seven tables fewer than the warehouse had."""
    with duckdb.connect(str(demo_root / "warehouse" / "clauses.duckdb"), read_only=True) as con:
        tables = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
    guide = (DOCS / "analystes.md").read_text(encoding="utf-8")
    assert sorted(t for t in tables if f"`{t}`" not in guide) == []
    assert "DuckDB 2.0" in guide and "Requêtes d'exemple" in guide and "Dix requêtes" not in guide
