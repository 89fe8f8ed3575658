"""Across replications: means with 95% intervals per policy and tier, and paired differences.

DESIGN.md, *What a run reports*; the ``summary.json`` shape is::

    {"scenario": str, "seed": int, "replications": int,
     "policies": {name: {"kpis": {kpi: {"mean", "ci95": [lo, hi], "n"}},
                         "by_tier": {tier: {kpi: {...}}}, "failed": int}},
     "paired": {"<a>-<b>": {kpi: {"mean", "ci95", "n"}}}}

Paired differences are ``base − other`` for every other policy, where ``base`` is
``halfstep`` when it was run (else the first policy); they use common random numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from .outcome import KPIS, TIER_KPIS
from .runner import RunResult
from .stats import mean_ci, paired_ci

__all__ = ["base_policy", "outcomes_by_tier_csv", "outcomes_csv", "summarize", "summary_json"]


def base_policy(result: RunResult) -> str:
    return "halfstep" if "halfstep" in result.policies else result.policies[0]


def summarize(result: RunResult) -> dict[str, Any]:
    """The run's summary as plain data (see the module docstring for its shape)."""
    pol: dict[str, Any] = {}
    for p in result.policies:
        pol[p] = {
            "kpis": {k: mean_ci(result.values(p, k)) for k in KPIS},
            "by_tier": {
                t: {k: mean_ci(result.tier_values(p, t, k)) for k in TIER_KPIS} for t in result.scenario.tier_names
            },
            "failed": sum(1 for o in result.outcomes if o.policy == p and o.error is not None),
        }
    base = base_policy(result)
    paired = {
        f"{base}-{p}": {k: paired_ci(result.values(base, k), result.values(p, k)) for k in KPIS}
        for p in result.policies
        if p != base
    }
    return {
        "scenario": result.scenario.scenario.name,
        "seed": result.seed,
        "replications": result.replications,
        "common_random_numbers": True,
        "confidence": "95% Student-t intervals over replications; paired intervals from per-replication differences",
        "policies": pol,
        "paired": paired,
    }


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def summary_json(summary: dict[str, Any]) -> str:
    return json.dumps(_clean(summary), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _fmt(x: float) -> str:
    return "" if not math.isfinite(x) else repr(float(x))


def outcomes_csv(result: RunResult) -> str:
    """One row per policy × replication: status, then every KPI."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", "replication", "status", *KPIS])
    for o in result.outcomes:
        status = "ok" if o.error is None else "failed: " + o.error.strip().splitlines()[-1]
        w.writerow([o.policy, o.replication, status, *(_fmt(o.kpis[k]) for k in KPIS)])
    return buf.getvalue()


def outcomes_by_tier_csv(result: RunResult) -> str:
    """One row per policy × replication × tier."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", "replication", "tier", *TIER_KPIS])
    for o in result.outcomes:
        for t, row in o.by_tier.items():
            w.writerow([o.policy, o.replication, t, *(_fmt(row[k]) for k in TIER_KPIS)])
    return buf.getvalue()
