"""The contribution objective over a path of periods — DESIGN.md, *The allocator* and *Expectations that move*.

With ``allocator.objective = "contribution"`` and ``allocator.lookahead = k`` the plan maximizes
the airline's contribution over this period and the next k::

    Σ_j F_j(y_j; r_j),   F_j = Σ_t n_jt · (margin·fare_t − C_t(y_j)) − expansion cost_j
    n_jt = m_t · logistic(β0_t + β_PV·(PV_t(y_j; r_j) − PV_comp_t(r_j)) + β_c·closeness0_t)

where r_j follows the dynamics from the earlier levels (:mod:`model.allocation.paths`) and, in
period j, both our offer and the competitor's are judged against r_j:
PV_comp_t(r) = Σ_d w·u(competitor_d − r_d). It keeps period 0's levels (a rolling plan).

**The sequence.** As for one period (:mod:`model.allocation.contribution`, the same rules): each
step is the k-period LP of :mod:`model.allocation.path_lp` with period j's PV weighted by
w_jt = n'_jt·(margin·fare_t − C_t(y_j)) (0 where a trip loses money) and its trips held at
n_jt, both at the current path (capacities and the budget hold at those trips); −PV_comp,
convex in r, is linearized there as a cost w_jt·λ·w_td on each r_j (exact: r ≥ the
competitor's level puts u(competitor − r) on its shortfall piece). Every period's levels stay
in the trust region |y_j − y_j,cur| ≤ δ; a step is taken only when the true path contribution
rises and the path fits — every period's capacities and budget at the trips it wins, every
later lead cap at the references it creates; a step that gains but does not fit is cut back
along its segment to the farthest point that fits; from a path that overruns, one that
overruns less is taken. δ grows ×1.5 on a step taken and halves otherwise; the sequence stops
as the one-period one does, and the last step is solved once more for the canonical optimum
among ties (kept unless it loses contribution or overruns more). It starts from the myopic
path (each period's net-value plan at the references the earlier ones create) or a path
given. With k = 0 it is :func:`~model.allocation.contribution.contribution_plan`, LP for LP.

**The references in the step LP.** The LP objectives' k-period LP relaxes the dynamics
(e_{j+1} ≥ each piece, r_j ≥ e_j, r_j ≥ competitor) because its objective pushes a reference
*down*. Here it pulls it *up*: with λ ≥ 1 a higher r_j lowers our PV by at most what it lowers
the competitor's, so the relative value that wins trips never falls. The relaxation would
inflate every reference a later period leads, the check at the true references would fail at
nearly every step, and the MILP fallback is far too slow for every step (the baseline's
five-period MILP of net value took 143 s, its LP a third of a second). So each step states
the dynamics by the pieces that hold at the current path (:func:`~model.allocation.paths.pieces_at`):
e_j ≤ the update's active piece (κ_up's or κ_down's; both, and exact, where the update is
their minimum), e_j ≤ floor where the floor holds, r_j ≤ e_j or r_j ≤ competitor. Each piece
is at most the true max: the LP's references are at most the true ones and equal to them at
the current path, so a step never credits a reference its levels would not create and meets
every later lead cap at the true references. Caps are still checked there (a point cut back
on a segment may leave them, a reference being convex in the levels): a path that leaves one
does not fit.

**Past the kinks.** A piece that does not hold at the current path is invisible to the step:
a reference at the competitor's level stays there in the LP however far an earlier level
rises, though a little more would lift the expectation past it. So where the sequence would
stop, it probes: the same steps from a region of the whole range (δ = :data:`PROBE`, halving
as before), with the other piece wherever the path can reach it within δ
(:func:`~model.allocation.paths.kinks`) — first on the side past which a higher level raises
the reference faster (κ_down's update to κ_up's, the floor to the update, the competitor to
the expectation, a cap at the floor to r + lead·Δ), then on the other. A probe's references
are below the true ones even at the current path, so its predicted gain is measured from its
own references there. A probe ends when it takes a step that moves the path (the sequence
goes on from there), when it stops as the sequence would, or when its region no longer
reaches a kink. With expectations that do not move no kink is within reach: no probe.

**Limits.** It is a local method, as the one-period sequence is. Trips are held at the current
path in the capacity and budget rows, so where one binds and a higher reference would win a
later period more trips, the step does not see that the later level must give way: the
sequence stops on the boundary, possibly short of the best path (the one-period sequence does
the same where dimensions share a binding capacity). A better path beyond a stretch of worse
ones is found only through a kink a probe reaches.

Shadow prices are the final LP's duals of period 0's rows: what one more unit of this
period's capacity or budget adds to the linearized path contribution.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import plan_from_solution
from model.allocation.contribution import FIT, priced
from model.allocation.lp import Solution
from model.allocation.path_lp import PathLP, check_path_policy
from model.allocation.path_step import PathPoint, PathStep
from model.allocation.paths import dynamics, kinks, references
from model.allocation.plan import Plan
from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.allocation.ties import canonical_solution
from model.errors import SolverError

__all__ = ["PROBE", "REGION", "ContributionPath", "contribution_path"]

#: The trust region a sequence starts with (the one-period sequence's).
REGION = 0.25
#: The trust region a probe past the kinks of the dynamics starts with: the whole range of a level.
PROBE = 1.0


@dataclass(frozen=True)
class ContributionPath:
    """The contribution plan over k + 1 periods: the path and the plan of its first period."""

    levels: np.ndarray  # (k + 1, T, D)
    expectations: np.ndarray  # (k + 1, T, D)
    references: np.ndarray  # (k + 1, T, D)
    expansions: np.ndarray  # (k + 1, K)
    contribution: float  # Σ_j F_j (CNY, without the escort roster)
    overrun: float  # the largest share by which a period overruns a capacity or the budget at its trips (0: fits)
    iterations: int  # LPs solved, the myopic start's and the final step's included
    converged: bool
    plan: Plan  # period 0's


@dataclass
class _State:
    """Where the sequence is: the path, its contribution and overrun, the region, the LPs solved."""

    pt: PathPoint
    best: float
    over: float
    solved: int
    delta: float = REGION
    probing: str | None = None  # the side of the kinks a probe looks past
    converged: bool = False
    stuck: bool = False  # a step's LP had no solution


def _sequence(path: PathStep, state: _State) -> _State:
    """The sequence of step LPs from ``state`` until it stops (the rules of the module docstring)."""
    a = path.problem.scenario.allocator
    tol = a.slp_tolerance
    while state.solved < a.slp_max_iterations:
        built, here = path.lp(state.pt, state.delta, state.probing)
        solution = path.run(built.lp, path.inner)
        state.solved += 1
        if not solution.optimal and state.probing is None:  # no path of the region fits the step's rows
            state.stuck = True
            break
        if not solution.optimal:  # a probe's pieces may leave no path of the region within its caps: a smaller one
            state.delta /= 2.0
            stop = state.delta < tol
        else:
            stop = _judge(path, state, built, solution, here, tol)
        if state.probing and not kinks(path.problem, path.spec, state.pt.levels, state.delta, state.probing):
            stop = True  # the probe's region reaches past no kink any more: its pieces are the sequence's own
        sides = [] if not stop else ["up", "down"] if state.probing is None else ["down"] * (state.probing == "up")
        ahead = [side for side in sides if kinks(path.problem, path.spec, state.pt.levels, PROBE, side)]
        if ahead:
            # the pieces of the dynamics at the path see no better path: look past the kinks within reach, first
            # those past which a higher level raises the reference faster, then the others
            state.probing, state.delta = ahead[0], PROBE
        elif stop:
            # no better path within a vanishing region around this one, or the step's LP sees none at all:
            # the path is stationary (the linearization's optimum is the path itself)
            state.converged = True
            break
    return state


def _judge(path: PathStep, state: _State, built: PathLP, solution: Solution, here: np.ndarray, tol: float) -> bool:
    """Take the step's candidate or not, as the one-period sequence does; whether the sequence stops here."""
    cand, refs = path.read(built, solution)
    value, cand_over = path.value(cand), path.overrun(cand)
    if cand_over > FIT >= state.over and value > state.best:
        # the step wins more trips than its LP held, or leaves a lead cap: go as far toward it as still fits
        cand = path.to_boundary(state.pt, cand)
        value, cand_over = path.value(cand), 0.0
    moved = float(np.abs(cand.levels - state.pt.levels).max())
    # a step must fit at the trips it wins; from a path that does not, a step that overruns less is progress
    better = value > state.best + 1e-9 * max(1.0, abs(state.best)) and cand_over <= FIT
    if better or (state.over > FIT and cand_over < state.over):
        state.pt, state.best, state.over = cand, value, cand_over
        state.delta = min(1.0, 1.5 * state.delta)
        if moved >= tol:
            state.probing = None  # a probe that moves the path ends
        return moved < tol
    gain = path.predicted_gain(state.pt, cand, refs, here)
    state.delta /= 2.0
    return state.delta < tol or moved < tol or gain <= 1e-9 * max(1.0, abs(state.best))


