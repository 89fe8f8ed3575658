"""Intervals against scipy's, and intervals that never leave the range their quantity can take."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst

from model.simulation.kpis import KPIS, TIER_KPIS, kpi_bounds
from model.stats import mean_ci, paired_ci, welch_ci


def test_mean_ci_is_scipys_t_interval():
    x = [3.0, 7.5, 1.25, 9.0, 4.0]
    lo, hi = sst.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sst.sem(x))
    s = mean_ci(x)
    assert s["mean"] == pytest.approx(np.mean(x)) and s["n"] == 5
    assert s["ci95"] == pytest.approx([lo, hi], rel=1e-12)


def test_a_count_interval_is_cut_at_zero_and_keeps_its_upper_end():
    churned = [0.0, 0.0, 1.0]  # 0.33 [−1.10, 1.77] uncut
    lo, hi = sst.t.interval(0.95, 2, loc=1 / 3, scale=sst.sem(churned))
    assert lo < 0
    s = mean_ci(churned, bounds=kpi_bounds("churned_accounts"))
    assert s["ci95"] == pytest.approx([0.0, hi], rel=1e-12)
    assert s["mean"] == pytest.approx(1 / 3)


def test_a_share_interval_is_cut_at_one():
    shares = [0.99, 1.0, 0.9]
    s = mean_ci(shares, bounds=kpi_bounds("share_of_wallet"))
    assert s["ci95"][1] == 1.0 and 0 < s["ci95"][0] < s["mean"] < 1


def test_kpi_ranges():
    assert kpi_bounds("net_value") == (-math.inf, math.inf)
    assert kpi_bounds("contribution") == (-math.inf, math.inf)
    assert kpi_bounds("cost_total") == (0.0, math.inf)
    assert kpi_bounds("escort_utilization") == (0.0, 1.0)
    assert {kpi_bounds(k) for k in (*KPIS, *TIER_KPIS)} <= {(-math.inf, math.inf), (0.0, math.inf), (0.0, 1.0)}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=30))
def test_a_bounded_interval_stays_in_range_and_contains_the_mean(x):
    s = mean_ci(x, bounds=(0.0, math.inf))
    lo, hi = s["ci95"]
    assert 0.0 <= lo <= s["mean"] + 1e-9 * max(1.0, s["mean"]) and hi >= s["mean"] - 1e-9 * max(1.0, s["mean"])


def test_paired_and_welch_intervals_against_scipy():
    a = np.array([10.0, 12.0, 9.5, 11.0, 13.0, 10.5])
    b = np.array([9.0, 11.5, 9.0, 10.0, 12.0, 10.0])
    d = a - b
    lo, hi = sst.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sst.sem(d))
    assert paired_ci(a, b)["ci95"] == pytest.approx([lo, hi], rel=1e-12)
    res = sst.ttest_ind(a, b, equal_var=False)
    lo, hi = res.confidence_interval(0.95)
    assert welch_ci(a, b)["ci95"] == pytest.approx([lo, hi], rel=1e-9)


def test_no_interval_in_a_run_summary_leaves_its_kpis_range(tiny):
    from model.simulation.replications import run_policies

    summary = run_policies(tiny, ("standard", "halfstep"), replications=3, seed=2).summary()
    checked = 0
    for pol in summary["policies"].values():
        for k, stat in [*pol["kpis"].items(), *((k, v) for t in pol["by_tier"].values() for k, v in t.items())]:
            lo, hi = kpi_bounds(k)
            if stat["ci95"][0] is not None:
                assert lo <= stat["ci95"][0] <= stat["ci95"][1] <= hi, (k, stat)
                checked += 1
    assert checked > 50
