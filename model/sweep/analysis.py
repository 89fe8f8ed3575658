"""Analysing a sweep: KPI against each parameter with CIs, and which parameters matter.

``halfstep analyze EXPERIMENT`` reads the store (:mod:`model.sweep.store`) into a pandas
DataFrame (:func:`load_results`) and, for each chosen KPI and policy:

* **KPI vs parameter** — the mean KPI with its 95% t interval over every (point,
  replication) value at each value of a parameter, or in each of ``bins`` quantile bins
  of a continuous parameter (averaging over the other parameters as the design spreads them);
* **sensitivity indices**, by what the design allows:

  | design          | method                                                  | indices                      |
  | --------------- | ------------------------------------------------------- | ---------------------------- |
  | `sobol`         | Sobol (Saltelli/Jansen estimators, SALib)              | S1 (first order), ST (total) |
  | `morris`        | Morris elementary effects (SALib)                       | mu_star, sigma               |
  | `lhs`, `grid`, `list` | standardized rank regression coefficients (SRRC) | SRRC, and R² of the ranks    |

  Indices are computed on each point's mean over its replications; their 95% intervals
  come from SALib's bootstrap (Sobol, Morris) or from resampling the points (SRRC, 500
  resamples, seeded). Replication noise that the means keep counts as unexplained variance.

Outputs (in ``<output>/analysis/``, written whole or not at all): ``kpi_vs_parameter.csv``,
``sensitivity.csv``, and per KPI ``<kpi>_vs_parameters.png`` and ``<kpi>_sensitivity.png``.

A store with tasks not done (pending, running — a sweep still going or interrupted — or
failed) gives a **partial** analysis: it is refused unless asked for (``partial_ok``,
``--partial-ok``), and then says so — "partial: 594 of 1,800 tasks done" — wherever it is
shown or written. The counts and the results are read in one snapshot of the store, so the
count describes exactly the rows analysed even while a sweep writes.

The store must hold this experiment: the file is compared with the store's parsed copy
(as ``--resume`` does), and any difference that changes the numbers is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from model.errors import HalfstepError
from model.scenario.problems import renamed_kpi
from model.simulation.kpis import KPIS, kpi_bounds
from model.stats import mean_ci
from model.sweep.store import Store, StoreError, store_path

if TYPE_CHECKING:
    import pandas as pd

    from model.sweep.experiment import Experiment

__all__ = ["Analysis", "PartialSweepError", "SweepStatus", "analyze", "load_results", "srrc"]

ANALYSIS_HINT = "pip install 'pandas>=2.0' 'SALib>=1.4.7' (both come with halfstep; this environment lacks them)"
METHODS = {"sobol": "Sobol (SALib)", "morris": "Morris (SALib)"}
SRRC = "SRRC (standardized rank regression)"
#: The indices each design gets; the first is the one tables and figures lead with.
INDICES = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma"), "srrc": ("SRRC", "R2")}
_BOOTSTRAP = 500


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise HalfstepError(f"the sweep analysis needs pandas; install it with: {ANALYSIS_HINT}") from None
    return pandas


class PartialSweepError(HalfstepError):
    """An analysis asked of a sweep with tasks not done, without ``partial_ok`` (``--partial-ok``)."""


@dataclass(frozen=True)
class SweepStatus:
    """How many of a sweep's tasks are done, pending, running and failed (when it was read)."""

    done: int
    pending: int = 0
    running: int = 0
    failed: int = 0

    @property
    def tasks(self) -> int:
        return self.done + self.pending + self.running + self.failed

    @property
    def partial(self) -> bool:
        return self.done < self.tasks

    def __str__(self) -> str:
        """``partial: 594 of 1,800 tasks done`` or ``complete: 1,800 of 1,800 tasks done``."""
        return f"{'partial' if self.partial else 'complete'}: {self.done:,} of {self.tasks:,} tasks done"

    def detail(self) -> str:
        """The status with what the other tasks are: ``partial: 594 of 1,800 tasks done (1,200 pending, 6 failed)``."""
        rest = [
            f"{n:,} {what}"
            for what, n in (("pending", self.pending), ("running", self.running), ("failed", self.failed))
            if n
        ]
        return str(self) + (f" ({', '.join(rest)})" if rest else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "partial" if self.partial else "complete",
            "text": str(self),
            "tasks": self.tasks,
            "done": self.done,
            "pending": self.pending,
            "running": self.running,
            "failed": self.failed,
        }


