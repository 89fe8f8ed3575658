"""Calibration by simulated moments: fit scenario parameters to observed statistics.

``halfstep calibrate SCENARIO --targets FILE`` chooses the values θ of the parameters the
targets file names (``--set`` key paths, within bounds) that minimize

    J(θ) = Σ_i weight_i · ((m_i(θ) − target_i) / s_i)²

where m_i(θ) is statistic i — a KPI of the outcome record (e.g. ``single_trip_share``,
``key_account_fare_mean``, ``key_account_revenue_share``, ``share_of_wallet``) — averaged
over R replications of the scenario at θ under the targets file's policy, and s_i the
target's standard error if given, else |target_i| (relative errors). Every evaluation uses
the same R random streams (common random numbers), so J is a deterministic function of θ
and the optimizer compares parameter values, not noise.

What remains is the simulator's fine-scale roughness: a gamma or Poisson draw jumps when a
parameter crosses a threshold, so J(θ) is piecewise constant at a fine scale, and a local
search (Nelder–Mead) can stall on a step far from the fit. The default method, ``surface``,
is built for that: in rounds, it evaluates a Latin hypercube of points in a box, fits each
statistic by a quadratic in θ (least squares, which averages the roughness out), minimizes
J on the fitted statistics with ``scipy.optimize.minimize`` (L-BFGS-B, within bounds), and
halves the box around that minimum. ``nelder-mead`` runs scipy's bounded Nelder–Mead on J
directly. Both search the unit cube of the bounds.

A target may be measured under overrides of its own (``overrides = ["time.horizon_days=273"]``:
a figure observed over nine months while the scenario is a quarter); targets with the same
overrides share one simulation. A parameter with ``shift = true`` adds its value to each
key's number (one shift of every tier's choice intercept keeps their differences).

At the fit, fresh replications — streams independent of the fitting ones — give each
statistic's mean with a 95% t interval, reported against its target. The calibrated
scenario is the input file's data with the fitted overrides, validated, written only
where nothing exists (or with ``--force``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import tomli_w
from pydantic import Field, ValidationError
from scipy import optimize

from model.allocation.policies import make_plan
from model.errors import Problem, ScenarioError
from model.scenario.loading import BASELINE, baseline_path, read_toml
from model.scenario.overrides import parse_override
from model.scenario.problems import key_path, problems_from_validation
from model.scenario.schema import PLAN_POLICIES, PositiveInt, Strict
from model.simulation.kpis import kpi_bounds
from model.simulation.replications import replicate
from model.stats import mean_ci
from model.sweep.experiment import key_problems, point_overrides, scenario_at
from model.sweep.spec import KeyedParameter, KpiName

__all__ = ["Calibration", "TargetsFile", "calibrate", "fit_overrides", "load_targets"]

#: Spawn-key point of the checking replications: disjoint from the fitting streams (no point).
_CHECK_POINT = 0


class CalibrationSpec(Strict):
    policy: Literal[PLAN_POLICIES] = Field(  # type: ignore[valid-type]
        "standard", description="The policy in force when the statistics were observed."
    )
    replications: PositiveInt = Field(8, description="Replications per evaluation (the same streams every time).")
    check_replications: PositiveInt = Field(20, description="Fresh replications at the fit, for the CIs.")
    seed: Annotated[int, Field(ge=0)] = Field(20171001, description="Root seed.")
    method: Literal["surface", "nelder-mead"] = Field(
        "surface", description="surface (quadratic response surface in rounds) or nelder-mead (on J directly)."
    )
    max_evaluations: PositiveInt = Field(120, description="Most evaluations of J.")


class Target(Strict):
    statistic: KpiName = Field(description="A KPI of the outcome record, averaged over replications.")
    value: float = Field(description="The observed value.")
    se: Annotated[float, Field(gt=0)] | None = Field(None, description="Standard error of the observed value.")
    weight: Annotated[float, Field(ge=0)] = Field(1.0, description="Weight of the target in J.")
    source: str = Field("", description="Where the figure comes from.")
    overrides: list[str] = Field(
        default_factory=list,
        description=(
            "--set overrides under which this statistic is measured, on top of the fitted values "
            "(e.g. time.horizon_days=273: a figure observed over a longer window than the scenario's)."
        ),
    )


class FitParameter(KeyedParameter):
    bounds: list[float] = Field(min_length=2, max_length=2, description="[low, high] of the search.")
    start: float | None = Field(
        None, description="Starting value (default: the scenario's, 1 for a scale, 0 for a shift)."
    )
    shift: bool = Field(
        False,
        description="The value is added to each key's number in the scenario (one shift for every tier's intercept).",
    )


class TargetsFile(Strict):
    calibration: CalibrationSpec = CalibrationSpec()
    targets: list[Target] = Field(min_length=1)
    parameters: list[FitParameter] = Field(min_length=1)


@dataclass
class TargetFit:
    statistic: str
    target: float
    scale: float
    start: float  # the statistic at the starting point (fitting streams)
    fitted: float  # at the fit, fitting streams
    check_mean: float | None  # at the fit, fresh streams
    check_ci: tuple[float | None, float | None]


@dataclass
class Calibration:
    """The fit: parameter values, the objective, and each target against its fitted statistic."""

    parameters: dict[str, float]
    start: dict[str, float]
    objective: float
    start_objective: float
    evaluations: int
    converged: bool
    message: str
    targets: list[TargetFit]
    overrides: tuple[str, ...]
    seconds: float
    scenario_data: dict[str, Any] = field(repr=False, default_factory=dict)


def load_targets(path: str | Path) -> TargetsFile:
    """Read and validate a targets file (messages name the key path and what is allowed)."""
    data = read_toml(path)
    try:
        spec = TargetsFile.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(str(path), problems_from_validation(e, data, TargetsFile)) from None
    problems = []
    for i, p in enumerate(spec.parameters):
        where = key_path(("parameters", i), data)
        problems.extend(key_problems(p, where))
        lo, hi = p.bounds
        if not lo < hi:
            problems.append(Problem(f"{where}.bounds", "must be [low, high] with low < high", p.bounds))
        elif p.start is not None and not lo <= p.start <= hi:
            problems.append(Problem(f"{where}.start", f"must lie within bounds [{lo}, {hi}]", p.start))
        if p.shift and p.scale:
            problems.append(Problem(f"{where}.shift", "a parameter is a shift or a scale, not both", p.shift))
    for i, t in enumerate(spec.targets):
        for j, text in enumerate(t.overrides):
            try:
                parse_override(text)
            except ScenarioError:
                where = f"{key_path(('targets', i), data)}.overrides[{j}]"
                problems.append(Problem(where, "must look like KEY=VALUE, e.g. time.horizon_days=273", text))
    if problems:
        raise ScenarioError(str(path), problems)
    return spec


def _lookup(data: dict[str, Any], path: str) -> Any:
    """The value at a ``--set`` key path (named entries by name), or None."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            node = next((x for x in node if isinstance(x, dict) and x.get("name") == part), None) or (
                node[int(part)] if part.isdigit() and int(part) < len(node) else None
            )
        else:
            node = node.get(part) if isinstance(node, dict) else None
    return node


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _start(p: FitParameter, data: dict[str, Any]) -> float:
    if p.start is not None:
        return p.start
    if p.scale:
        return 1.0
    lo, hi = p.bounds
    if p.shift:
        return float(np.clip(0.0, lo, hi))
    node = _lookup(data, p.key_paths[0])
    return float(np.clip(node, lo, hi)) if _number(node) else (lo + hi) / 2


