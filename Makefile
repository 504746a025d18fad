# Two commands on a fresh machine:
#   make report   - set up .venv and build the quarterly pack on the bundled demo data
#   make test     - set up .venv with the test extras, check the house (make lint) and run every test
# And for the engineer:
#   make test-fast - the unit tests only (no notebook, no browser), on 2 cores
#   make lint      - the layering contract, ruff (lint + format), mypy, notebooks without outputs
#   make hooks     - pre-commit runs ruff and nbstripout before each commit
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := kpitools
AUTHORITY ?= Havering
PERIOD ?= latest
# Seed 002: the committee asked to be benchmarked against Barking and Dagenham too.
COMPARATORS ?= Barking and Dagenham

.PHONY: report test test-fast lint hooks lab bench browser clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp depends on pyproject.toml so that a changed dependency list reinstalls.
# A quiet install: setuptools' note on editable installs is left out (its other warnings are not).
QUIET_BUILD := PYTHONWARNINGS="ignore:Editable installation"

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(QUIET_BUILD) $(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (kpitools)" > /dev/null
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(QUIET_BUILD) $(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

venv: $(VENV)/.installed

report: $(VENV)/.installed
	$(BIN)/kpitools report --authority "$(AUTHORITY)" --period "$(PERIOD)" --comparators "$(COMPARATORS)"

# Debian's chromium and the pinned axe-core (package-lock.json) for the browser tests.
browser:
	bash scripts/install-browser.sh
	bash scripts/install-axe.sh

# Both cores; worksteal keeps them busy when the slow notebook tests bunch up.
PYTEST_WORKERS ?= 2

test: lint browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal -m "not e2e and not browser"

lint: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/nbstripout --keep-id --verify notebooks/*/*.ipynb

hooks: $(VENV)/.installed-test
	$(BIN)/pre-commit install

lab: $(VENV)/.installed
	$(BIN)/jupyter lab --notebook-dir=notebooks --LabApp.default_url=/lab/tree/explore/workbench.ipynb

bench: $(VENV)/.installed-test
	$(BIN)/python bench/bench.py

clean:
	rm -rf data/processed/* outputs/*
	git checkout -- data/processed/README.md outputs/README.md 2>/dev/null || true
