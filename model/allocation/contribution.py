"""The airline's contribution as the allocator's objective — DESIGN.md, *The allocator* (revision 2).

    maximize  F(y) = Σ_t n_t(PV_t(y)) · (margin · fare_t − C_t(y))  −  expansion cost
    n_t(PV) = m_t · logistic(β0_t + β_PV·(PV − PV_comp_t) + β_c·closeness0_t),   C_t(y) = Σ_d c[t,d]·y[t,d]

Perceived value pays only through the trips it wins. F is not linear in the levels (trips
respond to PV), so it is solved as a sequence of LPs: at the current plan y_k, with trips
n_k = n(PV(y_k)) and the slope n'_k = m·β_PV·p(1 − p), F is linearized as

    F ≈ F(y_k) + Σ_t n'_k,t · (margin·fare_t − C_t(y_k)) · (PV_t(y) − PV_t(y_k)) − Σ_t n_k,t · (C_t(y) − C_t(y_k))

which is the allocator's own LP with the PV weight m replaced by w_t = n'_k,t·(margin·fare_t −
C_t(y_k)) (0 where a tier loses money on each trip: more trips then do not pay) and the trips
flown by n_k; capacities and the budget hold at n_k. Each step stays in a trust region
|y − y_k| ≤ δ; a step is taken only when the true F rises and the step fits the capacities
and the budget at the trips it wins (δ grows ×1.5), otherwise δ halves. A step whose F rises
but that overruns at its own trips (it wins more trips than its LP held) is cut back along
its segment to the farthest point that fits; from a start that overruns, a step that
overruns less is taken.
The sequence stops when the plan moves less than ``allocator.slp_tolerance`` or the region
has shrunk below it, and the last step is solved once more for the canonical optimum among
ties (kept unless it loses contribution or overruns more). The plan records the LPs solved and whether the sequence converged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from model.allocation.allocator import allocate, plan_from_levels
from model.allocation.demand import choice_intercepts
from model.allocation.plan import Plan
from model.allocation.problem import PlanningProblem
from model.allocation.spec import LPSpec
from model.allocation.value import competitor_value, perceived_value
from model.errors import InfeasibleError

__all__ = ["ContributionModel", "contribution_model", "contribution_plan", "farthest_fit", "overrun", "priced"]

#: A plan fits when no row exceeds its limit at the plan's own trips by more than this share.
FIT = 1e-6


def _logistic(x: np.ndarray) -> np.ndarray:
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


@dataclass(frozen=True)
class ContributionModel:
    """What the contribution of a plan is made of: demand, the choice model, margins and unit costs."""

    problem: PlanningProblem
    offset: np.ndarray  # (T,) β0 − β_PV·PV_comp + β_c·closeness0: the choice logit at PV_us = 0
    beta: float  # β_PV
    gain: np.ndarray  # (T,) margin × fare: what one trip flown adds before the cost to serve

    def share(self, pv: np.ndarray) -> np.ndarray:
        """Share of a tier's trips flown with us at perceived value ``pv`` (per tier)."""
        return _logistic(self.offset + self.beta * pv)

    def trips(self, levels: np.ndarray) -> np.ndarray:
        """Expected trips flown with us per tier under ``levels``."""
        return self.problem.requests * self.share(perceived_value(levels, self.problem.values))

    def cost_per_trip(self, levels: np.ndarray) -> np.ndarray:
        return (self.problem.resources.unit_cost * levels).sum(axis=1)

    def value(self, levels: np.ndarray, expansion_cost: float = 0.0) -> float:
        """F: expected contribution (CNY over the horizon) of ``levels`` and the expansions' cost."""
        n = self.trips(levels)
        return float((n * (self.gain - self.cost_per_trip(levels))).sum() - expansion_cost)


def contribution_model(problem: PlanningProblem) -> ContributionModel:
    s = problem.scenario
    c = s.choice
    closeness = np.array([t.initial_closeness for t in s.tiers], dtype=float)
    offset = choice_intercepts(s) - c.value_per_cny * competitor_value(s, problem.values) + c.closeness * closeness
    gain = s.economics.incremental_margin * np.array([s.tier_fare_cny(t) for t in s.tiers], dtype=float)
    return ContributionModel(problem=problem, offset=offset, beta=c.value_per_cny, gain=gain)


