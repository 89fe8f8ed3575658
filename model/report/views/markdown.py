"""The run's Markdown report: headline, KPIs with intervals, paired differences, tiers, the plan gap, methods."""

from __future__ import annotations

from typing import Any

from model.report.views.accounts import accounts_markdown
from model.report.views.format import fmt_ci, headline, kpi_label, methods_text, plan_gap_sentence
from model.simulation.kpis import HEADLINE_KPIS, REPORT_KPIS
from model.simulation.result import RunResult
from model.simulation.summary import base_policy

__all__ = ["report_markdown"]


def report_markdown(result: RunResult, summary: dict[str, Any], figures: list[str], accounts: Any = None) -> str:
    s = result.scenario
    pols = result.policies
    lines = [f"# {s.scenario.name} — halfstep run", "", headline(result, summary), ""]
    failed = result.failed()
    if failed:
        lines += [
            f"**{len(failed)} policy × replication runs failed** and are left out of the means; see `outcomes.csv`.",
            "",
        ]
    lines += [
        "## KPIs per policy (mean [95% CI])",
        "",
        "| KPI | " + " | ".join(pols) + " |",
        "|---" * (len(pols) + 1) + "|",
    ]
    for k in REPORT_KPIS:
        lines.append(
            f"| {kpi_label(k)} | " + " | ".join(fmt_ci(summary["policies"][p]["kpis"][k], k) for p in pols) + " |"
        )
    if summary["paired"]:
        lines += ["", "## Paired differences (common random numbers)", ""]
        pairs = list(summary["paired"])
        lines += ["| KPI | " + " | ".join(pairs) + " |", "|---" * (len(pairs) + 1) + "|"]
        for k in HEADLINE_KPIS:
            lines.append(f"| {k} | " + " | ".join(fmt_ci(summary["paired"][q][k], k) for q in pairs) + " |")
    lines += ["", "## Per tier: PV per trip requested and cost (CNY)", ""]
    lines += [
        "| tier | " + " | ".join(f"{p} PV/trip | {p} cost" for p in pols) + " |",
        "|---" * (2 * len(pols) + 1) + "|",
    ]
    for t in s.tier_names:
        cells = []
        for p in pols:
            bt = summary["policies"][p]["by_tier"][t]
            cells += [fmt_ci(bt["perceived_value_per_trip"], "pv"), fmt_ci(bt["cost_total"], "cost")]
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Does the plan hold?",
        "",
        plan_gap_sentence(result, summary) + " Every policy and tier, simulated − planned: `summary.json`, `plan_gap`.",
    ]
    base = base_policy(result.policies)
    if base in result.plans and result.plans[base].shadow_prices:
        lines += ["", f"## What one more unit is worth ({base} plan's shadow prices)", ""]
        lines += [f"- {sp.constraint}: {sp.sentence(result.plans[base].objective)}" for sp in result.plans[base].shadow_prices]
    if accounts is not None and len(accounts):
        lines += accounts_markdown(accounts)
    lines += ["", "## Figures", ""] + [f"![{f}](figures/{f})" for f in figures]
    lines += ["", "## Methods", "", methods_text(result), ""]
    return "\n".join(lines)
