"""What every report says the same way: numbers with intervals, the headline, the methods."""

from __future__ import annotations

from typing import Any

from model.simulation.result import RunResult
from model.simulation.summary import base_policy

__all__ = [
    "GAP_LABELS",
    "HEADLINE",
    "KPI_NOTES",
    "fmt_ci",
    "fmt_gap",
    "gap_policies",
    "headline",
    "kpi_label",
    "methods_text",
    "plan_gap_sentence",
    "shown",
    "unplanned_note",
]

#: The KPI of the headline: the airline's contribution (DESIGN.md, *What a run reports*).
HEADLINE = "contribution"

#: What a KPI means, where its name alone could mislead (the reports' full table says it beside the name).
KPI_NOTES = {
    "contribution": "the airline's money: margin × revenue − service cost − escort roster",
    "perceived_value_per_trip": "the clients' measure, per trip requested",
    "net_value": "PV − cost, the clients' value net of cost, not money",
}

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


def fmt_ci(stat: dict[str, Any], kpi: str, *, compact: bool = False, signed: bool = False) -> str:
    """'mean [lo, hi]' of a summary entry, or 'mean ± half-width' when ``compact`` (the terminal).

    ``signed``: a difference, shown with its signs (:func:`fmt_gap`).
    """
    lo, hi = stat["ci95"]
    if stat["mean"] is None:
        return "—"
    value = _signed if signed else _num
    if lo is None:
        return value(stat["mean"], kpi)
    if compact:
        return f"{value(stat['mean'], kpi)} ± {_num((hi - lo) / 2, kpi)}"
    return f"{value(stat['mean'], kpi)} [{value(lo, kpi)}, {value(hi, kpi)}]"


def _signed(x: float, kpi: str) -> str:
    """A difference with its sign: '+12.30', '−4.00', '0.00' (no sign where it rounds to zero)."""
    text = _num(abs(x), kpi)
    if not any(c in "123456789" for c in text):
        return text
    return ("+" if x > 0 else "−") + text


def fmt_gap(stat: dict[str, Any], kpi: str, *, compact: bool = False) -> str:
    """A difference's 'mean [lo, hi]' with signs, or 'mean ± half-width' when ``compact`` (the terminal)."""
    return fmt_ci(stat, kpi, compact=compact, signed=True)


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
        if result.periods > 1:
            return (
                f"Every policy plans again in each of the {result.periods} periods (a rolling plan), so a run over "
                "all periods has no single plan to hold against: see periods.csv for each period."
            )
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


def kpi_label(kpi: str) -> str:
    """A KPI's name in a report's full table, with what it means where a reader could take it for something else."""
    note = KPI_NOTES.get(kpi)
    return f"{kpi} ({note})" if note else kpi


def _adoptable(result: RunResult, summary: dict[str, Any]) -> list[str]:
    """The policies a planner can adopt that have a mean contribution (``clairvoyant`` is a reference, not one)."""
    kpis = summary["policies"]
    return [p for p in result.policies if p != "clairvoyant" and kpis[p]["kpis"][HEADLINE]["mean"] is not None]


def _separated(d: dict[str, Any]) -> bool:
    """Whether a paired difference's interval excludes 0 (False without an interval: one replication)."""
    lo, hi = d["ci95"]
    return lo is not None and (lo > 0 or hi < 0)


def headline(result: RunResult, summary: dict[str, Any]) -> str:
    """Which policy a planner can adopt has the highest mean contribution, by how much, how sure, what it supports.

    Contribution is the airline's money (DESIGN.md, *What a run reports*); the paired differences
    are ``halfstep − other`` (the base policy against each other one) on contribution, and the last
    sentence says which decision the run supports. ``clairvoyant`` is left out: it knows each
    replication's requests in advance, a reference to read the others against, not a policy to adopt.
    """
    sims = _adoptable(result, summary)
    if not sims:
        return "No simulated policy finished; see the failures below."
    kpis = {p: summary["policies"][p]["kpis"] for p in sims}
    best = max(sims, key=lambda p: kpis[p][HEADLINE]["mean"])
    text = (
        f"**{best}** has the highest mean contribution, the airline's money: "
        f"{fmt_ci(kpis[best][HEADLINE], HEADLINE)} CNY over the horizon (margin × revenue − service cost − "
        "escort roster)."
    )
    base = base_policy(result.policies)
    others = [p for p in sims if p != base]
    if base not in sims or not others:
        return text
    diffs = {p: summary["paired"][f"{base}-{p}"][HEADLINE] for p in others}
    text += (
        " Paired 95% CIs of contribution (common random numbers): "
        + "; ".join(f"{base} − {p} {fmt_gap(d, HEADLINE)} CNY" for p, d in diffs.items())
        + "."
    )
    decision, compared = _decision(base, best, diffs)
    stat = "perceived_value_per_trip"
    pv = ", ".join(
        f"{p} {fmt_ci({'mean': kpis[p][stat]['mean'], 'ci95': [None, None]}, stat)}" for p in compared if p in kpis
    )
    return f"{text} {decision} Beside it, the clients' measure, PV per trip requested: {pv} CNY."


def _decision(base: str, best: str, diffs: dict[str, dict[str, Any]]) -> tuple[str, list[str]]:
    """The sentence saying which choice the contribution intervals support, and the policies it weighs."""

    def why(d: dict[str, Any]) -> str:
        return "one replication, no interval" if d["ci95"][0] is None else "the interval includes 0"

    undecided = "choose between them on the clients' measure or run more replications."
    if best == base:
        below = [p for p, d in diffs.items() if _separated(d)]
        level = [p for p in diffs if p not in below]
        if not level:
            text = f"On contribution the run supports {base} over {', '.join(below)} (every interval excludes 0)."
            return text, [base, *below]
        text = (
            f"On contribution the run does not separate {base} from "
            + " or ".join(f"{p} ({why(diffs[p])})" for p in level)
            + f": {undecided}"
        )
        return text + (f" It does support {base} over {', '.join(below)}." if below else ""), [base, *level]
    if _separated(diffs[best]):
        text = f"On contribution the run supports {best} over {base} ({base} − {best} excludes 0)."
    else:
        text = f"On contribution the run does not establish that {best} beats {base} ({why(diffs[best])}): {undecided}"
    return text, [best, base]


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
        "Contribution is the margin on the fares of trips flown less service cost (capacity expansions, escort "
        "staff-hours the plan added among them) and every rostered escort staff-hour at the wage (the roster is a "
        "fixed cost: escorting inside it costs nothing extra). "
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
