"""The airline choice and the loyalty stages, worked out on paper for the tiny scenario.

Tiny (tests/helpers.py): the competitor offers nothing (level 0), so PV_comp is the shortfall
below the references — low: 2.25·(100·0.2 + 100·0.1) = −67.5 CNY; high: 2.25·(200·0.5 + 300·0.4)
= −495 CNY. The half-step plan (lounge 0.35 / escort 0.25 for low) is worth 100·0.15 + 100·0.15 =
30 CNY a trip to a low client. Choice: β0 = 0, β_PV = 0.004, β_c = 2, initial closeness 0.6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.allocation.value import value_tables
from model.simulation.loyalty import ACQUISITION, BROKEN, RECOVERY, RETENTION, Accounts
from tests.helpers import build, tiny_dict
from tests.simulation.sim_helpers import run_by_hand, trips_by_hand

HALF = [[0.35, 0.25], [0.6, 0.5]]  # r + Δ/2 for every tier and dimension


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _accounts(d: dict, levels=HALF) -> Accounts:
    s = build(d)
    return Accounts(s, np.asarray(levels, dtype=float), value_tables(s))


def test_the_choice_probability_by_hand():
    acc = _accounts(tiny_dict())
    assert acc.pv_comp == pytest.approx([-67.5, -495.0], abs=1e-9)
    assert acc.pv[0] == pytest.approx(30.0, abs=1e-9)
    # p = logistic(β0 + β_PV·(PV_us − PV_comp) + β_c·closeness) = logistic(0.004·97.5 + 1.2)
    assert acc.choice_probability(0) == pytest.approx(logistic(0.004 * 97.5 + 1.2), rel=1e-12)
    high = 10  # the first account of tier high: PV_us = 200·0.1 + 300·0.1 = 50
    assert acc.choice_probability(high) == pytest.approx(logistic(0.004 * (50 + 495) + 1.2), rel=1e-12)


@pytest.mark.parametrize("gain", [-200.0, -50.0, 10.0, 100.0])
def test_more_perceived_value_than_the_competitor_wins_trips_by_the_logit_slope(gain):
    acc = _accounts(tiny_dict())
    base = acc.choice_probability(0)
    p = acc.choice_probability(0, pv=30.0 + gain)
    # direction: more PV_us − PV_comp, more trips with us; size: the logit moves by β_PV per CNY
    assert (p > base) == (gain > 0)
    logit = math.log(p / (1 - p)) - math.log(base / (1 - base))
    assert logit == pytest.approx(0.004 * gain, rel=1e-9)


def test_a_better_competitor_offer_lowers_the_share_by_the_same_slope():
    d = tiny_dict()
    d["dimensions"][0]["competitor_level"] = 0.2  # the competitor now meets the low tier's lounge reference
    acc = _accounts(d)
    # low: PV_comp rises from −67.5 to −22.5 (only the escort shortfall is left); PV_us is still 30
    assert acc.pv_comp[0] == pytest.approx(-22.5, abs=1e-9)
    assert acc.choice_probability(0) == pytest.approx(logistic(0.004 * 52.5 + 1.2), rel=1e-12)


def test_the_simulated_choice_is_the_probability_by_hand():
    """Each low account's first trip: flown if u_choice < p, lost to the competitor otherwise."""
    s = build(tiny_dict())
    p = logistic(0.004 * 97.5 + 1.2)  # 0.8306
    us = [p - 1e-9, p - 0.2, 0.0, p - 1e-6]
    them = [p + 1e-9, p + 0.1, 0.999999]
    rows = [(a, 0, u, 480.0) for a, u in enumerate(us + them)]
    o = run_by_hand(s, HALF, trips_by_hand(s, rows))
    assert o.kpis["trips_flown"] == len(us)
    assert o.kpis["trips_lost_to_competitor"] == len(them)


