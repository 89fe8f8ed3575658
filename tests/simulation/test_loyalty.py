"""Accounts' experienced levels and PV (model/simulation/loyalty.py) against the value function (model/allocation/value.py)."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.policies import make_plan
from model.allocation.value import perceived_value, value_tables
from model.scenario.loading import load_scenario
from model.simulation.loyalty import Accounts


@pytest.fixture(scope="module")
def baseline():
    """The baseline with the moving-average memory (the exact arithmetic these tests check)."""
    s = load_scenario(overrides=["loyalty.experience=moving_average"])
    return s, make_plan(s, "halfstep").levels, value_tables(s)


@pytest.fixture(scope="module")
def windowed():
    s = load_scenario()
    assert s.loyalty.experience == "window"
    return s, make_plan(s, "halfstep").levels, value_tables(s)


def test_initial_pv_is_the_value_function_at_the_plan(baseline):
    s, levels, vt = baseline
    acc = Accounts(s, levels, vt)
    expected = perceived_value(levels, vt)[acc.tier]
    np.testing.assert_allclose(acc.pv, expected, rtol=1e-12, atol=1e-9)


def test_a_trip_moves_levels_by_the_moving_average_and_pv_follows(baseline):
    s, levels, vt = baseline
    acc = Accounts(s, levels, vt)
    alpha = s.loyalty.experience_smoothing
    rng = np.random.default_rng(3)
    D = levels.shape[1]
    for a in rng.integers(0, len(acc.tier), 40).tolist():
        t = int(acc.tier[a])
        before = np.array(acc.experienced[a])
        delivered = rng.random(D) < levels[t]  # only what the plan gives is ever delivered
        applicable = rng.random(D) < 0.8
        pv = acc.after_trip(a, delivered, applicable, 0.0, 0.0)
        expected = np.where(applicable, before + alpha * (delivered - before), before)
        np.testing.assert_allclose(acc.experienced[a], expected, rtol=0, atol=1e-15)
        at = levels.copy()
        at[t] = expected
        assert pv == pytest.approx(float(perceived_value(at, vt)[t]), rel=1e-12, abs=1e-9)


def test_a_dimension_the_plan_never_gives_still_counts_if_delivered(baseline):
    # the shortcut for level-0 dimensions must not hide a delivery made outside the plan
    s, levels, vt = baseline
    acc = Accounts(s, levels, vt)
    a = 0
    t = int(acc.tier[a])
    j = int(np.flatnonzero(levels[t] == 0.0)[0])
    delivered = np.zeros(levels.shape[1], dtype=bool)
    delivered[j] = True
    acc.after_trip(a, delivered, np.ones_like(delivered), 0.0, 0.0)
    assert acc.experienced[a][j] == s.loyalty.experience_smoothing
    assert acc.pv[a] == pytest.approx(acc.value_of(t, np.array(acc.experienced[a])), rel=1e-12)


def test_the_window_remembers_the_last_w_trips(windowed):
    s, levels, vt = windowed
    acc = Accounts(s, levels, vt)
    W = s.loyalty.experience_window_trips
    a = 0
    t = int(acc.tier[a])
    j = int(np.flatnonzero((levels[t] > 0) & (levels[t] < 1))[0])
    assert acc.experienced[a][j] == pytest.approx(levels[t, j])  # starts at the plan
    only = np.zeros(levels.shape[1], dtype=bool)
    for _ in range(W):  # W trips that receive nothing: the share falls one W-th a trip that had it
        acc.after_trip(a, only, np.ones_like(only), 0.0, 0.0)
    assert acc.experienced[a][j] == 0.0
    only[j] = True
    for k in range(1, 4):
        acc.after_trip(a, only, np.ones_like(only), 0.0, 0.0)
        assert acc.experienced[a][j] == pytest.approx(k / W)
    pv = acc.pv[a]
    assert pv == pytest.approx(acc.value_of(t, np.array(acc.experienced[a])), rel=1e-12)


def test_a_never_given_dimension_delivered_counts_in_the_window(windowed):
    s, levels, vt = windowed
    acc = Accounts(s, levels, vt)
    a = 0
    t = int(acc.tier[a])
    j = int(np.flatnonzero(levels[t] == 0.0)[0])
    delivered = np.zeros(levels.shape[1], dtype=bool)
    delivered[j] = True
    acc.after_trip(a, delivered, np.ones_like(delivered), 0.0, 0.0)
    assert acc.experienced[a][j] == pytest.approx(1 / s.loyalty.experience_window_trips)
