"""Loyalty (model/simulation/loyalty.py) at its edges, worked out on paper for the tiny scenario.

What test_choice_and_stages.py and test_quota_delivery.py leave open: the stage thresholds
themselves (closeness *at* a threshold), the re-acquisition delay of an account broken at day 0
and across a period boundary, the choice probability the simulator acts on to the last bit,
the competitor judged against the tables a plan comes with, a trip counted at its start
(``start_trip``) whose delivery fails, a failed delivery of a level-1 dimension, a dimension the
plan does not give that the account still remembers, the recovery offer's bonus, and
expectations that move only when ``[expectations]`` lets them.

Tiny (tests/helpers.py): λ = 2.25, h = 0.5, ρ = 0.3. Low: r = (0.2, 0.1), Δ = (0.3, 0.3) (the gap
to high's expectations), w = (100, 100), so a lead of x above r is worth 100·x up to hΔ = 0.15,
then 0.3 CNY per CNY up to Δ: 19.5 CNY at a full step or beyond; a shortfall costs 225 per unit.
High: r = (0.5, 0.4), Δ = 0.2 (the default step), w = (200, 300). The competitor offers nothing:
PV_comp = −67.5 (low), −495 (high). Choice: β0 = 0, β_PV = 0.004, β_c = 2; closeness 0.6.
The experience window is 20 trips, filled at the start with the quota's own pattern.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.allocation.value import value_tables
from model.simulation.loyalty import ACQUISITION, BROKEN, RECOVERY, RETENTION, Accounts
from model.simulation.periods import period_scenario
from tests.helpers import build, tiny_dict
from tests.simulation.sim_helpers import run_by_hand, trips_by_hand

HALF = [[0.35, 0.25], [0.6, 0.5]]  # r + Δ/2: low's PV 15 + 15 = 30 CNY a trip, high's 20 + 30 = 50
LOUNGE, ESCORT = 0b01, 0b10


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _accounts(d: dict, levels=HALF) -> Accounts:
    s = build(d)
    return Accounts(s, np.asarray(levels, dtype=float), value_tables(s))


# --- stages at their thresholds ----------------------------------------------------------------

#: κ = 0: closeness stays where it is put, so it can sit exactly on a threshold.
FROZEN = {
    "closeness_rate": 0.0,
    "recovery_threshold": 0.4,
    "break_threshold": 0.2,
    "reacquisition_delay_days": 1.0,
    "acquisition_trips": 2,
}


def test_closeness_at_a_threshold_is_not_below_it():
    """Recovery is closeness *below* 0.4 and a break *below* 0.2 (DESIGN.md): at 0.4 an account is in
    retention — from the start, after a trip, and at the end of acquisition — and at 0.2 in recovery."""
    d = tiny_dict(loyalty=FROZEN)
    d["tiers"][0]["initial_closeness"] = 0.4
    d["tiers"][1]["initial_closeness"] = 0.1  # below the break threshold at day 0
    acc = _accounts(d)
    assert acc.stage[0] == RETENTION and acc.closeness[0] == 0.4
    acc.after_competitor_trip(0, 10.0)
    assert acc.closeness[0] == 0.4 and acc.stage[0] == RETENTION
    acc.after_trip_bits(0, acc.entitled(0), 0, 20.0, 0.0)
    assert acc.closeness[0] == 0.4 and acc.stage[0] == RETENTION
    acc.closeness[1] = 0.2
    acc.after_competitor_trip(1, 10.0)
    assert acc.stage[1] == RECOVERY and acc.breaks == 0
    # high's accounts start broken (not churn of this horizon) and are re-acquired at 0.4, where κ = 0 keeps them
    a = 10
    assert acc.stage[a] == BROKEN and acc.breaks == 0
    acc.available(a, 1440.0)
    assert acc.stage[a] == ACQUISITION and acc.closeness[a] == 0.4
    acc.after_trip_bits(a, acc.entitled(a), 0, 1500.0, 0.0)
    assert acc.stage[a] == ACQUISITION  # one trip of the two
    acc.after_trip_bits(a, acc.entitled(a), 0, 1510.0, 0.0)
    assert acc.closeness[a] == 0.4 and acc.stage[a] == RETENTION


def test_an_account_broken_at_day_0_waits_out_the_delay_from_time_0():
    d = tiny_dict(loyalty={**FROZEN, "reacquisition_delay_days": 2.0})
    d["tiers"][1]["initial_closeness"] = 0.1
    acc = _accounts(d)
    a = 10
    assert acc.broken_until[a] == 2 * 1440.0
    assert not acc.available(a, 2 * 1440.0 - 1e-6) and acc.stage[a] == BROKEN
    assert acc.available(a, 2 * 1440.0) and acc.stage[a] == ACQUISITION


def test_stage_counts_are_whole_numbers_of_accounts_by_tier():
    d = tiny_dict(loyalty=FROZEN)
    d["tiers"][1]["initial_closeness"] = 0.1
    acc = _accounts(d)
    acc.closeness[3] = 0.3
    acc.after_competitor_trip(3, 0.0)  # κ = 0: stays at 0.3, recovery
    by_tier = acc.stage_counts_by_tier()
    assert by_tier.tolist() == [[0, 9, 1, 0], [0, 0, 0, 5]]
    assert by_tier.dtype.kind == "i"  # counts of accounts, as the per-day counts are
    np.testing.assert_array_equal(by_tier.sum(axis=0), acc.stage_counts())


# κ = 0.5 toward logistic(0.05·PV): a trip lost to the competitor (low, PV_comp = −67.5) moves 0.6 → 0.3166 → 0.1749
BREAKING = {**FROZEN, "closeness_rate": 0.5, "closeness_intercept": 0.0, "closeness_value_per_cny": 0.05}


def test_a_new_period_carries_the_reacquisition_delay_and_counts_churn_afresh():
    acc = _accounts(tiny_dict(loyalty=BREAKING))
    them = logistic(0.05 * -67.5)
    acc.after_competitor_trip(0, 900.0)
    acc.after_competitor_trip(0, 1000.0)
    c = 0.6 + 0.5 * (them - 0.6)
    c += 0.5 * (them - c)
    assert acc.closeness[0] == pytest.approx(c, rel=1e-12) and c < 0.2
    assert acc.stage[0] == BROKEN and acc.broken_until[0] == 1000.0 + 1440.0
    assert acc.breaks == 1 and acc.breaks_by_tier == [1, 0]
    acc.shift_clock(1440.0)  # the next period starts at the old minute 1440
    assert acc.broken_until[0] == 1000.0  # 1000 minutes of the delay are left
    assert acc.breaks == 0 and acc.breaks_by_tier == [0, 0]  # churn is counted per period
    assert not acc.available(0, 999.0) and acc.stage[0] == BROKEN
    assert acc.available(0, 1000.0) and acc.stage[0] == ACQUISITION
    acc.after_competitor_trip(1, 1100.0)
    acc.after_competitor_trip(1, 1200.0)  # another account breaks in the new period: churn 1 of it
    assert acc.breaks == 1 and acc.breaks_by_tier == [1, 0]


# --- the choice -------------------------------------------------------------------------------


def test_the_simulator_flies_a_trip_exactly_when_u_is_below_the_accounts_probability():
    """choice_probability is the p the simulator draws against, to the last bit: u = p is lost, the
    float just below p flies. Tier intercepts put the logits at 0.09 (low: −1.5 + 0.004·97.5 + 1.2) and
    0.38 (high: −3 + 0.004·545 + 1.2), where the logistic's two algebraic forms round differently."""
    d = tiny_dict()
    d["tiers"][0]["choice_intercept"] = -1.5
    d["tiers"][1]["choice_intercept"] = -3.0
    s = build(d)
    acc = Accounts(s, np.asarray(HALF), value_tables(s))
    p_low, p_high = acc.choice_probability(0), acc.choice_probability(10)
    assert p_low == pytest.approx(logistic(0.09), rel=1e-12) and p_high == pytest.approx(logistic(0.38), rel=1e-12)
    below = [math.nextafter(p, 0.0) for p in (p_low, p_high)]
    assert acc.flies_with_us(0, below[0]) and not acc.flies_with_us(0, p_low)
    rows = [(0, 0, p_low, 480.0), (1, 0, below[0], 480.0), (10, 0, p_high, 480.0), (11, 0, below[1], 480.0)]
    o = run_by_hand(s, HALF, trips_by_hand(s, rows))
    assert o.by_tier["low"]["trips_flown"] == 1 and o.by_tier["high"]["trips_flown"] == 1
    assert o.kpis["trips_lost_to_competitor"] == 2


