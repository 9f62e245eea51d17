# Mercato: the single entry point. `make run` and `make test` bootstrap everything they need.
SHELL := /bin/bash
ROOT := $(abspath .)
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := $(ROOT)/.tools
UV := $(TOOLS)/bin/uv
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
MERCATO := $(BIN)/mercato
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTEST_DISABLE_PLUGIN_AUTOLOAD := 1
PYTEST_PLUGINS := -p pytest_asyncio.plugin -p pytest_timeout
PYTEST_ARGS ?=
STOREFRONT := $(ROOT)/storefront
NPM_STAMP := $(STOREFRONT)/node_modules/.install-stamp
export NEXT_TELEMETRY_DISABLED := 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help bootstrap run serve test lint fmt typecheck test-unit test-integration migrate revision bench clean
.PHONY: run-cluster nginx docker-compose
.PHONY: cms-check dev client chromium e2e e2e-tests test-backend storefront-ready storefront-install storefront-build storefront-static storefront-check storefront-serve
.PHONY: pitr-trial backup-bench
.PHONY: prometheus monitoring-check system-packages checks-then-e2e

help:
	@echo "make run      start the whole shop (API, worker, scheduler, storefront) with demo data"
	@echo "make monitoring-check   promtool checks and alert-rule unit tests (deploy/prometheus)"
	@echo "make test     run every check (lint, types, tests)"
	@echo "make lint | fmt | typecheck | test-unit | test-integration | migrate | revision m=... | bench"
	@echo "make dev      API (reload) + storefront (next dev, hot reload)"
	@echo "make run-cluster  nginx (https://127.0.0.1:8443) + 2 API processes on PostgreSQL/Redis, worker, scheduler, storefront"
	@echo "make storefront-check | storefront-build | storefront-serve | client | e2e"

$(UV):
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (as on CI) every process would
# otherwise compile every module it imports, each time it starts (~2.5 s of CPU for the API).
$(VENV)/.synced: $(UV) backend/pyproject.toml backend/uv.lock
	@cd backend && $(UV) sync --locked --quiet --compile-bytecode
	@$(BIN)/python -m compileall -q -j0 backend/src > /dev/null
	@touch $@

bootstrap: $(VENV)/.synced

run: bootstrap storefront-ready
	@scripts/run-all.sh

serve: bootstrap
	$(MERCATO) db upgrade
	$(MERCATO) serve

migrate: bootstrap
	$(MERCATO) db upgrade

revision: bootstrap
	cd backend && $(BIN)/alembic revision --autogenerate -m "$(m)"

lint: bootstrap
	cd backend && $(BIN)/ruff check src tests migrations ../bench
	cd backend && $(BIN)/ruff format --check src tests migrations ../bench
	cd backend && $(BIN)/lint-imports --no-cache

fmt: bootstrap
	-cd backend && $(BIN)/ruff check --fix src tests migrations ../bench
	cd backend && $(BIN)/ruff format src tests migrations ../bench

typecheck: bootstrap
	cd backend && $(BIN)/mypy

test-unit: bootstrap
	cd backend && $(BIN)/python -m pytest $(PYTEST_PLUGINS) tests/unit $(PYTEST_ARGS)

test-integration: bootstrap nginx docker-compose prometheus
	cd backend && $(BIN)/python -m pytest $(PYTEST_PLUGINS) tests/integration tests/e2e $(PYTEST_ARGS)

# The system packages, the Python environment and the storefront build first; then the backend
# suite runs beside the static checks and the browser tests (two cores), each line of work's
# output printed whole when it ends.
test: system-packages bootstrap storefront-build
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-backend checks-then-e2e

# The static checks, then the browser tests: one line of work beside the backend suite.
checks-then-e2e:
	@$(MAKE) --no-print-directory lint typecheck monitoring-check storefront-static cms-check e2e-tests

# Every Debian package the checks use, with one `apt-get update` (only those missing).
system-packages:
	@scripts/system-packages.sh chromium nginx docker-compose prometheus

# Two pytest-xdist workers, a test module per worker at a time (module fixtures set up once);
# every worker has its own PostgreSQL database, cache namespace and queue prefix (tests/conftest.py).
PYTEST_WORKERS ?= 2
test-backend: bootstrap nginx docker-compose prometheus
	cd backend && $(BIN)/python -m pytest $(PYTEST_PLUGINS) -p xdist.plugin -n $(PYTEST_WORKERS) \
	  --dist loadscope -rfEs $(PYTEST_ARGS)

