"""A sweep analysis written out: its tables (CSV) and figures (PNG) — KPI against each parameter, sensitivity indices.

Every analysis folder says how much of the sweep it covers: ``status.json`` (``status``:
complete or partial, and the task counts), a first ``status`` column in both CSV tables
(``partial: 594 of 1,800 tasks done``), and — for a partial analysis — the same words in
every figure's title.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from model.files import json_text, staged_folder, write_atomic
from model.report.views.style import figure_style, png, subplots

if TYPE_CHECKING:
    from model.sweep.analysis import Analysis
    from model.sweep.experiment import Experiment

__all__ = ["sensitivity_figure", "vs_parameter_figure", "write_analysis"]


def _half_widths(part) -> np.ndarray:
    m = part["mean"].to_numpy(float)
    return np.nan_to_num(np.array([m - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - m]))


def vs_parameter_figure(a: Analysis, e: Experiment, kpi: str) -> bytes:
    """One panel per parameter: the KPI's mean and 95% CI per value or bin, a line per policy."""
    params = [p.name for p in e.parameters]
    with figure_style([*params, *e.policies]):
        return _vs_parameter(a, e, kpi, params)


def _vs_parameter(a: Analysis, e: Experiment, kpi: str, params: list[str]) -> bytes:
    cols = min(3, len(params))
    rows = math.ceil(len(params) / cols)
    fig, axes = subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    table = a.vs_parameter[a.vs_parameter["kpi"] == kpi]
    for ax, name in zip(axes.ravel(), params, strict=False):
        for policy in e.policies:
            part = table[(table["parameter"] == name) & (table["policy"] == policy)]
            if part.empty:
                continue
            x = part["x"].to_numpy()
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in x)
            xs = x.astype(float) if numeric else np.arange(len(x))
            ax.errorbar(xs, part["mean"].to_numpy(float), yerr=_half_widths(part), capsize=3, marker="o", label=policy)
            if not numeric:
                ax.set_xticks(xs, [str(v) for v in x])
        ax.set_xlabel(name)
        ax.set_ylabel(kpi)
    for ax in axes.ravel()[len(params) :]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle(f"{kpi}: mean and 95% CI over points × replications in each value or bin{_partial(a)}")
    fig.tight_layout()
    return png(fig)


def sensitivity_figure(a: Analysis, kpi: str) -> bytes:
    """Bars of the leading index per parameter and policy, with 95% intervals."""
    table = a.sensitivity[(a.sensitivity["kpi"] == kpi) & (a.sensitivity["parameter"] != "(all)")]
    params = list(dict.fromkeys(table["parameter"]))
    policies = list(dict.fromkeys(table["policy"]))
    with figure_style([*params, *policies]):
        return _sensitivity(a, kpi, table, params, policies)


def _sensitivity(a: Analysis, kpi: str, table: Any, params: list[str], policies: list[str]) -> bytes:
    indices = [i for i in ("S1", "ST", "mu_star", "SRRC") if i in set(table["index"])]
    fig, axes = subplots(
        1, len(indices), figsize=(5 * len(indices), 0.5 * len(params) * len(policies) + 1.5), squeeze=False
    )
    height = 0.8 / max(len(policies), 1)
    y = np.arange(len(params))
    for ax, index in zip(axes.ravel(), indices, strict=True):
        for k, policy in enumerate(policies):
            part = table[(table["index"] == index) & (table["policy"] == policy)].set_index("parameter").reindex(params)
            v = part["value"].to_numpy(float)
            err = np.nan_to_num(
                np.abs(np.array([v - part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float) - v]))
            )
            ax.barh(y + k * height, np.nan_to_num(v), height, xerr=err, capsize=2, label=policy)
        ax.set_yticks(y + height * (len(policies) - 1) / 2, params)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(index)
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle(f"{kpi}: {a.method}, 95% intervals{_partial(a)}")
    fig.tight_layout()
    return png(fig)


def _partial(a: Analysis) -> str:
    """A figure title's last line when the analysis covers only part of the sweep."""
    return f"\n{a.status} (a partial analysis)" if getattr(a, "partial", False) else ""


def _with_status(table: Any, a: Analysis) -> Any:
    """The table with a first column ``status`` — what a spreadsheet shows first and a script can test."""
    out = table.copy()
    out.insert(0, "status", str(a.status) if a.status is not None else "")
    return out


def write_analysis(a: Analysis, experiment: Experiment, folder: Path, *, force: bool = False) -> list[str]:
    """Write status.json, the CSV tables and PNG figures into ``folder`` (staged: whole or not at all)."""
    names = []
    with staged_folder(folder, kind="analysis", force=force, inputs=[experiment.path, experiment.store_path]) as stage:
        status = a.status.as_dict() if a.status is not None else {"status": "unknown"}
        write_atomic(stage / "status.json", json_text({**status, "store": str(experiment.store_path)}))
        write_atomic(stage / "kpi_vs_parameter.csv", _with_status(a.vs_parameter, a).to_csv(index=False))
        write_atomic(stage / "sensitivity.csv", _with_status(a.sensitivity, a).to_csv(index=False))
        names += ["status.json", "kpi_vs_parameter.csv", "sensitivity.csv"]
        for kpi in a.kpis:
            write_atomic(stage / f"{kpi}_vs_parameters.png", vs_parameter_figure(a, experiment, kpi))
            write_atomic(stage / f"{kpi}_sensitivity.png", sensitivity_figure(a, kpi))
            names += [f"{kpi}_vs_parameters.png", f"{kpi}_sensitivity.png"]
    return names
