"""One task of a sweep: one parameter point × one replication, every policy — run in any process.

A task is (point, replication) and runs all the experiment's policies on the same trips
and base demand, drawn once from the streams of ``SeedSequence(seed, spawn_key=(point,
replication, stream))`` (:mod:`model.randomness`): common random numbers across policies,
as in ``halfstep run``. With ``common_random_numbers = "points"`` the point leaves the key
and every point meets the replication's draws too. A task's numbers depend only on the
experiment seed, the point and the replication — never on the worker, the executor or the order tasks finish in.
Running all policies in one task draws the trips once instead of once per policy, and a
task stays small (one replication) so an interruption loses little.

This module is what a worker imports: plain data in (:class:`TaskSpec`), plain data out
(:class:`TaskResult`), no store and no executor. A task never raises: a failure comes back
as a traceback, and the sweep goes on.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from model.allocation.plan import Plan
from model.scenario.schema import Scenario

__all__ = ["TaskResult", "TaskSpec", "run_task"]

#: Key of an error that concerns the whole task (the point's scenario or plans), not one policy.
WHOLE_TASK = "*"


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs to run one task."""

    task: int
    point: int
    replication: int
    seed: int
    overrides: tuple[str, ...]
    policies: tuple[str, ...]
    kpis: tuple[str, ...]
    base_data: dict[str, Any]
    base_sha256: str
    source: str = "<scenario>"
    stream_point: int | None = None  # the point in the streams' spawn key (None: shared by all points)
    periods: int = 1  # periods of a rolling plan every replication plays


@dataclass(frozen=True)
class TaskResult:
    """A finished task: one value per policy × KPI, and the traceback of every policy that failed."""

    task: int
    point: int
    replication: int
    rows: tuple[tuple[str, str, float], ...]  # (policy, kpi, value)
    errors: dict[str, str] = field(default_factory=dict)  # policy (or WHOLE_TASK) → traceback
    seconds: float = 0.0
    worker: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def error_text(self) -> str:
        return "\n".join(f"[{p}]\n{tb}" for p, tb in sorted(self.errors.items()))


# A worker runs many replications of the same point in a row (tasks go out point by point):
# keep the last few points' plans rather than solving the same LPs again.
_PLANS: OrderedDict[tuple, tuple[Scenario, dict[str, Plan]]] = OrderedDict()
_PLAN_CACHE_SIZE = 8


def _point_plans(spec: TaskSpec) -> tuple[Scenario, dict[str, Plan]]:
    from model.allocation.policies import make_plan
    from model.sweep.experiment import scenario_at

    key = (spec.base_sha256, spec.overrides, spec.policies)
    if key in _PLANS:
        _PLANS.move_to_end(key)
        return _PLANS[key]
    scenario = scenario_at(spec.base_data, spec.overrides, spec.source)
    plans = {p: make_plan(scenario, p) for p in spec.policies if p != "clairvoyant"}
    _PLANS[key] = (scenario, plans)
    while len(_PLANS) > _PLAN_CACHE_SIZE:
        _PLANS.popitem(last=False)
    return scenario, plans


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_task(spec: TaskSpec) -> TaskResult:
    """Run one task; never raises (a failure is returned with its traceback)."""
    from model.simulation.periods import combine_periods
    from model.simulation.replications import replicate

    t0 = time.perf_counter()

    def result(rows: list[tuple[str, str, float]], errors: dict[str, str]) -> TaskResult:
        return TaskResult(
            spec.task, spec.point, spec.replication, tuple(rows), errors, time.perf_counter() - t0, worker_name()
        )

    try:
        scenario, plans = _point_plans(spec)
    except Exception:
        return result([], {WHOLE_TASK: traceback.format_exc()})
    rows: list[tuple[str, str, float]] = []
    errors: dict[str, str] = {}
    outcomes = replicate(
        scenario, plans, spec.policies, spec.seed, spec.replication, point=spec.stream_point, periods=spec.periods
    )
    if spec.periods > 1:  # a replication's value over all its periods
        outcomes = [combine_periods([o for o in outcomes if o.policy == p]) for p in spec.policies]
    for o in outcomes:
        if o.error is not None:
            errors[o.policy] = o.error
        else:
            rows.extend((o.policy, k, float(o.kpis[k])) for k in spec.kpis)
    return result(rows, errors)
