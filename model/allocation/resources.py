"""The three scarce resources as the allocator sees them: capacity, use and unit cost.

DESIGN.md, *Resources* and *The allocator*. Per horizon:

* seat holds — capacity in seat-flights (hold limit per flight × flights × days); a trip
  uses 1 seat-flight for a single hold, ``k·(1 + privacy)`` for a multi-flight hold; its
  unit cost is the expected displacement of the seats never flown plus handling;
* escort staff — capacity in staff-hours (staff on duty × days × the maximum planned
  utilization); a trip uses ``escort_need × escort_minutes × duration_factor / 60``; its
  unit cost is that time at the wage;
* benefits — capacity in uses (daily capacity × days, if the benefit has one); a trip
  uses one; its unit cost is the dimension's; all benefits share the benefit budget.

Unit costs and uses are per tier × dimension (DESIGN.md writes ``unit_cost[d]``; fares,
escort durations and departure uncertainty differ by tier, so halfstep refines it to
``unit_cost[t, d]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.allocation.holds import hold_limit_per_flight, seats_held_per_trip, sellout_probability
from model.scenario.schema import Scenario

__all__ = ["ResourceTables", "resource_tables", "unit_name"]

UNITS = {"seat_holds": "seat-flights", "escort": "staff-hours", "benefit": "uses"}


def unit_name(kind: str, name: str) -> str:
    """What one unit of a resource is called in plain words ("escort staff-hour")."""
    return {"seat_holds": "held seat-flight", "escort": "escort staff-hour"}.get(kind, f"use of {name}")


@dataclass(frozen=True)
class ResourceTables:
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    capacity: np.ndarray  # (K,) per horizon, in the resource's unit; inf = unlimited
    expansion_cost: np.ndarray  # (K,) CNY per unit; nan = not expandable
    expansion_max: np.ndarray  # (K,) units; inf = no bound
    dim_resource: np.ndarray  # (D,) index of each dimension's resource
    use: np.ndarray  # (T, D) resource units per trip at level 1
    unit_cost: np.ndarray  # (T, D) CNY per trip at level 1
    benefit: np.ndarray  # (D,) dimension paid from the benefit budget
    budget: float  # CNY per horizon; inf = unlimited
    hold_limit: int  # seats per flight that may be held (0 if no seat-hold resource)

    def unit(self, k: int) -> str:
        return UNITS[self.kinds[k]]

    @property
    def expandable(self) -> np.ndarray:
        return ~np.isnan(self.expansion_cost)


def resource_tables(scenario: Scenario) -> ResourceTables:
    """Capacity, use and unit cost of every resource and dimension of a scenario."""
    days = scenario.time.horizon_days
    n_flights = len(scenario.flights.departure_hours)
    names = tuple(r.name for r in scenario.resources)
    T, D = len(scenario.tiers), len(scenario.dimensions)
    capacity = np.full(len(names), np.inf)
    hold_limit = 0
    for k, r in enumerate(scenario.resources):
        if r.kind == "seat_holds":
            hold_limit = hold_limit_per_flight(scenario, r)
            capacity[k] = hold_limit * n_flights * days
        elif r.kind == "escort":
            capacity[k] = sum(r.staff_on_duty) * days * r.max_utilization
        elif r.daily_capacity is not None:
            capacity[k] = r.daily_capacity * days

    use = np.zeros((T, D))
    cost = np.zeros((T, D))
    held = seats_held_per_trip(scenario)
    sellout = None
    for j, d in enumerate(scenario.dimensions):
        r = scenario.resource_of(d)
        cost[:, j] = d.unit_cost_cny
        if r.kind == "seat_holds":
            if sellout is None:
                sellout = sellout_probability(scenario)
            use[:, j] = held[:, j]
            never_flown = held[:, j] - 1.0
            # a held seat-flight never flown displaces a base passenger where the seat would have sold:
            # the contribution of the base fare, at the scenario's one incremental margin
            margin = scenario.economics.incremental_margin
            cost[:, j] += never_flown * scenario.flights.base_fare_cny * margin * sellout + r.unit_cost_cny * held[:, j]
        elif r.kind == "escort":
            hours = np.array([t.escort_need * t.escort_minutes * d.duration_factor / 60.0 for t in scenario.tiers])
            use[:, j] = hours
            cost[:, j] += hours * r.wage_cny_per_hour
        else:
            use[:, j] = 1.0

    return ResourceTables(
        names=names,
        kinds=tuple(r.kind for r in scenario.resources),
        capacity=capacity,
        expansion_cost=np.array(
            [np.nan if r.expansion_cost_cny is None else r.expansion_cost_cny for r in scenario.resources]
        ),
        expansion_max=np.array([np.inf if r.expansion_max is None else r.expansion_max for r in scenario.resources]),
        dim_resource=np.array([names.index(d.resource) for d in scenario.dimensions]),
        use=use,
        unit_cost=cost,
        benefit=np.array([scenario.resource_of(d).kind == "benefit" for d in scenario.dimensions]),
        budget=np.inf if scenario.budget.benefits_cny is None else scenario.budget.benefits_cny,
        hold_limit=hold_limit,
    )