def _snapshot(path: Path, check: Any = None) -> tuple[SweepStatus, pd.DataFrame]:
    """The store's task counts and results as one consistent read (a sweep may be writing).

    ``check(status)`` runs before the results are read: it may refuse without reading them.
    """
    pd = _pandas()
    store = Store.open(path)
    try:
        store.con.execute("BEGIN")  # one read transaction: a WAL snapshot
        try:
            counts = store.counts()
            status = SweepStatus(counts["done"], counts["pending"], counts["running"], counts["failed"])
            if check is not None:
                check(status)
            df = pd.DataFrame(store.results(), columns=["point", "policy", "replication", "kpi", "value"])
            params = pd.DataFrame.from_dict(store.point_values(), orient="index")
        finally:
            store.con.execute("COMMIT")
    finally:
        store.close()
    params.index.name = "point"
    return status, df.join(params, on="point")


def load_results(path: str | Path) -> pd.DataFrame:
    """A sweep's results, one row per point × policy × replication × KPI, with the point's parameter values.

    ``path`` is the experiment file, its output folder, or the ``sweep.sqlite`` store.
    Columns: point, policy, replication, kpi, value (NaN where a KPI is undefined), then
    one column per parameter. A sweep still running or stopped gives the tasks done so far.
    """
    return _snapshot(store_path(path))[1]


@dataclass
class Analysis:
    """What analyze computed: the two tables (DataFrames), the method used for the indices, and the tasks done."""

    method: str
    kpis: list[str]
    vs_parameter: pd.DataFrame
    sensitivity: pd.DataFrame
    points: int
    replications: int
    status: SweepStatus | None = None  # None: not known (an Analysis built by hand)

    @property
    def partial(self) -> bool:
        """Some of the sweep's tasks were not done: the tables cover only those that were."""
        return self.status is not None and self.status.partial