def test_the_competitor_is_judged_against_the_reference_of_the_plans_tables():
    """PV_us and PV_comp against the same reference: tables made with low's lounge expectation at 0.3
    (Δ 0.2) give PV_us = 100·0.05 + 100·0.15 = 20 and PV_comp = −2.25·(100·0.3 + 100·0.1) = −90."""
    s = build(tiny_dict())
    d = tiny_dict()
    d["tiers"][0]["expectation"]["lounge"] = 0.3
    acc = Accounts(s, np.asarray(HALF), value_tables(build(d)))
    assert acc.pv[0] == pytest.approx(20.0, abs=1e-9)
    assert acc.pv_comp[0] == pytest.approx(-90.0, abs=1e-9)
    assert acc.choice_probability(0) == pytest.approx(logistic(0.004 * (20.0 + 90.0) + 1.2), rel=1e-12)
    acc.after_competitor_trip(0, 0.0)  # toward logistic(0.4 + 0.01·PV_comp), κ = 0.1
    assert acc.closeness[0] == pytest.approx(0.6 + 0.1 * (logistic(0.4 - 0.9) - 0.6), rel=1e-12)


def test_a_plan_or_tables_that_do_not_fit_the_scenario_are_refused():
    s = build(tiny_dict())
    vt = value_tables(s)
    with pytest.raises(ValueError):
        Accounts(s, np.full((2, 3), 0.5), vt)  # a dimension too many
    with pytest.raises(ValueError):
        Accounts(s, np.full((3, 2), 0.5), vt)  # a tier too many
    d = tiny_dict()
    d["tiers"].append({**d["tiers"][1], "name": "top", "expectation": {"lounge": 0.7, "escort": 0.6}})
    with pytest.raises(ValueError):  # plan and tables of a scenario with a third tier
        Accounts(s, np.full((3, 2), 0.5), value_tables(build(d)))