def priced(problem: PlanningProblem, plan: Plan, **extra: object) -> Plan:
    """``plan`` re-priced with the trips flown responding to its perceived value (and its expected contribution)."""
    model = contribution_model(problem)
    n = model.trips(plan.levels)
    fields = dict(
        shadow_prices=plan.shadow_prices,
        binding=plan.binding,
        objective=plan.objective,
        lead=plan.lead,
        solver=plan.solver,
        status=plan.status,
        build_seconds=plan.build_seconds,
        solve_seconds=plan.solve_seconds,
        notes=plan.notes,
        iterations=plan.iterations,
        converged=plan.converged,
    )
    fields.update(extra)
    return plan_from_levels(
        problem.with_demand(trips=n),
        plan.levels,
        policy=plan.policy,
        expansions=plan.expansions,
        escort_hours_added=plan.escort_hours_added,
        # the escort roster is paid whatever the plan: in the contribution, not in the choice of levels
        expected_contribution=model.value(plan.levels, plan.expansion_cost) - problem.resources.roster_cost,
        **fields,
    )


def _step(
    problem: PlanningProblem, model: ContributionModel, levels: np.ndarray, delta: float, floor: bool = True
) -> PlanningProblem:
    """The LP of one step: PV weighted by what it wins, trips flown at the current plan, a trust region.

    ``floor=False`` drops the region's lower side: when the current plan no longer fits the
    capacities at the trips it wins, the step may go below it, down to the floors.
    """
    pv = perceived_value(levels, problem.values)
    p = model.share(pv)
    n = problem.requests * p
    slope = problem.requests * model.beta * p * (1.0 - p)
    weight = np.maximum(slope * (model.gain - model.cost_per_trip(levels)), 0.0)
    box = (np.maximum(levels - delta, 0.0) if floor else np.zeros_like(levels), np.minimum(levels + delta, 1.0))
    return replace(problem.with_demand(trips=n, requests=weight), box=box)


def overrun(problem: PlanningProblem, model: ContributionModel, levels: np.ndarray, expansions: np.ndarray) -> float:
    """How far ``levels`` overrun a capacity or the benefit budget at the trips they win (0 when they fit).

    The largest excess over the horizon's rows — each resource's use against its capacity
    and expansions, the benefit spend against the budget — as a share of the row's limit.
    """
    rt = problem.resources
    n = model.trips(levels)
    use = n[:, None] * rt.use * levels
    limit = rt.capacity + np.nan_to_num(np.asarray(expansions, dtype=float))
    excess = [0.0]
    for k in range(len(rt.names)):
        if np.isfinite(limit[k]):
            excess.append((use[:, rt.dim_resource == k].sum() - limit[k]) / max(limit[k], 1e-9))
    if np.isfinite(rt.budget):
        spend = (n[:, None] * rt.unit_cost * levels)[:, rt.benefit].sum()
        excess.append((spend - rt.budget) / max(rt.budget, 1e-9))
    return max(0.0, float(max(excess)))


def farthest_fit(overrun_at: Callable[[float], float]) -> float:
    """The largest share t of a segment whose point still fits (``overrun_at(t) ≤ FIT``), its start fitting.

    Bisection to 2⁻⁴⁰ of the segment.
    """
    low, high = 0.0, 1.0
    for _ in range(40):
        t = 0.5 * (low + high)
        if overrun_at(t) <= FIT:
            low = t
        else:
            high = t
    return low


def _to_boundary(
    problem: PlanningProblem,
    model: ContributionModel,
    fitting: tuple[np.ndarray, np.ndarray, np.ndarray],
    candidate: Plan,
) -> Plan:
    """The point of the segment from a plan that fits to ``candidate`` farthest along it that still fits.

    ``fitting``: its levels, expansions and escort hours added. Levels and expansions move
    together, so the expansion cost is the segment's too; found by bisection to a 2⁻⁴⁰
    share of the segment.
    """
    levels, expanded, hours = fitting
    low = farthest_fit(
        lambda t: overrun(
            problem, model, levels + t * (candidate.levels - levels), expanded + t * (candidate.expansions - expanded)
        )
    )
    expansions = expanded + low * (candidate.expansions - expanded)
    cost = problem.resources.cost_of_expansions(expansions)
    return replace(
        candidate,
        levels=levels + low * (candidate.levels - levels),
        expansions=expansions,
        expansion_cost=cost,
        escort_hours_added=hours + low * (candidate.escort_hours_added - hours),
    )


