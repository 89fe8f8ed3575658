"""What every report says the same way: numbers with intervals, the headline, the methods."""

from __future__ import annotations

from typing import Any

from model.simulation.result import RunResult
from model.simulation.summary import base_policy

__all__ = [
    "GAP_LABELS",
    "fmt_ci",
    "fmt_gap",
    "gap_policies",
    "headline",
    "methods_text",
    "plan_gap_sentence",
    "shown",
    "unplanned_note",
]

#: The plan gap's KPIs as the reports name them.
GAP_LABELS = {
    "perceived_value_per_trip": "PV per trip requested, CNY",
    "trips_flown": "trips flown",
    "cost_total": "cost, CNY",
}


def _num(x: float | None, kpi: str) -> str:
    if x is None:
        return "—"
    if "share" in kpi or kpi in ("escort_utilization", "escort_wait_probability"):
        return f"{x:.1%}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def fmt_ci(stat: dict[str, Any], kpi: str, *, compact: bool = False) -> str:
    """'mean [lo, hi]' of a summary entry, or 'mean ± half-width' when ``compact`` (the terminal)."""
    lo, hi = stat["ci95"]
    if stat["mean"] is None:
        return "—"
    if lo is None:
        return _num(stat["mean"], kpi)
    if compact:
        return f"{_num(stat['mean'], kpi)} ± {_num((hi - lo) / 2, kpi)}"
    return f"{_num(stat['mean'], kpi)} [{_num(lo, kpi)}, {_num(hi, kpi)}]"


def _signed(x: float, kpi: str) -> str:
    """A difference with its sign: '+12.30', '−4.00', '0.00' (no sign where it rounds to zero)."""
    text = _num(abs(x), kpi)
    if not any(c in "123456789" for c in text):
        return text
    return ("+" if x > 0 else "−") + text


def fmt_gap(stat: dict[str, Any], kpi: str, *, compact: bool = False) -> str:
    """A difference's 'mean [lo, hi]' with signs, or 'mean ± half-width' when ``compact`` (the terminal)."""
    lo, hi = stat["ci95"]
    if stat["mean"] is None:
        return "—"
    if lo is None:
        return _signed(stat["mean"], kpi)
    if compact:
        return f"{_signed(stat['mean'], kpi)} ± {_num((hi - lo) / 2, kpi)}"
    return f"{_signed(stat['mean'], kpi)} [{_signed(lo, kpi)}, {_signed(hi, kpi)}]"


def gap_policies(result: RunResult, summary: dict[str, Any]) -> list[str]:
    """The policies with a plan gap (one plan each), in run order."""
    gaps = summary.get("plan_gap", {})
    return [p for p in result.policies if p in gaps]


def unplanned_note(result: RunResult, summary: dict[str, Any]) -> str:
    """Which run policies have no plan gap and why ('' when every policy has one)."""
    gaps = summary.get("plan_gap", {})
    missing = [p for p in result.policies if p not in gaps]
    if not missing:
        return ""
    why = "one plan per replication (the allocator given that replication's realized requests)"
    if missing == ["clairvoyant"]:
        return f"clairvoyant has {why}, not one plan, so it has no plan gap."
    return f"{', '.join(missing)}: no single plan in this run, so no plan gap (clairvoyant has {why})."


def plan_gap_sentence(result: RunResult, summary: dict[str, Any]) -> str:
    """One sentence: the tier whose PV per trip requested strays furthest from the plan (halfstep's, or the base's)."""
    gaps = summary.get("plan_gap", {})
    p = base_policy(result.policies)
    if p not in gaps:
        p = next(iter(gap_policies(result, summary)), None)
    if p is None:
        return "No policy has a single plan (clairvoyant has one per replication), so there is no plan gap to report."
    kpi = "perceived_value_per_trip"
    tiers = [(t, row[kpi]) for t, row in gaps[p]["by_tier"].items() if row[kpi]["mean"] is not None]
    if not tiers:
        return f"{p}: no replication finished, so its plan gap is unknown."
    tier, stat = max(tiers, key=lambda x: abs(x[1]["mean"]))
    planned = gaps[p]["planned"]["by_tier"][tier][kpi]
    lo, hi = stat["ci95"]
    if lo is None:
        sure = "one replication, no interval"
    elif lo <= 0 <= hi:
        sure = "the interval includes 0: no gap is established"
    else:
        sure = "the interval excludes 0: the plan " + ("under-promises" if lo > 0 else "over-promises")
    return (
        f"Largest tier gap in PV per trip requested for {p}: {tier}, simulated − planned "
        f"{fmt_gap(stat, kpi)} CNY on a planned {_num(planned, kpi)} CNY ({sure})."
    )


def headline(result: RunResult, summary: dict[str, Any]) -> str:
    """One sentence: which policy a planner can adopt wins on net value, by how much, how sure.

    ``clairvoyant`` is left out: it knows each replication's requests in advance, a reference
    to read the others against, not a policy to adopt.
    """
    sims = [
        p
        for p in result.policies
        if p != "clairvoyant" and summary["policies"][p]["kpis"]["net_value"]["mean"] is not None
    ]
    if not sims:
        return "No simulated policy finished; see the failures below."
    best = max(sims, key=lambda p: summary["policies"][p]["kpis"]["net_value"]["mean"])
    text = f"**{best}** has the highest mean net value ({fmt_ci(summary['policies'][best]['kpis']['net_value'], 'net_value')} CNY)."
    base = base_policy(result.policies)
    if best == base and len(sims) > 1:
        others = [p for p in sims if p != base]
        runner_up = max(others, key=lambda p: summary["policies"][p]["kpis"]["net_value"]["mean"])
        d = summary["paired"][f"{base}-{runner_up}"]["net_value"]
        sure = d["ci95"][0] is not None and d["ci95"][0] > 0
        text += f" It beats {runner_up} by {fmt_ci(d, 'net_value')} CNY (paired 95% CI{'' if sure else '; the interval includes 0, so the difference is not established'})."
    elif best != base and base in sims:
        d = summary["paired"][f"{base}-{best}"]["net_value"]
        lo, hi = d["ci95"]
        unsure = lo is None or lo <= 0 <= hi
        text += (
            f" {base} − {best}: {fmt_ci(d, 'net_value')} CNY (paired 95% CI"
            f"{'; the interval includes 0, so the difference is not established' if unsure else ''})."
        )
    return text


def methods_text(result: RunResult) -> str:
    """How the numbers were made: replications, seed, common random numbers, intervals."""
    return (
        f"{result.replications} replications per policy, seed {result.seed}. Every replication draws its trips, "
        "base demand, choices, entitlements and escort durations from its own streams of one "
        "`numpy.random.SeedSequence`; all policies meet the same draws (common random numbers), so "
        "differences between policies are estimated replication by replication (paired Student-t intervals). "
        "Intervals per policy are Student-t 95% intervals over replications, cut at the range a KPI can take "
        "(a count or a cost is never below 0, a share never above 1: the mean lies inside, so the cut interval "
        "covers it at least as often). `clairvoyant` is a reference, not a bound: the allocator (no lead cap) "
        "given each replication's realized requests per tier in advance, and its plan simulated on the same draws "
        "as every other policy; it is left out of the headline. "
        "Perceived value is counted on every trip requested (flown with us or not); costs on trips flown."
    )


def shown(value: Any) -> str:
    """A parameter's value for people: floats to 10 significant digits (no binary noise), lists item by item.

    ``180000.0 * 1.1`` is stored as 198000.00000000003 and shown as 198000.
    """
    if isinstance(value, bool) or value is None:
        return str(value).lower() if isinstance(value, bool) else "—"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return str(value)
