"""The escort pool at its edges: the first hour's roster, a roster that changes on the hour, the end of the
horizon, a traveller with no time left, one escort per staff member, and the measurements by clock hour."""

from __future__ import annotations

import math
import warnings

import numpy as np
import simpy

from model.scenario.schema import EscortResource
from model.simulation.escort import EscortPool, _clock_minutes, roster_by_day


def _pool(roster: list[int] | np.ndarray, days: int = 1, patience: float | None = None):
    env = simpy.Environment()
    staff = EscortResource(
        kind="escort", name="escorts", staff_on_duty=[0] * 24, wage_cny_per_hour=0.0, patience_minutes=patience
    )
    return env, EscortPool(env, staff, np.asarray(roster), days)


def _run(env, pool, calls):
    """calls: (time, name, minutes, deadline); returns the log (end time, name, succeeded)."""
    log = []

    def make(at, name, minutes, deadline):
        if at > 0:
            yield env.timeout(at)
        pool.escort(1, minutes, lambda ok: log.append((env.now, name, ok)), deadline=deadline)
        yield from ()

    for call in calls:
        env.process(make(*call))
    env.run()
    return log


def test_nobody_on_duty_in_the_first_hour_means_nobody():
    roster = [0] + [1] * 23  # staff from 01:00
    env, pool = _pool(roster, patience=10.0)
    log = _run(env, pool, [(0.5, "early", 30.0, math.inf), (90.0, "later", 30.0, math.inf)])
    assert ("early" in {n for _, n, ok in log if not ok}) and (120.0, "later", True) in log


def test_staff_coming_on_duty_at_01_00_start_the_waiting_escort_then():
    roster = [0] + [1] * 23
    env, pool = _pool(roster)
    log = _run(env, pool, [(0.5, "a", 30.0, math.inf)])
    assert log == [(90.0, "a", True)]  # waited until 01:00, then 30 minutes


def test_a_change_at_02_00_applies_at_02_00():
    roster = [1, 1, 2] + [2] * 21  # a second escort from 02:00
    env, pool = _pool(roster)
    log = _run(env, pool, [(100.0, "a", 60.0, math.inf), (110.0, "b", 60.0, math.inf)])
    # b waits for the second escort at 02:00 (120), not for a's end (160)
    assert (180.0, "b", True) in log and (160.0, "a", True) in log


def test_one_escort_per_staff_member_when_more_come_on_duty():
    roster = [0, 1] + [1] * 22  # one escort from 01:00
    env, pool = _pool(roster)
    log = _run(env, pool, [(0.5, "a", 30.0, math.inf), (0.6, "b", 30.0, math.inf)])
    assert log == [(90.0, "a", True), (120.0, "b", True)]  # b starts when a ends, not with a at 01:00


def test_requests_still_waiting_at_the_horizon_are_served_then():
    roster = [1] * 23 + [0]  # nobody in the last hour of the day
    env, pool = _pool(roster, days=1)
    log = _run(env, pool, [(23 * 60 + 10, "late", 20.0, math.inf)])
    assert log == [(1440.0 + 20.0, "late", True)]
    assert pool.busy == [(1440.0, 1460.0)]


def test_a_traveller_with_no_time_left_gets_no_escort():
    env, pool = _pool([3] * 24)
    log = _run(env, pool, [(10.0, "gone", 30.0, 10.0), (20.0, "half", 30.0, 20.5)])
    assert (10.0, "gone", False) in log  # arrives at the departure: nothing to do
    assert (20.5, "half", True) in log  # half a minute is an escort, cut at the departure
    assert pool.waits == [0.0, 0.0] and pool.waited == [False, False]
    assert pool.wait_mean() == 0.0 and pool.wait_probability() == 0.0


def test_busy_minutes_fall_in_their_clock_hours_across_midnight_and_days():
    _env, pool = _pool([1] * 24, days=3)
    pool.busy = [(23 * 60 + 30, 24 * 60 + 30), (2 * 1440 + 5 * 60, 2 * 1440 + 5 * 60 + 15)]
    by_hour = pool.busy_minutes_by_hour()
    assert by_hour.shape == (24,)
    assert by_hour[23] == 30.0 and by_hour[0] == 30.0 and by_hour[5] == 15.0 and by_hour.sum() == 75.0
    # two whole days then six hours: 2·60 minutes in every hour, and 60 more in hours 0–5
    minutes = _clock_minutes(np.array([2 * 1440 + 6 * 60]))[0]
    assert np.array_equal(minutes, np.r_[np.full(6, 180.0), np.full(18, 120.0)])


