# Every target builds .venv on first use and reinstalls when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
# pytest-xdist workers, each with its own database (tests/conftest.py); WORKERS=0 runs in one process.
WORKERS ?= 4
PYTEST := $(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup
# Several real bot processes racing for leases against hundreds of updates, with deadlines: they run after
# the parallel part, alone, so no other test's load decides who wins a lease.
ALONE := tests/e2e/test_intake_processes.py

.PHONY: demo test test-postgres bench lint shell

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/linli demo

shell: $(STAMP)
	$(BIN)/linli shell

test: $(STAMP)
	$(PYTEST) --ignore=$(ALONE)
	$(BIN)/python -m pytest $(ALONE)

test-postgres: $(STAMP)
	LINLI_TEST_DATABASE_URL=$${LINLI_TEST_DATABASE_URL:-$(PG_URL)} $(PYTEST) --ignore=$(ALONE)
	LINLI_TEST_DATABASE_URL=$${LINLI_TEST_DATABASE_URL:-$(PG_URL)} $(BIN)/python -m pytest $(ALONE)

bench: $(STAMP)
	$(BIN)/python -m tests.bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
