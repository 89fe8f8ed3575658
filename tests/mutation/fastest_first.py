"""A pytest plugin for ``make mutation``: under a mutant, run the tests that reach it fastest first.

mutmut runs, for each mutant, the tests that call the function it changes, and stops at the
first failure (``-x``). It hands them to pytest in no particular order; most mutants are
killed by some quick test, so ordering them by the time each took in mutmut's own traced
pass (``mutants/mutmut-stats.json``) makes a killed mutant cost its quickest killer, not the
whole list. Outside a mutation run (no mutant under test) the plugin changes nothing.
Loaded with ``-p tests.mutation.fastest_first`` from ``[tool.mutmut] pytest_add_cli_args``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


def _durations() -> dict[str, float]:
    for path in (Path("mutmut-stats.json"), Path("mutants") / "mutmut-stats.json"):
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8")).get("duration_by_test", {})
            except (OSError, ValueError):
                return {}
    return {}


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    took = _durations()
    if took:
        items.sort(key=lambda item: took.get(item.nodeid, took.get(f"mutants/{item.nodeid}", 1e9)))
