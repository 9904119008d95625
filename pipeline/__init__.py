"""The domain core, plain Python with no Dagster import, in sub-packages by stage, in the order a run goes.

- `extracts`: what an extract is (kinds, columns, schemas, parsing, pseudonyms, reference rules);
- `ingest`: raw files to landing rows (listing, limits, readers, DECP, validation, assembly);
- `warehouse`: the DuckDB side (landing tables, the publish gate, history, freshness, the key guard, locks);
- `exports`: what people read (workbook, report, CSV, returns, alerts, secrecy, labels, generated docs);
- `demo`: realistic demo extracts.

Each package imports only from those before it; `settings`, `french` and `timing` are the ground floor
every stage may use (tests/test_house.py checks both).
"""