def test_utilization_and_waits_by_hour():
    _env, pool = _pool([2] * 24, days=2)
    pool.busy = [(0.0, 60.0)]
    assert pool.utilization() == 60.0 / (2 * 24 * 60 * 2)
    pool.arrived_at, pool.waits = [30.0, 1440.0 + 45.0, 1440.0 + 50.0, 61.0], [10.0, 2.0, 4.0, 7.0]
    by_hour = pool.wait_by_hour()
    assert by_hour.shape == (24,) and by_hour[0] == (10.0 + 2.0 + 4.0) / 3 and by_hour[1] == 7.0
    assert np.isnan(by_hour[2:]).all()
    idle = _pool([0] * 24)[1]
    assert math.isnan(idle.utilization()) and np.isnan(idle.wait_by_hour()).all() and math.isnan(idle.wait_mean())
    assert math.isnan(idle.wait_probability())


def test_a_one_day_horizon_gets_its_added_hours():
    added = np.zeros(24)
    added[8] = 1.0
    r = roster_by_day([1] * 24, added, 1)
    assert r.shape == (1, 24) and r[0, 8] == 2 and r.dtype.kind == "i"


def test_a_one_day_horizon_puts_all_its_added_hours_on_that_day():
    added = np.zeros(24)
    added[8], added[9] = 3.0, 1.0
    r = roster_by_day([1] * 24, added, 1)
    assert r[0, 8] == 4 and r[0, 9] == 2 and r.sum() == 24 + 4


def test_two_travellers_at_time_zero_with_one_escort_on_the_roster_take_turns():
    env, pool = _pool([1] * 24)
    log = _run(env, pool, [(0.0, "a", 30.0, math.inf), (0.0, "b", 30.0, math.inf)])
    assert log == [(30.0, "a", True), (60.0, "b", True)]


def test_at_the_horizon_every_rostered_escort_serves_those_still_waiting():
    # two on the roster but none in the last hour: both waiting travellers start at the horizon
    env, pool = _pool([2] * 23 + [0], days=1)
    log = _run(env, pool, [(23 * 60 + 10, "a", 20.0, math.inf), (23 * 60 + 15, "b", 20.0, math.inf)])
    assert log == [(1460.0, "a", True), (1460.0, "b", True)]
    # one on the roster: after the horizon there is one escort, not two
    env, pool = _pool([1] * 23 + [0], days=1)
    log = _run(env, pool, [(23 * 60 + 10, "a", 20.0, math.inf), (23 * 60 + 15, "b", 20.0, math.inf)])
    assert log == [(1460.0, "a", True), (1480.0, "b", True)]


def test_a_traveller_with_no_time_left_does_not_keep_the_free_escort():
    env, pool = _pool([1] * 24)
    log = _run(env, pool, [(10.0, "gone", 30.0, 10.0), (11.0, "next", 30.0, math.inf)])
    assert log == [(10.0, "gone", False), (41.0, "next", True)]  # the one escort serves the next traveller at once


def test_waits_fall_in_the_clock_hour_of_arrival_on_any_day():
    _env, pool = _pool([1] * 24, days=40)
    pool.arrived_at = [180.0, 30 * 1440.0 + 10.0, 39 * 1440.0 + 23 * 60 + 59.0]
    pool.waits = [6.0, 8.0, 4.0]
    by_hour = pool.wait_by_hour()
    assert by_hour[3] == 6.0 and by_hour[0] == 8.0 and by_hour[23] == 4.0
    assert np.isnan(np.delete(by_hour, [0, 3, 23])).all()


def test_an_idle_pool_measures_nothing_without_warnings():
    """A run with no escort staff and no escort requests reports NaN (no data), without numpy's warnings."""
    _env, idle = _pool([0] * 24)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert idle.busy_minutes_by_hour().shape == (24,) and not idle.busy_minutes_by_hour().any()
        assert idle.wait_by_hour().shape == (24,) and np.isnan(idle.wait_by_hour()).all()
        assert math.isnan(idle.utilization())
        assert math.isnan(idle.wait_mean()) and math.isnan(idle.wait_probability())
        _env, pool = _pool([1] * 24)
        pool.arrived_at, pool.waits = [30.0], [5.0]
        assert pool.wait_by_hour()[0] == 5.0 and np.isnan(pool.wait_by_hour()[1:]).all()
