"""Means with confidence intervals, paired and unpaired — what a run reports across replications.

Replications are independent, so a KPI's mean has a Student-t interval
``mean ± t(0.975, R−1) · s / √R``. Between policies the replications share their random
numbers (common random numbers), so the difference of two policies is estimated from the
per-replication differences — a paired interval, much narrower than two separate ones.
Welch's interval is for runs that do not share random numbers.

A quantity that cannot leave a range — a count or a cost is never negative, a share never
exceeds 1 — gets its t interval cut at that range (``bounds``): the true mean lies inside
the range, so the cut interval covers it at least as often as the uncut one, and it never
shows a value the quantity cannot take (0.33 churned accounts [−1.10, 1.77] becomes
[0, 1.77]). Differences between policies have no such range and are never cut.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats as _st

__all__ = ["mean_ci", "paired_ci", "welch_ci"]


def _finite(x: Sequence[float]) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    return a[np.isfinite(a)]


def mean_ci(
    x: Sequence[float], level: float = 0.95, bounds: tuple[float, float] | None = None
) -> dict[str, float | list[float] | int | None]:
    """Mean and two-sided t interval of the finite values of ``x`` (None where undefined).

    ``bounds`` is the range the quantity can take; the interval is cut at it.
    """
    a = _finite(x)
    n = len(a)
    if n == 0:
        return {"mean": None, "ci95": [None, None], "n": 0}
    m = float(a.mean())
    if n == 1:
        return {"mean": m, "ci95": [None, None], "n": 1}
    half = float(_st.t.ppf(0.5 + level / 2, n - 1) * a.std(ddof=1) / math.sqrt(n))
    lo, hi = m - half, m + half
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return {"mean": m, "ci95": [lo, hi], "n": n}


def paired_ci(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> dict[str, float | list[float] | int | None]:
    """Mean and t interval of ``a − b`` replication by replication (pairs with a NaN are dropped)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    return mean_ci(x[ok] - y[ok], level)


def welch_ci(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> dict[str, float | list[float] | int | None]:
    """Mean of ``a`` minus mean of ``b`` with Welch's interval (independent samples)."""
    x, y = _finite(a), _finite(b)
    if len(x) < 2 or len(y) < 2:
        m = float(x.mean() - y.mean()) if len(x) and len(y) else None
        return {"mean": m, "ci95": [None, None], "n": min(len(x), len(y))}
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(vx + vy)
    m = float(x.mean() - y.mean())
    if se == 0:
        return {"mean": m, "ci95": [m, m], "n": min(len(x), len(y))}
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    half = float(_st.t.ppf(0.5 + level / 2, df) * se)
    return {"mean": m, "ci95": [m - half, m + half], "n": min(len(x), len(y))}
