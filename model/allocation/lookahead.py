"""A plan that looks ahead at the references it creates — DESIGN.md, *Expectations that move* and *The allocator*.

With ``allocator.lookahead = k`` an LP policy plans this period and the next k together:
period j has its own levels y_j (tier × dimension) under the allocator's own constraints
(capacities, budget, nesting, floors, expansions) and its own objective, and the periods
are linked by the expectations' dynamics, per tier and dimension (:mod:`model.allocation.paths`)::

    e_{j+1} = max( floor,  e_j + κ_up·(y_j − e_j)   if y_j > e_j
                           e_j − κ_down·(e_j − y_j)  otherwise )
    r_j     = max(e_j, competitor level)           e_0 the tier's expectation today

The plan maximizes the sum over the k + 1 periods of the allocator's objective (periods
weighted alike), each period's PV taken against its own reference r_j, and keeps period 0's
levels: the rolling plan re-plans every period. With k = 0 it is the allocator itself (this
module is not called). The step Δ of each tier is today's throughout, as in a multi-period
run's planning of one period. The objectives ``value`` and ``net_value`` solve one k-period
LP (or MILP, below: :func:`lookahead_path`, built by :mod:`model.allocation.path_lp`);
``contribution`` solves a sequence of such LPs over the path
(:mod:`model.allocation.contribution_path`, whose docstring says how it keeps the plan exact).

**Exactness** (``value``, ``net_value``). u is concave and nondecreasing, so a period's PV,
Σ w·u(y − r), is concave in (y, r) and nonincreasing in r: the segment encoding of the
allocator holds with r a column (the shortfall segment's width becomes the row s0 ≤ r, the
constant −λ·w·r a cost on r). When κ_up ≥ κ_down the update is the maximum of three affine
maps of (y_j, e_j), convex and nondecreasing in e_j, so r_j is a convex function of the
earlier levels and the epigraph rows e_{j+1} ≥ each map, r_j ≥ e_j, r_j ≥ competitor are a
relaxation that the objective pushes down onto the dynamics: an LP. Only one kind of row
rewards a higher reference — a later period's lead cap y_j ≤ max(r_j + lead·Δ, floor) — so
after solving, the levels are checked against the caps at the references they really create.
If every cap holds there, those levels with those references are feasible for the exact
problem and score at least the relaxation's optimum: they are optimal. If a cap does not hold
(or κ_down > κ_up, when the update is the *minimum* of the two maps and not convex), the exact
problem is solved as a MILP instead: every max and min above is stated as an equality with one
binary per piece choice (big-M = 1: every level, expectation and reference lies in [0, 1]),
per tier, dimension and period. A MILP has no shadow prices: the plan's are NaN and its notes
say so.

**Not modelled.** The planner sees a tier's expectation, not its accounts': the dynamics are
the tier's, as if each account experienced the planned level. The floor is ``floor_share``
of the expectation the plan starts from (a multi-period run floors each account at its first
period's expectation, which a later period's plan does not see).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import AllocatorLP, allocate, plan_from_solution
from model.allocation.contribution import contribution_plan
from model.allocation.contribution_path import ContributionPath, contribution_path
from model.allocation.lp import LinearProgram, Solution, solve
from model.allocation.path_lp import BIG_M, PathLP, build_path_lp, check_path_policy
from model.allocation.paths import CAP_TOLERANCE, Lookahead, dynamics, path_objective, references
from model.allocation.paths import caps_hold as _caps_hold
from model.allocation.plan import Plan
from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.allocation.ties import canonical_solution

__all__ = [
    "BIG_M",
    "CAP_TOLERANCE",
    "ContributionPath",
    "Lookahead",
    "LookaheadPath",
    "contribution_path",
    "dynamics",
    "lookahead_path",
    "lookahead_plan",
    "path_objective",
    "references",
]


@dataclass(frozen=True)
class LookaheadPath:
    """The solved k-period problem: every period's levels and the references they create."""

    levels: np.ndarray  # (k + 1, T, D)
    expectations: np.ndarray  # (k + 1, T, D)
    references: np.ndarray  # (k + 1, T, D)
    objective: float  # the sum of the periods' objectives (CNY)
    method: str  # "LP" or "MILP"
    solves: int
    build_seconds: float
    solve_seconds: float
    first: AllocatorLP  # period 0's LP, its columns first in the k-period problem
    solution: Solution  # period 0's part of the solution (its columns and rows)


