"""A level is a quota: delivered as planned, a plan is experienced at its level, and its simulated PV is the plan's."""

from __future__ import annotations

import numpy as np
import pytest

from model.scenario.loading import load_scenario
from model.simulation.loyalty import Accounts, _quota_past
from model.simulation.replications import run_policies
from tests.helpers import build, tiny_dict

AMPLE = [  # every capacity ×10 and escorts on duty around the clock: nothing fails for want of a resource
    "resources.seat_holds.hold_limit_per_flight=*10",
    "resources.escort_staff.staff_on_duty=[" + ",".join(["20"] * 24) + "]",
    "resources.airport_handling.daily_capacity=*10",
    "resources.lounge.daily_capacity=*10",
    "resources.cars.daily_capacity=*10",
    "budget.benefits_cny=*10",
]


@pytest.mark.parametrize("y", [0.05, 0.35, 0.5, 0.65, 0.8, 0.95])
def test_a_quota_delivers_exactly_y_over_any_whole_number_of_periods(y):
    s = build(tiny_dict())
    levels = np.full((2, 2), y)
    acc = Accounts(s, levels, _tables(s))
    a = 0
    got = []
    for _ in range(200):
        mask = acc.entitled(a)
        got.append(mask & 1)
        acc.after_trip_bits(a, mask, 0, 0.0, 0.0)
    got = np.array(got)
    # over every 20 consecutive trips (a multiple of the pattern's period for a level on the 0.05 grid): exactly 20·y
    windows = np.convolve(got, np.ones(20, dtype=int), mode="valid")
    assert set(windows.tolist()) == {round(20 * y)}
    assert acc.experienced[a][0] == pytest.approx(y)  # the window's share is the level, trip after trip


def test_a_failed_delivery_is_made_up_on_a_later_trip():
    s = build(tiny_dict())
    acc = Accounts(s, np.full((2, 2), 0.5), _tables(s))
    a = 0
    first = acc.entitled(a) & 1
    acc.after_trip_bits(a, 0, 0, 0.0, 0.0)  # the trip was entitled (or not) and received nothing
    second = acc.entitled(a) & 1
    assert first == 1 and second == 1  # owed: the next trip gets it


def test_the_past_pattern_counts_the_level():
    assert _quota_past(0.35, 20)[1] == 7 and _quota_past(1.0, 20) == ((1 << 20) - 1, 20) and _quota_past(0.0, 20) == (0, 0)


def _tables(s):
    from model.allocation.value import value_tables

    return value_tables(s)


def test_with_ample_capacity_every_plans_simulated_pv_is_its_planned_pv():
    """Tolerance: 1% of the plan's PV per request, +0.5 CNY, plus what a level off the 0.05 grid can cost: in a
    20-trip window a level y is experienced as a whole number of twentieths, at worst the grid point below it, a
    shortfall of y − ⌊20y⌋/20 that loss aversion weighs λ·w (uniform's 0.204 car service, a tie-break's 0.676).
    No recovery offer: trips lost to the competitor move closeness, so accounts whose offer is below the
    competitor's reach recovery, where the offer's bonus adds PV the plan does not hold."""
    s = load_scenario(overrides=[*AMPLE, "loyalty.recovery_offer_cny=0"])
    vt = _tables(s)
    policies = ("standard", "uniform", "halfstep", "fullstep", "unconstrained")
    result = run_policies(s, policies, replications=3, seed=3)
    assert not result.failed()
    summary = result.summary()
    for p in policies:
        plan = result.plans[p]
        kpis = summary["policies"][p]["kpis"]
        assert kpis["failures_escort"]["mean"] == 0 and kpis["failures_benefit"]["mean"] == 0
        assert kpis["failures_seat_hold"]["mean"] == 0
        off_grid = plan.levels - np.floor(20 * plan.levels + 1e-9) / 20
        allowance = s.value.loss_aversion * (vt.weight * off_grid).sum(axis=1)
        for i, t in enumerate(s.tier_names):
            sim = summary["policies"][p]["by_tier"][t]["perceived_value_per_trip"]["mean"]
            planned = plan.pv_per_trip[i]
            assert abs(sim - planned) <= 0.01 * abs(planned) + 0.5 + allowance[i], (p, t, sim, planned, allowance[i])


def test_with_the_baseline_roster_the_gap_is_escort_failures():
    """Ample capacity but the shipped roster (nobody on duty at night): the only failures are escorts, and
    the tiers that lose PV are the escorted ones (V3–V5)."""
    over = [o for o in AMPLE if "staff_on_duty" not in o]
    s = load_scenario(overrides=over)
    result = run_policies(s, ("halfstep",), replications=3, seed=3)
    summary = result.summary()["policies"]["halfstep"]
    assert summary["kpis"]["failures_escort"]["mean"] > 0
    assert summary["kpis"]["failures_benefit"]["mean"] == summary["kpis"]["failures_seat_hold"]["mean"] == 0
    plan = result.plans["halfstep"]
    gaps = {t: summary["by_tier"][t]["perceived_value_per_trip"]["mean"] - plan.pv_per_trip[i]
            for i, t in enumerate(s.tier_names)}
    assert abs(gaps["V1"]) < 0.5 and abs(gaps["V2"]) < 0.5  # no escorts planned for them
    assert gaps["V5"] < -1.0  # escorts that time out are value lost
