# Two commands matter: `make run` (set up and serve the tutorial's system) and `make test`.
# Variables: PYTHON (interpreter for the venv), VENV (its folder), DJANGO (e.g. 5.2 or 6.1;
# empty = newest release the interpreter supports), DATABASE_URL (default: SQLite file).

PYTHON ?= python3
VENV ?= .venv
DJANGO ?=
HOST ?= 127.0.0.1
PORT ?= 8000

BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(DJANGO)

.PHONY: run test lint typecheck migrations-check pytest setup check-python clean

check-python:
	@$(PYTHON) scripts/check_python.py $(DJANGO)

$(PY): | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]' $(if $(DJANGO),'django==$(DJANGO).*')
	@touch $@

setup: check-python $(STAMP)

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrapdemo --port $(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

migrations-check: setup
	$(PY) manage.py makemigrations --check --dry-run

pytest: setup
	$(BIN)/pytest

test: lint typecheck migrations-check pytest

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 test-db.sqlite3
