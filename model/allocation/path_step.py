"""One step of the contribution sequence over a path — DESIGN.md, *The allocator* and *Expectations that move*.

A :class:`PathPoint` is a path the sequence stands at (every period's levels, expansions and
escort hours); a :class:`PathStep` prices it — its true contribution over the periods and how far
it overruns — builds the step's k-period LP from it (PV weighted by what it wins, trips held at
the path, the trust region, the pieces of the dynamics that hold there), reads a solution back as
a path, says what the LP expects a candidate to gain, and cuts a candidate back to the boundary
of the paths that fit. The rules that take or refuse a step are the sequence's
(:mod:`model.allocation.contribution_path`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import allocate
from model.allocation.contribution import _step, contribution_model, farthest_fit
from model.allocation.lp import LinearProgram, Solution, solve
from model.allocation.path_lp import PathLP, build_path_lp
from model.allocation.paths import (
    at_references,
    dynamics,
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
from model.allocation.value import competitor_value, perceived_value
from model.errors import InfeasibleError

__all__ = ["PathPoint", "PathStep"]


@dataclass(frozen=True)
class PathPoint:
    """A path the sequence stands at: every period's levels, expansions and escort hours added."""

    levels: np.ndarray  # (k + 1, T, D)
    expansions: np.ndarray  # (k + 1, K)
    hours: np.ndarray  # (k + 1, 24)
    costs: np.ndarray  # (k + 1,) CNY of each period's expansions


class PathStep:
    """The path's true contribution and fit, and the LP of a step from it."""

    def __init__(self, problem: PlanningProblem, spec: LPSpec, k: int) -> None:
        self.problem, self.spec, self.k = problem, spec, k
        # the inner steps go to HiGHS directly, as in the one-period sequence
        self.inner = "direct" if problem.scenario.allocator.solver == "highs" else None
        self.build = self.solve = 0.0  # seconds

    def value(self, pt: PathPoint) -> float:
        return path_contribution(self.problem, pt.levels, pt.costs)

    def overrun(self, pt: PathPoint) -> float:
        return path_overrun(self.problem, self.spec, pt.levels, pt.expansions)

    def cost(self, expansions: np.ndarray) -> float:
        return self.problem.resources.cost_of_expansions(expansions)

    def myopic(self) -> PathPoint:
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
        return PathPoint(
            levels=np.stack([p.levels for p in plans]),
            expansions=np.stack([p.expansions for p in plans]),
            hours=np.stack([p.escort_hours_added for p in plans]),
            costs=np.array([p.expansion_cost for p in plans]),
        )

    def lp(self, pt: PathPoint, delta: float, probe: str | None = None) -> tuple[PathLP, np.ndarray]:
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

    def read(self, built: PathLP, solution: Solution) -> tuple[PathPoint, np.ndarray]:
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
        return PathPoint(np.stack(levels), np.stack(expansions), np.stack(hours), costs), refs

    def predicted_gain(self, pt: PathPoint, cand: PathPoint, refs: np.ndarray, here: np.ndarray) -> float:
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

    def to_boundary(self, fitting: PathPoint, cand: PathPoint) -> PathPoint:
        """The point of the segment from a path that fits to ``cand`` farthest along it that still fits (2⁻⁴⁰)."""
        low = farthest_fit(
            lambda t: self.overrun(
                replace(
                    fitting,
                    levels=fitting.levels + t * (cand.levels - fitting.levels),
                    expansions=fitting.expansions + t * (cand.expansions - fitting.expansions),
                )
            )
        )
        expansions = fitting.expansions + low * (cand.expansions - fitting.expansions)
        return PathPoint(
            levels=fitting.levels + low * (cand.levels - fitting.levels),
            expansions=expansions,
            hours=fitting.hours + low * (cand.hours - fitting.hours),
            costs=np.array([self.cost(e) for e in expansions]),
        )
