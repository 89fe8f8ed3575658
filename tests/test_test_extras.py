"""The test extra brings what the suite needs, so that no test it holds skips for want of a package.

Ciw (an independent queueing simulator) checks the escort queue in tests/test_bench.py; it is
in the ``test`` extra, and ``make test`` installs that extra — a missing Ciw is a broken
install, not a reason to skip the comparison.
"""

from __future__ import annotations

import tomllib

from tests.helpers import ROOT


def test_ciw_is_installed_with_the_test_extra():
    import ciw

    assert hasattr(ciw, "create_network")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(dep.lower().startswith("ciw") for dep in extras["test"])


def test_the_ciw_comparison_runs_and_agrees_with_erlang_c():
    from benchmarks.queues import ciw_queue, erlang_c_wait

    # one long run of a queue at 80% load: its mean wait is within a quarter of Erlang C's
    assert abs(ciw_queue(20_000, seed=2) - erlang_c_wait()) < 0.25 * erlang_c_wait()
