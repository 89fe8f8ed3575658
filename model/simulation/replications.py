"""Running policies over replications — the pipeline's middle: plans → simulation → outcomes.

One task is one replication of every policy: its trips and base demand are drawn once
from the replication's streams and every policy meets the same ones (common random
numbers). Tasks run in this process or in a pool of worker processes; a task's result
depends only on the scenario, the plans, the seed and the replication number, so the
outcomes are identical whatever the number of workers. A replication that raises is
recorded with its error and reported, never dropped silently.

Interruptions: the worker processes start with SIGINT and SIGTERM blocked
(:func:`interrupts_held`), so a Ctrl-C — which the terminal sends to every process of the
group — or a SIGTERM reaches only this process; it stops the workers itself (they print
nothing) and lets the interruption go on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from model.allocation.plan import Plan
from model.allocation.policies import make_plan
from model.errors import Problem, ScenarioError
from model.randomness import streams
from model.scenario.problems import renamed_policy
from model.scenario.schema import POLICIES, Scenario
from model.simulation.clairvoyant import clairvoyant_plan
from model.simulation.kpis import KPIS, TIER_KPIS
from model.simulation.outcome import Outcome
from model.simulation.periods import combine_periods, replicate_periods
from model.simulation.result import RunResult
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips

__all__ = [
    "DEFAULT_POLICIES",
    "check_policies",
    "interrupts_held",
    "replicate",
    "run_plans",
    "run_policies",
    "stop_workers",
]

#: What `halfstep run` compares when no --policies are given.
DEFAULT_POLICIES = ("uniform", "standard", "halfstep", "fullstep", "clairvoyant")

_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while worker processes are started inside the block.

    A child inherits the blocked signal mask across fork and exec (multiprocessing's own
    resource tracker starts this way), so the workers never see a Ctrl-C or a SIGTERM:
    no worker prints a traceback, and this process alone decides what an interruption
    stops. A signal that arrives meanwhile is delivered when the block ends, not lost.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes (they block SIGTERM): an interrupted run keeps none of their work."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.kill()


#: Trip requests one worker simulates a second, about (``make bench`` measures 0.9–1.0 × 10⁵ on a 2-core machine).
TRIPS_PER_SECOND = 90_000.0


def estimated_seconds(scenario: Scenario, policies: Sequence[str], replications: int, workers: int = 1) -> float:
    """A rough time for a run: the expected trip requests of every policy × replication at :data:`TRIPS_PER_SECOND`.

    For telling a user before a long run how long it will take, not a measurement.
    """
    from model.allocation.demand import expected_requests

    trips = float(expected_requests(scenario).sum()) * len(policies) * replications
    return trips / TRIPS_PER_SECOND / max(1, min(workers, replications))


def check_policies(policies: Sequence[str]) -> tuple[str, ...]:
    """Validate a list of policy names (as given on the command line)."""
    out: list[str] = []
    for p in policies:
        renamed = renamed_policy(p)
        if renamed:
            raise ScenarioError("--policies", [Problem("--policies", renamed, p)])
        if p not in POLICIES:
            raise ScenarioError(
                "--policies", [Problem("--policies", f"names no policy; policies are {', '.join(POLICIES)}", p)]
            )
        if p in out:
            raise ScenarioError("--policies", [Problem("--policies", "is given twice", p)])
        out.append(p)
    if not out:
        raise ScenarioError("--policies", [Problem("--policies", "is empty; name at least one policy", "")])
    return tuple(out)


def _failed(scenario: Scenario, policy: str, replication: int) -> Outcome:
    """The record of a replication that raised: NaN KPIs and the traceback."""
    nan = float("nan")
    return Outcome(
        policy=policy,
        replication=replication,
        kpis=dict.fromkeys(KPIS, nan),
        by_tier={t: dict.fromkeys(TIER_KPIS, nan) for t in scenario.tier_names},
        error=traceback.format_exc(),
    )


def replicate(
    scenario: Scenario,
    plans: dict[str, Plan],
    policies: Sequence[str],
    seed: int,
    replication: int,
    *,
    point: int | None = None,
    periods: int = 1,
) -> list[Outcome]:
    """One replication of every policy, on the same trips (common random numbers).

    ``clairvoyant`` is planned here, from this replication's trips, and simulated like any
    plan. ``point`` is a sweep's parameter point: it joins the spawn key of the streams.
    With ``periods`` > 1, every policy plays that many periods of a rolling plan
    (:mod:`model.simulation.periods`): one outcome per policy and period.
    """
    if periods > 1:
        out: list[Outcome] = []
        draws: list = []
        for policy in policies:
            try:
                out += replicate_periods(
                    scenario, plans, (policy,), seed, replication, periods, point=point, draws=draws
                )
            except Exception:
                failed = _failed(scenario, policy, replication)
                out += [dataclasses.replace(failed, period=k) for k in range(periods)]
        return out
    try:
        rngs = streams(seed, replication, point=point)
        trips = draw_trips(scenario, rngs)
        base = draw_base_demand(scenario, rngs["base"])
    except Exception:
        return [_failed(scenario, p, replication) for p in policies]
    out = []
    for policy in policies:
        try:
            plan = clairvoyant_plan(scenario, trips) if policy == "clairvoyant" else plans[policy]
            o = simulate(scenario, plan, trips, base)
            o.policy, o.replication = policy, replication
        except Exception:
            o = _failed(scenario, policy, replication)
        out.append(o)
    return out


def run_policies(
    scenario: Scenario,
    policies: Sequence[str],
    *,
    replications: int,
    seed: int,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    periods: int = 1,
) -> RunResult:
    """Plan every policy, then simulate ``replications`` replications of each (each over ``periods`` periods
    of a rolling plan when more than one)."""
    policies = check_policies(policies)
    t0 = time.perf_counter()
    plans = {p: make_plan(scenario, p) for p in policies if p != "clairvoyant"}
    result = run_plans(
        scenario,
        plans,
        replications=replications,
        seed=seed,
        workers=workers,
        on_progress=on_progress,
        clairvoyant="clairvoyant" in policies,
        periods=periods,
    )
    order = list(policies)
    result.policies = policies
    result.outcomes.sort(key=lambda o: (order.index(o.policy), o.replication))
    result.timings["plan_seconds"] = time.perf_counter() - t0 - result.timings["simulate_seconds"]
    return result


def run_plans(
    scenario: Scenario,
    plans: dict[str, Plan],
    *,
    replications: int,
    seed: int,
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    clairvoyant: bool = False,
    periods: int = 1,
) -> RunResult:
    """Simulate given plans (under any labels) over replications, on common random numbers.

    The plans may come from another scenario with the same tiers and dimensions: a plan
    made with misestimated value weights, evaluated in the scenario that holds the true
    ones. With ``clairvoyant``, the clairvoyant reference is added under the label ``clairvoyant``:
    a plan made in each replication from its realized requests, simulated on the same draws.
    """
    if replications < 1:
        raise ScenarioError("--replications", [Problem("--replications", "must be ≥ 1", replications)])
    if workers < 1:
        raise ScenarioError("--workers", [Problem("--workers", "must be ≥ 1", workers)])
    if periods < 1:
        raise ScenarioError("--periods", [Problem("--periods", "must be ≥ 1", periods)])
    labels = (*plans, "clairvoyant") if clairvoyant else tuple(plans)
    t1 = time.perf_counter()
    results: dict[int, list[Outcome]] = {}
    done = 0
    if workers == 1 or replications == 1:
        for r in range(replications):
            results[r] = replicate(scenario, plans, labels, seed, r, periods=periods)
            done += 1
            if on_progress:
                on_progress(done, replications)
    else:
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=min(workers, replications), mp_context=ctx)
        try:
            with interrupts_held():  # the workers start here, on the first submits
                futures = {
                    pool.submit(replicate, scenario, plans, labels, seed, r, periods=periods): r
                    for r in range(replications)
                }
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                done += 1
                if on_progress:
                    on_progress(done, replications)
        except BaseException:
            stop_workers(pool)  # Ctrl-C, SIGTERM or an error: no waiting for the replications still queued
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    t2 = time.perf_counter()
    outcomes = [o for r in range(replications) for o in results[r]]
    # order: policy by policy, replications in order (and periods in order)
    outcomes.sort(key=lambda o: (labels.index(o.policy), o.replication, o.period))
    period_outcomes: list[Outcome] = []
    if periods > 1:
        period_outcomes = outcomes
        outcomes = [combine_periods(period_outcomes[i : i + periods]) for i in range(0, len(period_outcomes), periods)]
    return RunResult(
        scenario=scenario,
        policies=labels,
        replications=replications,
        seed=seed,
        plans=dict(plans),
        outcomes=outcomes,
        timings={"plan_seconds": 0.0, "simulate_seconds": t2 - t1},
        workers=workers,
        periods=periods,
        period_outcomes=period_outcomes,
    )