def fit_overrides(params: list[FitParameter], values: dict[str, float], data: dict[str, Any]) -> tuple[str, ...]:
    """The ``--set`` overrides of parameter values: a shift adds its value to each key's number in ``data``."""
    plain = [p for p in params if not p.shift]
    out = list(point_overrides(plain, values)) if plain else []
    for p in params:
        if p.shift:
            for k in p.key_paths:
                base = _lookup(data, k)
                if not _number(base):
                    raise ScenarioError(
                        "<targets>", [Problem(k, "a shift needs a number in the scenario at this key path", base)]
                    )
                out.append(f"{k}={float(base) + float(values[p.name])!r}")
    return tuple(out)


def _statistics(scenario_data: dict, overrides: tuple[str, ...], spec: TargetsFile, reps: int, point: int | None):
    """Each target's values over ``reps`` replications (streams of ``point``), keyed by target index.

    Targets measured under the same extra overrides (a longer horizon, say) share one
    simulation; each group meets the same streams.
    """
    policy = spec.calibration.policy
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, t in enumerate(spec.targets):
        groups.setdefault(tuple(t.overrides), []).append(i)
    out: dict[int, list[float]] = {i: [] for i in range(len(spec.targets))}
    for extra, members in groups.items():
        scenario = scenario_at(scenario_data, overrides + extra)
        plans = {policy: make_plan(scenario, policy)}
        for r in range(reps):
            (o,) = replicate(scenario, plans, (policy,), spec.calibration.seed, r, point=point)
            if o.error is not None:
                raise RuntimeError(f"a replication failed during calibration:\n{o.error}")
            for i in members:
                out[i].append(o.kpis[spec.targets[i].statistic])
    return out