def test_the_simulated_choice_responds_to_pv_in_the_right_direction():
    """The same trips under a plan worth more to the client fly more; under one worth less, fewer."""
    s = build(tiny_dict())
    # low's lounge at 0: PV_us = 2.25·100·(−0.2) + 15 = −30 → p = logistic(0.004·37.5 + 1.2) = 0.7941
    # at 0.35 (half a step): PV_us = 30 → p = 0.8306; at 0.5 (a full step): 19.5 + 15 = 34.5 → p = 0.8331
    rows = [(a, 0, u, 480.0) for a, u in enumerate([0.79, 0.80, 0.82, 0.831, 0.832, 0.84])]
    trips = trips_by_hand(s, rows)
    counts = [run_by_hand(s, [[x, 0.25], [0.6, 0.5]], trips).kpis["trips_flown"] for x in (0.0, 0.35, 0.5)]
    assert counts == [1, 3, 5]


# --- loyalty stages ---------------------------------------------------------------------------

#: κ = 0.5; closeness targets logistic(a + b·PV) with a = 0, b = 0.05: a low trip with us at PV 30 →
#: logistic(1.5) = 0.8176; a trip lost to the competitor → logistic(0.05·(−67.5)) = 0.0331.
STAGES = {
    "closeness_rate": 0.5,
    "closeness_intercept": 0.0,
    "closeness_value_per_cny": 0.05,
    "recovery_threshold": 0.4,
    "break_threshold": 0.2,
    "reacquisition_delay_days": 1.0,
    "acquisition_trips": 2,
}
US, THEM = logistic(1.5), logistic(0.05 * -67.5)


def test_every_stage_transition_of_one_account_by_hand():
    acc = _accounts(tiny_dict(loyalty=STAGES))
    a, c = 0, 0.6
    assert acc.stage[a] == RETENTION and acc.closeness[a] == c

    def moved(target: float) -> float:
        return c + 0.5 * (target - c)

    # retention → recovery: a trip lost to the competitor, closeness 0.6 → 0.3166 < 0.4
    acc.after_competitor_trip(a, 10.0)
    c = moved(THEM)
    assert acc.closeness[a] == pytest.approx(c, rel=1e-12) and acc.stage[a] == RECOVERY
    # recovery → retention: a trip with us at PV 30, closeness → 0.567 ≥ 0.4
    pv = acc.after_trip_bits(a, acc.entitled(a) & 0b01, 0b10, 20.0, 0.0)
    assert pv == pytest.approx(30.0, abs=1e-9)
    c = moved(US)
    assert acc.closeness[a] == pytest.approx(c, rel=1e-12) and acc.stage[a] == RETENTION
    # retention → recovery → broken: two trips lost, 0.3001 then 0.1666 < 0.2
    acc.after_competitor_trip(a, 30.0)
    c = moved(THEM)
    assert acc.stage[a] == RECOVERY and acc.breaks == 0
    acc.after_competitor_trip(a, 40.0)
    c = moved(THEM)
    assert acc.closeness[a] == pytest.approx(c, rel=1e-12) and c < 0.2
    assert acc.stage[a] == BROKEN and acc.breaks == 1 and acc.breaks_by_tier == [1, 0]
    # broken for the re-acquisition delay: one day from the break
    assert not acc.available(a, 40.0)
    assert not acc.available(a, 40.0 + 1440.0 - 1e-6)
    assert acc.stage[a] == BROKEN
    # then acquisition, restarting at the recovery threshold's closeness
    assert acc.available(a, 40.0 + 1440.0)
    assert acc.stage[a] == ACQUISITION and acc.closeness[a] == 0.4
    c = 0.4
    # acquisition → retention after acquisition_trips = 2 trips with us, not before
    acc.after_trip_bits(a, acc.entitled(a) & 0b01, 0b10, 1500.0, 0.0)
    c = moved(US)
    assert acc.stage[a] == ACQUISITION
    acc.after_trip_bits(a, acc.entitled(a) & 0b01, 0b10, 1510.0, 0.0)
    c = moved(US)
    assert acc.closeness[a] == pytest.approx(c, rel=1e-12) and acc.stage[a] == RETENTION
    assert acc.breaks == 1
    np.testing.assert_array_equal(acc.stage_counts(), [0, 15, 0, 0])


