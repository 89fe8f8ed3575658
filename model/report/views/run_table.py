"""Terminal tables of a run: mean ± 95% CI per policy, the paired differences and the plan gap."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from model.report.views.format import (
    GAP_LABELS,
    fmt_ci,
    fmt_gap,
    gap_policies,
    headline,
    plan_gap_sentence,
    unplanned_note,
)
from model.simulation.kpis import HEADLINE_KPIS
from model.simulation.result import RunResult
from model.simulation.summary import GAP_KPIS

__all__ = ["print_plan_gap", "print_run"]


def print_run(console: Console, result: RunResult, summary: dict[str, Any]) -> None:
    pols = result.policies
    t = Table(
        title=f"{result.scenario.scenario.name} — mean ± 95% CI half-width over {result.replications} replications"
    )
    t.add_column("KPI")
    for p in pols:
        t.add_column(p, justify="right")
    for k in HEADLINE_KPIS:
        t.add_row(k, *(fmt_ci(summary["policies"][p]["kpis"][k], k, compact=True) for p in pols))
    console.print(t)
    if summary["paired"]:
        pairs = list(summary["paired"])
        d = Table(title="Paired differences (common random numbers), mean ± 95% CI half-width")
        d.add_column("KPI")
        for q in pairs:
            d.add_column(q, justify="right")
        for k in HEADLINE_KPIS:
            d.add_row(k, *(fmt_ci(summary["paired"][q][k], k, compact=True) for q in pairs))
        console.print(d)
    console.print(headline(result, summary).replace("**", ""), markup=False)
    print_plan_gap(console, result, summary)
    failed = result.failed()
    if failed:
        console.print(
            f"warning: {len(failed)} policy × replication runs failed and are left out of the means "
            "(their errors are in outcomes.csv)",
            markup=False,
        )


def print_plan_gap(console: Console, result: RunResult, summary: dict[str, Any]) -> None:
    """Simulated − planned over all tiers, one row per policy with a plan, and the largest tier gap of halfstep."""
    pols = gap_policies(result, summary)
    if pols:
        g = Table(title="plan gap (simulated − planned), all tiers: mean ± 95% CI half-width")
        g.add_column("policy")
        for k in GAP_KPIS:
            g.add_column(GAP_LABELS[k], justify="right")
        for p in pols:
            g.add_row(p, *(fmt_gap(summary["plan_gap"][p]["total"][k], k, compact=True) for k in GAP_KPIS))
        console.print(g)
    console.print(plan_gap_sentence(result, summary), markup=False)
    note = unplanned_note(result, summary)
    if note and pols:
        console.print(note, markup=False)
