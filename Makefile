# halfstep — `make run` runs the main job on the shipped baseline; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test test-fast lint bench experiments clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/halfstep run --workers 2

test: $(VENV)/.installed-test
	$(BIN)/python -m ruff check model tests experiments benchmarks
	$(BIN)/python -m pytest -n 2

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -m "not slow"

# benchmarks: the table, the targets and benchmarks/results/latest.json (a few minutes)
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(VENV)/.installed $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

lint: $(VENV)/.installed-test
	$(BIN)/python -m ruff check model tests experiments benchmarks

experiments: $(VENV)/.installed-test
	$(BIN)/python -m experiments.claims --workers 2

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
