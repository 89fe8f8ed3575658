"""Comparing run folders: KPI differences with 95% CIs, plan differences, what changed.

The first run is the reference; every other run is compared with it, policy by policy.
When two runs share seed and replications they met the same random draws (common random
numbers), so a difference is estimated replication by replication (paired Student-t);
otherwise the runs are independent samples (Welch's interval). Which method was used is
recorded with every difference. Runs of the same tiers and dimensions compare whatever
their capacities, budgets or parameters (the normal what-if); runs whose tiers or
dimensions differ are refused, naming what differs.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from model.errors import RunFolderError
from model.report.run_folder import RunRecord
from model.simulation.kpis import COMPARE_KPIS
from model.stats import paired_ci, welch_ci

__all__ = ["Comparison", "compare_runs", "period_differences_csv"]

#: KPIs compared period by period when two multi-period runs have as many periods.
PERIOD_COMPARED = ("contribution", "perceived_value_per_trip", "churned_accounts")


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """Key paths as ``--set`` spells them (named list entries by name) → leaf values."""
    out: dict[str, Any] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            out |= _flatten(v, f"{prefix}{k}.")
    elif isinstance(node, list) and node and all(isinstance(x, dict) and "name" in x for x in node):
        for x in node:
            out |= _flatten(x, f"{prefix}{x['name']}.")
    else:
        out[prefix.rstrip(".")] = node
    return out


def parameter_differences(a: RunRecord, b: RunRecord) -> list[tuple[str, Any, Any]]:
    """Every scenario key whose value differs between two runs: (key path, value in a, value in b)."""
    fa, fb = _flatten(a.scenario), _flatten(b.scenario)
    return [(k, fa.get(k), fb.get(k)) for k in sorted(fa.keys() | fb.keys()) if fa.get(k) != fb.get(k)]


def check_comparable(runs: list[RunRecord]) -> None:
    """Refuse runs whose tiers or dimensions differ, or that share no policy, saying what differs."""
    ref = runs[0]
    for r in runs[1:]:
        for what, x, y in (("tiers", ref.tiers, r.tiers), ("dimensions", ref.dimensions, r.dimensions)):
            if x != y:
                only_a = [n for n in x if n not in y]
                only_b = [n for n in y if n not in x]
                detail = (
                    f"only in {ref.label}: {', '.join(only_a) or 'none'}; only in {r.label}: {', '.join(only_b) or 'none'}"
                    if only_a or only_b
                    else f"the same names in another order ({', '.join(x)} vs {', '.join(y)})"
                )
                raise RunFolderError(
                    f"cannot compare {ref.label} with {r.label}: their {what} differ ({detail}). "
                    "Runs compare when they have the same tiers and dimensions (capacities, budgets and other "
                    "parameters may differ)."
                )
        if not set(ref.policies) & set(r.policies):
            raise RunFolderError(
                f"cannot compare {ref.label} with {r.label}: they share no policy "
                f"({', '.join(ref.policies)} vs {', '.join(r.policies)})"
            )


@dataclass
class Comparison:
    """The reference run, the others, and every difference other − reference."""

    runs: list[RunRecord]
    # (other label, policy, kpi) → {"mean", "ci95", "n", "method", "a", "b"}
    kpi_differences: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    # (other label, policy) → rows (tier, dimension, level in reference, level in other)
    plan_differences: dict[tuple[str, str], list[tuple[str, str, float, float]]] = field(default_factory=dict)
    parameters: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)  # other label → differences
    methods: dict[str, str] = field(default_factory=dict)  # other label → "paired" / "Welch"
    # multi-period runs of as many periods: (other label, policy, kpi, period) → as kpi_differences
    period_differences: dict[tuple[str, str, str, int], dict[str, Any]] = field(default_factory=dict)

    @property
    def reference(self) -> RunRecord:
        return self.runs[0]

    def policies(self, other: RunRecord) -> list[str]:
        return [p for p in self.reference.policies if p in other.policies]


def _mean(x: list[float]) -> float | None:
    ok = [v for v in x if math.isfinite(v)]
    return sum(ok) / len(ok) if ok else None


def compare_runs(runs: list[RunRecord]) -> Comparison:
    """Differences of every run against the first, per common policy and KPI, and of their plans."""
    if len(runs) < 2:
        raise RunFolderError("compare needs at least two run folders (or one and --set KEY=VALUE for a what-if)")
    labels = [r.label for r in runs]
    if len(set(labels)) != len(labels):
        for i, r in enumerate(runs):
            r.label = f"{i + 1}:{r.label}"
    check_comparable(runs)
    c = Comparison(runs)
    ref = c.reference
    for other in runs[1:]:
        paired = other.seed == ref.seed and other.replications == ref.replications
        method = "paired" if paired else "Welch"
        c.methods[other.label] = method
        c.parameters[other.label] = parameter_differences(ref, other)
        for p in c.policies(other):
            for k in COMPARE_KPIS:
                a, b = ref.values.get((p, k), []), other.values.get((p, k), [])
                d = paired_ci(b, a) if paired else welch_ci(b, a)
                c.kpi_differences[(other.label, p, k)] = {**d, "method": method, "a": _mean(a), "b": _mean(b)}
            if ref.period_values and ref.periods == other.periods:  # period by period
                for k in range(ref.periods):
                    for kpi in PERIOD_COMPARED:
                        a, b = ref.period_values.get((p, kpi, k), []), other.period_values.get((p, kpi, k), [])
                        if a and b:
                            d = paired_ci(b, a) if paired else welch_ci(b, a)
                            c.period_differences[(other.label, p, kpi, k)] = {
                                **d,
                                "method": method,
                                "a": _mean(a),
                                "b": _mean(b),
                            }
            if p in ref.plans and p in other.plans:
                rows = []
                for t in ref.tiers:
                    la, lb = ref.plans[p]["tiers"][t]["levels"], other.plans[p]["tiers"][t]["levels"]
                    rows += [(t, d, float(la[d]), float(lb[d])) for d in ref.dimensions]
                c.plan_differences[(other.label, p)] = rows
    return c


def _cell(x: float | None) -> str:
    return "" if x is None or not math.isfinite(x) else repr(float(x))


_DIFFERENCE_COLUMNS = ["reference_mean", "run_mean", "difference", "ci95_low", "ci95_high", "n", "method"]


def _difference_cells(d: dict[str, Any]) -> list[Any]:
    lo, hi = d["ci95"]
    return [_cell(d["a"]), _cell(d["b"]), _cell(d["mean"]), _cell(lo), _cell(hi), d["n"], d["method"]]


def comparison_csv(c: Comparison) -> str:
    """One row per other run × policy × KPI: both means, the difference, its interval and method."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["reference", "run", "policy", "kpi", *_DIFFERENCE_COLUMNS])
    for (label, p, k), d in c.kpi_differences.items():
        w.writerow([c.reference.label, label, p, k, *_difference_cells(d)])
    return buf.getvalue()


def period_differences_csv(c: Comparison) -> str:
    """Multi-period runs: one row per other run × policy × KPI × period (the columns of comparison.csv, and period)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["reference", "run", "policy", "kpi", "period", *_DIFFERENCE_COLUMNS])
    for (label, p, k, period), d in c.period_differences.items():
        w.writerow([c.reference.label, label, p, k, period, *_difference_cells(d)])
    return buf.getvalue()


def plan_differences_csv(c: Comparison) -> str:
    """One row per other run × policy × tier × dimension: both levels and the difference."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["reference", "run", "policy", "tier", "dimension", "reference_level", "run_level", "difference"])
    for (label, p), rows in c.plan_differences.items():
        for t, d, la, lb in rows:
            w.writerow([c.reference.label, label, p, t, d, f"{la:.6f}", f"{lb:.6f}", f"{lb - la:.6f}"])
    return buf.getvalue()
