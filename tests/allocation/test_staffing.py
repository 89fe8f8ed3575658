"""Erlang-sized escort hours: Erlang C against its closed form and M/M/1, and the hourly caps a plan gets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.allocation.policies import make_plan
from model.allocation.resources import resource_tables
from model.allocation.staffing import erlang_c, hourly_utilization, wait_beyond
from model.errors import ScenarioError
from tests.helpers import build, tiny_dict


def closed_form_erlang_c(c: int, a: float) -> float:
    """Erlang C from its textbook sum (independent of the recursion under test)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.4), (3, 2.1), (5, 4.5), (10, 7.0), (20, 19.0)])
def test_erlang_c_matches_the_closed_form(c: int, a: float):
    assert erlang_c(c, a) == pytest.approx(closed_form_erlang_c(c, a), rel=1e-12)


def test_one_server_waits_as_m_m_1():
    # M/M/1: P(W > t) = ρ·exp(−μ(1 − ρ)t)
    rho, mean, t = 0.6, 30.0, 20.0
    assert wait_beyond(1, rho, mean, t) == pytest.approx(rho * math.exp(-(1 - rho) * t / mean), rel=1e-12)
    assert wait_beyond(3, 1.0, mean, t) == 1.0


def _erlang(share: float | None, staff: list[int]) -> dict:
    d = tiny_dict()
    r = d["resources"][1]
    r["staff_on_duty"], r["patience_minutes"] = staff, 20.0
    if share is not None:
        r["max_wait_share"] = share
    return d


def test_each_hours_cap_keeps_the_long_waits_at_the_share():
    staff = [0] * 6 + [1] * 6 + [3] * 6 + [8] * 6
    s = build(_erlang(0.1, staff))
    caps = hourly_utilization(s, s.resources[1])
    # the mean escort of the tiny tiers' requests: 30 and 45 minutes, weighted by trips requested (400 : 300 a year)
    mean = (400 * 30 + 300 * 45) / 700
    for b in (7, 13, 19):
        c = staff[b]
        assert wait_beyond(c, caps[b], mean, 20.0) <= 0.1 + 1e-9
        assert caps[b] > 0.05
    assert caps[7] < caps[13] < caps[19] <= 0.8  # more staff on duty: a higher safe utilization
    assert caps[0] == caps[7]  # an hour with nobody on duty is sized as one staff member (added hours)
    # the capacity is the staff-hours at each hour's cap
    rt = resource_tables(s)
    assert rt.capacity[1] == pytest.approx((np.array(staff) * 30 * caps).sum())


def test_a_stricter_share_buys_more_staff_hours():
    staff = [0] * 6 + [2] * 16 + [0] * 2
    added = []
    for share in (None, 0.2, 0.05):
        d = _erlang(share, staff)
        d["resources"][1]["expansion_cost_cny"] = 50.0
        for t in d["tiers"]:
            t["floor"] = {"escort": 0.5}
            t["accounts"] *= 10  # enough escorts to fill the hours
        added.append(make_plan(build(d), "halfstep").escort_hours_added.sum())
    assert added[0] <= added[1] < added[2]


def test_the_share_needs_a_patience():
    d = tiny_dict()
    d["resources"][1]["max_wait_share"] = 0.1
    with pytest.raises(ScenarioError, match=r"resources.escort_staff.max_wait_share.*set patience_minutes too"):
        build(d)
