"""How a comparison is shown: a terminal table, a self-contained HTML page, a forest-plot figure."""

from __future__ import annotations

import html
from typing import Any

from rich.console import Console
from rich.table import Table

from model.report.comparison import Comparison
from model.report.run_folder import RunRecord
from model.report.views.format import fmt_ci, shown
from model.report.views.page import figure, page, para, table
from model.report.views.style import POLICY_COLORS, figure_style, png, subplots
from model.simulation.kpis import COMPARE_KPIS

__all__ = ["comparison_figure", "comparison_html", "print_comparison"]

#: The forest plot's panels: contribution (the airline's money) first, the clients' PV per trip requested beside it.
_FIGURE_KPIS = (
    "contribution",
    "perceived_value_per_trip",
    "revenue",
    "cost_total",
    "over_service_cost",
    "failures_escort",
)


def _method_sentence(c: Comparison, other: RunRecord) -> str:
    ref = c.reference
    if c.methods[other.label] == "paired":
        return (
            f"paired: both runs used seed {ref.seed} and {ref.replications} replications (common random numbers), "
            "so differences are taken replication by replication (paired Student-t 95% CI)"
        )
    why = []
    if other.seed != ref.seed:
        why.append(f"seeds differ ({ref.seed} vs {other.seed})")
    if other.replications != ref.replications:
        why.append(f"replications differ ({ref.replications} vs {other.replications})")
    return f"Welch (independent samples): {' and '.join(why)}, so the runs do not share random numbers"


def _params(diffs: list[tuple[str, Any, Any]], limit: int = 12) -> list[str]:
    lines = [f"{k}: {shown(a)} → {shown(b)}" for k, a, b in diffs if k != "scenario.name"]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more (see parameter_differences in comparison.html)"]
    return lines or ["no scenario parameter differs"]


def _plan_changes(c: Comparison, other: RunRecord, policy: str, limit: int = 5) -> str:
    rows = c.plan_differences.get((other.label, policy))
    if rows is None:
        return f"{policy}: no plan to compare"
    changed = sorted((r for r in rows if abs(r[3] - r[2]) > 1e-6), key=lambda r: -abs(r[3] - r[2]))
    if not changed:
        return f"{policy}: the same plan"
    top = ", ".join(f"{t}/{d} {a:.0%}→{b:.0%}" for t, d, a, b in changed[:limit])
    more = f" (+{len(changed) - limit} more)" if len(changed) > limit else ""
    return f"{policy}: {len(changed)} of {len(rows)} levels change — {top}{more}"


def print_comparison(console: Console, c: Comparison) -> None:
    ref = c.reference
    console.print(f"reference: {ref.label} ({ref.path})", markup=False)
    for other in c.runs[1:]:
        console.print(f"\n{other.label} − {ref.label}: {_method_sentence(c, other)}", markup=False)
        for line in _params(c.parameters[other.label]):
            console.print(f"  changed: {line}", markup=False)
        pols = c.policies(other)
        t = Table(title=f"{other.label} − {ref.label}, mean ± 95% CI half-width ({c.methods[other.label]})")
        t.add_column("KPI")
        for p in pols:
            t.add_column(p, justify="right")
        for k in COMPARE_KPIS:
            t.add_row(k, *(fmt_ci(c.kpi_differences[(other.label, p, k)], k, compact=True) for p in pols))
        console.print(t)
        for p in pols:
            console.print("  plan " + _plan_changes(c, other, p), markup=False)
        periods = sorted({k for (label, _, _, k) in c.period_differences if label == other.label})
        if periods:
            console.print(
                f"  contribution, period by period ({c.methods[other.label]}; period_differences.csv):", markup=False
            )
            for p in pols:
                cells = [
                    fmt_ci(c.period_differences[(other.label, p, "contribution", k)], "contribution", compact=True)
                    for k in periods
                    if (other.label, p, "contribution", k) in c.period_differences
                ]
                console.print(
                    f"    {p}: " + "; ".join(f"{k + 1}: {x}" for k, x in zip(periods, cells, strict=False)),
                    markup=False,
                )


def comparison_figure(c: Comparison) -> bytes:
    """Forest plot: each KPI's difference per policy (and run) with its 95% CI; 0 marked."""
    ref = c.reference
    with figure_style([*ref.tiers, *ref.dimensions]):
        return _forest(c)


def _forest(c: Comparison) -> bytes:
    ref = c.reference
    rows = sum(len(c.policies(o)) for o in c.runs[1:])
    fig, axes = subplots(2, 3, figsize=(12, 2 * (1.0 + 0.3 * rows)))
    for ax, k in zip(axes.ravel(), _FIGURE_KPIS, strict=True):
        labels, means, errs, colors = [], [], [], []
        for other in c.runs[1:]:
            for p in c.policies(other):
                d = c.kpi_differences[(other.label, p, k)]
                if d["mean"] is None:
                    continue
                lo, hi = d["ci95"]
                labels.append(p if len(c.runs) == 2 else f"{other.label}: {p}")
                means.append(d["mean"])
                errs.append((0.0, 0.0) if lo is None else (d["mean"] - lo, hi - d["mean"]))
                colors.append(POLICY_COLORS.get(p, "#4c72b0"))
        y = list(range(len(labels)))
        for yi, m, e, col in zip(y, means, errs, colors, strict=True):
            ax.errorbar(m, yi, xerr=[[e[0]], [e[1]]], fmt="o", color=col, capsize=3)
        ax.axvline(0, color="black", lw=0.7)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_title(k)
    fig.suptitle(f"Difference from {ref.label}: mean and 95% CI")
    fig.tight_layout()
    return png(fig)


def comparison_html(c: Comparison, fig_png: bytes) -> str:
    ref = c.reference
    sections = [
        f"<h1>Comparison against {html.escape(ref.label)}</h1>",
        para(
            "Runs: " + "; ".join(f"{r.label} (seed {r.seed}, {r.replications} replications, {r.path})" for r in c.runs),
            "small",
        ),
        figure(fig_png, "differences", "Differences from the reference run: mean and 95% CI per policy."),
    ]
    for other in c.runs[1:]:
        pols = c.policies(other)
        sections += [
            f"<section><h2>{html.escape(other.label)} − {html.escape(ref.label)}</h2>",
            para(_method_sentence(c, other).capitalize() + "."),
            table(
                ["changed parameter", ref.label, other.label],
                [(k, shown(a), shown(b)) for k, a, b in c.parameters[other.label]],
            )
            if c.parameters[other.label]
            else para("No scenario parameter differs."),
            table(
                ["KPI", *(f"{p}: {x}" for p in pols for x in (ref.label, other.label, "difference [95% CI]"))],
                (
                    [
                        k,
                        *(
                            v
                            for p in pols
                            for d in [c.kpi_differences[(other.label, p, k)]]
                            for v in (
                                fmt_ci({"mean": d["a"], "ci95": [None, None]}, k),
                                fmt_ci({"mean": d["b"], "ci95": [None, None]}, k),
                                fmt_ci(d, k),
                            )
                        ),
                    ]
                    for k in COMPARE_KPIS
                ),
            ),
            "<h3>Plan differences</h3>",
            "".join(para(_plan_changes(c, other, p, limit=12)) for p in pols),
            "</section>",
        ]
    return page(f"Comparison against {ref.label}", sections)
