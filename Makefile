# building-bot: every target does its own set-up on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help console run test test-postgres lint bench bench-postgres clean
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | expand -t 15

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

console: $(STAMP)  ## start the bot locally, no token, no network
	$(BIN)/building-bot console

run: $(STAMP)  ## run against Telegram (needs config.toml or BUILDING_BOT_TOKEN)
	$(BIN)/building-bot run

test: $(STAMP)  ## the whole suite
	$(BIN)/python -m pytest

test-postgres: $(STAMP)  ## on a throwaway PostgreSQL from this machine's binaries: the tests marked postgres, then the whole suite
	@$(BIN)/python -m tests.postgres
	$(BIN)/python -m pytest -m postgres
	BUILDING_BOT_TEST_DATABASE=postgres $(BIN)/python -m pytest -m "not postgres"

lint: $(STAMP)  ## ruff, mypy on bot/ handlers/ storage/ ([tool.mypy]), the layers' import contracts ([tool.importlinter])
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)  ## the benchmarks of README's "Performance and reliability"
	@for f in bench/parse.py bench/throughput.py bench/burst.py bench/lockdown.py bench/reports.py bench/startup.py bench/postgres.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

bench-postgres: $(STAMP)  ## the same scenarios on a throwaway PostgreSQL (the machine's binaries), and bench/postgres.py
	@for f in bench/burst.py bench/lockdown.py; do echo "== $$f (PostgreSQL)"; BUILDING_BOT_BENCH_DATABASE=postgres $(BIN)/python $$f || exit 1; done
	@echo "== bench/postgres.py"; $(BIN)/python bench/postgres.py

clean:  ## remove the virtualenv and test caches
	rm -rf $(VENV) .pytest_cache .hypothesis
