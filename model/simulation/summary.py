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

from collections.abc import Sequence
from typing import Any

from model.simulation.kpis import KPIS, TIER_KPIS, kpi_bounds
from model.simulation.outcome import Outcome
from model.stats import mean_ci, paired_ci

__all__ = ["base_policy", "kpi_values", "summarize"]


def base_policy(policies: Sequence[str]) -> str:
    """The policy every other is paired against: ``halfstep`` when it was run, else the first."""
    return "halfstep" if "halfstep" in policies else policies[0]


def kpi_values(
    outcomes: Sequence[Outcome], policy: str, kpi: str, replications: int, *, tier: str | None = None
) -> list[float]:
    """One KPI of a policy (of one tier, if given) by replication; NaN where it failed (keeps pairs aligned)."""
    by_rep = {
        o.replication: (o.kpis[kpi] if tier is None else o.by_tier[tier][kpi])
        for o in outcomes
        if o.policy == policy and o.error is None
    }
    return [by_rep.get(r, float("nan")) for r in range(replications)]


def summarize(
    outcomes: Sequence[Outcome],
    *,
    policies: Sequence[str],
    replications: int,
    tiers: Sequence[str],
    scenario: str,
    seed: int,
) -> dict[str, Any]:
    """The run's summary as plain data (see the module docstring for its shape)."""

    def values(p: str, k: str, tier: str | None = None) -> list[float]:
        return kpi_values(outcomes, p, k, replications, tier=tier)

    pol: dict[str, Any] = {}
    for p in policies:
        pol[p] = {
            "kpis": {k: mean_ci(values(p, k), bounds=kpi_bounds(k)) for k in KPIS},
            "by_tier": {t: {k: mean_ci(values(p, k, t), bounds=kpi_bounds(k)) for k in TIER_KPIS} for t in tiers},
            "failed": sum(1 for o in outcomes if o.policy == p and o.error is not None),
        }
    base = base_policy(policies)
    paired = {f"{base}-{p}": {k: paired_ci(values(base, k), values(p, k)) for k in KPIS} for p in policies if p != base}
    return {
        "scenario": scenario,
        "seed": seed,
        "replications": replications,
        "common_random_numbers": True,
        "confidence": "95% Student-t intervals over replications, cut at the range a KPI can take "
        "(counts and costs ≥ 0, shares in [0, 1]); paired intervals from per-replication differences",
        "policies": pol,
        "paired": paired,
    }
