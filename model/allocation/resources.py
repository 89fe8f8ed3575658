"""The three scarce resources as the allocator sees them: capacity, use and unit cost.

DESIGN.md, *Resources* and *The allocator*. Per horizon:

* seat holds — capacity in seat-flights (hold limit per flight × flights × days); a trip
  uses 1 seat-flight for a single hold, ``k·(1 + privacy)`` for a multi-flight hold; its
  unit cost is the expected displacement of the seats never flown plus handling;
* escort staff — a roster: staff on duty by hour of the day, paid whether busy or not (a
  fixed cost, ``roster_cost``), with staff-hours added hour by hour at the expansion cost as
  an allocator decision. Capacity is by clock hour — rostered staff-hours × the hour's
  utilization cap (``max_utilization``, or lower where Erlang C says so:
  :mod:`model.allocation.staffing`) — and a trip uses, in each hour, the expected staff-hours of its
  escort there: it starts when the traveller reaches the airport (the schedule's departure
  hours less the arrival lead) and lasts ``escort_minutes × duration_factor``, but never
  past the departure (no escort outlasts the traveller's time at the airport), on the
  share ``escort_need`` of trips that pass an escort airport. A dimension that *replaces*
  another (senior escort replaces escort) uses and costs only what it adds to it: a trip
  that gets it gets the other too, with its own duration in place of both. Its unit cost is
  the dimension's own (the staff are paid by the roster);
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
from model.allocation.staffing import hourly_utilization
from model.scenario.schema import Scenario

__all__ = ["ResourceTables", "escort_hours_by_clock", "resource_tables", "unit_name"]

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
    escort_use_by_hour: np.ndarray  # (T, D, 24) escort staff-hours per trip at level 1 in each clock hour
    escort_staff_hours: np.ndarray  # (24,) rostered staff-hours per horizon in each clock hour
    escort_utilization: np.ndarray  # (24,) share of each hour's rostered (and added) staff-hours the plan may use
    roster_cost: float  # CNY per horizon: every rostered staff-hour at the wage (fixed)
    upgrades: tuple[tuple[int, int], ...]  # (dimension, the dimension it replaces)

    def unit(self, k: int) -> str:
        return UNITS[self.kinds[k]]

    def cost_of_expansions(self, expansions: np.ndarray) -> float:
        """CNY of ``expansions`` (K,) units added (a resource that cannot expand adds none)."""
        return float(np.nansum(np.asarray(expansions, dtype=float) * np.nan_to_num(self.expansion_cost)))

    @property
    def expandable(self) -> np.ndarray:
        return ~np.isnan(self.expansion_cost)

    @property
    def escort(self) -> int | None:
        """Index of the escort resource, if the scenario has one."""
        return self.kinds.index("escort") if "escort" in self.kinds else None


def escort_hours_by_clock(scenario: Scenario, minutes: float, points: int = 61) -> np.ndarray:
    """(24,) expected staff-hours in each clock hour of one escort lasting ``minutes``.

    It starts when the traveller reaches the airport — a flight of the schedule (by its
    weight), less an arrival lead uniform on ``flights.arrival_lead_minutes`` (integrated on
    ``points`` midpoints) — and ends after ``minutes`` or at the departure, whichever is
    first. The sum is the expected escort time in hours, ``E[min(minutes, lead)] / 60``.
    """
    f = scenario.flights
    dep = np.asarray(f.departure_hours, dtype=float) * 60.0
    w = np.asarray(f.weights or [1.0] * len(dep), dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(dep), 1.0 / len(dep))
    lo, hi = f.arrival_lead_minutes
    lead = lo + (np.arange(points) + 0.5) * (hi - lo) / points
    start = (dep[:, None] - lead[None, :]) % 1440.0  # (flights, points)
    end = start + np.minimum(minutes, lead)[None, :]
    edges = 60.0 * np.arange(49)  # two days of hours: an escort may run past midnight
    overlap = np.clip(
        np.minimum(end[..., None], edges[None, None, 1:]) - np.maximum(start[..., None], edges[None, None, :-1]),
        0.0,
        None,
    )
    by_hour = (overlap.sum(axis=1) / points * w[:, None]).sum(axis=0)  # (48,) minutes
    return (by_hour[:24] + by_hour[24:]) / 60.0


def _escort_tables(scenario: Scenario) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
    """Escort staff-hours per trip at level 1 by clock hour (T, D, 24), and the replacement pairs."""
    T, D = len(scenario.tiers), len(scenario.dimensions)
    names = scenario.dimension_names
    out = np.zeros((T, D, 24))
    upgrades = tuple((j, names.index(d.replaces)) for j, d in enumerate(scenario.dimensions) if d.replaces in names)
    cache: dict[float, np.ndarray] = {}
    for j, d in enumerate(scenario.dimensions):
        if scenario.resource_of(d).kind != "escort":
            continue
        for i, t in enumerate(scenario.tiers):
            minutes = t.escort_minutes * d.duration_factor
            if minutes not in cache:
                cache[minutes] = escort_hours_by_clock(scenario, minutes)
            out[i, j] = t.escort_need * cache[minutes]
    for j, e in upgrades:  # a replacing escort uses what it adds to the one it replaces
        out[:, j] = out[:, j] - out[:, e]
    return out, upgrades


def resource_tables(scenario: Scenario) -> ResourceTables:
    """Capacity, use and unit cost of every resource and dimension of a scenario."""
    days = scenario.time.horizon_days
    n_flights = len(scenario.flights.departure_hours)
    names = tuple(r.name for r in scenario.resources)
    T, D = len(scenario.tiers), len(scenario.dimensions)
    capacity = np.full(len(names), np.inf)
    hold_limit = 0
    staff_hours, utilization, roster_cost = np.zeros(24), np.ones(24), 0.0
    for k, r in enumerate(scenario.resources):
        if r.kind == "seat_holds":
            hold_limit = hold_limit_per_flight(scenario, r)
            capacity[k] = hold_limit * n_flights * days
        elif r.kind == "escort":
            staff_hours = np.asarray(r.staff_on_duty, dtype=float) * days
            utilization = hourly_utilization(scenario, r)
            roster_cost = float(staff_hours.sum() * r.wage_cny_per_hour)
            capacity[k] = float((staff_hours * utilization).sum())
        elif r.daily_capacity is not None:
            capacity[k] = r.daily_capacity * days

    use = np.zeros((T, D))
    cost = np.zeros((T, D))
    held = seats_held_per_trip(scenario)
    escort_by_hour, upgrades = _escort_tables(scenario)
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
            use[:, j] = escort_by_hour[:, j].sum(axis=1)
        else:
            use[:, j] = 1.0
    for j, e in upgrades:  # a replacing escort's trips pay its unit cost in place of the other's
        cost[:, j] -= cost[:, e]

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
        escort_use_by_hour=escort_by_hour,
        escort_staff_hours=staff_hours,
        escort_utilization=utilization,
        roster_cost=roster_cost,
        upgrades=upgrades,
    )
