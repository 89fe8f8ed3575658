"""Over-service counts all spend on a dimension a tier values at 0 (seed 001: car service for clients whose
transport is reimbursed), in the plan and in the simulation alike."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.allocator import plan_from_levels
from model.allocation.value import over_service_share, value_tables
from model.randomness import streams
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips
from tests.helpers import build, tiny_dict


def _lounge_worthless_to_low() -> dict:
    d = tiny_dict()
    d["tiers"][0]["value_weight_cny"]["lounge"] = 0.0
    return d


def test_every_level_on_a_worthless_dimension_is_over_service():
    vt = value_tables(build(_lounge_worthless_to_low()))
    levels = np.array([[0.1, 0.0], [0.1, 0.0]])  # 0.1 is below r = 0.2 (low) and 0.5 (high)
    share = over_service_share(levels, vt)
    assert share[0, 0] == 1.0  # valued at 0: every use is spent on nothing the client values
    assert share[1, 0] == 0.0  # valued, and below the reference: none of it


def test_plan_and_simulation_count_it_alike():
    s = build(_lounge_worthless_to_low())
    levels = np.array([[0.2, 0.0], [0.0, 0.0]])
    plan = plan_from_levels(s, levels, policy="test", shadow_prices=(), binding=())
    assert plan.over_service_cost[0] == pytest.approx(plan.cost[0])  # all the low tier's lounge spend
    rngs = streams(4, 0)
    o = simulate(s, plan, draw_trips(s, rngs), draw_base_demand(s, rngs["base"]))
    lounge = o.over_service_by_dimension[0]
    assert lounge > 0 and lounge == pytest.approx(o.kpis["cost_benefits"], rel=1e-9)
