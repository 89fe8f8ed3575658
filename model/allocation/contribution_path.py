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

import time
from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import allocate, plan_from_solution
from model.allocation.contribution import FIT, _step, contribution_model, priced
from model.allocation.lp import LinearProgram, Solution, solve
from model.allocation.path_lp import PathLP, build_path_lp, check_path_policy
from model.allocation.paths import (
    at_references,
    dynamics,
    kinks,
    path_contribution,
    path_overrun,
    period_problems,
    piece_references,
    pieces_at,
    references,
)
from model.allocation.plan import Plan
from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.allocation.ties import canonical_solution
from model.allocation.value import competitor_value, perceived_value
from model.errors import InfeasibleError, SolverError

__all__ = ["PROBE", "REGION", "ContributionPath", "contribution_path"]

#: The trust region a sequence starts with (the one-period sequence's).
REGION = 0.25
#: The trust region a probe past the kinks of the dynamics starts with: the whole range of a level.
PROBE = 1.0


@dataclass(frozen=True)
class _Point:
    """A path the sequence stands at: every period's levels, expansions and escort hours added."""

    levels: np.ndarray  # (k + 1, T, D)
    expansions: np.ndarray  # (k + 1, K)
    hours: np.ndarray  # (k + 1, 24)
    costs: np.ndarray  # (k + 1,) CNY of each period's expansions


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