# --- quota delivery ---------------------------------------------------------------------------


def test_a_trip_counted_at_its_start_whose_delivery_fails_is_made_up():
    """Lounge at 0.5: the window starts 10 of 20 (hit, miss, …, the oldest a hit). The 21st trip is
    entitled and counted by start_trip, then fails: the quota takes it back, so the 22nd and 23rd are
    entitled and the pattern resumes — over trips 21–26 the account receives 3 of 6, its share."""
    acc = _accounts(tiny_dict(), [[0.5, 0.0], [0.5, 0.5]])
    a = 0
    m = acc.entitled(a)
    assert m == LOUNGE
    acc.start_trip(a, m, 0)
    pv = acc.after_trip_bits(a, 0, 0, 0.0, 0.0, entitled=m)
    # 9 of 20: x = 0.25 → 100·(0.15 + 0.3·0.1) = 18, escort never given −2.25·100·0.1 = −22.5
    assert acc.experienced[a][0] == pytest.approx(0.45) and pv == pytest.approx(-4.5, abs=1e-9)
    got = []
    for _ in range(5):
        m = acc.entitled(a)
        got.append(m & LOUNGE)
        acc.start_trip(a, m, 0)
        pv = acc.after_trip_bits(a, m, 0, 0.0, 0.0, entitled=m)
    assert got == [1, 1, 0, 1, 0]
    assert acc.experienced[a][0] == pytest.approx(0.5) and pv == pytest.approx(19.5 - 22.5, abs=1e-9)


