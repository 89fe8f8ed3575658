"""Relative choice and closeness on every trip requested — DESIGN.md, *Choice and loyalty*.

A trip is flown with us with p = logistic(β0[t] + β_PV·(PV_us − PV_comp[t]) + β_c·closeness);
PV_comp[t] = Σ_d w·u(competitor level − r) ≤ 0; a trip lost to the choice moves closeness
toward logistic(a + b·PV_comp[t]), and an account that drifts below the break threshold
defects (churned). The plan's expected share is the same p at PV_us = 0 and initial closeness.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.allocation.allocator import plan_from_levels
from model.allocation.demand import reference_share
from model.allocation.value import competitor_value, value_tables
from model.randomness import streams
from model.simulation.loyalty import BROKEN, STAGES, Accounts
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips
from tests.helpers import build, tiny_dict

LAMBDA = 2.25  # tiny_dict's loss aversion


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _scenario(competitor: tuple[float, float] = (0.1, 0.0), choice: dict | None = None, **tier_keys: dict):
    """tiny_dict with the competitor's (lounge, escort) levels, a choice table and per-tier extra keys."""
    data = tiny_dict()
    for dim, level in zip(data["dimensions"], competitor, strict=True):
        dim["competitor_level"] = level
    if choice is not None:
        data["choice"] = choice
    for tier in data["tiers"]:
        tier.update(tier_keys.get(tier["name"], {}))
    return build(data)


def _pv_comp_by_hand(s) -> list[float]:
    """Σ_d w·λ·(competitor − max(expectation, competitor)): the competitor is never above the reference."""
    comp = {d.name: d.competitor_level for d in s.dimensions}
    return [
        sum(t.value_weight_cny[d] * LAMBDA * (comp[d] - max(t.expectation[d], comp[d])) for d in comp) for t in s.tiers
    ]


def _accounts(s) -> Accounts:
    levels = np.array([[t.expectation[d] for d in s.dimension_names] for t in s.tiers])
    return Accounts(s, levels, value_tables(s))


def _first_of_each_tier(acc: Accounts) -> list[int]:
    return [int(np.flatnonzero(acc.tier == t)[0]) for t in range(int(acc.tier.max()) + 1)]


# --- (a) direction and size of the response to PV_us − PV_comp -----------------------------------


def test_choice_probability_is_the_logistic_of_the_value_gap():
    s = _scenario(competitor=(0.1, 0.0), choice={"intercept": 0.3, "value_per_cny": 0.004, "closeness": 2.0})
    acc = _accounts(s)
    pv_comp = _pv_comp_by_hand(s)
    assert pv_comp == pytest.approx([-45.0, -450.0])  # low: 100·2.25·(−0.1 − 0.1); high: −2.25·(200·0.4 + 300·0.4)
    np.testing.assert_allclose(competitor_value(s), pv_comp, rtol=1e-12)
    for a in _first_of_each_tier(acc):
        t = int(acc.tier[a])
        c = acc.closeness[a]
        ps = []
        for pv_us in (-80.0, 120.0):
            expected = _logistic(0.3 + 0.004 * (pv_us - pv_comp[t]) + 2.0 * c)
            p = acc.choice_probability(a, pv_us)
            assert p == pytest.approx(expected, rel=1e-12)
            ps.append(p)
        assert ps[1] > ps[0]  # more value for the client, more trips with us
        logit = [math.log(p / (1 - p)) for p in ps]
        assert logit[1] - logit[0] == pytest.approx(0.004 * 200.0, rel=1e-9)  # β_PV per CNY of PV_us


def test_a_better_competitor_lowers_our_share():
    choice = {"intercept": 0.3, "value_per_cny": 0.004, "closeness": 2.0}
    weak, strong = _scenario((0.0, 0.0), choice), _scenario((0.2, 0.1), choice)  # still ≤ the low tier's expectation
    a_weak, a_strong = _accounts(weak), _accounts(strong)
    a = _first_of_each_tier(a_weak)[0]  # the low tier: its reference is its expectation in both
    for pv_us in (-50.0, 0.0, 50.0):
        p_weak, p_strong = a_weak.choice_probability(a, pv_us), a_strong.choice_probability(a, pv_us)
        assert p_strong < p_weak
        assert p_weak == pytest.approx(_logistic(0.3 + 0.004 * (pv_us + LAMBDA * (100 * 0.2 + 100 * 0.1)) + 1.2))
        assert p_strong == pytest.approx(_logistic(0.3 + 0.004 * pv_us + 1.2))  # matched: PV_comp = 0


def test_the_simulator_flies_trips_with_the_choice_probability():
    # PV_us constant (lounge always given, escort never, closeness frozen): the share of trips
    # the choice keeps is p, per tier, within a binomial interval
    data = tiny_dict(
        time={"horizon_days": 120},
        choice={"intercept": 0.2, "value_per_cny": 0.004, "closeness": 2.0},
        loyalty={"closeness_rate": 0.0},
    )
    data["dimensions"][0]["competitor_level"] = 0.1
    data["flights"]["seats"] = 10_000  # no trip refused
    for t in data["tiers"]:
        t["trips_per_traveller_per_year"] = 80
    s = build(data)
    levels = np.array([[1.0, 0.0], [1.0, 0.0]])
    plan = plan_from_levels(s, levels, policy="test", shadow_prices=(), binding=())
    acc = _accounts(s)
    rngs = streams(5, 0)
    o = simulate(s, plan, draw_trips(s, rngs), draw_base_demand(s, rngs["base"]))
    for t, tier in enumerate(s.tier_names):
        a = _first_of_each_tier(acc)[t]
        pv_us = acc.value_of(t, levels[t])
        p = acc.choice_probability(a, pv_us)
        row = o.by_tier[tier]
        n = row["trips_requested"]
        assert n > 1000
        assert row["trips_flown"] / n == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / n))


