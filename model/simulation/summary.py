"""Across replications: means with 95% intervals per policy and tier, and paired differences.

DESIGN.md, *What a run reports*; the ``summary.json`` shape is::

    {"scenario": str, "seed": int, "replications": int,
     "policies": {name: {"kpis": {kpi: {"mean", "ci95": [lo, hi], "n"}},
                         "by_tier": {tier: {kpi: {...}}}, "failed": int}},
     "paired": {"<a>-<b>": {kpi: {"mean", "ci95", "n"}}},
     "plan_gap": {name: {"total": {kpi: {"mean", "ci95", "n"}}, "by_tier": {tier: {kpi: {...}}},
                         "planned": {"total": {kpi: float}, "by_tier": {tier: {kpi: float}}}}}}

Paired differences are ``base − other`` for every other policy, where ``base`` is
``halfstep`` when it was run (else the first policy); they use common random numbers.

The plan gap (DESIGN.md, *What a run reports*) is **simulated − planned**, replication by
replication, for the :data:`GAP_KPIS` of every policy that has one plan: PV per trip
requested (against the plan's ``pv_per_trip``), trips flown (against ``expected_trips``) and
cost (against ``cost``), per tier and over all tiers (the total cost counts capacity
expansions on both sides, as ``cost_total`` and the plan's ``total_cost`` do). A plan is a
constant, so the gap's interval is the simulated quantity's t interval shifted; it is never
cut (a gap can be negative). ``clairvoyant`` has a plan per replication, not one, and has no gap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from model.simulation.kpis import KPIS, TIER_KPIS, kpi_bounds
from model.simulation.outcome import Outcome
from model.stats import mean_ci, paired_ci

if TYPE_CHECKING:
    from model.allocation.plan import Plan

__all__ = ["GAP_KPIS", "base_policy", "gap_values", "kpi_values", "plan_gap", "planned_values", "summarize"]

#: What the plan gap compares, simulated against planned.
GAP_KPIS = ("perceived_value_per_trip", "trips_flown", "cost_total")


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


def planned_values(plan: Plan, tiers: Sequence[str]) -> dict[str, dict]:
    """What a plan promises for the :data:`GAP_KPIS`: ``{"total": {kpi: v}, "by_tier": {tier: {kpi: v}}}``.

    Tiers are looked up by name in the plan (a plan may come from another scenario with the same tiers).
    """
    requests = float(plan.expected_requests.sum())
    total = {
        "perceived_value_per_trip": float(plan.perceived_value.sum()) / requests if requests > 0 else 0.0,
        "trips_flown": float(plan.expected_trips.sum()),
        "cost_total": plan.total_cost,
    }
    by_tier = {}
    for t in tiers:
        i = plan.tiers.index(t)
        by_tier[t] = {
            "perceived_value_per_trip": float(plan.pv_per_trip[i]),
            "trips_flown": float(plan.expected_trips[i]),
            "cost_total": float(plan.cost[i]),
        }
    return {"total": total, "by_tier": by_tier}


def gap_values(
    outcomes: Sequence[Outcome],
    plan: Plan,
    policy: str,
    kpi: str,
    replications: int,
    *,
    tier: str | None = None,
) -> list[float]:
    """Simulated − planned by replication for one of the :data:`GAP_KPIS`; NaN where the replication failed."""
    planned = planned_values(plan, [] if tier is None else [tier])
    target = planned["total"][kpi] if tier is None else planned["by_tier"][tier][kpi]
    return [v - target for v in kpi_values(outcomes, policy, kpi, replications, tier=tier)]


def plan_gap(
    outcomes: Sequence[Outcome],
    plans: Mapping[str, Plan],
    *,
    policies: Sequence[str],
    replications: int,
    tiers: Sequence[str],
) -> dict[str, Any]:
    """The plan gap of every policy that has a plan (see the module docstring); others are left out."""
    out: dict[str, Any] = {}
    for p in policies:
        if p not in plans:
            continue
        plan = plans[p]
        planned = planned_values(plan, tiers)
        out[p] = {
            "total": {k: mean_ci(gap_values(outcomes, plan, p, k, replications)) for k in GAP_KPIS},
            "by_tier": {
                t: {k: mean_ci(gap_values(outcomes, plan, p, k, replications, tier=t)) for k in GAP_KPIS} for t in tiers
            },
            "planned": {
                "total": {k: _finite_or_none(v) for k, v in planned["total"].items()},
                "by_tier": {
                    t: {k: _finite_or_none(v) for k, v in row.items()} for t, row in planned["by_tier"].items()
                },
            },
        }
    return out


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def summarize(
    outcomes: Sequence[Outcome],
    *,
    policies: Sequence[str],
    replications: int,
    tiers: Sequence[str],
    scenario: str,
    seed: int,
    plans: Mapping[str, Plan] | None = None,
) -> dict[str, Any]:
    """The run's summary as plain data (see the module docstring for its shape).

    ``plans`` (policy → its plan) give the plan gap; without them ``plan_gap`` is empty.
    """

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
        "plan_gap": plan_gap(outcomes, plans or {}, policies=policies, replications=replications, tiers=tiers),
    }
