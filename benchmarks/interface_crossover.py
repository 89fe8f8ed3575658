"""``python -m benchmarks.interface_crossover [ACCOUNTS …]``: PuLP against the direct path, LP by LP size.

Solves the halfstep LP of the baseline and of books with one tier per account
(:func:`benchmarks.scenarios.account_tiers`) through both interfaces, best of a few
calls, and prints each path's time per solve (load and HiGHS's own), PuLP's extra time
over the direct path, and whether both returned the same solution. ``allocator.interface
= "auto"`` takes its threshold (:data:`model.allocation.lp.AUTO_DIRECT_NONZEROS`) from
this table: the size from which PuLP's loading adds more than about 50 ms to every solve.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np

from model.allocation.allocator import build_lp
from model.allocation.lp import AUTO_DIRECT_NONZEROS, LinearProgram, solve
from model.allocation.spec import LPSpec
from model.scenario.loading import load_scenario
from model.scenario.schema import Scenario

from .scenarios import account_tiers

__all__ = ["ACCOUNTS", "crossover_row", "main"]

#: Books measured by default (one tier per account), besides the baseline.
ACCOUNTS = (10, 20, 40, 60, 80, 100, 150, 200, 300, 1_000)


def _best(lp: LinearProgram, interface: str, repeats: int) -> tuple[float, float, float, np.ndarray]:
    """(wall, load, HiGHS) seconds of the fastest of ``repeats`` solves, and its solution."""
    best: tuple[float, float, float, np.ndarray] | None = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        solution = solve(lp, "highs", 120.0, interface)
        wall = time.perf_counter() - t0
        if best is None or wall < best[0]:
            best = (wall, solution.load_seconds, solution.solve_seconds, solution.x)
    assert best is not None
    return best


def crossover_row(scenario: Scenario, repeats: int) -> dict[str, Any]:
    """Both paths' times on the scenario's halfstep LP."""
    lp = build_lp(scenario, LPSpec("halfstep", lead=0.5)).lp
    pulp, direct = _best(lp, "pulp", repeats), _best(lp, "direct", repeats)
    return {
        "columns": lp.shape[1],
        "nonzeros": len(lp.value),
        "pulp_seconds": pulp[0],
        "pulp_load_seconds": pulp[1],
        "direct_seconds": direct[0],
        "direct_load_seconds": direct[1],
        "highs_seconds": direct[2],
        "pulp_extra_seconds": pulp[0] - direct[0],
        "same_solution": bool(np.array_equal(pulp[3], direct[3])),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    books = tuple(int(a) for a in args) or ACCOUNTS
    warnings.simplefilter("ignore")  # account books may have tiers that lose money on a trip: not the point here
    print(f"auto takes the direct path from {AUTO_DIRECT_NONZEROS:,} nonzeros")
    print(
        f"{'LP':>16} {'columns':>8} {'nonzeros':>9} {'PuLP ms':>9} {'(load)':>8} {'direct ms':>10} {'(load)':>7}"
        f" {'HiGHS ms':>9} {'PuLP load / HiGHS':>18} {'PuLP extra ms':>14}  same"
    )
    for label, scenario, repeats in [
        ("baseline", load_scenario(), 7),
        *((f"{n:,} accounts", account_tiers(n), 5 if n <= 300 else 2) for n in books),
    ]:
        r = crossover_row(scenario, repeats)
        print(
            f"{label:>16} {r['columns']:>8,} {r['nonzeros']:>9,} {1e3 * r['pulp_seconds']:>9.1f}"
            f" {1e3 * r['pulp_load_seconds']:>8.1f} {1e3 * r['direct_seconds']:>10.1f}"
            f" {1e3 * r['direct_load_seconds']:>7.1f} {1e3 * r['highs_seconds']:>9.1f}"
            f" {r['pulp_load_seconds'] / r['highs_seconds']:>18.2f} {1e3 * r['pulp_extra_seconds']:>14.1f}"
            f"  {'yes' if r['same_solution'] else 'NO'}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
