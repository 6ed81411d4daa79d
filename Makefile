# Yimen: `make demo` serves the demo city, `make test` runs lint and the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint security audit pytest bench serve worker clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -U pip setuptools
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

test: lint security pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check yimen tests bench scripts
	$(BIN)/mypy yimen

# Static security checks (GB/T 22239-2019 8.1.4.4 e), about 8 s on an idle machine (bandit 3 s, the audit about 5 s).
# bandit: medium and high findings fail; each one kept carries `# nosec Bxxx  # why` on its line.
# Its warnings about those comments go to var/bandit.log, shown only when it fails.
# Dependency audit: pip-audit with PyPI's per-release JSON (/pypi/NAME/VERSION/json) where that answers. The
# project's machines and CI get 404 there (pip-audit would skip every package yet print "No known
# vulnerabilities found"), so the script reads each project's JSON (/pypi/NAME/json) instead, whose
# vulnerabilities are those of the latest release: a package at its latest release is audited, one behind it
# only partly (a vulnerability fixed in between is not listed), one without an answer is NOT AUDITED.
# A vulnerability found fails make test; `make audit` also fails on any package not fully audited.
security: $(VENV)/.dev
	@mkdir -p var
	$(BIN)/bandit -c pyproject.toml -r yimen -ll -q 2>var/bandit.log || { cat var/bandit.log; exit 1; }
	$(BIN)/python scripts/audit_dependencies.py

audit: $(VENV)/.dev
	$(BIN)/python scripts/audit_dependencies.py --strict

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
