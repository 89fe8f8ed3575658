"""Client demand: how many trips each tier makes, and when.

DESIGN.md, *Concepts* (tier) and *The simulator* (trip generation). A traveller's trip
rate is gamma distributed across travellers (shape ``trip_rate_shape``), so trips per
traveller follow a negative binomial and many travellers fly once; seasons multiply the
rate day by day.

The allocator plans on the *expected* trips flown with us when service is at the
reference (perceived value 0, against the competitor's PV_comp ≤ 0) and closeness at its
initial value — the simulator's choice model at that point; the simulator draws
the realized trips and base passengers (:mod:`model.simulation.trips`).
"""

from __future__ import annotations

import numpy as np

from model.allocation.value import competitor_value
from model.scenario.schema import Scenario

__all__ = [
    "base_load_multipliers",
    "choice_intercepts",
    "day_multipliers",
    "expected_requests",
    "expected_trips",
    "reference_share",
]


def day_multipliers(scenario: Scenario) -> np.ndarray:
    """Key-account demand multiplier for every day of the horizon (seasons multiply)."""
    m = np.ones(scenario.time.horizon_days)
    for s in scenario.seasons:
        m[s.start_day : s.end_day + 1] *= s.demand_multiplier
    return m


def base_load_multipliers(scenario: Scenario) -> np.ndarray:
    """Base (non-key-account) demand multiplier for every day of the horizon."""
    m = np.ones(scenario.time.horizon_days)
    for s in scenario.seasons:
        m[s.start_day : s.end_day + 1] *= s.base_load_multiplier
    return m


def expected_requests(scenario: Scenario) -> np.ndarray:
    """Expected trips requested per tier over the horizon (before the airline choice)."""
    season_days = day_multipliers(scenario).sum()
    return np.array(
        [
            t.accounts * t.travellers_per_account * t.trips_per_traveller_per_year / 365.0 * season_days
            for t in scenario.tiers
        ]
    )


def choice_intercepts(scenario: Scenario) -> np.ndarray:
    """β0[t] per tier: the tier's ``choice_intercept``, or ``choice.intercept`` where it has none."""
    c = scenario.choice
    return np.array([c.intercept if t.choice_intercept is None else t.choice_intercept for t in scenario.tiers])


def reference_share(scenario: Scenario) -> np.ndarray:
    """Probability per tier that a trip is flown with us at PV_us = 0 and initial closeness.

    The simulator's choice model (DESIGN.md, *Choice and loyalty*) at the reference:
    ``logistic(β0[t] + β_PV·(0 − PV_comp[t]) + β_c·initial_closeness[t])``.
    """
    c = scenario.choice
    closeness = np.array([t.initial_closeness for t in scenario.tiers], dtype=float)
    x = choice_intercepts(scenario) + c.value_per_cny * (0.0 - competitor_value(scenario)) + c.closeness * closeness
    z = np.exp(-np.abs(x))  # the logistic as the simulator computes it, without overflow
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def expected_trips(scenario: Scenario) -> np.ndarray:
    """n[t] of the allocator: expected trips flown with us per tier over the horizon."""
    return expected_requests(scenario) * reference_share(scenario)
