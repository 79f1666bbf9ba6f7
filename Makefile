# The two commands a newcomer needs: `make run` (the main job: the node serving the demo, on
# SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME := .multitude-demo

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/multitude --home $(DEMO_HOME) serve --demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	scripts/ensure-postgres
	scripts/ensure-browser
	$(BIN)/pytest

bench: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/distribute.py
	$(BIN)/python bench/api_load.py
	$(BIN)/python bench/tally.py

clean:
	rm -rf $(VENV) $(DEMO_HOME)