def calibrate(
    scenario: str | Path,
    spec: TargetsFile,
    *,
    on_evaluation: Callable[[int, float], None] | None = None,
) -> Calibration:
    """Fit ``spec``'s parameters to its targets by simulated moments on the scenario ``scenario``."""
    t0 = time.perf_counter()
    data = read_toml(baseline_path() if str(scenario) == BASELINE else scenario)
    params = spec.parameters
    lo = np.array([p.bounds[0] for p in params])
    hi = np.array([p.bounds[1] for p in params])
    start = np.array([_start(p, data) for p in params])
    scales = np.array([t.se if t.se is not None else (abs(t.value) or 1.0) for t in spec.targets])
    weights = np.sqrt([t.weight for t in spec.targets])
    targets = np.array([t.value for t in spec.targets])
    reps = spec.calibration.replications
    cache: dict[tuple, np.ndarray] = {}

    def theta(u: np.ndarray) -> dict[str, float]:
        return {p.name: float(v) for p, v in zip(params, lo + np.clip(u, 0, 1) * (hi - lo), strict=True)}

    def moments(u: np.ndarray) -> np.ndarray:
        key = tuple(np.round(np.clip(u, 0, 1), 12))
        if key not in cache:
            stats = _statistics(data, fit_overrides(params, theta(np.array(key)), data), spec, reps, None)
            cache[key] = np.array([np.nanmean(stats[i]) for i in range(len(spec.targets))])
            if on_evaluation:
                on_evaluation(len(cache), float(np.sum(residuals(np.array(key)) ** 2)))
        return cache[key]

    def residuals(u: np.ndarray) -> np.ndarray:
        return weights * (moments(u) - targets) / scales

    def objective(u: np.ndarray) -> float:
        return float(np.sum(residuals(u) ** 2))

    names = [p.name for p in params]
    for side, corner in (("low", lo), ("high", hi)):  # a key path typo, or a bound no scenario allows: say so now
        try:
            corner_overrides = fit_overrides(params, dict(zip(names, corner, strict=True)), data)
            for extra in {tuple(t.overrides) for t in spec.targets}:
                scenario_at(data, corner_overrides + extra, str(scenario))
        except ScenarioError as e:
            raise ScenarioError(f"{scenario} with every parameter at its {side} bound", e.problems) from None
    u0 = (start - lo) / (hi - lo)
    m0 = moments(u0)
    budget = spec.calibration.max_evaluations
    if spec.calibration.method == "nelder-mead":
        step = np.where(u0 < 0.85, 0.15, -0.15)
        simplex = np.vstack([u0, u0 + np.diag(step)])
        r = optimize.minimize(
            objective,
            u0,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * len(u0),
            options={"maxfev": budget, "xatol": 1e-3, "fatol": 1e-8, "initial_simplex": simplex},
        )
        converged, message = bool(r.success), str(r.message)
        u = np.array(min(cache, key=lambda k: objective(np.array(k))))  # the best point evaluated
    else:
        u, converged, message = _surface_search(moments, targets, scales, weights, u0, budget, spec.calibration.seed)
        moments(u)
    best = tuple(np.round(np.clip(u, 0, 1), 12))
    fitted = theta(u)
    overrides = fit_overrides(params, fitted, data)
    check = _statistics(data, overrides, spec, spec.calibration.check_replications, _CHECK_POINT)
    fits = []
    for i, t in enumerate(spec.targets):
        ci = mean_ci(check[i], bounds=kpi_bounds(t.statistic))
        fits.append(
            TargetFit(
                t.statistic,
                t.value,
                float(scales[i]),
                float(m0[i]),
                float(cache[best][i]),
                ci["mean"],
                tuple(ci["ci95"]),
            )
        )
    from model.scenario.overrides import apply_overrides

    return Calibration(
        parameters=fitted,
        start=theta(u0),
        objective=objective(u),
        start_objective=objective(u0),
        evaluations=len(cache),
        converged=converged,
        message=message,
        targets=fits,
        overrides=overrides,
        seconds=time.perf_counter() - t0,
        scenario_data=apply_overrides(data, overrides),
    )


