"""Trips written by hand, for simulations whose every trip's fate can be worked out on paper."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.allocation.allocator import plan_from_levels
from model.allocation.plan import Plan
from model.scenario.schema import Scenario
from model.simulation.outcome import Outcome
from model.simulation.simulator import simulate
from model.simulation.trips import Trips

#: Minutes before departure a hand-written trip reaches the airport.
LEAD = 90.0


def trips_by_hand(scenario: Scenario, rows: Sequence[tuple[int, int, float, float]], *, fare: float = 1000.0) -> Trips:
    """One trip per row ``(account, day, u_choice, minute of the day it departs)``, in time order.

    Every trip misses the escort airports (``u_need`` = 1), so only choice, seats, benefits and
    loyalty act on it; its tier is its account's; it takes the first flight of the day at or after
    its departure minute.
    """
    sizes = np.array([t.accounts for t in scenario.tiers])
    tier_of = np.repeat(np.arange(len(sizes)), sizes)
    hours = np.asarray(scenario.flights.departure_hours) * 60.0
    n = len(rows)
    account = np.array([r[0] for r in rows], dtype=np.int64)
    day = np.array([r[1] for r in rows], dtype=np.int64)
    minute = np.array([r[3] for r in rows], dtype=float)
    of_day = np.searchsorted(hours, minute)
    departure = day * 1440.0 + hours[of_day]
    arrival = departure - LEAD
    assert (np.diff(arrival) >= 0).all(), "rows must be in time order"
    return Trips(
        tier=tier_of[account],
        account=account,
        day=day,
        flight=day * len(hours) + of_day,
        departure=departure,
        arrival=arrival,
        fare=np.full(n, fare),
        u_choice=np.array([r[2] for r in rows], dtype=float),
        u_need=np.ones(n),
        service_minutes=np.zeros((n, len(scenario.dimensions))),
        accounts_per_tier=sizes,
        traveller=account.copy(),
    )


def run_by_hand(scenario: Scenario, levels: Sequence[Sequence[float]], trips: Trips) -> Outcome:
    """Simulate the plan of ``levels`` on hand-written trips, with empty flights (no base passengers)."""
    plan: Plan = plan_from_levels(
        scenario, np.asarray(levels, dtype=float), policy="by hand", shadow_prices=(), binding=()
    )
    days, flights = scenario.time.horizon_days, len(scenario.flights.departure_hours)
    outcome = simulate(scenario, plan, trips, np.zeros(days * flights, dtype=np.int64))
    assert outcome.error is None
    return outcome
