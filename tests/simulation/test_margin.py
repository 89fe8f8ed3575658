"""One set of money figures: displaced base passengers cost the contribution of their fare, at the margin key-account trips earn."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.holds import seats_held_per_trip, sellout_probability
from model.allocation.policies import make_plan
from model.allocation.resources import resource_tables
from model.scenario.loading import load_scenario
from model.simulation.replications import run_plans


def _peak(margin: float):
    return load_scenario("scenarios/national_day_peak.toml", [f"economics.incremental_margin={margin}"])


def test_displacement_in_the_simulation_is_the_base_fares_contribution():
    low, high = _peak(0.5), _peak(1.0)
    plan = make_plan(high, "standard")  # the same plan, so the same holds and the same displaced passengers
    a = run_plans(low, {"standard": plan}, replications=2, seed=4)
    b = run_plans(high, {"standard": plan}, replications=2, seed=4)
    fare = high.flights.base_fare_cny
    for r in range(2):
        oa, ob = a.outcomes[r], b.outcomes[r]
        assert oa.kpis["displaced_seats"] == ob.kpis["displaced_seats"] > 0
        extra = ob.kpis["cost_seat_holds"] - oa.kpis["cost_seat_holds"]
        assert extra == pytest.approx(0.5 * fare * ob.kpis["displaced_seats"], rel=1e-9)
        assert ob.kpis["contribution"] - oa.kpis["contribution"] == pytest.approx(
            0.5 * ob.kpis["revenue"] - extra, rel=1e-9
        )


def test_the_plans_hold_cost_uses_the_same_margin():
    low, high = _peak(0.5), _peak(1.0)
    ra, rb = resource_tables(low), resource_tables(high)
    holds = [j for j, d in enumerate(high.dimensions) if high.resource_of(d).kind == "seat_holds"]
    never_flown = seats_held_per_trip(high)[:, holds] - 1.0
    expected = never_flown * high.flights.base_fare_cny * sellout_probability(high) * 0.5
    np.testing.assert_allclose(rb.unit_cost[:, holds] - ra.unit_cost[:, holds], expected, rtol=1e-12)
    assert (never_flown > 0).any()