def lookahead_path(problem: PlanningProblem, spec: LPSpec, k: int | None = None) -> LookaheadPath:
    """Solve the k-period problem of ``spec``'s objective (``k`` defaults to ``allocator.lookahead``).

    The objective is the allocator LP's (net value, or perceived value): the LP (κ_up ≥
    κ_down) is solved first; its levels are kept when every later period's lead cap holds at
    the references they create (then they are optimal, see the module's note), otherwise the
    MILP is solved. κ_down > κ_up goes to the MILP directly. The contribution objective's path
    is :func:`~model.allocation.contribution_path.contribution_path`.
    """
    check_path_policy(problem, spec)
    a = problem.scenario.allocator
    k = a.lookahead if k is None else k
    dyn = dynamics(problem)
    T, D = problem.values.reference.shape
    solved: list[Solution] = []
    build = 0.0

    def run(lp: LinearProgram) -> Solution:
        solved.append(solve(lp, a.solver, a.time_limit_seconds, a.interface))
        return solved[-1]

    def attempt(exact: bool) -> tuple[PathLP, Solution, np.ndarray]:
        nonlocal build
        t0 = time.perf_counter()
        built = build_path_lp(problem, spec, k, exact)
        build += time.perf_counter() - t0
        first = run(built.lp)
        if not first.optimal:
            return built, first, np.zeros((k + 1, T, D))
        solution = canonical_solution(built.lp, first, built.spend, built.decisions, run)
        levels = np.stack([solution.x[c].reshape(T, D) for c in built.levels])
        return built, solution, np.clip(levels, 0.0, 1.0)

    method = "LP"
    if dyn.up >= dyn.down:
        built, solution, levels = attempt(exact=False)
        exact_needed = solution.optimal and not _caps_hold(problem, spec, levels, references(dyn, levels)[1])
    else:
        exact_needed = True
    if exact_needed:
        method = "MILP"
        built, solution, levels = attempt(exact=True)
    exp, ref = references(dyn, levels)
    m0 = built.first.lp.shape[0]
    n0 = built.first.lp.shape[1]
    dual = solution.dual[:m0] if method == "LP" else np.full(m0, np.nan)
    part = replace(solution, x=solution.x[:n0], slack=solution.slack[:m0], dual=dual)
    return LookaheadPath(
        levels=levels,
        expectations=exp,
        references=ref,
        objective=float(built.lp.cost @ solution.x + built.lp.offset) if solution.optimal else float("nan"),
        method=method,
        solves=len(solved),
        build_seconds=build + sum(s.load_seconds for s in solved),
        solve_seconds=sum(s.solve_seconds for s in solved),
        first=built.first,
        solution=part,
    )


def lookahead_plan(problem: PlanningProblem, spec: LPSpec) -> Plan:
    """An LP policy's plan that looks ahead ``allocator.lookahead`` periods: period 0's levels of the k-period optimum.

    Under ``allocator.objective = "contribution"`` the k-period optimum is the sequence of LPs
    of :func:`~model.allocation.contribution_path.contribution_path`; under the others, the
    LP (or MILP) of :func:`lookahead_path`. With expectations that do not move (κ_up = κ_down
    = 0) every period is today's problem again: the plan is the allocator's own
    (:func:`~model.allocation.allocator.allocate`, or under contribution
    :func:`~model.allocation.contribution.contribution_plan`).
    """
    check_path_policy(problem, spec)
    dyn = dynamics(problem)
    k = problem.scenario.allocator.lookahead
    contribution = problem.scenario.allocator.objective == "contribution"
    if dyn.up == 0.0 and dyn.down == 0.0:
        return contribution_plan(problem, spec) if contribution else allocate(problem, spec)
    if contribution:
        return contribution_path(problem, spec, k).plan
    path = lookahead_path(problem, spec, k)
    notes = [
        f"looks ahead {k} period{'s' if k != 1 else ''} ({path.method}): the expectations move toward the planned "
        f"levels (adapt_up {dyn.up:g}, adapt_down {dyn.down:g}); the plan is the first period's levels"
    ]
    if path.method == "MILP":
        notes.append("shadow prices are not defined for a MILP (NaN)")
    return plan_from_solution(
        spec,
        path.first,
        path.solution,
        build_seconds=path.build_seconds,
        solve_seconds=path.solve_seconds,
        iterations=path.solves,
        notes=tuple(notes),
    )
