"""Policies a planner compares — DESIGN.md, *Policies*.

| policy          | what it allocates                                                     |
| --------------- | --------------------------------------------------------------------- |
| `uniform`       | one agreement for all: the same level for every tier, at the same total spend as `halfstep` |
| `standard`      | the scenario's service table (each tier's `standard` row), nested     |
| `halfstep`      | the LP with lead = 0.5                                                |
| `fullstep`      | the LP with lead = 1.0                                                |
| `unconstrained` | the LP with no lead cap                                               |
| `lead`          | the LP with lead = `allocator.lead` (for sweeps of the lead)          |
| `hindsight`     | the LP with the replication's realized demand (see :mod:`model.simulation.hindsight`) |

Only ``hindsight`` needs a simulation; every other plan comes from the scenario alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from model.allocation.allocator import allocate, plan_from_levels
from model.allocation.plan import Plan
from model.allocation.problem import PlanningProblem, planning_problem
from model.allocation.spec import LPSpec
from model.errors import Problem, ScenarioError
from model.scenario.schema import PLAN_POLICIES, POLICIES, Scenario

__all__ = ["LEADS", "POLICIES", "make_plan", "standard_levels"]

#: Lead of each LP policy, in steps.
LEADS = {"halfstep": 0.5, "fullstep": 1.0, "unconstrained": float("inf")}


def standard_levels(problem: PlanningProblem | Scenario) -> np.ndarray:
    """The service table's levels, raised to the floors and closed under nesting."""
    problem = planning_problem(problem)
    scenario = problem.scenario
    dims = scenario.dimension_names
    levels = np.array([[max(t.standard.get(d, 0.0), t.floor.get(d, 0.0)) for d in dims] for t in scenario.tiers])
    levels = np.maximum(levels, problem.floors)
    pairs = problem.nesting_pairs
    for _ in range(len(scenario.tiers)):
        for a, b, j in pairs:
            levels[b, j] = max(levels[b, j], levels[a, j])
    return levels


def make_plan(
    scenario: Scenario | PlanningProblem, policy: str, *, n: np.ndarray | None = None, m: np.ndarray | None = None
) -> Plan:
    """The plan of a policy that needs no simulation (every policy but ``hindsight``).

    The scenario's planning tables are derived once (:class:`~model.allocation.problem.PlanningProblem`);
    ``n`` and ``m`` override its expected trips flown and requested per tier.
    """
    if policy not in PLAN_POLICIES:
        allowed = ", ".join(PLAN_POLICIES)
        hint = " (hindsight needs a simulation: use `halfstep run`)" if policy == "hindsight" else ""
        raise ScenarioError("policy", [Problem("policy", f"must be one of {allowed}{hint}", policy)])
    problem = planning_problem(scenario, n=n, m=m)
    if policy == "standard":
        levels = standard_levels(problem)
        plan = plan_from_levels(
            problem, levels, policy="standard", shadow_prices=(), binding=(), objective="net value"
        )
        over = [
            r for r, u, c in zip(plan.resources, plan.resource_use, plan.capacity, strict=True) if u > c * (1 + 1e-9)
        ]
        notes = tuple(
            f"the service table needs more {r} than its capacity; the simulation will show failures" for r in over
        )
        return replace(plan, notes=notes)
    if policy == "uniform":
        reference = allocate(problem, LPSpec("halfstep", lead=LEADS["halfstep"]))
        spend = reference.total_cost
        return allocate(problem, LPSpec("uniform", uniform=True, spend_cap=spend, maximize="perceived value"))
    lead = problem.scenario.allocator.lead if policy == "lead" else LEADS[policy]
    return allocate(problem, LPSpec(policy, lead=lead))


assert set(POLICIES) == {*PLAN_POLICIES, "hindsight"}