def test_a_level_1_dimension_that_operations_fail_is_experienced_at_the_share_received():
    acc = _accounts(tiny_dict(), [[1.0, 0.0], [0.6, 0.5]])
    a = 0
    pv = acc.after_trip_bits(a, 0, 0, 0.0, 0.0)  # the lounge failed: 19 of 20, still a full step ahead
    assert acc.experienced[a][0] == pytest.approx(0.95) and pv == pytest.approx(19.5 - 22.5, abs=1e-9)
    for _ in range(13):
        pv = acc.after_trip_bits(a, 0, 0, 0.0, 0.0)
    assert acc.entitled(a) == LOUNGE  # a level of 1 is owed on every trip
    # 6 of 20: x = 0.1 inside the noticed lead → 10
    assert acc.experienced[a][0] == pytest.approx(0.3) and pv == pytest.approx(10.0 - 22.5, abs=1e-9)


@pytest.mark.parametrize("experience", ["window", "moving_average"])
def test_a_dimension_received_outside_the_plan_is_remembered_until_it_is_forgotten(experience):
    """Lounge at 0 in the plan, escort at 1 (19.5). One trip receives the lounge anyway: it is
    experienced (window: 1 of 20; moving average: α = 0.15) and counts in PV on the trips after
    it, until it has left the window (or decays) — not as if it had never been received."""
    acc = _accounts(tiny_dict(loyalty={"experience": experience}), [[0.0, 1.0], [0.6, 0.5]])
    a = 0

    def pv_at(x: float) -> float:
        return 100 * 2.25 * (x - 0.2) + 19.5

    pv = acc.after_trip_bits(a, LOUNGE | ESCORT, 0, 0.0, 0.0)
    first = 0.05 if experience == "window" else 0.15
    assert pv == pytest.approx(pv_at(first), abs=1e-9)
    for k in range(2, 22):
        pv = acc.after_trip_bits(a, ESCORT, 0, 0.0, 0.0)
        if experience == "window":
            x = 0.05 if k <= 20 else 0.0  # the 21st trip pushes it out of the 20-trip window
        else:
            x = 0.15 * 0.85 ** (k - 1)
        assert acc.experienced[a][0] == pytest.approx(x, rel=1e-12, abs=1e-15), k
        assert pv == pytest.approx(pv_at(x), abs=1e-9), k
        assert acc.pv[a] == pv


def test_a_new_plan_keeps_what_the_accounts_experienced():
    """A rolling plan cuts low's escort from 1 to 0 (DESIGN.md: a later period keeps what the accounts
    experienced). The first trips under it still carry the escort they remember, 1/20 less a trip:
    PV = 15 (lounge at 0.35) + the escort's term, 19.5 while 0.4 or more is left, 16.5 at 0.3,
    −22.5 once it is gone."""
    s = build(tiny_dict())
    vt = value_tables(s)
    acc = Accounts(s, np.array([[0.35, 1.0], [0.6, 0.5]]), vt)
    a = 0
    assert acc.pv[a] == pytest.approx(34.5, abs=1e-9)
    acc.set_plan(s, np.array([[0.35, 0.0], [0.6, 0.5]]), vt)
    assert acc.pv[a] == pytest.approx(34.5, abs=1e-9)  # nothing experienced has changed yet
    expected = {1: 34.5, 12: 34.5, 14: 15 + 16.5, 20: 15 - 22.5, 21: 15 - 22.5}
    for k in range(1, 22):
        m = acc.entitled(a)
        assert not m & ESCORT  # the new quota never gives it
        pv = acc.after_trip_bits(a, m, 0, 0.0, 0.0)
        assert acc.experienced[a][1] == pytest.approx(max(20 - k, 0) / 20), k
        if k in expected:
            assert pv == pytest.approx(expected[k], abs=1e-9), k