# --- (b) a tier's own intercept --------------------------------------------------------------------


def test_a_tier_intercept_overrides_the_global_one():
    choice = {"intercept": 0.7, "value_per_cny": 0.004, "closeness": 2.0}
    s = _scenario((0.1, 0.0), choice, high={"choice_intercept": -1.5})
    acc = _accounts(s)
    pv_comp = _pv_comp_by_hand(s)
    low, high = _first_of_each_tier(acc)
    for a, b0 in ((low, 0.7), (high, -1.5)):
        t = int(acc.tier[a])
        expected = _logistic(b0 + 0.004 * (0.0 - pv_comp[t]) + 2.0 * s.tiers[t].initial_closeness)
        assert acc.choice_probability(a, 0.0) == pytest.approx(expected, rel=1e-12)
        assert reference_share(s)[t] == pytest.approx(expected, rel=1e-12)


def test_the_simulator_uses_the_tier_intercept():
    choice = {"intercept": 40.0, "value_per_cny": 0.0, "closeness": 0.0}
    s = _scenario((0.0, 0.0), choice, high={"choice_intercept": -40.0})
    plan = plan_from_levels(s, np.zeros((2, 2)), policy="test", shadow_prices=(), binding=())
    rngs = streams(3, 0)
    o = simulate(s, plan, draw_trips(s, rngs), draw_base_demand(s, rngs["base"]))
    low, high = o.by_tier["low"], o.by_tier["high"]
    assert low["trips_requested"] > 0 and high["trips_requested"] > 0
    assert low["trips_flown"] + o.kpis["trips_refused"] == low["trips_requested"]  # β0 = 40: every trip chosen
    assert high["trips_flown"] == 0  # β0[high] = −40: none


# --- (c) closeness moves on trips flown with the competitor --------------------------------------


def _defection(competitor_level: float):
    """Almost nothing flies with us (β0 = −40); the competitor at ``competitor_level`` on every dimension."""
    data = tiny_dict(
        time={"horizon_days": 90},
        choice={"intercept": -40.0, "value_per_cny": 0.004, "closeness": 2.0},
        loyalty={"closeness_value_per_cny": 0.05, "closeness_rate": 0.3, "reacquisition_delay_days": 365},
    )
    for d in data["dimensions"]:
        d["competitor_level"] = competitor_level
    for t in data["tiers"]:
        t["trips_per_traveller_per_year"] = 12
    s = build(data)
    levels = np.array([[t.expectation[d] for d in s.dimension_names] for t in s.tiers])
    rngs = streams(9, 0)
    return s, simulate(
        s,
        plan_from_levels(s, levels, policy="test", shadow_prices=(), binding=()),
        draw_trips(s, rngs),
        draw_base_demand(s, rngs["base"]),
    )


def test_an_account_that_defects_to_a_poor_competitor_churns():
    s, o = _defection(0.0)  # PV_comp −67.5 (low), −495 (high): targets logistic(0.4 + 0.05·PV_comp) < 0.05
    assert o.kpis["trips_flown"] == 0
    accounts = [t.accounts for t in s.tiers]
    # every account drifts below the break threshold once; broken for a year, it cannot break again
    assert o.kpis["churned_accounts"] == sum(accounts)
    for t, n in zip(s.tier_names, accounts, strict=True):
        assert o.by_tier[t]["churned_accounts"] == n
    expected = np.zeros((2, len(STAGES)))
    expected[:, BROKEN] = accounts
    np.testing.assert_array_equal(o.stages_by_tier, expected)  # every account broken at the end, per tier
    assert o.stages[-1][BROKEN] == sum(accounts)


def test_a_competitor_that_matches_expectations_keeps_closeness():
    # the same defection to a competitor at level 1 (PV_comp = 0: target logistic(0.4) ≈ 0.6): no churn
    s, o = _defection(1.0)
    assert o.kpis["trips_flown"] == 0
    assert o.kpis["churned_accounts"] == 0
    assert o.stages_by_tier[:, BROKEN].sum() == 0
    assert o.stages_by_tier.sum() == sum(t.accounts for t in s.tiers)


# --- (d) the plan's expected share is the simulator's p at the reference ---------------------------


@pytest.mark.parametrize(
    ("competitor", "choice", "tiers"),
    [
        ((0.1, 0.0), {"intercept": -0.8, "value_per_cny": 0.004, "closeness": 2.0}, {}),
        ((0.3, 0.5), {"intercept": 0.2, "value_per_cny": 0.01, "closeness": 1.0}, {"low": {"choice_intercept": -2.0}}),
        (
            (0.0, 0.0),
            {"intercept": 0.0, "value_per_cny": 0.004, "closeness": 2.0},
            {"high": {"initial_closeness": 0.3}},
        ),
    ],
)
def test_the_plans_expected_share_is_the_simulators_p_at_the_reference(competitor, choice, tiers):
    s = _scenario(competitor, choice, **tiers)
    acc = _accounts(s)
    share = reference_share(s)
    pv_comp = _pv_comp_by_hand(s)
    for a in _first_of_each_tier(acc):
        t = int(acc.tier[a])
        assert acc.closeness[a] == s.tiers[t].initial_closeness
        assert share[t] == pytest.approx(acc.choice_probability(a, 0.0), rel=1e-12)
        b0 = s.tiers[t].choice_intercept if s.tiers[t].choice_intercept is not None else choice["intercept"]
        by_hand = _logistic(b0 + choice["value_per_cny"] * (0.0 - pv_comp[t]) + choice["closeness"] * acc.closeness[a])
        assert share[t] == pytest.approx(by_hand, rel=1e-12)
