# apiconform: `make run` runs the suites against the embedded sandbox and writes reports/;
# `make test` runs the project's own tests. Both set themselves up on a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
ARGS   ?=

# Python may write its bytecode caches (some shells set PYTHONDONTWRITEBYTECODE): the tests start ~150 Python
# processes, and each would otherwise compile (and pytest re-rewrite) every module it imports, about 1 s apiece.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup node-setup test run lint selfcheck bench serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Node packages (Allure 3 for the HTML report, Prism for the independent-target tests); optional.
$(NODE_STAMP): package.json
	@if command -v npm >/dev/null 2>&1; then \
		(npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP)) \
			|| echo "npm ci failed: HTML report and Prism tests will be skipped until it succeeds"; \
	else echo "npm not found: HTML report and Prism tests will be skipped (install Node 20)"; fi

node-setup: $(NODE_STAMP)

# Two workers, one test file each at a time (module fixtures run once); the slowest files first.
SLOW_FIRST := tests/test_detection_matrix.py tests/test_example_partner_api.py tests/suites
test: setup node-setup
	$(PY) -m pytest -n 2 --dist loadfile $(SLOW_FIRST) tests examples

run: setup node-setup
	$(VENV)/bin/apiconform run $(ARGS)

selfcheck: setup
	$(VENV)/bin/apiconform selfcheck

lint: setup
	$(VENV)/bin/ruff check src tests suites bench
	$(VENV)/bin/ruff format --check src tests suites bench
	$(VENV)/bin/mypy

# Costs, rates and where the time goes (bench/README.md); never part of `make test`. ARGS=--fast for a smoke check.
bench: setup node-setup
	$(PY) -m bench $(ARGS)

serve: setup
	$(VENV)/bin/apiconform sandbox serve

clean:
	rm -rf reports/allure-results reports/html reports/junit.xml reports/results.json .pytest_cache
