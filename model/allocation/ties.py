"""One plan among equally good ones — DESIGN.md, *The allocator*.

An LP often has many optimal solutions: two tiers that value a dimension alike, a
dimension that costs nothing, a capacity that binds whichever tier gets the seat. Which
of them a solver returns depends on its version and its path, so a plan, and every number
simulated from it, would change with an upgrade of HiGHS or a switch to CBC. The allocator
therefore picks a canonical optimum, in two more solves of the same LP:

1. keep the objective at its optimum and spend the least (service and expansion cost):
   of equally valuable plans, the cheapest;
2. keep that spend too and minimize a fixed, generic weighting of the levels and
   expansions (weights drawn once from a seeded generator): its optimum is a single
   vertex, the same whichever solver finds it.

The first solution itself meets both added rows, so neither solve can be infeasible; the
rows hold to the solver's feasibility tolerance (1e-7), which is all the objective can lose.
The duals (shadow prices) are those of the original LP; slacks are those of the plan chosen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from model.allocation.lp import LinearProgram, Solution, row_slack

__all__ = ["canonical_solution"]

_SEED = 20171001  # the generic weights of step 2; fixed, so the tie-break is too


def _with_row(lp: LinearProgram, coef: np.ndarray, lower: float, upper: float, cost: np.ndarray) -> LinearProgram:
    cols = np.flatnonzero(coef)
    m = lp.shape[0]
    return dataclasses.replace(
        lp,
        cost=cost,
        start=np.append(lp.start, lp.start[-1] + len(cols)).astype(lp.start.dtype),
        index=np.concatenate([lp.index, cols]).astype(lp.index.dtype),
        value=np.concatenate([lp.value, coef[cols]]).astype(float),
        row_lower=np.append(lp.row_lower, lower),
        row_upper=np.append(lp.row_upper, upper),
        row_names=lambda: [*lp.row_names(), f"tie_{m}"],
        offset=0.0,
    )


def canonical_solution(
    lp: LinearProgram,
    first: Solution,
    spend: np.ndarray,
    decisions: np.ndarray,
    solve: Callable[[LinearProgram], Solution],
) -> Solution:
    """The canonical optimum of ``lp`` given its first optimal solution.

    ``spend`` is the cost of each column in CNY (levels and expansions; 0 elsewhere),
    ``decisions`` the columns a plan reads (levels and expansions), ``solve`` the solver
    to use. A step whose solve fails keeps the previous step's solution.
    """
    if not first.optimal or lp.shape[1] == 0:
        return first
    x = first.x
    z = float(lp.cost @ x)
    tie = _with_row(lp, lp.cost, z, np.inf, -spend)
    cheapest = solve(tie)
    if cheapest.optimal:
        x = cheapest.x
        s = float(spend @ x)
        weights = np.zeros(lp.shape[1])
        weights[decisions] = np.random.default_rng(_SEED).uniform(1.0, 2.0, len(decisions))
        one = solve(_with_row(tie, spend, -np.inf, s, -weights))
        if one.optimal:
            x = one.x
    if x is first.x:
        return first
    m = lp.shape[0]
    activity = np.zeros(m)
    rows = np.repeat(np.arange(m), np.diff(lp.start))
    np.add.at(activity, rows, lp.value * x[lp.index])
    return dataclasses.replace(first, x=x, slack=row_slack(lp, activity) if m else np.zeros(0))
