# Yimen: `make demo` serves the demo city, `make test` runs lint and the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint pytest bench serve worker clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip
	$(BIN)/pip install -q --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/yimen demo

serve: $(VENV)/.runtime
	$(BIN)/yimen serve

worker: $(VENV)/.runtime
	$(BIN)/yimen worker

test: lint pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check yimen tests bench
	$(BIN)/mypy yimen

pytest: $(VENV)/.dev
	$(BIN)/python -m pytest

bench: $(VENV)/.dev
	$(BIN)/python bench/workdays.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