def srrc(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Standardized rank regression coefficients of ``y`` on the columns of ``x``, and the R² of the ranks."""
    rx = np.column_stack([stats.rankdata(c) for c in x.T])
    ry = stats.rankdata(y)
    sx, sy = rx.std(axis=0), ry.std()
    if sy == 0 or np.any(sx == 0):
        return np.full(x.shape[1], np.nan), float("nan")
    zx, zy = (rx - rx.mean(axis=0)) / sx, (ry - ry.mean()) / sy
    beta, *_ = np.linalg.lstsq(zx, zy, rcond=None)
    r2 = 1.0 - float(np.sum((zy - zx @ beta) ** 2) / np.sum(zy**2))
    return beta, r2


def _srrc_rows(x: np.ndarray, y: np.ndarray, names: list[str], seed: int) -> list[dict]:
    ok = np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(y) < x.shape[1] + 2:
        return [dict(parameter=n, index="SRRC", value=np.nan, ci_low=np.nan, ci_high=np.nan) for n in names]
    beta, r2 = srrc(x, y)
    rng = np.random.default_rng(seed)
    boots = np.array([srrc(x[i], y[i])[0] for i in rng.integers(0, len(y), size=(_BOOTSTRAP, len(y)))])
    lo, hi = np.nanpercentile(boots, [2.5, 97.5], axis=0)
    rows = [
        dict(parameter=n, index="SRRC", value=b, ci_low=a, ci_high=c)
        for n, b, a, c in zip(names, beta, lo, hi, strict=True)
    ]
    rows.append(dict(parameter="(all)", index="R2", value=r2, ci_low=np.nan, ci_high=np.nan))
    return rows


def _salib_rows(kind: str, problem: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int) -> list[dict]:
    try:
        from SALib.analyze import morris, sobol
    except ImportError:
        raise HalfstepError(f"Sobol and Morris indices need SALib; install it with: {ANALYSIS_HINT}") from None
    names = problem["names"]
    if not np.all(np.isfinite(y)):
        # a failed point breaks the design's structure: no honest index without it
        return [
            dict(parameter=n, index=i, value=np.nan, ci_low=np.nan, ci_high=np.nan)
            for n in names
            for i in INDICES[kind]
        ]
    rows = []
    if kind == "sobol":
        r = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        for idx in ("S1", "ST"):
            for n, v, c in zip(names, r[idx], r[f"{idx}_conf"], strict=True):
                rows.append(dict(parameter=n, index=idx, value=v, ci_low=v - c, ci_high=v + c))
    else:
        r = morris.analyze(problem, x, y, num_levels=levels, seed=seed)
        for n, m, c, s in zip(names, r["mu_star"], r["mu_star_conf"], r["sigma"], strict=True):
            rows.append(dict(parameter=n, index="mu_star", value=m, ci_low=m - c, ci_high=m + c))
            rows.append(dict(parameter=n, index="sigma", value=s, ci_low=np.nan, ci_high=np.nan))
    return rows


def _bins(values: pd.Series, bins: int, discrete: bool) -> pd.Series:
    pd = _pandas()
    if discrete or values.nunique() <= bins:
        return values.astype("category")
    return pd.qcut(values.astype(float), bins, duplicates="drop")


def _vs_parameter(df: pd.DataFrame, kpi: str, e: Experiment) -> list[dict]:
    rows = []
    discrete = e.spec.design.kind in ("list", "grid")
    sub = df[df["kpi"] == kpi]
    for p in e.parameters:
        groups = _bins(sub[p.name], e.spec.analysis.bins, discrete)
        for (policy, group), part in sub.groupby(["policy", groups], observed=True, sort=True):
            ci = mean_ci(part["value"].to_numpy(), bounds=kpi_bounds(kpi))
            if hasattr(group, "left"):  # a quantile bin of a continuous parameter
                low, high, x = group.left, group.right, float(part[p.name].astype(float).mean())
            else:
                low = high = x = group
            rows.append(
                dict(
                    kpi=kpi,
                    parameter=p.name,
                    policy=policy,
                    bin_low=low,
                    bin_high=high,
                    x=x,
                    mean=ci["mean"],
                    ci_low=ci["ci95"][0],
                    ci_high=ci["ci95"][1],
                    n=ci["n"],
                )
            )
    return rows


def _numeric(p: Any, v: Any) -> float:
    """A parameter value as a number; text and true/false values by their position in the file's list."""
    if isinstance(v, bool) or isinstance(v, str):
        return float((p.values or []).index(v))
    return float(v)


def _sensitivity(df: pd.DataFrame, kpi: str, e: Experiment) -> list[dict]:
    from model.sweep.design import salib_problem

    names = [p.name for p in e.parameters]
    kind = e.spec.design.kind
    x_all = np.array([[_numeric(p, pt.values[p.name]) for p in e.parameters] for pt in e.points])
    means = df[df["kpi"] == kpi].groupby(["policy", "point"])["value"].mean()
    rows = []
    for policy in e.policies:
        y = means.get(policy, None)
        y = np.array([y.get(pt.index, np.nan) for pt in e.points]) if y is not None else np.full(len(e.points), np.nan)
        if kind in METHODS:
            found = _salib_rows(kind, salib_problem(e.spec), x_all, y, e.spec.design.levels, e.seed)
        else:
            found = _srrc_rows(x_all, y, names, e.seed)
        rows.extend(dict(kpi=kpi, policy=policy, method=METHODS.get(kind, SRRC), **r) for r in found)
    return rows


def _check_same_experiment(meta: dict[str, str], experiment: Experiment) -> None:
    """The store was filled from this experiment and base scenario (compared parsed, like a resume)."""
    from model.sweep.runner import changes_since, sweep_meta

    # versions may differ: the numbers are stored; an old store's base scenario is not compared (it was not before)
    changes = changes_since(meta, sweep_meta(experiment), versions=False, by_hash=False)
    if changes:
        raise StoreError(
            f"{experiment.store_path} was filled from another version of {experiment.path}: "
            + "; and ".join(changes)
            + ". Restore what changed, or rerun the sweep (--force) before analysing it"
        )


def analyze(experiment: Experiment, kpis: list[str] | None = None, *, partial_ok: bool = False) -> Analysis:
    """KPI-vs-parameter tables and sensitivity indices of a sweep.

    A sweep with tasks not done is refused (:class:`PartialSweepError`) unless ``partial_ok``;
    then the analysis covers the tasks done and ``Analysis.status`` says how many.
    """
    pd = _pandas()
    store = Store.open(experiment.store_path)
    try:
        _check_same_experiment(store.meta(), experiment)
    finally:
        store.close()
    chosen = kpis or experiment.spec.analysis.kpis or [experiment.kpis[0]]
    for k in chosen:
        if k not in experiment.kpis:
            renamed = renamed_kpi(k, KPIS)
            why = f"{renamed}; " if renamed else ""
            raise HalfstepError(f"--kpi {k}: {why}not kept by this sweep (kept: {', '.join(experiment.kpis)})")

    def refuse_partial(status: SweepStatus) -> None:
        if status.done == 0:
            raise PartialSweepError(f"{experiment.store_path}: {status.detail()}: nothing to analyse yet")
        if status.partial and not partial_ok:
            rest = (
                "finish the sweep first (halfstep sweep … --resume)"
                if status.pending or status.running
                else "rerun the failed tasks first (halfstep sweep … --resume --retry-failed)"
            )
            raise PartialSweepError(
                f"{experiment.store_path}: {status.detail()}; analyse what is done with --partial-ok "
                f"(partial_ok=True in Python), or {rest}"
            )

    status, df = _snapshot(experiment.store_path, refuse_partial)
    vs = [r for k in chosen for r in _vs_parameter(df, k, experiment)]
    sens = [r for k in chosen for r in _sensitivity(df, k, experiment)]
    return Analysis(
        method=METHODS.get(experiment.spec.design.kind, SRRC),
        kpis=list(chosen),
        vs_parameter=pd.DataFrame(vs),
        sensitivity=pd.DataFrame(sens),
        points=int(df["point"].nunique()),
        replications=experiment.replications,
        status=status,
    )
