"""Terminal tables of a run: mean ± 95% CI per policy, and the paired differences."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from model.report.views.format import fmt_ci, headline
from model.simulation.kpis import HEADLINE_KPIS
from model.simulation.result import RunResult

__all__ = ["print_run"]


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
    failed = result.failed()
    if failed:
        console.print(
            f"warning: {len(failed)} policy × replication runs failed and are left out of the means "
            "(their errors are in outcomes.csv)",
            markup=False,
        )
