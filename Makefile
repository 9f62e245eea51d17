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

.PHONY: help bootstrap run serve test lint fmt typecheck test-unit test-integration migrate revision bench clean

help:
	@echo "make run      start the whole shop (API, worker, scheduler) with demo data"
	@echo "make test     run every check (lint, types, tests)"
	@echo "make lint | fmt | typecheck | test-unit | test-integration | migrate | revision m=... | bench"

$(UV):
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) backend/pyproject.toml backend/uv.lock
	@cd backend && $(UV) sync --locked --quiet
	@touch $@

bootstrap: $(VENV)/.synced

run: bootstrap
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

test: lint typecheck
	cd backend && $(BIN)/python -m pytest $(PYTEST_PLUGINS) -rs $(PYTEST_ARGS)

bench: bootstrap
	@echo "see docs/benchmarks.md for the benchmark commands"

clean:
	rm -rf $(VENV) $(TOOLS) var backend/.pytest_cache backend/.mypy_cache backend/.ruff_cache
