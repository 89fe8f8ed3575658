"""The allocator's plans (the LP of PV − cost: ``objective = "net_value"``) on small scenarios whose optimum is worked out by hand.

The tiny scenario (tests/helpers.py): tier low — references lounge 0.2, escort 0.1, steps 0.3
(the gap to high's expectations 0.5 / 0.4), weights 100 / 100; tier high — references 0.5 / 0.4,
the default step 0.2, weights 200 / 300. The lounge costs 50 CNY a use; the escort nothing per
use (its staff are a fixed roster). Requests over the 30 days: low 10 accounts × 10 travellers ×
4 trips a year × 30/365, high 5 × 10 × 6 × 30/365.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.policies import make_plan
from tests.helpers import build, tiny_dict

REQUESTS = np.array([10 * 10 * 4 * 30 / 365, 5 * 10 * 6 * 30 / 365])


def _tiny(h: float = 0.5) -> dict:
    d = tiny_dict(allocator={"objective": "net_value"})
    d["value"]["satiation"] = h
    return d


@pytest.mark.parametrize(
    ("policy", "levels"),
    [
        # h = 0.3, ρ = 0.3. Lounge: low ρw = 30 < 50 stops at r + hΔ = 0.2 + 0.09; high ρw = 60 > 50 goes
        # on through the weak lead to r + Δ = 0.7 (fullstep), or to the cap r + Δ/2 = 0.6 (halfstep).
        # Escort (no cost per use): to r + Δ, or to the half-step cap.
        ("fullstep", [[0.29, 0.40], [0.70, 0.60]]),
        ("halfstep", [[0.29, 0.25], [0.60, 0.50]]),
        ("unconstrained", [[0.29, 0.40], [0.70, 0.60]]),  # nothing pays beyond a full step
    ],
)
def test_plans_with_a_satiation_point_of_0_3(policy, levels):
    plan = make_plan(build(_tiny(0.3)), policy)
    np.testing.assert_allclose(plan.levels, levels, atol=1e-9)
    np.testing.assert_allclose(plan.expected_requests, REQUESTS, rtol=1e-12)


def test_planned_perceived_value_with_a_satiation_point_of_0_3():
    plan = make_plan(build(_tiny(0.3)), "fullstep")
    # low: lounge at hΔ = 0.09 → 100·0.09; escort a full step 0.3 → 100·(0.09 + 0.3·0.21)
    # high: both a full step 0.2 → (200 + 300)·(0.06 + 0.3·0.14)
    per_trip = np.array([100 * 0.09 + 100 * (0.09 + 0.3 * 0.21), 500 * (0.06 + 0.3 * 0.14)])
    np.testing.assert_allclose(plan.perceived_value, REQUESTS * per_trip, rtol=1e-9)


def test_with_h_0_8_the_cheap_lead_is_wider_and_the_weak_lead_narrower():
    plan = make_plan(build(_tiny(0.8)), "fullstep")
    # low lounge: ρw = 30 < 50 stops at r + hΔ = 0.2 + 0.24; high lounge ρw = 60 > 50: to r + Δ = 0.7
    np.testing.assert_allclose(plan.levels[:, 0], [0.44, 0.70], atol=1e-9)
    per_trip_high = 500 * (0.16 + 0.3 * 0.04)
    assert plan.perceived_value[1] == pytest.approx(REQUESTS[1] * per_trip_high, rel=1e-9)


def _nesting_binds(nesting: bool) -> dict:
    """The low tier values the lounge far more than the high tier does (500 against 10 CNY a trip)."""
    d = tiny_dict(allocator={"nesting": nesting, "objective": "net_value"})
    d["tiers"][0]["value_weight_cny"]["lounge"] = 500
    d["tiers"][1]["value_weight_cny"]["lounge"] = 10
    return d


@pytest.mark.parametrize("policy", ["halfstep", "fullstep"])
def test_nesting_lifts_the_higher_tier_to_what_the_lower_tier_gets(policy):
    """Alone, high's lounge is worth λ·w = 22.5 CNY a trip below its reference, less than its 50 CNY cost: 0.
    Low's is worth 500 a trip: up to its lead cap, r + lead·Δ = 0.2 + 0.3·lead. Nested, high must get at
    least low's level; raising both together still pays (low's 500 per trip outweighs both tiers' cost),
    so both sit at low's cap."""
    cap = 0.2 + 0.3 * (0.5 if policy == "halfstep" else 1.0)
    free = make_plan(build(_nesting_binds(False)), policy)
    assert free.levels[0, 0] == pytest.approx(cap, abs=1e-9) and free.levels[1, 0] == 0.0
    nested = make_plan(build(_nesting_binds(True)), policy)
    np.testing.assert_allclose(nested.levels[:, 0], [cap, cap], atol=1e-9)
    assert any(b.startswith("nesting") for b in nested.binding)
    # the escort, valued more by the higher tier, is not touched by nesting
    np.testing.assert_allclose(nested.levels[:, 1], free.levels[:, 1], atol=1e-9)