class _Path:
    """The path's true contribution and fit, and the LP of a step from it."""

    def __init__(self, problem: PlanningProblem, spec: LPSpec, k: int) -> None:
        self.problem, self.spec, self.k = problem, spec, k
        # the inner steps go to HiGHS directly, as in the one-period sequence
        self.inner = "direct" if problem.scenario.allocator.solver == "highs" else None
        self.build = self.solve = 0.0  # seconds

    def value(self, pt: _Point) -> float:
        return path_contribution(self.problem, pt.levels, pt.costs)

    def overrun(self, pt: _Point) -> float:
        return path_overrun(self.problem, self.spec, pt.levels, pt.expansions)

    def cost(self, expansions: np.ndarray) -> float:
        return float(np.nansum(expansions * np.nan_to_num(self.problem.resources.expansion_cost)))

    def myopic(self) -> _Point:
        """The myopic path: each period's net-value plan at the references the earlier ones create."""
        plans: list[Plan] = []
        dyn = dynamics(self.problem)
        for j in range(self.k + 1):
            problem = self.problem
            if j:
                e, r = references(dyn, np.stack([p.levels for p in plans] + [plans[-1].levels]))
                problem = at_references(self.problem, e[j], r[j])
            plans.append(allocate(problem, self.spec, canonical=False, interface=self.inner))
            self.build, self.solve = self.build + plans[-1].build_seconds, self.solve + plans[-1].solve_seconds
        return _Point(
            levels=np.stack([p.levels for p in plans]),
            expansions=np.stack([p.expansions for p in plans]),
            hours=np.stack([p.escort_hours_added for p in plans]),
            costs=np.array([p.expansion_cost for p in plans]),
        )

    def lp(self, pt: _Point, delta: float, probe: str | None = None) -> tuple[PathLP, np.ndarray]:
        """The step's k-period LP: PV weighted by what it wins, trips at the current path, the trust region δ.

        ``probe`` ("up" or "down"): the dynamics by the other piece wherever one is within δ on that side of the
        path (:func:`~model.allocation.paths.pieces_at`). Also the references the LP's pieces give the current
        path (its own, or, probing, lower ones).
        """
        t0 = time.perf_counter()
        lam, weight = self.problem.scenario.value.loss_aversion, self.problem.values.weight
        periods = period_problems(self.problem, pt.levels)
        pieces = pieces_at(self.problem, self.spec, pt.levels, flip=delta if probe else 0.0, side=probe or "up")

        def build(floor: bool) -> PathLP:
            steps = [_step(p, contribution_model(p), y, delta, floor) for p, y in zip(periods, pt.levels, strict=True)]
            if not self.k:
                return build_path_lp(self.problem, self.spec, 0, periods=steps)
            # −PV_comp(r_j) = Σ_d w·λ·(r_j − competitor), weighted as PV is
            r_cost = np.array([(s.requests[:, None] * lam * weight).ravel() for s in steps[1:]])
            return build_path_lp(self.problem, self.spec, self.k, periods=steps, r_cost=r_cost, pieces=pieces)

        try:
            built = build(floor=True)
        except InfeasibleError:  # the path overruns a capacity at the trips it wins: room to go down
            built = build(floor=False)
        self.build += time.perf_counter() - t0
        return built, piece_references(self.problem, pt.levels, pieces)

    def run(self, lp: LinearProgram, interface: str | None) -> Solution:
        a = self.problem.scenario.allocator
        solution = solve(lp, a.solver, a.time_limit_seconds, interface or a.interface)
        self.build, self.solve = self.build + solution.load_seconds, self.solve + solution.solve_seconds
        return solution

    def read(self, built: PathLP, solution: Solution) -> tuple[_Point, np.ndarray]:
        """The path an LP's solution stands for (read as the allocator reads a plan) and its references (k, T, D)."""
        rt = self.problem.resources
        x = np.where(solution.x == 0.0, 0.0, solution.x)  # −0.0 → 0.0
        levels, expansions, hours = [], [], []
        for b, off in zip(built.blocks, built.offsets, strict=True):
            levels.append(np.clip(np.clip(x[off + b.y], b.lo, b.hi), 0.0, 1.0))
            added, used = np.zeros(len(rt.names)), np.zeros(24)
            for k, col in b.e.items():
                added[k] = x[off + col]
            for h, col in b.eh.items():
                used[h] = x[off + col]
            if rt.escort is not None:
                added[rt.escort] = used.sum()
            expansions.append(added)
            hours.append(used)
        costs = np.array([self.cost(e) for e in expansions])
        refs = np.array([x[c] for c in built.refs]).reshape(self.k, *levels[0].shape)
        return _Point(np.stack(levels), np.stack(expansions), np.stack(hours), costs), refs

    def predicted_gain(self, pt: _Point, cand: _Point, refs: np.ndarray, here: np.ndarray) -> float:
        """What the step's LP expects the candidate to add over the current path (its own linearized objective).

        ``refs``: the LP's references of the later periods at the candidate, ``here`` its pieces' at the current path.
        """
        s = self.problem.scenario
        total = 0.0
        for j, (p, y, to) in enumerate(
            zip(period_problems(self.problem, pt.levels), pt.levels, cand.levels, strict=True)
        ):
            m, vt = contribution_model(p), p.values
            share = m.share(perceived_value(y, vt))
            n = p.requests * share
            weight = np.maximum(p.requests * m.beta * share * (1.0 - share) * (m.gain - m.cost_per_trip(y)), 0.0)
            if j:  # the relative value, with the LP's references
                at, was = replace(vt, reference=refs[j - 1]), replace(vt, reference=here[j - 1])
                moved = perceived_value(to, at) - competitor_value(s, at) - perceived_value(y, was)
                moved = moved + competitor_value(s, was)
            else:
                moved = perceived_value(to, vt) - perceived_value(y, vt)
            pv_gain = weight * moved
            cost_gain = n * (m.cost_per_trip(to) - m.cost_per_trip(y))
            total += float(pv_gain.sum() - cost_gain.sum() - (cand.costs[j] - pt.costs[j]))
        return total

    def to_boundary(self, fitting: _Point, cand: _Point) -> _Point:
        """The point of the segment from a path that fits to ``cand`` farthest along it that still fits (2⁻⁴⁰)."""
        low, high = 0.0, 1.0
        for _ in range(40):
            t = 0.5 * (low + high)
            at = replace(
                fitting,
                levels=fitting.levels + t * (cand.levels - fitting.levels),
                expansions=fitting.expansions + t * (cand.expansions - fitting.expansions),
            )
            if self.overrun(at) <= FIT:
                low = t
            else:
                high = t
        expansions = fitting.expansions + low * (cand.expansions - fitting.expansions)
        return _Point(
            levels=fitting.levels + low * (cand.levels - fitting.levels),
            expansions=expansions,
            hours=fitting.hours + low * (cand.hours - fitting.hours),
            costs=np.array([self.cost(e) for e in expansions]),
        )


@dataclass
class _State:
    """Where the sequence is: the path, its contribution and overrun, the region, the LPs solved."""

    pt: _Point
    best: float
    over: float
    solved: int
    delta: float = REGION
    probing: str | None = None  # the side of the kinks a probe looks past
    converged: bool = False
    stuck: bool = False  # a step's LP had no solution


def _sequence(path: _Path, state: _State) -> _State:
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


def _judge(path: _Path, state: _State, built: PathLP, solution: Solution, here: np.ndarray, tol: float) -> bool:
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
    path = _Path(problem, spec, k)
    if start is None:
        pt, solved = path.myopic(), k + 1
    else:
        T, D, K = *problem.values.reference.shape, len(problem.resources.names)
        levels = np.asarray(start, dtype=float).reshape(k + 1, T, D)
        pt, solved = _Point(levels, np.zeros((k + 1, K)), np.zeros((k + 1, 24)), np.zeros(k + 1)), 0
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
