"""The ``clairvoyant`` policy: a reference, not a bound.

DESIGN.md, *Policies*: the allocator's LP solved with the replication's realized requests
known in advance — the trips requested per tier, of which the reference share is
expected to fly with us — and no lead cap; its plan is then simulated on the same random
numbers as every other policy. It shows what knowing the demand in advance would be
worth to the allocator, met with the same frictions (queues, sell-outs, quotas, choice)
as any plan. It is not an upper bound: the LP's model of value is not the simulator's,
so a simulated policy may do better than it in a replication, or on average.

It has one plan per replication, so a run holds no single plan for it and reports no
plan gap for it.
"""

from __future__ import annotations

import math

from model.allocation.demand import reference_share
from model.allocation.plan import Plan
from model.allocation.policies import lp_plan
from model.allocation.problem import PlanningProblem, planning_problem
from model.allocation.spec import LPSpec
from model.scenario.schema import Scenario
from model.simulation.trips import Trips

__all__ = ["clairvoyant_plan"]


def clairvoyant_plan(scenario: Scenario | PlanningProblem, trips: Trips) -> Plan:
    """The allocator (no lead cap, the scenario's objective) given this replication's realized requests per tier."""
    s = scenario.scenario if isinstance(scenario, PlanningProblem) else scenario
    m = trips.requested_by_tier()
    problem = planning_problem(scenario, n=m * reference_share(s), m=m)
    return lp_plan(problem, LPSpec("clairvoyant", lead=math.inf))
