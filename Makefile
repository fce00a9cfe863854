# Two commands matter: `make run` (set up and serve the tutorial's system) and `make test`.
# Variables: PYTHON (interpreter for the venv), VENV (its folder), DJANGO (e.g. 5.2 or 6.1;
# empty = newest release the interpreter supports), DATABASE_URL (default: SQLite file),
# PACKAGING (1: pytest also runs tests/test_packaging.py, see below).

PYTHON ?= python3
VENV ?= .venv
DJANGO ?=
HOST ?= 127.0.0.1
PORT ?= 8000

# PACKAGING=1 runs the packaging test: build the sdist and wheel, install the wheel into a fresh
# venv and serve a new project with it (a minute or two; needs PyPI). .ci/run sets it on one run.
ifneq ($(PACKAGING),)
export GQLAUTH_PACKAGING := $(PACKAGING)
endif

BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(DJANGO)
NPM ?= npm
# Written after `npm ci` has installed the pinned GraphiQL packages and copied their bundles
# into gqlauth/static/gqlauth/vendor/ (tools/ide-assets.mjs, run as npm's postinstall), and
# graphql-http, whose GraphQL-over-HTTP audit pytest runs (tools/graphql-http-audit.mjs).
ASSETS_STAMP := node_modules/.gqlauth-assets

.PHONY: run test lint typecheck migrations-check pytest setup check-python clean assets static

check-python:
	@$(PYTHON) scripts/check_python.py $(DJANGO)

$(PY): | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]' $(if $(DJANGO),'django==$(DJANGO).*')
	@touch $@

setup: check-python $(STAMP)

$(ASSETS_STAMP): package.json package-lock.json tools/ide-assets.mjs
	@command -v $(NPM) >/dev/null || { echo "npm (Node.js 18 or newer) is needed to install the GraphiQL assets, e.g. apt-get install nodejs npm." >&2; exit 1; }
	$(NPM) ci --no-audit --no-fund
	@touch $@

# The IDE's JavaScript and CSS, and the audit, from the committed package-lock.json (no CDN).
assets: $(ASSETS_STAMP)

# Collected into STATIC_ROOT, where whitenoise serves them when DEBUG is off.
static: setup assets
	$(PY) manage.py collectstatic --noinput -v0

run: setup static
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

# Under coverage; the report prints the total and fails below [tool.coverage.report] fail_under.
pytest: setup static
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report

test: lint typecheck migrations-check pytest

clean:
	rm -rf $(VENV) node_modules staticfiles gqlauth/static/gqlauth/vendor db.sqlite3 test-db.sqlite3