# ---------------------------------------------------------------- storefront (Next.js, storefront/)
$(NPM_STAMP): $(STOREFRONT)/package.json $(STOREFRONT)/package-lock.json
	cd $(STOREFRONT) && npm ci --no-audit --no-fund
	@touch $@

storefront-install: $(NPM_STAMP)

# Regenerate the typed API client (lib/api/openapi.json + schema.d.ts) from the backend.
client: bootstrap storefront-install
	$(STOREFRONT)/scripts/gen-client.sh

storefront-build: storefront-install
	cd $(STOREFRONT) && npm run build

# `make run` builds the storefront only when its sources changed since the last build.
SF_SOURCES := $(shell find $(STOREFRONT)/app $(STOREFRONT)/components $(STOREFRONT)/lib $(STOREFRONT)/public \
	-type f 2>/dev/null) $(wildcard $(STOREFRONT)/*.ts $(STOREFRONT)/*.mjs $(STOREFRONT)/package*.json)
$(STOREFRONT)/.next/BUILD_ID: $(NPM_STAMP) $(SF_SOURCES)
	@echo "building the storefront (production build, about a minute)"
	cd $(STOREFRONT) && npm run build

storefront-ready: $(STOREFRONT)/.next/BUILD_ID

# Client drift, types, lint, unit tests, then the production build (a prerequisite, so `make test`
# builds once for both this and e2e).
storefront-static: bootstrap storefront-install
	$(STOREFRONT)/scripts/gen-client.sh --check
	cd $(STOREFRONT) && npm run typecheck
	cd $(STOREFRONT) && npm run lint
	cd $(STOREFRONT) && npm test

storefront-check: storefront-static storefront-build

# ---------------------------------------------------------------- Sanity Studio schema (cms/)
CMS := $(ROOT)/cms
$(CMS)/node_modules/.install-stamp: $(CMS)/package.json $(CMS)/package-lock.json
	cd $(CMS) && npm ci --no-audit --no-fund
	@touch $@

# The Studio schema (cms/schemaTypes) type-checks against Sanity's own schema types.
cms-check: $(CMS)/node_modules/.install-stamp
	cd $(CMS) && npm run typecheck

# The production topology on one machine (docs/operations.md, "Cluster and scaling").
run-cluster: bootstrap storefront-ready nginx
	@scripts/run-cluster.sh

# Debian's nginx (make run-cluster, the cluster tests) and docker-compose (validates
# deploy/docker-compose.yml without an engine), installed when missing.
nginx:
	@scripts/system-packages.sh nginx

docker-compose:
	@scripts/system-packages.sh docker-compose

# Debian's Chromium drives the browser tests; Playwright never downloads a browser.
chromium:
	@scripts/system-packages.sh chromium

# PostgreSQL point-in-time recovery with pgBackRest on a throw-away cluster (docs/operations.md);
# not part of `make test`
pitr-trial:
	@if ! command -v pgbackrest >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y pgbackrest; \
	fi
	scripts/pitr-trial.sh

backup-bench: bootstrap
	bench/backups/measure.sh sqlite $${PRODUCTS:-240}
	bench/backups/measure.sh postgres $${PRODUCTS:-240}

# Debian's Prometheus (prometheus + promtool): the alert-rule checks and the scrape test use it.
prometheus:
	@scripts/system-packages.sh prometheus

# deploy/prometheus: the config and the rules are valid, and every alert's unit tests pass.
monitoring-check: prometheus
	promtool check config deploy/prometheus/prometheus.yml
	promtool check rules deploy/prometheus/rules/*.yml
	promtool test rules deploy/prometheus/tests/*.yml

e2e: bootstrap storefront-install chromium storefront-build
	@$(MAKE) --no-print-directory e2e-tests

# The browser tests alone, on the current build (`make test` and `make e2e` build first).
e2e-tests:
	cd $(STOREFRONT) && npx playwright test

storefront-serve: storefront-install
	@[ -f $(STOREFRONT)/.next/BUILD_ID ] || $(MAKE) --no-print-directory storefront-build
	$(STOREFRONT)/scripts/serve.sh

dev: bootstrap storefront-install
	@$(STOREFRONT)/scripts/dev.sh

bench: bootstrap
	@echo "see docs/benchmarks.md for the benchmark commands"

clean:
	rm -rf $(VENV) $(TOOLS) var backend/.pytest_cache backend/.mypy_cache backend/.ruff_cache
	rm -rf $(CMS)/node_modules
	rm -rf $(STOREFRONT)/node_modules $(STOREFRONT)/.next $(STOREFRONT)/test-results
