"""What every report says the same way: numbers with intervals, the headline, the methods."""

from __future__ import annotations

from typing import Any

from model.simulation.result import RunResult
from model.simulation.summary import base_policy

__all__ = ["fmt_ci", "headline", "methods_text", "shown"]


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


def headline(result: RunResult, summary: dict[str, Any]) -> str:
    """One sentence: which simulated policy wins on net value, by how much, how sure."""
    sims = [
        p
        for p in result.policies
        if p != "hindsight" and summary["policies"][p]["kpis"]["net_value"]["mean"] is not None
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
        "covers it at least as often). `hindsight` is the LP's value "
        "with each replication's realized demand and no lead cap — a frictionless bound, not a simulation. "
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
