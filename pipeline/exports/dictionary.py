"""Documents generated from one source each, never written twice.

- the data dictionary, from the published warehouse: its table and column comments are the dbt docs
  (persist_docs), so the descriptions live in dbt_project/models only;
- the example queries section of the analysts' guide, from docs/requetes/*.sql;
- the extract templates, from the declarations of pipeline/extracts/kinds.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import duckdb
import xlsxwriter

from pipeline.extracts.columns import TYPES
from pipeline.extracts.kinds import EXTRACTS, Extract

SCHEMAS = {"marts": "Tables des analystes et des exports", "qualite": "Qualité des données"}


def data_dictionary(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name, coalesce(comment, '') from duckdb_tables() "
            "where schema_name in ('marts', 'qualite') order by schema_name, table_name"
        ).fetchall()
        columns = con.execute(
            "select schema_name, table_name, column_name, data_type, coalesce(comment, '') from duckdb_columns() "
            "where schema_name in ('marts', 'qualite') order by schema_name, table_name, column_index"
        ).fetchall()
    out = [
        "# Dictionnaire des données",
        "",
        "Généré depuis l'entrepôt publié par `clauses docs` : les descriptions sont celles des modèles dbt",
        "(`dbt_project/models/**/*.yml`), à modifier là-bas seulement.",
        "",
    ]
    for schema, title in SCHEMAS.items():
        out += [f"## Schéma `{schema}` : {title}", ""]
        for _, table, comment in (t for t in tables if t[0] == schema):
            out += [
                f"### `{schema}.{table}`",
                "",
                _cell(comment) or "_(sans description)_",
                "",
                "| colonne | type | description |",
                "|---|---|---|",
            ]
            out += [
                f"| `{c}` | {dtype} | {_cell(text)} |" for s, t, c, dtype, text in columns if (s, t) == (schema, table)
            ]
            out.append("")
    return "\n".join(out)


QUERIES_START, QUERIES_END = "<!-- requetes:debut -->", "<!-- requetes:fin -->"


def with_example_queries(guide: str, queries: list[Path]) -> str:
    """The guide with its section between the markers rebuilt from the query files."""
    blocks = []
    for number, path in enumerate(queries, start=1):
        sql = path.read_text(encoding="utf-8").strip()
        title = sql.splitlines()[0].removeprefix("--").strip()
        blocks.append(f"### {number}. {title}\n\n[`{path.name}`](requetes/{path.name})\n\n```sql\n{sql}\n```\n")
    before, _, rest = guide.partition(QUERIES_START)
    _, _, after = rest.partition(QUERIES_END)
    return f"{before}{QUERIES_START}\n" + "\n".join(blocks) + f"{QUERIES_END}{after}"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def write_templates(folder: Path) -> list[Path]:
    """One CSV (Windows-1252, `;`) and one XLSX per extract, with the canonical headers and a help sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for extract in EXTRACTS:
        headers = [c.name for c in extract.columns]
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(headers)
        path = folder / f"{extract.name}.csv"
        path.write_bytes(buffer.getvalue().encode("cp1252"))
        written += [path, _xlsx_template(folder / f"{extract.name}.xlsx", extract, headers)]
    return written


def _xlsx_template(path: Path, extract: Extract, headers: list[str]) -> Path:
    with xlsxwriter.Workbook(str(path), {"constant_memory": False}) as book:
        book.set_properties({"title": f"Modèle d'extraction : {extract.name}", "created": dt.datetime(2026, 1, 1)})
        bold = book.add_format({"bold": True})
        data = book.add_worksheet(extract.name)  # the reader takes the sheet named like the folder
        data.write_row(0, 0, headers, bold)
        data.set_column(0, len(headers) - 1, 22)
        data.freeze_panes(1, 0)
        help_sheet = book.add_worksheet("aide")
        help_sheet.write_row(
            0, 0, ["colonne", "obligatoire", "type", "valeurs admises", "autres intitulés acceptés"], bold
        )
        for row, c in enumerate(extract.columns, start=1):
            described = [
                c.name,
                "oui" if c.required else "non",
                TYPES[c.type],
                ", ".join(c.codes),
                ", ".join(c.aliases),
            ]
            help_sheet.write_row(row, 0, described)
        help_sheet.set_column(0, 4, 30)
    return path
