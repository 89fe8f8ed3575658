"""Policies a planner compares — DESIGN.md, *Policies*.

| policy          | what it allocates                                                     |
| --------------- | --------------------------------------------------------------------- |
| `uniform`       | one agreement for all: the same level for every tier, at the same total spend as `halfstep` (each at the trips its own service wins; less where the benefit budget binds first), differentiated only by the VIP-handling quotas |
| `standard`      | the scenario's service table (each tier's `standard` row), nested     |
| `halfstep`      | the LP with lead = 0.5                                                |
| `fullstep`      | the LP with lead = 1.0                                                |
| `unconstrained` | the LP with no lead cap                                               |
| `lead`          | the LP with lead = `allocator.lead` (for sweeps of the lead)          |
| `clairvoyant`   | a reference, not a bound: the LP with the replication's realized requests, simulated (see :mod:`model.simulation.clairvoyant`) |

Only ``clairvoyant`` needs a replication (one plan each); every other plan comes from the scenario alone.

``uniform``'s VIP-handling quotas are the dimensions drawing on the resource named
:data:`VIP_RESOURCE` (``airport_handling``: group-VIP, CIP and VIP handling), held at each
tier's service-table level, nested (:func:`vip_quotas`); every other dimension has one
level for every tier, chosen by the LP to give the most perceived value at `halfstep`'s
total spend. A scenario without that resource gets the same level on every dimension.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model.allocation.allocator import allocate, plan_from_levels
from model.allocation.contribution import contribution_plan, priced
from model.allocation.lookahead import lookahead_plan
from model.allocation.plan import Plan
from model.allocation.problem import PlanningProblem, planning_problem
from model.allocation.spec import LPSpec
from model.errors import Problem, ScenarioError
from model.scenario.problems import renamed_policy
from model.scenario.schema import PLAN_POLICIES, POLICIES, Scenario

__all__ = ["LEADS", "POLICIES", "VIP_RESOURCE", "make_plan", "standard_levels", "vip_quotas"]

#: Lead of each LP policy, in steps.
LEADS = {"halfstep": 0.5, "fullstep": 1.0, "unconstrained": float("inf")}

#: ``uniform`` under the contribution objective: most re-plans at the trips it wins, and the relative change of
#: those trips at which they count as settled.
UNIFORM_SPEND_STEPS, UNIFORM_SPEND_TOLERANCE = 40, 1e-3

#: The resource of the VIP-handling dimensions (group-VIP, CIP, VIP): the quotas ``uniform`` differentiates by.
VIP_RESOURCE = "airport_handling"


def standard_levels(problem: PlanningProblem | Scenario) -> np.ndarray:
    """The service table's levels, raised to the floors and closed under nesting."""
    problem = planning_problem(problem)
    scenario = problem.scenario
    dims = scenario.dimension_names
    levels = np.array([[max(t.standard.get(d, 0.0), t.floor.get(d, 0.0)) for d in dims] for t in scenario.tiers])
    levels = np.maximum(levels, problem.floors)
    pairs = problem.nesting_pairs
    for _ in range(len(scenario.tiers) + 1):
        for j, r in problem.resources.upgrades:  # a replacing escort comes with the one it replaces
            levels[:, r] = np.maximum(levels[:, r], levels[:, j])
        for a, b, j in pairs:
            levels[b, j] = max(levels[b, j], levels[a, j])
    return levels


def vip_quotas(
    problem: PlanningProblem | Scenario, spend: float | None = None
) -> tuple[tuple[tuple[int, tuple[float, ...]], ...], float]:
    """The levels ``uniform`` holds the VIP-handling dimensions at, tier by tier, and the factor they were scaled by.

    The dimensions drawing on :data:`VIP_RESOURCE` (none if the scenario has no such resource)
    keep the service table's levels (:func:`standard_levels`: floors, nesting). If those
    quotas need more of a resource than its capacity, more than the benefit budget, or more
    than ``spend`` (the total ``uniform`` matches) — beside the other dimensions' floors, given
    alike to every tier — every quota is scaled down by one factor, the largest that fits:
    the tiers keep their order and nesting. A quota never falls below its floor.

    Returns ``LPSpec.fixed`` — ``((dimension, (level per tier, …)), …)`` — and the factor (1 = the table's quotas).
    """
    problem = planning_problem(problem)
    rt, n = problem.resources, problem.trips
    dims = [j for j, k in enumerate(rt.dim_resource.tolist()) if rt.names[k] == VIP_RESOURCE]
    if not dims:
        return (), 1.0
    vip = np.zeros_like(problem.floors)
    vip[:, dims] = standard_levels(problem)[:, dims]
    others = np.broadcast_to(problem.floors.max(axis=0), vip.shape).copy()  # uniform's lowest levels
    others[:, dims] = 0.0
    scale = 1.0

    def fit(need: float, room: float) -> None:
        nonlocal scale
        if need > 0 and np.isfinite(room):
            scale = min(scale, max(0.0, room) / need)

    use, cost = n[:, None] * rt.use, n[:, None] * rt.unit_cost
    for k in range(len(rt.names)):
        on = rt.dim_resource == k
        fit(float((use * vip)[:, on].sum()), float(rt.capacity[k] - (use * others)[:, on].sum()))
    fit(float((cost * vip)[:, rt.benefit].sum()), float(rt.budget - (cost * others)[:, rt.benefit].sum()))
    if spend is not None:
        fit(float((cost * vip).sum()), float(spend - (cost * others).sum()))
    levels = np.maximum(scale * vip[:, dims], problem.floors[:, dims])
    return tuple((j, tuple(levels[:, c].tolist())) for c, j in enumerate(dims)), scale


