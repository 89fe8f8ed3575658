"""The intervals a run reports, against published t tables and scipy — values from outside model.stats.

Published values: Student's t quantiles as printed in every statistics table (e.g. NIST/SEMATECH
e-Handbook, table 1.4.4.3.2), to three decimals: t(0.975, 1) = 12.706, t(0.975, 2) = 4.303,
t(0.975, 4) = 2.776, t(0.975, 9) = 2.262, t(0.95, 4) = 2.132, t(0.995, 4) = 4.604. A table's
three decimals make 5e-4 the tolerance on a half-width divided by s/√n; scipy's values are exact
to floating point, so comparisons with scipy use 1e-12.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sst

from model.stats import mean_ci, paired_ci, welch_ci

TABLE = 5e-4  # a three-decimal table value is within half a unit of its last place


def _t_multiple(s: dict, x: list[float]) -> float:
    """The interval's half-width in units of s/√n: the t quantile the interval used."""
    lo, hi = s["ci95"]
    return (hi - lo) / 2 / (np.std(x, ddof=1) / math.sqrt(len(x)))


@pytest.mark.parametrize(
    ("x", "table"),
    [
        ([1.0, 3.0], 12.706),
        ([2.0, 4.0, 9.0], 4.303),
        ([5.0, 7.0, 6.5, 9.0, 4.0], 2.776),
        ([float(v) for v in (3, 1, 4, 1, 5, 9, 2, 6, 5, 3)], 2.262),
    ],
)
def test_the_95_interval_uses_the_published_t_quantile(x, table):
    s = mean_ci(x)
    assert s["n"] == len(x)
    assert s["mean"] == pytest.approx(sum(x) / len(x), rel=1e-15)
    assert _t_multiple(s, x) == pytest.approx(table, abs=TABLE)
    lo, hi = s["ci95"]
    assert (lo + hi) / 2 == pytest.approx(s["mean"], rel=1e-12)  # symmetric about the mean when not cut


@pytest.mark.parametrize(("level", "table"), [(0.90, 2.132), (0.99, 4.604)])
def test_other_levels_use_their_own_quantile(level, table):
    x = [5.0, 7.0, 6.5, 9.0, 4.0]
    assert _t_multiple(mean_ci(x, level), x) == pytest.approx(table, abs=TABLE)
    d = paired_ci(x, [0.0] * 5, level)
    assert _t_multiple(d, x) == pytest.approx(table, abs=TABLE)


def test_a_known_interval_by_hand():
    # x = 2, 4, 9: mean 5, s = √13, s/√3 = 2.0817; half = 4.303 · 2.0817 = 8.957
    s = mean_ci([2.0, 4.0, 9.0])
    assert s["mean"] == 5.0
    assert s["ci95"] == pytest.approx([5.0 - 8.957, 5.0 + 8.957], abs=2e-3)


def test_no_value_no_mean_and_one_value_no_interval():
    assert mean_ci([]) == {"mean": None, "ci95": [None, None], "n": 0}
    assert mean_ci([float("nan"), float("inf")]) == {"mean": None, "ci95": [None, None], "n": 0}
    assert mean_ci([4.5]) == {"mean": 4.5, "ci95": [None, None], "n": 1}
    assert mean_ci([4.5, float("nan")]) == {"mean": 4.5, "ci95": [None, None], "n": 1}


def test_non_finite_values_are_left_out_not_averaged():
    s = mean_ci([1.0, float("nan"), 3.0, float("-inf"), 2.0])
    ref = mean_ci([1.0, 3.0, 2.0])
    assert s == ref and s["n"] == 3 and s["mean"] == 2.0
    assert mean_ci(np.array([1, 2, 4], dtype=np.int64))["mean"] == pytest.approx(7 / 3)  # integers are numbers


def test_bounds_cut_each_side_only_where_the_interval_leaves_the_range():
    x = [0.0, 0.0, 1.0]
    lo, hi = sst.t.interval(0.95, 2, loc=1 / 3, scale=sst.sem(x))
    assert mean_ci(x, bounds=(0.0, math.inf))["ci95"] == pytest.approx([0.0, hi], rel=1e-12)
    assert mean_ci(x, bounds=(-math.inf, 1.0))["ci95"] == pytest.approx([lo, 1.0], rel=1e-12)
    assert mean_ci(x, bounds=(0.0, 1.0))["ci95"] == pytest.approx([0.0, 1.0], rel=1e-12)
    assert mean_ci(x, bounds=(-100.0, 100.0))["ci95"] == pytest.approx([lo, hi], rel=1e-12)
    assert mean_ci(x, bounds=(0.0, 1.0))["mean"] == pytest.approx(1 / 3)  # the mean is never moved


