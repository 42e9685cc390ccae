# Carbon Ledger: `make help` lists the targets. Each target bootstraps .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help

$(BIN)/carbonledger: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: demo
demo: $(BIN)/carbonledger ## build a demo city on SQLite in ./data and serve it
	$(BIN)/carbonledger demo

.PHONY: test
test: $(BIN)/carbonledger ## run the whole test suite (PostgreSQL and browser tests skip when absent)
	$(BIN)/pytest $(ARGS)

.PHONY: lint
lint: $(BIN)/carbonledger ## ruff and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

.PHONY: constraints
constraints: $(BIN)/carbonledger ## pin what the virtualenv holds into constraints.txt
	{ sed -n '1,3p' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^carbonledger'; } > constraints.new
	mv constraints.new constraints.txt

.PHONY: bench
bench: $(BIN)/carbonledger ## run every benchmark and print its figures
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done