def lp_plan(problem: PlanningProblem, spec: LPSpec) -> Plan:
    """An LP policy's plan under the scenario's ``allocator.objective``.

    ``contribution``: the sequence of LPs of :mod:`model.allocation.contribution`; ``value``:
    the most perceived value for the budget (service costs only in the capacity and budget
    rows); ``net_value``: PV − cost with trips held at the reference share. With
    ``allocator.lookahead`` > 0 the plan looks ahead (:mod:`model.allocation.lookahead`; under
    ``contribution``, :mod:`model.allocation.contribution_path`).
    """
    objective = problem.scenario.allocator.objective
    if problem.scenario.allocator.lookahead > 0:  # the plan that looks ahead, under any objective
        if objective == "value":
            spec = replace(spec, maximize="perceived value")
        return lookahead_plan(problem, spec)
    if objective == "contribution":
        return contribution_plan(problem, spec)
    if objective == "value":
        return allocate(problem, replace(spec, maximize="perceived value"))
    return allocate(problem, spec)


def _responding(problem: PlanningProblem, plan: Plan) -> Plan:
    """Under the contribution objective every plan's trips respond to its PV; under the others they stay as planned."""
    return priced(problem, plan) if problem.scenario.allocator.objective == "contribution" else plan


def make_plan(
    scenario: Scenario | PlanningProblem, policy: str, *, n: np.ndarray | None = None, m: np.ndarray | None = None
) -> Plan:
    """The plan of a policy made from the scenario alone (every policy but ``clairvoyant``).

    The scenario's planning tables are derived once (:class:`~model.allocation.problem.PlanningProblem`);
    ``n`` and ``m`` override its expected trips flown and requested per tier.
    """
    if policy not in PLAN_POLICIES:
        allowed = ", ".join(PLAN_POLICIES)
        hint = " (clairvoyant has one plan per replication: use `halfstep run`)" if policy == "clairvoyant" else ""
        message = renamed_policy(policy, PLAN_POLICIES) or f"must be one of {allowed}{hint}"
        raise ScenarioError("policy", [Problem("policy", message, policy)])
    problem = planning_problem(scenario, n=n, m=m)
    if policy == "standard":
        levels = standard_levels(problem)
        plan = _responding(
            problem,
            plan_from_levels(problem, levels, policy="standard", shadow_prices=(), binding=(), objective="net value"),
        )
        over = [
            r for r, u, c in zip(plan.resources, plan.resource_use, plan.capacity, strict=True) if u > c * (1 + 1e-9)
        ]
        notes = tuple(
            f"the service table needs more {r} than its capacity; the simulation will show failures" for r in over
        )
        return replace(plan, notes=notes)
    if policy == "uniform":
        reference = lp_plan(problem, LPSpec("halfstep", lead=LEADS["halfstep"]))
        spend = reference.total_cost
        fixed, scale = vip_quotas(problem, spend)
        spec = LPSpec("uniform", uniform=True, spend_cap=spend, maximize="perceived value", fixed=fixed)
        plan = _responding(problem, allocate(problem, spec))
        if problem.scenario.allocator.objective == "contribution":
            # halfstep's spend is at the trips its PV wins; uniform's must be at the trips *its* PV wins:
            # re-plan at those trips (damped by half: undamped, the trips overshoot back and forth) until they
            # stop moving — the spend then matches halfstep's unless the budget or a capacity stops it first
            trips = problem.trips
            for _ in range(UNIFORM_SPEND_STEPS):
                if np.abs(plan.expected_trips - trips).max() <= UNIFORM_SPEND_TOLERANCE * max(trips.max(), 1.0):
                    break
                trips = 0.5 * (trips + plan.expected_trips)
                plan = _responding(problem, allocate(problem.with_demand(trips=trips), spec))
        if scale < 1.0:
            plan = replace(
                plan,
                notes=(
                    *plan.notes,
                    f"the service table's {VIP_RESOURCE} quotas do not fit (its capacity, the benefit budget or the "
                    f"spend): uniform keeps them scaled by {scale:.3g}",
                ),
            )
        return plan
    lead = problem.scenario.allocator.lead if policy == "lead" else LEADS[policy]
    return lp_plan(problem, LPSpec(policy, lead=lead))


assert set(POLICIES) == {*PLAN_POLICIES, "clairvoyant"}
