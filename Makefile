# Two commands do all the set-up on a fresh machine with Python 3.11+ and pip:
#   make demo   creates .venv, installs the hub and its plugins, runs `hub demo`
#   make test   the same installation, then the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := -e '.[test]' -e plugins/zoom -e plugins/ticketing_stub -e plugins/crm_stub -e plugins/jitsi

.PHONY: install demo test bench lint format

$(BIN)/.installed: pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PACKAGES)
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/hub demo

test: install
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench.run

lint: install
	$(BIN)/ruff check hub plugins tests bench
	$(BIN)/ruff format --check hub plugins tests bench

format: install
	$(BIN)/ruff format hub plugins tests bench
	$(BIN)/ruff check --fix hub plugins tests bench