def test_acquisition_ends_in_recovery_when_closeness_is_low_and_breaks_below_the_threshold():
    loyalty = {**STAGES, "closeness_value_per_cny": 0.0, "closeness_intercept": math.log(0.3 / 0.7)}
    acc = _accounts(tiny_dict(loyalty=loyalty))  # every target is 0.3: between break and recovery
    a = 0
    acc.closeness[a] = 0.1
    acc.after_competitor_trip(a, 0.0)  # 0.1 → 0.2: not below the break threshold yet …
    acc.closeness[a] = 0.19
    acc.after_competitor_trip(a, 0.0)  # 0.19 → 0.245
    assert acc.stage[a] == RECOVERY and acc.breaks == 0
    acc.closeness[a] = 0.05
    acc.after_competitor_trip(a, 5.0)  # 0.05 → 0.175 < 0.2
    assert acc.stage[a] == BROKEN and acc.broken_until[a] == pytest.approx(5.0 + 1440.0)
    assert acc.available(a, 2000.0) and acc.stage[a] == ACQUISITION
    assert acc.closeness[a] == 0.4  # raised to the recovery threshold
    acc.after_trip_bits(a, acc.entitled(a) & 0b01, 0b10, 2000.0, 0.0)  # 0.4 → 0.35: still acquiring
    assert acc.stage[a] == ACQUISITION
    acc.after_trip_bits(a, acc.entitled(a) & 0b01, 0b10, 2010.0, 0.0)  # 0.35 → 0.325 < 0.4 after 2 trips: recovery
    assert acc.stage[a] == RECOVERY
    assert acc.stage_counts_by_tier()[0].tolist() == [0, 9, 1, 0]


def test_an_account_that_starts_below_the_break_threshold_is_broken_but_not_churn_of_the_horizon():
    d = tiny_dict(loyalty=STAGES)
    d["tiers"][0]["initial_closeness"] = 0.1
    acc = _accounts(d)
    assert acc.stage_counts_by_tier().tolist() == [[0, 0, 0, 10], [0, 5, 0, 0]]
    assert acc.breaks == 0 and acc.breaks_by_tier == [0, 0]
    assert not acc.available(0, 0.0)


def test_the_simulation_crosses_every_stage():
    """Account 0's trips: lost, flown, lost, lost (breaks), one during the delay, two after it."""
    s = build(tiny_dict(loyalty=STAGES))
    rows = [
        (0, 0, 0.999999, 480.0),  # lost by choice → recovery
        (0, 0, 0.0, 720.0),  # flown → retention
        (0, 0, 0.999999, 1080.0),  # lost → recovery
        (0, 1, 0.999999, 480.0),  # lost → broken (churned)
        (0, 1, 0.0, 720.0),  # within the day's delay: lost although u = 0
        (0, 2, 0.0, 720.0),  # after it: acquisition, flown
        (0, 2, 0.0, 1080.0),  # flown: the second acquisition trip → retention
    ]
    o = run_by_hand(s, HALF, trips_by_hand(s, rows))
    assert o.kpis["churned_accounts"] == 1 and o.by_tier["low"]["churned_accounts"] == 1
    assert o.kpis["trips_flown"] == 3
    assert o.kpis["trips_lost_to_competitor"] == 4
    np.testing.assert_array_equal(o.stages_by_tier, [[0, 10, 0, 0], [0, 5, 0, 0]])
    # accounts by stage at the start of each day: day 1 account 0 in recovery, day 2 broken
    np.testing.assert_array_equal(o.stages[1], [0, 14, 1, 0])
    np.testing.assert_array_equal(o.stages[2], [0, 14, 0, 1])