def test_paired_interval_is_the_t_interval_of_the_differences_and_drops_incomplete_pairs():
    a = [10.0, 12.0, float("nan"), 11.0, 13.0, 10.5, 9.0]
    b = [9.0, 11.5, 3.0, 10.0, float("inf"), 10.0, 9.5]
    d = np.array([1.0, 0.5, 1.0, 0.5, -0.5])  # the complete pairs, in order
    lo, hi = sst.t.interval(0.95, 4, loc=d.mean(), scale=sst.sem(d))
    s = paired_ci(a, b)
    assert s["n"] == 5 and s["mean"] == pytest.approx(d.mean(), rel=1e-12)
    assert s["ci95"] == pytest.approx([lo, hi], rel=1e-12)
    # the sign: a − b, not b − a
    assert paired_ci([2.0, 3.0, 4.0], [1.0, 1.0, 1.0])["mean"] == 2.0


def test_a_paired_difference_is_narrower_than_two_separate_intervals_under_common_random_numbers():
    rng = np.random.default_rng(3)
    base = rng.normal(1000.0, 100.0, 20)  # the replication's luck, shared by both policies
    a, b = base + 5.0 + rng.normal(0, 1, 20), base + rng.normal(0, 1, 20)
    paired, welch = paired_ci(a, b), welch_ci(a, b)
    assert paired["mean"] == pytest.approx(welch["mean"], rel=1e-12)
    assert paired["ci95"][0] > 0  # the paired interval sees the 5 CNY difference …
    assert welch["ci95"][0] < 0 < welch["ci95"][1]  # … two separate samples do not


def test_welch_against_scipy_and_its_degrees_of_freedom_by_hand():
    a = np.array([20.1, 22.3, 19.8, 25.0, 21.7, 23.9, 20.5])
    b = np.array([18.0, 18.5, 17.9, 18.2])
    res = sst.ttest_ind(a, b, equal_var=False)
    s = welch_ci(a, b)
    assert s["ci95"] == pytest.approx(list(res.confidence_interval(0.95)), rel=1e-12)
    assert s["mean"] == pytest.approx(a.mean() - b.mean(), rel=1e-12) and s["n"] == 4
    # Welch–Satterthwaite degrees of freedom, written out: the half-width's quantile is t(0.975, df)
    va, vb = a.var(ddof=1) / 7, b.var(ddof=1) / 4
    df = (va + vb) ** 2 / (va**2 / 6 + vb**2 / 3)
    half = (s["ci95"][1] - s["ci95"][0]) / 2
    assert half == pytest.approx(sst.t.ppf(0.975, df) * math.sqrt(va + vb), rel=1e-12)
    res90 = sst.ttest_ind(a, b, equal_var=False).confidence_interval(0.90)
    assert welch_ci(a, b, 0.90)["ci95"] == pytest.approx(list(res90), rel=1e-12)


def test_welch_with_too_few_values_or_no_spread():
    assert welch_ci([1.0], [2.0, 3.0]) == {"mean": -1.5, "ci95": [None, None], "n": 1}
    assert welch_ci([1.0, 5.0], [2.0]) == {"mean": 1.0, "ci95": [None, None], "n": 1}
    assert welch_ci([], [2.0, 3.0]) == {"mean": None, "ci95": [None, None], "n": 0}
    assert welch_ci([float("nan"), 1.0], [2.0, 3.0, 4.0])["n"] == 1
    assert welch_ci([4.0, 4.0, 4.0], [1.0, 1.0]) == {"mean": 3.0, "ci95": [3.0, 3.0], "n": 2}


def test_welch_needs_two_values_on_each_side_and_no_more():
    a, b = np.array([3.0, 5.0]), np.array([1.0, 2.0, 4.0])
    res = sst.ttest_ind(a, b, equal_var=False)
    assert welch_ci(a, b)["ci95"] == pytest.approx(list(res.confidence_interval(0.95)), rel=1e-12)
    assert welch_ci(b, a)["ci95"] == pytest.approx([-x for x in reversed(res.confidence_interval(0.95))], rel=1e-12)


def test_missing_values_given_as_none_are_dropped_like_nan():
    assert paired_ci([1.0, None, 3.0, 4.0], [0.0, 1.0, None, 2.0]) == paired_ci([1.0, 4.0], [0.0, 2.0])
    assert mean_ci([2.0, None, 4.0]) == mean_ci([2.0, 4.0])
