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


def test_tier_contributions_add_up_to_the_total_less_the_shared_costs():
    """A tier's contribution is the plan's: margin × the tier's revenue − its service cost; the roster and
    expansions are shared, so the tiers' contributions less them are the run's contribution."""
    s = _peak(0.8)
    result = run_plans(s, {"halfstep": make_plan(s, "halfstep")}, replications=2, seed=9)
    for o in result.outcomes:
        assert np.isfinite(o.kpis["contribution"])
        tiers = o.by_tier.values()
        for row in tiers:
            assert row["contribution"] == pytest.approx(0.8 * row["revenue"] - row["cost_total"], rel=1e-12)
        shared = o.kpis["cost_escort_roster"] + o.kpis["cost_expansion"]
        assert sum(r["contribution"] for r in tiers) - shared == pytest.approx(o.kpis["contribution"], rel=1e-9)
        assert sum(r["revenue"] for r in tiers) > 0