def test_a_broken_account_stays_away_until_its_delay_is_over():
    s = build(tiny_dict(loyalty={**STAGES, "reacquisition_delay_days": 10.0}))
    rows = [(0, 0, 0.999999, 480.0), (0, 0, 0.999999, 720.0)]  # two losses: 0.6 → 0.317 → 0.175, broken
    rows += [(0, day, 0.0, 720.0) for day in range(1, 12)]  # days 1–9 inside the 10 days, then 10 and 11
    o = run_by_hand(s, HALF, trips_by_hand(s, rows))
    assert o.kpis["churned_accounts"] == 1
    assert o.kpis["trips_flown"] == 2 and o.kpis["trips_lost_to_competitor"] == 2 + 9
    assert o.stages_by_tier[0].tolist() == [0, 10, 0, 0]


@pytest.mark.parametrize("experience", ["window", "moving_average"])
def test_an_accounts_pv_with_a_satiation_point_of_0_3_by_hand(experience):
    """h = 0.3, ρ = 0.3: low's noticed lead is 0.09 wide and its weak lead 0.21; high's 0.06 and 0.14."""
    d = tiny_dict(loyalty={"experience": experience})
    d["value"]["satiation"] = 0.3
    full = [[0.29, 0.4], [0.7, 0.6]]
    acc = _accounts(d, full)
    low, high = 100 * 0.09 + 100 * (0.09 + 0.3 * 0.21), 500 * (0.06 + 0.3 * 0.14)
    assert acc.pv[0] == pytest.approx(low, abs=1e-9) and acc.pv[10] == pytest.approx(high, abs=1e-9)
    assert acc.value_of(1, np.array([1.0, 1.0])) == pytest.approx(high, abs=1e-9)  # satiated beyond a full step
    assert acc.value_of(1, np.array([0.65, 0.42])) == pytest.approx(200 * (0.06 + 0.3 * 0.09) + 300 * 0.02, abs=1e-9)
    assert acc.value_of(0, np.array([0.1, 0.1])) == pytest.approx(100 * 2.25 * -0.1, abs=1e-9)


def test_flies_with_us_when_the_choice_number_is_below_the_probability():
    acc = _accounts(tiny_dict())
    p = acc.choice_probability(0)
    assert acc.flies_with_us(0, p - 1e-12) and acc.flies_with_us(0, 0.0)
    assert not acc.flies_with_us(0, p) and not acc.flies_with_us(0, p + 1e-12)
    # the account's own probability, not another's: the high tier's is higher
    high = acc.choice_probability(10)
    assert high > p and acc.flies_with_us(10, (p + high) / 2) and not acc.flies_with_us(0, (p + high) / 2)


def test_an_account_not_broken_is_available_and_in_recovery_only_there():
    acc = _accounts(tiny_dict(loyalty=STAGES))
    assert acc.available(0, 0.0) and acc.stage[0] == RETENTION
    assert not acc.in_recovery(0)
    acc.after_competitor_trip(0, 0.0)  # 0.6 → 0.317: recovery
    assert acc.in_recovery(0) and acc.available(0, 1.0)


def test_a_trip_with_us_that_disappoints_can_break_the_account_at_that_time():
    # every closeness target is logistic(−5) ≈ 0.0067: a trip with us at 0.21 falls to 0.108 < 0.2
    loyalty = {**STAGES, "closeness_intercept": -5.0, "closeness_value_per_cny": 0.0, "reacquisition_delay_days": 2.0}
    acc = _accounts(tiny_dict(loyalty=loyalty))
    acc.closeness[0] = 0.21
    delivered = np.array([True, False])
    pv = acc.after_trip(0, delivered, np.array([True, False]), 300.0, 0.0)
    assert pv == pytest.approx(30.0, abs=1e-9)  # the lounge delivered as the quota's first trip was: still 7 of 20
    assert acc.stage[0] == BROKEN and acc.broken_until[0] == 300.0 + 2 * 1440.0 and acc.breaks == 1
