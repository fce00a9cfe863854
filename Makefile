# Two commands matter: `make run` (set up and serve the tutorial's system) and `make test`;
# `make serve` runs the same system in production mode.
# Variables: PYTHON (interpreter for the venv), VENV (its folder), DJANGO (e.g. 5.2 or 6.1;
# empty = newest release the interpreter supports), DATABASE_URL (default: SQLite file),
# PACKAGING (1: pytest also runs tests/test_packaging.py, see below), GATEWAY (1: pytest also
# runs tests/gateway/, our subgraph behind Hive Gateway, see below).

PYTHON ?= python3
VENV ?= .venv
DJANGO ?=
HOST ?= 127.0.0.1
PORT ?= 8000
# gunicorn workers of `make serve`; empty: WEB_CONCURRENCY, else 2 per core plus one.
WORKERS ?=

# PACKAGING=1 runs the packaging test: build the sdist and wheel, install the wheel into a fresh
# venv and serve a new project with it (a minute or two; needs PyPI). .ci/run sets it on one run.
ifneq ($(PACKAGING),)
export GQLAUTH_PACKAGING := $(PACKAGING)
endif

# GATEWAY=1 installs Hive Gateway and the federation composer from gateway/package-lock.json
# (about 510 MB, hence never by default, nor by `make run`) and runs tests/gateway/: the
# permission matrix, directly and through the gateway. .ci/run sets it on one run.
ifneq ($(GATEWAY),)
export GQLAUTH_GATEWAY := $(GATEWAY)
endif

BIN := $(VENV)/bin
# DEBUG is off unless asked for (project/settings.py); the development commands below ask for
# it, which gives them a built-in SECRET_KEY and the issuer from the request. Tests and mypy
# load tests/settings.py instead, which keeps DEBUG off.
DEV := DEBUG=1
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(DJANGO)
NPM ?= npm
# Written after `npm ci` has installed the pinned GraphiQL packages and copied their bundles
# into gqlauth/static/gqlauth/vendor/ (tools/ide-assets.mjs, run as npm's postinstall), and
# graphql-http, whose GraphQL-over-HTTP audit pytest runs (tools/graphql-http-audit.mjs).
ASSETS_STAMP := node_modules/.gqlauth-assets
# Written after `npm ci` in gateway/ (a package of its own, so the IDE's install stays small).
GATEWAY_STAMP := gateway/node_modules/.gqlauth-gateway

.PHONY: run serve serve-env bench-compare bench-cleartokens test lint typecheck migrations-check pytest setup check-python clean assets static gateway-packages

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

$(GATEWAY_STAMP): gateway/package.json gateway/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "npm (Node.js 20 or newer) is needed to install Hive Gateway, e.g. apt-get install nodejs npm." >&2; exit 1; }
	cd gateway && $(NPM) ci --no-audit --no-fund
	@touch $@

# Hive Gateway and @theguild/federation-composition, pinned in gateway/package-lock.json.
gateway-packages: $(GATEWAY_STAMP)

# Collected into STATIC_ROOT, where whitenoise serves them when DEBUG is off.
static: setup assets
	$(DEV) $(PY) manage.py collectstatic --noinput -v0

run: setup static
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py bootstrapdemo --port $(PORT)
	$(DEV) $(PY) manage.py runserver $(HOST):$(PORT)

# Production mode (README, "Serving in production"): gunicorn with several workers, DEBUG off,
# SECRET_KEY and ALLOWED_HOSTS from the environment, and OAUTH2_ISSUER when set, else derived
# from the first ALLOWED_HOSTS entry (https://HOST; http://HOST:PORT for a loopback host; a
# wildcard is refused). serve-env checks all that first, before any set-up, with the same
# --bind; the database comes from DATABASE_URL; scripts/serve.py runs the deployment checks,
# migrations and collectstatic, then gunicorn.
serve-env:
	@$(PYTHON) scripts/serve.py --check-env --bind $(HOST):$(PORT)

serve: serve-env setup assets
	$(PY) scripts/serve.py --bind $(HOST):$(PORT) $(if $(WORKERS),--workers $(WORKERS))

# Benchmarks (bench/README.md): they print figures and assert nothing; make test never runs them.
# gqlauth against django-oauth-toolkit + DRF (their packages go into a separate virtualenv).
bench-compare: setup
	$(PY) bench/compare.py

# cleartokens on a million expired tokens in a throwaway SQLite database.
bench-cleartokens: setup
	$(PY) bench/cleartokens.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

migrations-check: setup
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

# Under coverage; the report prints the total and fails below [tool.coverage.report] fail_under.
pytest: setup static $(if $(filter 1,$(GATEWAY)),gateway-packages)
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage report

test: lint typecheck migrations-check pytest

clean:
	rm -rf $(VENV) node_modules gateway/node_modules gateway/supergraph.graphql staticfiles gqlauth/static/gqlauth/vendor db.sqlite3 test-db.sqlite3
