"""Printing a sweep analysis: the sensitivity table, one per KPI, parameters by rows and policies by columns."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from model.sweep.analysis import Analysis
    from model.sweep.experiment import Experiment

__all__ = ["print_analysis"]


def _cell(rows) -> str:
    parts = []
    for _, r in rows.iterrows():
        if isinstance(r["value"], float) and math.isnan(r["value"]):
            parts.append(f"{r['index']} n/a")
            continue
        ci = "" if math.isnan(r["ci_low"]) else f" [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]"
        parts.append(f"{r['index']} {r['value']:+.2f}{ci}")
    return "\n".join(parts)


def print_analysis(console: Console, a: Analysis, e: Experiment) -> None:
    if a.partial:  # first, before any number: these tables cover only the tasks done
        console.print(a.status.detail(), markup=False)
    console.print(
        f"{e.spec.experiment.name}: {a.points} points × {a.replications} replications; "
        f"design {e.spec.design.kind}; sensitivity by {a.method}",
        markup=False,
    )
    for kpi in a.kpis:
        table = Table(title=f"sensitivity of {kpi} (95% intervals)", title_justify="left")
        table.add_column("parameter")
        s = a.sensitivity[a.sensitivity["kpi"] == kpi]
        policies = list(dict.fromkeys(s["policy"]))
        for policy in policies:
            table.add_column(policy)
        for name in dict.fromkeys(s["parameter"]):
            table.add_row(name, *(_cell(s[(s["parameter"] == name) & (s["policy"] == p)]) for p in policies))
        console.print(table)
