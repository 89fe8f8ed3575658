"""Escorts as a roster: hourly capacity rows, staff-hours added hour by hour, senior escort replacing escort.

Known answers: the staff-hours an escort spends in each clock hour (integrated by hand for a
uniform arrival lead), the expansion an LP must buy in an hour with no staff, and the
shadow price of an hour whose rostered staff-hours bind.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.allocator import allocate
from model.allocation.policies import make_plan, standard_levels
from model.allocation.resources import escort_hours_by_clock, resource_tables
from model.allocation.spec import LPSpec
from model.errors import InfeasibleError, ScenarioError
from tests.helpers import build, tiny_dict


def _one_flight(lead: tuple[float, float], hour: float = 12.0) -> dict:
    d = tiny_dict()
    d["flights"]["departure_hours"] = [hour]
    d["flights"]["arrival_lead_minutes"] = list(lead)
    return d


def test_an_escort_is_placed_in_the_clock_hours_it_spans():
    # departs 12:00, arrives exactly 60 minutes before: a 30-minute escort is 11:00–11:30
    s = build(_one_flight((60, 60)))
    hours = escort_hours_by_clock(s, 30.0)
    assert hours[11] == pytest.approx(0.5, abs=1e-12)
    assert hours.sum() == pytest.approx(0.5, abs=1e-12)


def test_no_escort_outlasts_the_time_at_the_airport():
    # arrival lead uniform on [60, 120] minutes before a 12:00 departure; a 200-minute escort is cut at
    # the departure, so it lasts the lead: E = 90 minutes. Start s uniform on 10:00–11:00: hour 10 holds
    # E[60 − s] = 30 minutes and hour 11 the full 60.
    s = build(_one_flight((60, 120)))
    hours = escort_hours_by_clock(s, 200.0, points=600)
    assert hours.sum() == pytest.approx(1.5, abs=1e-9)
    assert hours[10] == pytest.approx(0.5, abs=1e-9)
    assert hours[11] == pytest.approx(1.0, abs=1e-9)
    # a short escort is not cut: 30 minutes whatever the lead
    assert escort_hours_by_clock(s, 30.0).sum() == pytest.approx(0.5, abs=1e-12)


def test_an_escort_past_midnight_wraps_to_the_early_hours():
    s = build(_one_flight((30, 30), hour=0.25))  # departs 00:15, arrives 23:45
    hours = escort_hours_by_clock(s, 30.0)
    assert hours[23] == pytest.approx(0.25, abs=1e-12) and hours[0] == pytest.approx(0.25, abs=1e-12)


def test_the_roster_is_a_fixed_cost_and_escort_use_carries_no_wage():
    d = tiny_dict()
    rt = resource_tables(build(d))
    staff = np.array(d["resources"][1]["staff_on_duty"], dtype=float)
    assert rt.roster_cost == pytest.approx(staff.sum() * 30 * 60)  # staff-hours × days × wage
    j = 1  # the escort dimension: its unit cost is the dimension's own (0), not time at the wage
    assert np.all(rt.unit_cost[:, j] == 0.0)
    # use per trip = need × E[min(minutes, lead)] / 60 with lead ≥ 60 > 45: the full duration
    assert rt.use[:, j] == pytest.approx([30 / 60, 45 / 60], abs=1e-12)


def _hour_starved(expansion: bool) -> dict:
    """Escorts wanted only around an 08:00 departure (arrivals 06:00–07:00), with no staff at 06:00."""
    d = tiny_dict()
    d["flights"]["departure_hours"] = [8.0]
    d["flights"]["arrival_lead_minutes"] = [90, 90]  # everyone arrives at 06:30
    staff = [0] * 24
    staff[7] = 5
    d["resources"][1]["staff_on_duty"] = staff
    if expansion:
        d["resources"][1]["expansion_cost_cny"] = 100.0
    for t in d["tiers"]:
        t["floor"] = {"escort": 0.5}
        t["escort_minutes"] = 60  # 06:30–07:30: half in hour 6, half in hour 7
    d["allocator"] = {"objective": "net_value"}
    return d


def test_staff_hours_are_added_in_the_hour_that_needs_them():
    s = build(_hour_starved(expansion=True))
    plan = make_plan(s, "halfstep")
    rt = resource_tables(s)
    need6 = (plan.expected_trips[:, None] * rt.escort_use_by_hour[:, :, 6] * plan.levels).sum()
    # the escorts' minutes at 06:00 need need6 planned staff-hours; at 0.8 utilization that many ÷ 0.8 are added
    assert plan.escort_hours_added[6] == pytest.approx(need6 / 0.8, rel=1e-6)
    assert np.count_nonzero(plan.escort_hours_added) == 1
    price = {sp.constraint: sp for sp in plan.shadow_prices}
    # one more rostered staff-hour at 06:00 saves one bought at 100 CNY
    assert price["capacity[escort_staff 06:00]"].value_cny == pytest.approx(100.0, rel=1e-6)
    assert "one more escort staff-hour at 06:00 adds 100 CNY of net value" in price[
        "capacity[escort_staff 06:00]"
    ].sentence(plan.objective)
    assert plan.expansion_cost == pytest.approx(100.0 * plan.escort_hours_added.sum())


def test_an_hour_without_staff_is_named_when_floors_need_it():
    s = build(_hour_starved(expansion=False))
    with pytest.raises(InfeasibleError) as err:
        make_plan(s, "halfstep")
    text = str(err.value)
    assert "resources.escort_staff.staff_on_duty" in text and "06:00 needs" in text
    assert "tiers.low.floor.escort = 0.5" in text


def _senior(**senior: object) -> dict:
    d = tiny_dict()
    d["dimensions"].append({"name": "senior", "resource": "escort_staff", "duration_factor": 2.0, "replaces": "escort"})
    for t in d["tiers"]:
        t["expectation"]["senior"] = 0.3
        t["value_weight_cny"]["senior"] = 500.0
    d["dimensions"][-1].update(senior)
    return d


def test_senior_escort_never_exceeds_the_escort_it_replaces():
    s = build(_senior())
    for policy in ("halfstep", "unconstrained", "uniform"):
        plan = make_plan(s, policy)
        assert np.all(plan.levels[:, 2] <= plan.levels[:, 1] + 1e-9), policy
    # the service table: senior escort at 1 brings escort to 1
    d = _senior()
    d["tiers"][0]["standard"] = {"senior": 1.0}
    assert np.all(standard_levels(build(d))[:, 1] >= 1.0)


def test_senior_escort_uses_only_what_it_adds():
    s = build(_senior())
    rt = resource_tables(s)
    # escort 30/45 minutes, senior 60/90 (factor 2): a senior trip's escort lasts 60/90, not 90/135 — and the
    # 90 is cut at the departure (lead uniform on [60, 120]): E[min(90, lead)] = ½·75 + ½·90 = 82.5, so the
    # senior escort adds 82.5 − 45 = 37.5 minutes. (61-point midpoint rule on a kinked integrand: ≤ 1e-4 h off.)
    assert rt.use[:, 2] == pytest.approx([30 / 60, 37.5 / 60], abs=1e-4)
    assert rt.upgrades == ((2, 1),)
    # LP row y_senior ≤ y_escort: forcing senior up forces escort up
    spec = LPSpec("halfstep", lead=float("inf"), fixed=((2, (0.7, 0.7)),))
    plan = allocate(s, spec)
    assert np.all(plan.levels[:, 1] >= 0.7 - 1e-9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"replaces": "nope"}, "names no dimension"),
        ({"replaces": "lounge"}, "only an escort dimension replaces another escort dimension"),
        ({"replaces": "senior"}, "names no dimension"),
    ],
)
def test_a_bad_replacement_is_refused_with_its_key(change: dict, message: str):
    with pytest.raises(ScenarioError) as err:
        build(_senior(**change))
    text = str(err.value)
    assert "dimensions.senior.replaces" in text and message in text
