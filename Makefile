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
.PHONY: dev client chromium e2e e2e-tests test-backend storefront-ready storefront-install storefront-build storefront-static storefront-check storefront-serve

help:
	@echo "make run      start the whole shop (API, worker, scheduler, storefront) with demo data"
	@echo "make test     run every check (lint, types, tests)"
	@echo "make lint | fmt | typecheck | test-unit | test-integration | migrate | revision m=... | bench"
	@echo "make dev      API (reload) + storefront (next dev, hot reload)"
	@echo "make storefront-check | storefront-build | storefront-serve | client | e2e"

$(UV):
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) backend/pyproject.toml backend/uv.lock
	@cd backend && $(UV) sync --locked --quiet
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

fmt: bootstrap
	-cd backend && $(BIN)/ruff check --fix src tests migrations ../bench
	cd backend && $(BIN)/ruff format src tests migrations ../bench

typecheck: bootstrap
	cd backend && $(BIN)/mypy

test-unit: bootstrap
	cd backend && $(BIN)/python -m pytest $(PYTEST_PLUGINS) tests/unit $(PYTEST_ARGS)

test-integration: bootstrap
	cd backend && $(BIN)/python -m pytest $(PYTEST_PLUGINS) tests/integration tests/e2e $(PYTEST_ARGS)

# Static checks and the storefront build first; then the backend suite and the browser tests run side
# by side (two cores), each one's output printed whole when it ends.
test: lint typecheck storefront-check chromium
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-backend e2e-tests

test-backend: bootstrap
	cd backend && $(BIN)/python -m pytest $(PYTEST_PLUGINS) -rs $(PYTEST_ARGS)

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

# Debian's Chromium drives the browser tests; Playwright never downloads a browser.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y chromium; \
	fi

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
	rm -rf $(STOREFRONT)/node_modules $(STOREFRONT)/.next $(STOREFRONT)/test-results
