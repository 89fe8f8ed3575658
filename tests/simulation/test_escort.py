"""The escort pool's exact traces: shifts, overtime, priority, patience (model/simulation/escort.py)."""

from __future__ import annotations

import numpy as np
import simpy

from model.scenario.schema import EscortResource
from model.simulation.escort import EscortPool


def pool_with(roster: list[int], days: int = 1, patience: float | None = None) -> tuple[simpy.Environment, EscortPool]:
    env = simpy.Environment()
    staff = EscortResource(
        kind="escort", name="escorts", staff_on_duty=roster, wage_cny_per_hour=0.0, patience_minutes=patience
    )
    return env, EscortPool(env, staff, np.asarray(roster), days)


def requests(env: simpy.Environment, pool: EscortPool, calls: list[tuple[float, str, int, float]]) -> list[tuple]:
    """Make requests (time, name, rank, minutes); the log of (time, name, succeeded) as each ends."""
    log: list[tuple] = []

    def make(at: float, name: str, rank: int, minutes: float):
        if at > 0:  # at time 0 the request is made as the process starts, as the first trips' are
            yield env.timeout(at)
        pool.escort(rank, minutes, lambda ok: log.append((env.now, name, ok)))
        yield from ()

    for call in calls:
        env.process(make(*call))
    env.run()
    return log


def test_a_shift_ending_lets_the_escort_in_progress_finish_and_holds_the_next():
    # one escort on duty 06:00–08:00, none 08:00–09:00, one again from 09:00
    roster = [0] * 6 + [1, 1, 0] + [1] * 15
    env, pool = pool_with(roster)
    log = requests(env, pool, [(7 * 60 + 30, "a", 1, 60.0), (7 * 60 + 40, "b", 1, 10.0)])
    # a runs past 08:00 (overtime); b waits for 09:00, when the next shift starts
    assert log == [(8 * 60 + 30, "a", True), (9 * 60 + 10, "b", True)]
    assert pool.waits == [0.0, 9 * 60 - (7 * 60 + 40)]


def test_a_freed_escort_goes_to_the_higher_tier_first():
    env, pool = pool_with([1] * 24)
    log = requests(env, pool, [(0.0, "busy", 1, 30.0), (10.0, "low", 1, 5.0), (20.0, "high", 3, 5.0)])
    assert log == [(30.0, "busy", True), (35.0, "high", True), (40.0, "low", True)]


def test_a_request_not_started_within_the_patience_fails_then():
    env, pool = pool_with([1] * 24, patience=15.0)
    log = requests(env, pool, [(0.0, "busy", 1, 30.0), (5.0, "late", 1, 5.0), (20.0, "served", 1, 5.0)])
    assert log == [(20.0, "late", False), (30.0, "busy", True), (35.0, "served", True)]
    assert pool.waited == [False, True, True]


def test_requests_at_time_zero_meet_every_slot_then_the_roster():
    # nobody on duty at hour 0: requests made at time 0 still start (every slot is free
    # until the roster applies, as it always was); later ones wait for the shift
    env, pool = pool_with([0] * 6 + [2] * 18)
    log = requests(env, pool, [(0.0, "first", 1, 10.0), (1.0, "second", 1, 10.0)])
    assert log == [(10.0, "first", True), (6 * 60 + 10.0, "second", True)]


def test_after_the_horizon_waiting_requests_are_served():
    env, pool = pool_with([0] * 24, days=1)
    log = requests(env, pool, [(30.0, "night", 1, 10.0)])
    assert log == [(1440.0 + 10.0, "night", True)]


def test_utilization_counts_busy_minutes_in_their_hours():
    env, pool = pool_with([2] * 24, days=1)
    requests(env, pool, [(50.0, "a", 1, 20.0)])  # 00:50–01:10
    busy = pool.busy_minutes_by_hour()
    assert busy[0] == 10.0 and busy[1] == 10.0 and busy.sum() == 20.0
    assert pool.utilization() == 20.0 / (2 * 24 * 60)
