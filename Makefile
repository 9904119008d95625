# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
MANIFEST := dbt_project/target/manifest.json

.PHONY: install run test lint demo ui bench manifest clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

$(BIN)/clauses: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

# dagster-dbt reads the manifest at import, and each run hands dbt the parse it writes beside it
# (target/partial_parse.msgpack, assets/dbt_inprocess.py): prepare both at install time, never in workers.
$(MANIFEST): $(BIN)/clauses $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.csv' 2>/dev/null | grep -v target)
	cd dbt_project && ../$(BIN)/dbt deps --quiet 2>/dev/null || true
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .
	@touch $@

install: $(BIN)/clauses $(MANIFEST)

manifest: $(MANIFEST)

run: install
	$(BIN)/clauses run --demo-if-empty

# The habits, kept by tools: a lint error fails `make test`, so CI too.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests macros --disable-progress-bar

test: lint
	$(BIN)/pytest -q -n 2 --dist loadfile

demo: install
	$(BIN)/clauses demo

PORT ?= 3000
ui: install
	$(BIN)/clauses ui --port $(PORT)

bench: install
	$(BIN)/python -m assets.cli.bench --write docs/benchmarks.md

clean:
	rm -rf warehouse exports .dagster dbt_project/target dbt_project/logs