def _predicted_gain(
    problem: PlanningProblem, model: ContributionModel, levels: np.ndarray, expansion: float, candidate: Plan
) -> float:
    """What the step's LP expects the candidate to add over the current plan (its own linearized objective)."""
    vt = problem.values
    p = model.share(perceived_value(levels, vt))
    n = problem.requests * p
    weight = np.maximum(problem.requests * model.beta * p * (1.0 - p) * (model.gain - model.cost_per_trip(levels)), 0.0)
    pv_gain = weight * (perceived_value(candidate.levels, vt) - perceived_value(levels, vt))
    cost_gain = n * (model.cost_per_trip(candidate.levels) - model.cost_per_trip(levels))
    return float(pv_gain.sum() - cost_gain.sum() - (candidate.expansion_cost - expansion))


def contribution_plan(problem: PlanningProblem, spec: LPSpec, start: np.ndarray | None = None) -> Plan:
    """The plan of an LP policy (its lead cap, floors, nesting) that maximizes expected contribution.

    The sequence starts from the plan with trips held at the reference share (the LP of
    PV − cost), or from the levels ``start`` (for checking that it converges from anywhere).
    """
    a = problem.scenario.allocator
    model = contribution_model(problem)
    tol = a.slp_tolerance
    # the inner steps go to HiGHS directly (PuLP's loading would cost more than the solve; same solution either
    # way); the final step uses the scenario's interface
    inner = "direct" if a.solver == "highs" else None
    if start is None:
        current = allocate(problem, spec, canonical=False, interface=inner)
        levels, expansion, solved = current.levels, current.expansion_cost, current.iterations
        build, solve = current.build_seconds, current.solve_seconds
    else:
        levels, expansion, solved, build, solve = np.asarray(start, dtype=float), 0.0, 0, 0.0, 0.0
    expanded = current.expansions if start is None else np.zeros(len(problem.resources.names))
    hours = current.escort_hours_added if start is None else np.zeros(24)
    best, over = model.value(levels, expansion), overrun(problem, model, levels, expanded)
    delta, converged = 0.25, False
    while solved < a.slp_max_iterations:
        try:
            candidate = allocate(_step(problem, model, levels, delta), spec, canonical=False, interface=inner)
        except InfeasibleError:  # the current plan overruns a capacity at the trips it wins: room to go down
            candidate = allocate(_step(problem, model, levels, delta, floor=False), spec, canonical=False, interface=inner)
        solved += 1
        build, solve = build + candidate.build_seconds, solve + candidate.solve_seconds
        value = model.value(candidate.levels, candidate.expansion_cost)
        cand_over = overrun(problem, model, candidate.levels, candidate.expansions)
        if cand_over > FIT >= over and value > best:
            # the step wins more trips than its LP held and overruns: go as far toward it as still fits
            candidate = _to_boundary(problem, model, (levels, expanded, hours), candidate)
            value, cand_over = model.value(candidate.levels, candidate.expansion_cost), 0.0
        moved = float(np.abs(candidate.levels - levels).max())
        # a step must fit at the trips it wins; from a plan that does not, a step that overruns less is progress
        better = value > best + 1e-9 * max(1.0, abs(best)) and cand_over <= FIT
        if better or (over > FIT and cand_over < over):
            levels, expansion, expanded, hours = (
                candidate.levels,
                candidate.expansion_cost,
                candidate.expansions,
                candidate.escort_hours_added,
            )
            best, over = value, cand_over
            delta = min(1.0, 1.5 * delta)
            if moved < tol:
                converged = True
                break
        else:
            delta /= 2.0
            gain = _predicted_gain(problem, model, levels, expansion, candidate)
            if delta < tol or moved < tol or gain <= 1e-9 * max(1.0, abs(best)):
                # no better plan within a vanishing region around this one, or the step's LP sees none at all:
                # the plan is stationary (the linearization's optimum is the plan itself)
                converged = True
                break
    # the last step once more, for the canonical optimum among its ties, in a region of the tolerance
    try:
        final = allocate(_step(problem, model, levels, tol), spec)
    except InfeasibleError:
        final = allocate(_step(problem, model, levels, tol, floor=False), spec)
    loses = model.value(final.levels, final.expansion_cost) < best - 1e-6 * max(1.0, abs(best))
    if loses or overrun(problem, model, final.levels, final.expansions) > max(over, FIT):
        # the canonical choice may not lose contribution nor overrun more than the plan it refines
        final = replace(final, levels=levels, expansions=expanded, expansion_cost=expansion, escort_hours_added=hours)
    solved += final.iterations
    return priced(
        problem,
        final,
        objective="contribution",
        iterations=solved,
        converged=converged,
        build_seconds=build + final.build_seconds,
        solve_seconds=solve + final.solve_seconds,
    )
