"""Benefits in the simulator: a day's capacity and the horizon's budget, trip by trip, on trips written by hand.

The tiny scenario's lounge costs 50 CNY a use; a plan at level 1 gives it on every trip. Every
trip here flies (u_choice = 0) on an empty flight and misses the escort airports, so what a
trip gets is decided by the lounge's capacity and the budget alone.
"""

from __future__ import annotations

import pytest

from tests.helpers import build, tiny_dict
from tests.simulation.sim_helpers import run_by_hand, trips_by_hand

ALWAYS = [[1.0, 0.0], [1.0, 0.0]]  # the lounge on every trip, no escort


def _scenario(capacity: float | None = 1000, budget: float | None = None, **loyalty: float):
    d = tiny_dict()
    d["resources"][0]["daily_capacity"] = capacity
    if capacity is None:
        d["resources"][0].pop("daily_capacity")
    if budget is not None:
        d["budget"] = {"benefits_cny": budget}
    if loyalty:
        d["loyalty"] = loyalty
    return build(d)


def _trips(s, per_day: list[int]):
    """``per_day[k]`` trips on day k, by accounts 0, 1, 2, … in turn (tier low), at 08:00."""
    rows, a = [], 0
    for day, count in enumerate(per_day):
        for _ in range(count):
            rows.append((a % 10, day, 0.0, 480.0))
            a += 1
    return trips_by_hand(s, rows)


def test_with_room_every_trip_gets_the_lounge_and_pays_for_it():
    s = _scenario()
    o = run_by_hand(s, ALWAYS, _trips(s, [5, 2]))
    assert o.kpis["trips_flown"] == 7
    assert o.kpis["failures_benefit"] == 0
    assert o.kpis["cost_benefits"] == 7 * 50


def test_a_days_capacity_refuses_the_lounge_past_it_and_the_next_day_starts_afresh():
    s = _scenario(capacity=3)
    o = run_by_hand(s, ALWAYS, _trips(s, [5, 2, 4]))
    # day 0: 3 of 5, day 1: 2 of 2, day 2: 3 of 4
    assert o.kpis["trips_flown"] == 11  # a refused benefit does not refuse the trip
    assert o.kpis["failures_benefit"] == 2 + 0 + 1
    assert o.kpis["cost_benefits"] == (3 + 2 + 3) * 50
    assert o.by_tier["low"]["failures_benefit"] == 3 and o.by_tier["high"]["failures_benefit"] == 0


def test_the_budget_stops_the_lounge_once_spent_and_never_lets_it_run_over():
    s = _scenario(budget=120.0)  # two uses of 50; a third would spend 150
    o = run_by_hand(s, ALWAYS, _trips(s, [5, 2]))
    assert o.kpis["cost_benefits"] == 100
    assert o.kpis["failures_benefit"] == 5
    assert o.kpis["trips_flown"] == 7


def test_a_budget_of_exactly_the_uses_is_spent_to_the_last_cny():
    s = _scenario(budget=150.0)
    o = run_by_hand(s, ALWAYS, _trips(s, [5]))
    assert o.kpis["cost_benefits"] == 150 and o.kpis["failures_benefit"] == 2


def test_capacity_and_budget_together_the_tighter_one_binds_each_day():
    s = _scenario(capacity=2, budget=250.0)  # 5 uses in all, 2 a day
    o = run_by_hand(s, ALWAYS, _trips(s, [3, 3, 3]))
    # day 0: 2 (1 refused for capacity); day 1: 2 (1); day 2: 1 left in the budget (2 refused)
    assert o.kpis["cost_benefits"] == 250
    assert o.kpis["failures_benefit"] == 1 + 1 + 2


@pytest.mark.parametrize("budget", [None, 1e9])
def test_an_unlimited_or_ample_budget_refuses_nothing(budget):
    s = _scenario(capacity=None, budget=budget)
    o = run_by_hand(s, ALWAYS, _trips(s, [9, 9]))
    assert o.kpis["failures_benefit"] == 0 and o.kpis["cost_benefits"] == 18 * 50


def test_the_recovery_offer_is_paid_from_the_same_budget():
    # accounts start in recovery (closeness 0.3 < 0.4, above the break threshold 0.2); a trip with us
    # in recovery gets the 40 CNY offer when the budget allows it, else counts a benefit failure
    d = tiny_dict(loyalty={"recovery_offer_cny": 40.0, "closeness_rate": 0.0}, budget={"benefits_cny": 100.0})
    for t in d["tiers"]:
        t["initial_closeness"] = 0.3
    s = build(d)
    o = run_by_hand(s, [[0.0, 0.0], [0.0, 0.0]], _trips(s, [4]))
    assert o.kpis["cost_benefits"] == 80  # two offers of 40; a third would make 120
    assert o.kpis["failures_benefit"] == 2
