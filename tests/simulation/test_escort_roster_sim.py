"""The simulator's escort roster: no escort past the departure, senior escort in place of escort,
the plan's added staff-hours on duty, the roster paid as a fixed cost."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.allocator import plan_from_levels
from model.allocation.policies import make_plan
from model.randomness import streams
from model.simulation.escort import roster_by_day
from model.simulation.simulator import _Replication
from model.simulation.trips import draw_base_demand, draw_trips
from tests.helpers import build, tiny_dict


def _replicate(d: dict, levels: np.ndarray, seed: int = 3, hours_added: np.ndarray | None = None) -> _Replication:
    s = build(d)
    plan = plan_from_levels(
        s, levels, policy="test", escort_hours_added=hours_added, shadow_prices=(), binding=()
    )
    rngs = streams(seed, 0)
    rep = _Replication(s, plan, draw_trips(s, rngs), draw_base_demand(s, rngs["base"]))
    rep.outcome = rep.run()
    return rep


def _fixed_durations(lead: float, minutes: float) -> dict:
    d = tiny_dict()
    d["flights"]["arrival_lead_minutes"] = [lead, lead]
    d["resources"][1]["staff_on_duty"] = [50] * 24  # no queue: every escort starts on arrival
    d["resources"][1]["service_cv"] = 0.0
    d["choice"] = {"intercept": 40.0, "value_per_cny": 0.0, "closeness": 0.0}  # every trip flies with us
    for t in d["tiers"]:
        t["escort_minutes"] = minutes
        t["escort_need"] = 1.0
    return d


def test_no_escort_outlasts_the_travellers_time_at_the_airport():
    rep = _replicate(_fixed_durations(lead=60.0, minutes=500.0), np.array([[0.0, 1.0], [0.0, 1.0]]))
    spans = np.array([end - start for start, end in rep.capacity.pool.busy])
    assert len(spans) > 30
    assert spans == pytest.approx(60.0, abs=1e-9)  # cut at the departure, 60 minutes after arrival
    # a short escort is not cut
    rep = _replicate(_fixed_durations(lead=60.0, minutes=20.0), np.array([[0.0, 1.0], [0.0, 1.0]]))
    assert np.array([e - s for s, e in rep.capacity.pool.busy]) == pytest.approx(20.0, abs=1e-9)


def test_an_escort_not_started_before_the_departure_has_failed():
    d = _fixed_durations(lead=60.0, minutes=500.0)
    d["resources"][1]["staff_on_duty"] = [1] * 24  # one escort, busy 60 minutes with each traveller
    rep = _replicate(d, np.array([[0.0, 1.0], [0.0, 1.0]]))
    o = rep.outcome
    assert o.kpis["failures_escort"] > 0
    assert all(w <= 60.0 + 1e-9 for w in rep.capacity.pool.waits)  # nobody waits past the departure
    assert all(e - s <= 60.0 + 1e-9 for s, e in rep.capacity.pool.busy)


def _with_senior(d: dict) -> dict:
    d["dimensions"].append({"name": "senior", "resource": "escort_staff", "duration_factor": 3.0, "replaces": "escort"})
    for t in d["tiers"]:
        t["expectation"]["senior"] = 0.3
        t["value_weight_cny"]["senior"] = 100.0
    return d


def test_a_senior_escort_is_the_trips_escort_not_a_second_one():
    # escort 20 minutes (both tiers), senior ×3 = 60 minutes; lead 120: nothing is cut
    d = _with_senior(_fixed_durations(lead=120.0, minutes=20.0))
    rep = _replicate(d, np.array([[0.0, 0.5, 0.5], [0.0, 0.5, 0.5]]))
    t = rep.outcome
    spans = np.array([e - s for s, e in rep.capacity.pool.busy])
    # each account's quota: half its trips get the senior escort — and with it the escort, so no trip gets a
    # 20-minute escort, and none gets 20 + 60
    assert spans == pytest.approx(60.0, abs=1e-9)
    flown = rep.tally.flown.sum()
    share_escort = rep.tally.delivered[:, 1].sum() / flown
    share_senior = rep.tally.delivered[:, 2].sum() / flown
    assert share_escort == pytest.approx(share_senior, abs=1e-12)
    # an account's quota gives the service on ⌈y·trips⌉ of its trips: at most half a trip more per account
    accounts = sum(t["accounts"] for t in d["tiers"])
    assert 0.5 <= share_escort <= 0.5 + 0.5 * accounts / flown
    assert t.kpis["failures_escort"] == 0


def test_added_staff_hours_are_on_duty_and_paid_as_an_expansion():
    d = tiny_dict()
    d["resources"][1]["expansion_cost_cny"] = 100.0
    added = np.zeros(24)
    added[7] = 45.0  # 1.5 staff at 07:00 on average over 30 days
    s = build(d)
    plan = make_plan(s, "halfstep")
    rep = _replicate(d, plan.levels, hours_added=added)
    staffed = rep.capacity.pool.staffed_minutes_by_hour() / 60.0
    base = np.array(d["resources"][1]["staff_on_duty"], dtype=float) * 30
    assert staffed - base == pytest.approx(added)
    k = rep.outcome.kpis
    assert k["cost_escort_roster"] == pytest.approx(base.sum() * 60.0)  # the roster alone, at the wage
    assert k["cost_expansion"] == pytest.approx(45.0 * 100.0)


@pytest.mark.parametrize("hours", [0.0, 1.0, 29.0, 30.0, 31.0, 45.0, 91.4, 300.0])
def test_added_hours_are_spread_evenly_and_whole(hours: float):
    added = np.zeros(24)
    added[8] = hours
    r = roster_by_day([1] * 24, added, 30)
    extra = r[:, 8] - 1
    assert extra.sum() == round(hours)
    assert extra.max() - extra.min() <= 1  # never two more on one day while another gets none extra
    assert np.all(r[:, np.arange(24) != 8] == 1)


def test_a_senior_escort_brings_the_escort_even_when_the_plan_forgot_it():
    # a plan made by hand with senior escort above escort (the allocator never makes one): the senior
    # escort still counts as the trip's escort
    d = _with_senior(_fixed_durations(lead=120.0, minutes=20.0))
    rep = _replicate(d, np.array([[0.0, 0.0, 0.5], [0.0, 0.0, 0.5]]))
    delivered = rep.tally.delivered
    assert delivered[:, 2].sum() > 0
    assert delivered[:, 1].sum() == delivered[:, 2].sum()
    assert np.array([e - s for s, e in rep.capacity.pool.busy]) == pytest.approx(60.0, abs=1e-9)