def test_the_recovery_offers_bonus_is_the_trips_pv_not_the_accounts():
    """A trip at the plan's PV (30) with a 20 CNY offer: the trip is worth 50 to the client and moves
    closeness toward logistic(0.4 + 0.01·50); the account's standing PV stays 30."""
    acc = _accounts(tiny_dict())
    a = 0
    trip = acc.after_trip_bits(a, acc.entitled(a), 0, 0.0, 20.0)
    assert trip == pytest.approx(50.0, abs=1e-9) and acc.pv[a] == pytest.approx(30.0, abs=1e-9)
    assert acc.closeness[a] == pytest.approx(0.6 + 0.1 * (logistic(0.9) - 0.6), rel=1e-12)


# --- expectations that move -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("up", "down", "lounge", "lounge_after"),
    [
        (0.0, 0.0, 0.6, None),  # static: no expectations of their own, the next period plans on the scenario
        (0.5, 0.0, 0.6, 0.2 + 0.5 * (0.6 - 0.2)),  # only up: low's lounge at 0.6 raises the bar
        (0.0, 0.5, 0.0, 0.2 - 0.5 * 0.2),  # only down: low's lounge at 0 lowers it
    ],
)
def test_expectations_move_when_either_rate_is_above_0(up, down, lounge, lounge_after):
    s = build(tiny_dict(expectations={"adapt_up": up, "adapt_down": down}))
    acc = Accounts(s, np.array([[lounge, 0.1], [0.5, 0.4]]), value_tables(s))
    acc.adapt()
    if lounge_after is None:
        assert acc.expectation == []
        assert period_scenario(s, acc) is s
        return
    assert acc.expectation[0][0] == pytest.approx(lounge_after, rel=1e-12)
    assert acc.expectation[0][1] == 0.1  # experienced at its expectation (2 of 20): no move
    assert period_scenario(s, acc).tiers[0].expectation["lounge"] == pytest.approx(lounge_after, rel=1e-12)


def test_with_moving_expectations_pv_is_judged_against_the_accounts_own_reference():
    """Up 0.5, down 0.25, floor 0.5; the competitor's lounge at 0.18. Low at (lounge 0, escort 0.5):
    PV −2.25·100·0.2 + 19.5 = −25.5. After a period its expectations move to lounge 0.2 − 0.25·0.2 =
    0.15 and escort 0.1 + 0.5·0.4 = 0.3; its references are max(expectation, competitor) = (0.18, 0.3):
    PV = −2.25·100·0.18 + 100·(0.15 + 0.3·0.05) = −40.5 + 16.5 = −24, on the next plan and its trips."""
    d = tiny_dict(expectations={"adapt_up": 0.5, "adapt_down": 0.25, "floor_share": 0.5})
    d["dimensions"][0]["competitor_level"] = 0.18
    s = build(d)
    vt = value_tables(s)
    levels = np.array([[0.0, 0.5], [0.6, 0.5]])
    acc = Accounts(s, levels, vt)
    a = 0
    assert acc.pv[a] == pytest.approx(-25.5, abs=1e-9)
    acc.adapt()
    assert acc.expectation[a] == pytest.approx([0.15, 0.3], rel=1e-12)
    acc.set_plan(s, levels, vt)
    assert acc.pv[a] == pytest.approx(-24.0, abs=1e-9)
    m = acc.entitled(a)
    assert m == ESCORT
    assert acc.after_trip_bits(a, m, 0, 0.0, 0.0) == pytest.approx(-24.0, abs=1e-9)  # escort still 10 of 20
