# Two commands on a fresh machine:
#   make report   - set up .venv and build the quarterly pack on the bundled demo data
#   make test     - set up .venv with the test extras and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := kpitools
AUTHORITY ?= Havering
PERIOD ?= latest
# Seed 002: the committee asked to be benchmarked against Barking and Dagenham too.
COMPARATORS ?= Barking and Dagenham

.PHONY: report test lab bench browser clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamp depends on pyproject.toml so that a changed dependency list reinstalls.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (kpitools)" > /dev/null
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

report: $(VENV)/.installed
	$(BIN)/kpitools report --authority "$(AUTHORITY)" --period "$(PERIOD)" --comparators "$(COMPARATORS)"

# Debian's chromium and the pinned axe-core (package-lock.json) for the browser tests.
browser:
	bash scripts/install-browser.sh
	bash scripts/install-axe.sh

test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest

lab: $(VENV)/.installed
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: $(VENV)/.installed-test
	$(BIN)/python bench/bench.py

clean:
	rm -rf data/processed/* outputs/*
	git checkout -- data/processed/README.md outputs/README.md 2>/dev/null || true