def contribution_path(
    problem: PlanningProblem, spec: LPSpec, k: int | None = None, start: np.ndarray | None = None
) -> ContributionPath:
    """The contribution plan of an LP policy over this period and the next ``k`` (default ``allocator.lookahead``).

    The sequence starts from the myopic path, or from the levels ``start`` (k + 1, T, D) with no
    expansions. See the module docstring.
    """
    check_path_policy(problem, spec)
    a = problem.scenario.allocator
    k = a.lookahead if k is None else k
    path = PathStep(problem, spec, k)
    if start is None:
        pt, solved = path.myopic(), k + 1
    else:
        T, D, K = *problem.values.reference.shape, len(problem.resources.names)
        levels = np.asarray(start, dtype=float).reshape(k + 1, T, D)
        pt, solved = PathPoint(levels, np.zeros((k + 1, K)), np.zeros((k + 1, 24)), np.zeros(k + 1)), 0
    state = _sequence(path, _State(pt=pt, best=path.value(pt), over=path.overrun(pt), solved=solved))
    # the last step once more, for the canonical optimum among its ties, in a region of the tolerance
    built, _ = path.lp(state.pt, a.slp_tolerance)
    first = path.run(built.lp, None)
    if not first.optimal:
        raise SolverError(
            f"the {a.solver} solver did not find an optimal plan for policy {spec.policy} "
            f"(status: {first.status}); try a longer allocator.time_limit_seconds or the other solver"
        )
    solution = canonical_solution(built.lp, first, built.spend, built.decisions, lambda lp: path.run(lp, None))
    final, _ = path.read(built, solution)
    m0, n0 = built.first.lp.shape
    plan = plan_from_solution(
        spec, built.first, replace(solution, x=solution.x[:n0], slack=solution.slack[:m0], dual=solution.dual[:m0])
    )
    best, over, pt = state.best, state.over, state.pt
    if path.value(final) < best - 1e-6 * max(1.0, abs(best)) or path.overrun(final) > max(over, FIT):
        # the canonical choice may not lose contribution nor overrun more than the path it refines
        final = pt
        plan = replace(
            plan,
            levels=pt.levels[0],
            expansions=pt.expansions[0],
            expansion_cost=float(pt.costs[0]),
            escort_hours_added=pt.hours[0],
        )
    solved = state.solved + 1
    exp, ref = references(dynamics(problem), final.levels)
    total = path.value(final)
    note = (
        f"looks ahead {k} period{'s' if k != 1 else ''} on contribution ({solved} LPs over the path"
        f"{', stopped where no path of the step region fits' if state.stuck else ''}): the expectations move toward "
        f"the planned levels (adapt_up {problem.scenario.expectations.adapt_up:g}, adapt_down "
        f"{problem.scenario.expectations.adapt_down:g}) and the competitor is judged against the references they "
        f"create; the path's contribution is {total:,.0f} CNY over {k + 1} periods (before the escort roster); the "
        "plan is the first period's levels"
    )
    return ContributionPath(
        levels=final.levels,
        expectations=exp,
        references=ref,
        expansions=final.expansions,
        contribution=total,
        overrun=path.overrun(final),
        iterations=solved,
        converged=state.converged,
        plan=priced(
            problem,
            plan,
            objective="contribution",
            iterations=solved,
            converged=state.converged,
            build_seconds=path.build,
            solve_seconds=path.solve,
            notes=(*plan.notes, note),
        ),
    )