def _features(u: np.ndarray) -> np.ndarray:
    """Quadratic features of points ``u`` (n × d): 1, u_i, u_i·u_j (i ≤ j)."""
    d = u.shape[1]
    cols = [np.ones(len(u)), *(u[:, i] for i in range(d))]
    cols += [u[:, i] * u[:, j] for i in range(d) for j in range(i, d)]
    return np.column_stack(cols)


def _surface_search(
    moments: Callable[[np.ndarray], np.ndarray],
    targets: np.ndarray,
    scales: np.ndarray,
    weights: np.ndarray,
    u0: np.ndarray,
    budget: int,
    seed: int,
) -> tuple[np.ndarray, bool, str]:
    """Rounds of: LHS in a box, quadratic fit of the statistics, minimize J on the fit, halve the box."""
    from scipy.stats import qmc

    d = len(u0)
    per_round = max(8, 2 * _features(np.zeros((1, d))).shape[1])
    rounds = max(1, (budget - 1) // per_round)
    rng = np.random.default_rng(seed)
    seen_u, seen_m = [u0], [moments(u0)]
    centre, half = np.full(d, 0.5), 0.5
    best = u0
    for _ in range(rounds):
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
        for x in qmc.LatinHypercube(d=d, rng=rng).random(per_round):
            u = low + x * (high - low)
            seen_u.append(u)
            seen_m.append(moments(u))
        uu, mm = np.array(seen_u), np.array(seen_m)
        inside = np.all((uu >= low - 1e-12) & (uu <= high + 1e-12), axis=1)
        coef, *_ = np.linalg.lstsq(_features(uu[inside]), mm[inside], rcond=None)

        def surrogate(u: np.ndarray, coef: np.ndarray = coef) -> float:
            return float(np.sum((weights * (_features(u[None, :]) @ coef - targets)[0] / scales) ** 2))

        observed = uu[inside][np.argmin([surrogate(u) for u in uu[inside]])]
        starts = [observed, (low + high) / 2]
        fits = [
            optimize.minimize(surrogate, s, method="L-BFGS-B", bounds=list(zip(low, high, strict=True))) for s in starts
        ]
        best = min(fits, key=lambda r: r.fun).x
        centre, half = best, half / 2
    return (
        best,
        True,
        f"response surface: {rounds} rounds of {per_round} points, final box ±{half * 2:.3g} of the unit range",
    )


def calibrated_toml(c: Calibration, scenario: str, targets: str) -> str:
    """The calibrated scenario as TOML, headed by comments that say how it was fitted."""
    scenario_at(c.scenario_data, ())  # validated like any scenario file
    lines = [f"# calibrated by `halfstep calibrate {scenario} --targets {targets}`"]
    lines += [f"#   {k} = {v:.6g}" for k, v in c.parameters.items()]
    for t in c.targets:
        lo, hi = t.check_ci
        ci = f"[{lo:.6g}, {hi:.6g}]" if lo is not None and hi is not None else "n/a"
        lines.append(f"#   {t.statistic}: target {t.target:.6g}, fitted {t.check_mean:.6g} (95% CI {ci})")
    return "\n".join(lines) + "\n\n" + tomli_w.dumps(c.scenario_data)
