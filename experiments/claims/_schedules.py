"""Multi-period arms of the claim experiments 9 and 10: schedules of policies played on common random numbers.

An *arm* is a scenario and a schedule of policies, one per period (``["lead"] * 12``, or
``["uniform"] * 12 + ["halfstep"] * 12``). Every arm plays replication r's periods on the
streams of (seed, r, period) — the same for every arm and every scenario with the same
demand — so two arms are compared replication by replication (a paired interval), as the
policies of one run are. The (arm, replication) tasks share one pool of worker processes;
an arm's numbers do not depend on the process that played it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from model.allocation.plan import Plan
from model.allocation.policies import make_plan
from model.scenario.schema import Scenario
from model.simulation.outcome import Outcome
from model.simulation.periods import play_schedule
from model.simulation.replications import interrupts_held, stop_workers

from .common import Context

__all__ = ["Arm", "by_period", "play_arms", "quarters_to_return", "totals"]


@dataclass(frozen=True)
class Arm:
    """A scenario played through a schedule of policies, one per period; ``key`` names it in the results."""

    key: Hashable
    scenario: Scenario
    schedule: tuple[str, ...]


def _task(arm: Arm, plans: dict[str, Plan], seed: int, replication: int) -> list[Outcome]:
    out = play_schedule(arm.scenario, plans, list(arm.schedule), seed, replication, label=str(arm.key))
    failed = next((o for o in out if o.error is not None), None)
    if failed is not None:
        raise RuntimeError(f"arm {arm.key!r}, replication {replication}, period {failed.period}:\n{failed.error}")
    return out


def play_arms(ctx: Context, arms: Sequence[Arm], replications: int) -> dict[Hashable, list[list[Outcome]]]:
    """Every arm over ``replications`` replications: ``result[key][r][k]`` is replication r's period k.

    Each arm's first-period plans are made once, here; a later period plans again from
    where its clients are (:func:`model.simulation.periods.play_schedule`).
    """
    plans = [{p: make_plan(a.scenario, p) for p in dict.fromkeys(a.schedule)} for a in arms]
    tasks = [(i, r) for i in range(len(arms)) for r in range(replications)]
    results: dict[tuple[int, int], list[Outcome]] = {}
    if ctx.workers == 1:
        for i, r in tasks:
            results[(i, r)] = _task(arms[i], plans[i], ctx.seed, r)
    else:
        pool = ProcessPoolExecutor(max_workers=ctx.workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            with interrupts_held():
                futures = {(i, r): pool.submit(_task, arms[i], plans[i], ctx.seed, r) for i, r in tasks}
            for key, fut in futures.items():
                results[key] = fut.result()
        except BaseException:
            stop_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return {a.key: [results[(i, r)] for r in range(replications)] for i, a in enumerate(arms)}


def by_period(runs: list[list[Outcome]], value: Callable[[Outcome], float]) -> np.ndarray:
    """``value`` of every period of every replication: an array (replications × periods)."""
    return np.array([[value(o) for o in rep] for rep in runs], dtype=float)


def totals(runs: list[list[Outcome]], kpi: str, periods: slice = slice(None)) -> np.ndarray:
    """A KPI summed over the periods ``periods`` of each replication (one number per replication)."""
    return by_period(runs, lambda o: o.kpis[kpi])[:, periods].sum(axis=1)


def quarters_to_return(gap: np.ndarray, tolerance: float) -> int | None:
    """Periods until a mean gap (replications × periods) comes within ``tolerance`` of 0 and stays there.

    0 when it is within from the first period on; None when it is still outside in the last.
    """
    outside = np.abs(np.asarray(gap, dtype=float).mean(axis=0)) > tolerance
    if outside[-1]:
        return None
    return int(np.flatnonzero(outside)[-1] + 1) if outside.any() else 0
