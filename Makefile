# One task runner for everything; `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PARTICIPATION_QUIET ?= 1

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the package with its test tools

demo: $(STAMP) ## set up and run the demo on http://127.0.0.1:8000 (SQLite, demo data, phone simulator)
	DEMO_MODE=1 $(BIN)/participation demo
	DEMO_MODE=1 $(BIN)/participation serve --host 127.0.0.1 --port 8000

system-deps: ## Chromium, fonts and wrk for browser tests and benchmarks (Debian/Ubuntu)
	@bash tests/browser/install-system-deps.sh

browser-deps: ## axe-core for the accessibility scans (npm)
	@cd tests/browser && (test -d node_modules/axe-core || npm ci --no-audit --no-fund --silent)

test: $(STAMP) system-deps browser-deps ## set up and run the whole test suite
	$(BIN)/ruff check participation tests
	$(BIN)/ruff format --check participation tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory translations-check
	$(MAKE) --no-print-directory audit-if-reachable
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

audit: $(STAMP) ## dependency audit with pip-audit (needs api.osv.dev or pypi.org)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off \
		--vulnerability-service $${AUDIT_SERVICE:-osv} \
		$(AUDIT_ARGS)

audit-if-reachable: $(STAMP) ## the audit where a vulnerability service answers, else a notice
	@service="$$($(BIN)/python -m tests.trust.audit_reachable)"; \
	if [ -n "$$service" ]; then \
		$(MAKE) --no-print-directory audit AUDIT_SERVICE=$$service; \
	else \
		echo "!!! DEPENDENCY AUDIT SKIPPED: neither api.osv.dev nor pypi.org's release data"; \
		echo "!!! answered from here. Run 'make audit' where they do (see README, Operations)."; \
	fi

lint: $(STAMP) ## ruff lint and format check, mypy on participation/, the import contract (floors point down)
	$(BIN)/ruff check participation tests
	$(BIN)/ruff format --check participation tests
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP) ## format the code
	$(BIN)/ruff format participation tests
	$(BIN)/ruff check --fix participation tests

translations-extract: $(STAMP) ## refresh locales/messages.pot and update every catalog
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-pot-creation-date

translations-check: $(STAMP) ## the catalogs match the code, compile, and are complete
	$(BIN)/python -m participation.i18n.check

migration: $(STAMP) ## every schema change: a new Alembic revision from the models, m="what changed" (0001 is frozen)
	$(BIN)/alembic revision --autogenerate -m "$(m)"

migrate: $(STAMP) ## apply migrations to DATABASE_URL
	$(BIN)/participation migrate

bench: $(STAMP) system-deps ## the benchmark: prints the table, writes bench-results/*.json
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

.PHONY: audit audit-if-reachable help install demo system-deps browser-deps test lint format translations-extract translations-check migration migrate bench
