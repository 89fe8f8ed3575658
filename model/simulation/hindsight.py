"""The ``hindsight`` policy: the upper bound every policy is measured against.

DESIGN.md, *Policies*: the allocator's LP solved with the replication's realized demand
known in advance — the realized trips requested per tier, of which the reference share
flies with us — and no lead cap. Its net value is the LP's own value: levels delivered
exactly as planned, no queues, no sell-outs, no variability in what clients experience.
A simulated policy meets all of these frictions, so its net value should fall below.
"""

from __future__ import annotations

import math

import numpy as np

from model.allocation.allocator import allocate
from model.allocation.demand import reference_share
from model.allocation.plan import Plan
from model.allocation.spec import LPSpec
from model.scenario.schema import Scenario
from model.simulation.kpis import KPIS, TIER_KPIS
from model.simulation.outcome import Outcome
from model.simulation.trips import Trips

__all__ = ["hindsight_outcome", "hindsight_plan"]


def hindsight_plan(scenario: Scenario, trips: Trips) -> Plan:
    """The LP (no lead cap) with this replication's realized requests per tier."""
    m = trips.requested_by_tier()
    return allocate(scenario, LPSpec("hindsight", lead=math.inf), n=m * reference_share(scenario), m=m)


def hindsight_outcome(scenario: Scenario, trips: Trips) -> Outcome:
    """The KPIs the bound defines (value, cost, trips, revenue); the rest are NaN."""
    p = hindsight_plan(scenario, trips)
    fares = np.array([scenario.tier_fare_cny(t) for t in scenario.tiers])
    revenue = p.expected_trips * fares
    margin = scenario.economics.contribution_margin
    nan = float("nan")
    kpis = dict.fromkeys(KPIS, nan)
    kpis.update(
        net_value=p.total_net_value,
        perceived_value=float(p.perceived_value.sum()),
        perceived_value_per_trip=float(p.perceived_value.sum() / max(p.expected_requests.sum(), 1e-12)),
        cost_total=p.total_cost,
        cost_seat_holds=float(p.cost_by_kind["seat_holds"].sum()),
        cost_escort=float(p.cost_by_kind["escort"].sum()),
        cost_benefits=float(p.cost_by_kind["benefit"].sum()),
        cost_expansion=p.expansion_cost,
        over_service_cost=float(p.over_service_cost.sum()),
        failures_seat_hold=0.0,
        failures_escort=0.0,
        failures_benefit=0.0,
        trips_requested=float(p.expected_requests.sum()),
        trips_flown=float(p.expected_trips.sum()),
        revenue=float(revenue.sum()),
        profit=margin * float(revenue.sum()) - p.total_cost,
    )
    kpis["share_of_wallet"] = kpis["trips_flown"] / kpis["trips_requested"] if kpis["trips_requested"] else nan
    by_tier = {}
    for i, name in enumerate(p.tiers):
        row = dict.fromkeys(TIER_KPIS, nan)
        row.update(
            net_value=float(p.net_value[i]),
            perceived_value=float(p.perceived_value[i]),
            perceived_value_per_trip=float(p.pv_per_trip[i]),
            cost_total=float(p.cost[i]),
            over_service_cost=float(p.over_service_cost[i]),
            trips_requested=float(p.expected_requests[i]),
            trips_flown=float(p.expected_trips[i]),
            revenue=float(revenue[i]),
        )
        by_tier[name] = row
    return Outcome(policy="hindsight", replication=-1, kpis=kpis, by_tier=by_tier)
