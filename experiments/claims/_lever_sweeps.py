"""Lever sweeps of the claim experiments: run an experiment file into the results folder, read paired curves.

A lever experiment (the allocator's lead, the seat-hold pool, the escort roster) is a
grid experiment file with ``common_random_numbers = "points"``: every point meets
replication r's draws, so two settings of the lever are compared replication by
replication (a paired interval), as policies are in a run. The shipped file is the
reduced size, so ``halfstep sweep FILE`` reproduces the committed numbers; the full size
changes only the replications and the values, and is written as a file next to the store
so that the store's record names exactly what ran.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import tomli_w

from model.scenario.loading import BASELINE, read_toml
from model.scenario.schema import Scenario
from model.simulation.kpis import kpi_bounds
from model.simulation.replications import run_policies
from model.simulation.result import RunResult
from model.stats import mean_ci, paired_ci
from model.sweep.experiment import Experiment, load_experiment

from .common import Context

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LeverCurve",
    "by_replication",
    "lever_curve",
    "lever_experiment",
    "negated",
    "plot_curve",
    "run_at",
    "sweep",
]

#: The sweep store's folder inside an experiment's results folder (generated output, not committed).
STORE = "store"
HERE = Path(__file__).parent


def lever_experiment(
    ctx: Context,
    name: str,
    *,
    replications: int,
    values: Mapping[str, Sequence[Any]] | None = None,
    store: str = STORE,
) -> Experiment:
    """The experiment file ``name`` (in this folder) at ``ctx.size``, its store in ``ctx.folder / store``.

    At the reduced size the shipped file is used as it is. At the full size its
    replications and the named parameters' values are replaced, and the variant is
    written into the store folder (its base scenario path made absolute) and loaded from there.
    """
    path = HERE / name
    out = ctx.folder / store
    if not ctx.full:
        return load_experiment(path, output=out)
    data = read_toml(path)
    data["experiment"]["replications"] = replications
    base = data["experiment"].get("scenario", BASELINE)
    if base != BASELINE:
        data["experiment"]["scenario"] = str((path.parent / base).resolve())
    data["experiment"].pop("output", None)
    for p in data["parameters"]:
        if values and p["name"] in values:
            p["values"] = list(values[p["name"]])
    out.mkdir(parents=True, exist_ok=True)
    variant = out / f"{path.stem}.full.toml"
    variant.write_text(tomli_w.dumps(data), encoding="utf-8")
    return load_experiment(variant, output=out)


def sweep(ctx: Context, experiment: Experiment) -> pd.DataFrame:
    """Run the experiment (a previous store of it is replaced) and return its results (``model.load_results``)."""
    from model.sweep.analysis import load_results
    from model.sweep.runner import run_sweep

    summary = run_sweep(experiment, workers=ctx.workers, force=True)
    if summary.failed:
        first = summary.failures[0]
        raise RuntimeError(
            f"{experiment.path}: {summary.failed} of {summary.tasks} tasks failed; "
            f"task {first[0]} (point {first[1]}, replication {first[2]}):\n{first[3]}"
        )
    return load_results(experiment.store_path)


def run_at(ctx: Context, scenarios: Sequence[Scenario], policies: Sequence[str], replications: int) -> list[RunResult]:
    """``run_policies`` at each scenario with the same seed, the scenarios spread over ``ctx.workers`` processes.

    Every scenario meets the same replications' draws, as the points of a sweep with
    ``common_random_numbers = "points"`` do, and a run's numbers do not depend on the process
    it ran in; the whole result (tier KPIs included, which a sweep store does not keep) comes back.
    """
    run = partial(run_policies, policies=tuple(policies), replications=replications, seed=ctx.seed, workers=1)
    if ctx.workers == 1 or len(scenarios) == 1:
        return [run(s) for s in scenarios]
    with ProcessPoolExecutor(max_workers=ctx.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(run, scenarios))


def by_replication(
    df: pd.DataFrame, kpi: str, lever: str, *, where: Mapping[str, Any] | None = None, policy: str | None = None
) -> pd.DataFrame:
    """One KPI as a table: a row per replication, a column per value of ``lever`` (other parameters fixed by ``where``)."""
    sel = df[df["kpi"] == kpi]
    if policy is not None:
        sel = sel[sel["policy"] == policy]
    for k, v in (where or {}).items():
        sel = sel[np.isclose(sel[k].astype(float), float(v))]
    table = sel.pivot_table(index="replication", columns=lever, values="value", aggfunc="first")
    if table.empty:
        raise ValueError(f"no results for {kpi} by {lever} where {dict(where or {})} (policy {policy})")
    return table.sort_index(axis=1)


@dataclass(frozen=True)
class LeverCurve:
    """A KPI along a lever: mean and 95% CI at each setting, the best setting and those not shown worse.

    ``diffs[x]`` is the paired difference x − best over the replications; ``near`` holds
    every setting whose paired 95% interval reaches 0 — the best, and those the
    replications cannot tell from it (each comparison at 95%, not adjusted for multiplicity).
    """

    kpi: str
    x: tuple[float, ...]
    stats: tuple[dict[str, Any], ...]
    best: float
    diffs: dict[float, dict[str, Any]]
    near: tuple[float, ...]
    maximize: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "kpi": self.kpi,
            "objective": "maximize" if self.maximize else "minimize",
            "best": self.best,
            "not_significantly_different_from_best": list(self.near),
            "by_value": [
                {"x": x, **s, "paired_difference_from_best": self.diffs[x]}
                for x, s in zip(self.x, self.stats, strict=True)
            ],
        }

    def span(self) -> str:
        """The near set as text, runs of neighbouring swept values joined: '0.75–2', '0.5' or '2, 4–16'."""
        runs: list[list[float]] = []
        previous_in = False
        for x in self.x:
            now_in = x in self.near
            if now_in and previous_in:
                runs[-1].append(x)
            elif now_in:
                runs.append([x])
            previous_in = now_in
        return ", ".join(f"{r[0]:g}" if len(r) == 1 else f"{r[0]:g}–{r[-1]:g}" for r in runs)


def lever_curve(table: pd.DataFrame, kpi: str, *, maximize: bool = True) -> LeverCurve:
    """The curve of a by-replication table (:func:`by_replication`): best by mean, near set by paired intervals."""
    xs = [float(x) for x in table.columns]
    stats = [mean_ci(table[c].to_numpy(), bounds=kpi_bounds(kpi)) for c in table.columns]
    means = np.array([np.nan if s["mean"] is None else s["mean"] for s in stats])
    k = int(np.nanargmax(means) if maximize else np.nanargmin(means))
    best = table.columns[k]
    diffs, near = {}, []
    for x, c in zip(xs, table.columns, strict=True):
        d = paired_ci(table[c].to_numpy(), table[best].to_numpy())
        diffs[x] = d
        lo, hi = d["ci95"]
        if c == best or lo is None or (lo <= 0.0 <= hi):
            near.append(x)
    return LeverCurve(kpi, tuple(xs), tuple(stats), xs[k], diffs, tuple(near), maximize)


def negated(d: dict[str, Any]) -> dict[str, Any]:
    """A paired difference a − b (``model.stats.paired_ci``) turned into b − a."""
    lo, hi = d["ci95"]
    return {**d, "mean": -d["mean"], "ci95": [None if hi is None else -hi, None if lo is None else -lo]}


def plot_curve(ax: Any, x: Sequence[float], stats: Sequence[Mapping[str, Any]], **style: Any) -> None:
    """A line of means with its 95% CI as a band."""
    m = np.array([np.nan if s["mean"] is None else s["mean"] for s in stats], dtype=float)
    lo = np.array([np.nan if s["ci95"][0] is None else s["ci95"][0] for s in stats], dtype=float)
    hi = np.array([np.nan if s["ci95"][1] is None else s["ci95"][1] for s in stats], dtype=float)
    (line,) = ax.plot(x, m, marker="o", ms=3, **style)
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15, lw=0)
