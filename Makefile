# halfstep — `make run` runs the main job on the shipped baseline; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test test-fast lint bench experiments mutation lock clean

# every install is held to constraints.txt: the versions the committed results were made with
PIP = $(BIN)/python -m pip install --quiet -c constraints.txt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/halfstep run --workers 2

test: $(VENV)/.installed-test
	$(BIN)/python -m ruff check model tests experiments benchmarks
	$(BIN)/python -m pytest -n 2

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -m "not slow"

# benchmarks: the table, the targets and benchmarks/results/latest.json (a few minutes)
$(VENV)/.installed-bench: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[bench]'
	touch $(VENV)/.installed $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

# mutation testing of the core (mutmut; README, Mutation testing): CPU-heavy, not part of
# `make test`; rewrites tests/mutation/score.md and fails if a module kills fewer than 85% of its mutants
$(VENV)/.installed-mutation: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[test,mutation]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

mutation: $(VENV)/.installed-mutation
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 > mutants.log 2>&1 || { tail -c 2000 mutants.log; exit 1; }
	$(BIN)/python -m tests.mutation.report

lint: $(VENV)/.installed-test
	$(BIN)/python -m ruff check model tests experiments benchmarks

experiments: $(VENV)/.installed-test
	$(BIN)/python -m experiments.claims --workers 2

# constraints.txt anew from the newest versions pyproject.toml allows (then: make experiments, commit both)
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[test,bench,mutation]'
	{ grep '^#' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable | grep -iv '^halfstep'; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants mutants.log
