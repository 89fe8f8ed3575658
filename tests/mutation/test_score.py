"""tests/mutation/score.md stays in step with the code: the modules mutated, their scores, the equivalent mutants.

``make mutation`` (mutmut, not part of ``make test``) rewrites score.md; this test, part of
``make test``, fails when the committed report no longer describes what ``make mutation``
would mutate — a core module left out of the configuration, a module renamed or removed, an
equivalent mutant named for a function that is gone — or when a module is below the threshold.
"""

from __future__ import annotations

import ast
import re
import tomllib

import pytest

from tests.helpers import ROOT
from tests.mutation.report import EQUIVALENT, SCORE, THRESHOLD, load_equivalents, mutated_modules

#: The core a mutation run must cover: the value function, the allocator (LP build and its columns, nesting, the
#: contribution iterations), delivery, choice and loyalty, the escort pool, the simulator's per-trip
#: logic (its trip loop and the capacity its trips draw on), the statistics and the sweep store that resumes.
CORE = (
    "model/allocation/value.py",
    "model/allocation/allocator.py",
    "model/allocation/columns.py",
    "model/allocation/nesting.py",
    "model/allocation/contribution.py",
    "model/simulation/loyalty.py",
    "model/simulation/escort.py",
    "model/simulation/simulator.py",
    "model/simulation/capacity.py",
    "model/stats.py",
    "model/sweep/store.py",
)

ROW = re.compile(
    r"^\| `(?P<module>[^`]+)` \| (?P<mutants>\d+) \| (?P<killed>\d+) \| (?P<survived>\d+) \| (?P<equivalent>\d+) \|"
)


def _score_rows() -> dict[str, dict[str, int]]:
    rows = {}
    for line in SCORE.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows[m["module"]] = {k: int(m[k]) for k in ("mutants", "killed", "survived", "equivalent")}
    return rows


def _functions(module: str) -> set[str]:
    """Every function and method of a module, as ``name`` and ``Class.name``."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out.add(node.name)
        elif isinstance(node, ast.ClassDef):
            out |= {f"{node.name}.{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    return out


def test_every_core_module_is_mutated_and_every_mutated_module_exists():
    modules = mutated_modules()
    assert set(CORE) <= set(modules), f"not mutated: {sorted(set(CORE) - set(modules))}"
    for module in modules:
        assert (ROOT / module).is_file(), module


def test_the_score_lists_exactly_the_mutated_modules_in_order():
    assert list(_score_rows()) == mutated_modules(), "run 'make mutation' to rewrite tests/mutation/score.md"


@pytest.mark.parametrize("module", mutated_modules())
def test_each_module_kills_enough_of_its_mutants(module):
    row = _score_rows()[module]
    assert row["killed"] + row["survived"] + row["equivalent"] == row["mutants"]
    judged = row["mutants"] - row["equivalent"]
    assert judged > 0 and row["killed"] / judged >= THRESHOLD, row


def test_equivalent_mutants_are_justified_and_named_for_functions_that_exist():
    equivalents = load_equivalents()
    rows = _score_rows()
    assert set(equivalents) <= set(mutated_modules())
    for module, entries in equivalents.items():
        functions = _functions(module)
        for e in entries:
            assert e.function in functions, f"{module}: no function {e.function}"
            assert e.change.startswith("- ") and " → +" in e.change, e  # "→ +" alone: a deleted line
            assert e.why.strip() and "\n" not in e.why.strip(), f"{module}: {e.function}: one line of why"
        assert rows[module]["equivalent"] == len(entries), f"{module}: score.md and {EQUIVALENT.name} disagree"


def test_the_mutation_tool_is_an_extra_pinned_in_the_constraints_and_its_tests_exist():
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.startswith("mutmut") for d in doc["project"]["optional-dependencies"]["mutation"])
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("mutmut==") for line in pins)
    for path in doc["tool"]["mutmut"]["pytest_add_cli_args_test_selection"]:
        assert (ROOT / path).is_file(), path
    assert "mutation:" in (ROOT / "Makefile").read_text(encoding="utf-8")
