"""The benchmark cases: each returns plain numbers (seconds, counts, ratios) for the table and the JSON.

* :func:`simulator` — trips per CPU-second of :func:`model.simulation.simulator.simulate` against
  the bare SimPy M/M/c loop with as many customers (c = 6, ρ = 0.8);
* :func:`escort_queue` — the escort pool alone against Ciw on that M/M/c;
* :func:`baseline_plan` and :func:`account_lp` — the allocator: plan time on the
  baseline; build, load, solve and read-back of the LP with one tier per account;
* :func:`contribution_plan` — the contribution objective's plan, every LP of its sequence
  and of the canonical tie-break, against one HiGHS solve of the sequence's final LP;
* :func:`workers` — replications with one worker and with two;
* :func:`one_replication` — time and peak memory of one replication, in a fresh process.
"""

from __future__ import annotations

import os
import resource
from typing import Any

from model.allocation.allocator import build_lp, plan_from_solution
from model.allocation.lp import LinearProgram, Solution, recorded_solves, solve
from model.allocation.policies import LEADS, make_plan
from model.allocation.spec import LPSpec
from model.randomness import streams
from model.scenario.schema import Scenario
from model.simulation.replications import DEFAULT_POLICIES, run_policies
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips

from .measure import Timing, best_of, in_child, timed
from .queues import bare_simpy, ciw_queue, draws, erlang_c_wait, escort_pool
from .scenarios import account_tiers, scaled_book

__all__ = [
    "account_lp",
    "baseline_plan",
    "contribution_plan",
    "escort_queue",
    "one_replication",
    "simulator",
    "workers",
]


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def simulator(scenario: Scenario, replications: int, repeats: int, seed: int = 1) -> dict[str, Any]:
    """Simulate the halfstep plan on ``replications`` replications' trips; the bare M/M/c on as many customers.

    Only the simulation is timed (the trips are drawn beforehand), best of ``repeats``,
    the two sides alternating so that a change in the machine's load meets both.
    """
    plan = make_plan(scenario, "halfstep")
    drawn = []
    for r in range(replications):
        rngs = streams(seed, r)
        drawn.append((draw_trips(scenario, rngs), draw_base_demand(scenario, rngs["base"])))
    trips = sum(len(t) for t, _ in drawn)

    def run_all() -> None:
        for t, base in drawn:
            simulate(scenario, plan, t, base)

    gaps, services = draws(trips, seed=seed)
    sim, mmc = [], []
    for _ in range(repeats):
        sim.append(timed(run_all)[1])
        mmc.append(timed(bare_simpy, gaps, services)[1])
    t_sim = Timing(min(t.wall for t in sim), min(t.cpu for t in sim))
    t_mmc = Timing(min(t.wall for t in mmc), min(t.cpu for t in mmc))
    return {
        "scenario": scenario.scenario.name,
        "accounts": int(sum(t.accounts for t in scenario.tiers)),
        "replications": replications,
        "trips": trips,
        "simulate": t_sim.as_dict(),
        "bare_simpy": t_mmc.as_dict(),
        "trips_per_second": trips / t_sim.cpu,
        "bare_customers_per_second": trips / t_mmc.cpu,
        "ratio": _ratio(t_mmc.cpu, t_sim.cpu),
    }


def escort_queue(customers: int, repeats: int) -> dict[str, Any]:
    """The escort pool alone against Ciw on the same M/M/c (and the bare loop, for scale)."""
    gaps, services = draws(customers)
    pool_wait, t_pool = best_of(repeats, escort_pool, gaps, services)
    ciw_wait, t_ciw = best_of(repeats, ciw_queue, customers)
    bare_wait, t_bare = best_of(repeats, bare_simpy, gaps, services)
    return {
        "customers": customers,
        "escort_pool": {**t_pool.as_dict(), "mean_wait": pool_wait},
        "ciw": {**t_ciw.as_dict(), "mean_wait": ciw_wait},
        "bare_simpy": {**t_bare.as_dict(), "mean_wait": bare_wait},
        "erlang_c_wait": erlang_c_wait(),
        "customers_per_second": customers / t_pool.cpu,
        "ciw_customers_per_second": customers / t_ciw.cpu,
        "ratio": _ratio(t_ciw.cpu, t_pool.cpu),
    }


def _lp_steps(scenario: Scenario, spec: LPSpec, interface: str = "pulp") -> dict[str, Any]:
    """Build, load, solve and read back one LP, each timed on its own (wall time: HiGHS may use threads)."""
    built, t_build = timed(build_lp, scenario, spec)
    a = scenario.allocator
    solution, _ = timed(solve, built.lp, a.solver, a.time_limit_seconds, interface)
    plan, t_extract = timed(plan_from_solution, spec, built, solution)
    rows, cols = built.lp.shape
    overhead = t_build.wall + solution.load_seconds + t_extract.wall
    return {
        "rows": rows,
        "columns": cols,
        "nonzeros": len(built.lp.value),
        "build_seconds": t_build.wall,
        "load_seconds": solution.load_seconds,
        "solve_seconds": solution.solve_seconds,
        "extract_seconds": t_extract.wall,
        "overhead_ratio": _ratio(overhead, solution.solve_seconds),
        "status": plan.status,
        "net_value": plan.total_net_value,
        "interface": interface,
    }


def baseline_plan(scenario: Scenario, repeats: int) -> dict[str, Any]:
    """Plan time of every LP policy on the baseline (best of ``repeats``), and the halfstep LP's steps."""
    times = {p: best_of(repeats, make_plan, scenario, p)[1].wall for p in ("halfstep", "fullstep", "uniform")}
    return {"plan_seconds": times, **_lp_steps(scenario, LPSpec("halfstep", lead=LEADS["halfstep"]))}


def account_lp(accounts: int) -> dict[str, Any]:
    """The halfstep LP with one tier per account (12 dimensions, 4 segments of u each).

    Passed to HiGHS whole (``interface = "direct"``, the path for LPs this size) and, under
    ``pulp``, through PuLP's model objects — the default path — to show what PuLP costs.
    """
    scenario, t_scenario = timed(account_tiers, accounts)
    spec = LPSpec("halfstep", lead=LEADS["halfstep"])
    direct = _lp_steps(scenario, spec, "direct")
    pulp = _lp_steps(scenario, spec, "pulp")
    pulp["same_plan"] = abs(pulp["net_value"] - direct["net_value"]) <= 1e-6 * max(1.0, abs(direct["net_value"]))
    return {
        "accounts": accounts,
        "dimensions": len(scenario.dimensions),
        "scenario_seconds": t_scenario.wall,
        **direct,
        "pulp": pulp,
    }


def _contribution_run(scenario: Scenario) -> tuple[Any, list[tuple[LinearProgram, Solution]]]:
    with recorded_solves() as solves:
        plan = make_plan(scenario, "halfstep")
    return plan, solves


def contribution_plan(scenario: Scenario, book: str, repeats: int) -> dict[str, Any]:
    """The halfstep plan under ``allocator.objective = "contribution"`` against one solve of its final LP.

    The plan is timed whole (wall time, best of ``repeats``): the first LP, every step of the
    sequence, the final step and the two solves of its canonical tie-break, each built and
    handed to the solver as ``allocator.interface`` says. The reference is HiGHS's own time
    for the final step's LP (the sequence's last LP, before the tie-break adds its rows),
    solved once more from scratch, passed whole (best of ``repeats``).
    """
    a = scenario.allocator
    scenario = scenario.model_copy(update={"allocator": a.model_copy(update={"objective": "contribution"})})
    (plan, solves), t = best_of(repeats, _contribution_run, scenario)
    shape = solves[0][0].shape  # every LP of the sequence has it; the tie-break's have one or two rows more
    sequence = [s for lp, s in solves if lp.shape == shape]
    ties = [s for lp, s in solves if lp.shape != shape]
    final_lp = next(lp for lp, _ in reversed(solves) if lp.shape == shape)
    final = [solve(final_lp, "highs", a.time_limit_seconds, "direct") for _ in range(repeats)]
    reference = min(s.solve_seconds for s in final)
    rows, cols = shape
    return {
        "book": book,
        "accounts": int(sum(x.accounts for x in scenario.tiers)),
        "tiers": len(scenario.tiers),
        "rows": rows,
        "columns": cols,
        "nonzeros": len(final_lp.value),
        "plan_seconds": t.wall,
        "plan_cpu_seconds": t.cpu,
        "lps": len(solves),
        "sequence_lps": len(sequence),
        "steps": plan.iterations,
        "converged": plan.converged,
        "interfaces": sorted({s.interface for _, s in solves}),
        "sequence_solve_seconds": sum(s.solve_seconds for s in sequence),
        "tie_break_solve_seconds": sum(s.solve_seconds for s in ties),
        "load_seconds": sum(s.load_seconds for _, s in solves),
        "not_optimal": [s.status for _, s in solves if not s.optimal],
        "final_lp_seconds": reference,
        "final_lp_status": final[-1].status,
        "ratio": _ratio(t.wall, reference),
        "expected_contribution": plan.expected_contribution,
    }


def workers(scenario: Scenario, replications: int, rounds: int, seed: int = 1) -> dict[str, Any]:
    """``halfstep run``'s replications with 1 and 2 workers, alternating; best wall time of each."""
    load_before = os.getloadavg()
    wall: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(rounds):
        for count in (1, 2):
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            result, t = timed(
                run_policies, scenario, DEFAULT_POLICIES, replications=replications, seed=seed, workers=count
            )
            if result.failed():
                raise RuntimeError(f"a replication failed with {count} worker(s):\n{result.failed()[0].error}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers count once the pool has shut down
            wall[count].append(t.wall)
            cpu[count].append(t.cpu + after.ru_utime - children.ru_utime + after.ru_stime - children.ru_stime)
    return {
        "scenario": scenario.scenario.name,
        "replications": replications,
        "policies": list(DEFAULT_POLICIES),
        "one_worker_seconds": min(wall[1]),
        "two_workers_seconds": min(wall[2]),
        "all_seconds": {str(k): v for k, v in wall.items()},
        "speedup": _ratio(min(wall[1]), min(wall[2])),
        # CPU seconds of the parent and the workers over the serial run's: what starting
        # workers and shipping tasks add, whatever else the machine is doing
        "cpu_seconds": {str(k): v for k, v in cpu.items()},
        "parallel_cpu_overhead": _ratio(min(cpu[2]), min(cpu[1])) - 1.0,
        # an estimate, not a measurement: the speed-up if both cores were free for the workers
        "speedup_on_free_cores": _ratio(min(cpu[1]), min(cpu[2]) / 2.0),
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
    }


def _replicate_once(accounts: int, trips: float, seed: int) -> dict[str, Any]:
    """In the child: a year of the scaled book, one replication of the halfstep plan."""
    scenario, t_scenario = timed(scaled_book, accounts, trips)
    plan, t_plan = timed(make_plan, scenario, "halfstep")
    rngs = streams(seed, 0)
    (drawn, base), t_draw = timed(lambda: (draw_trips(scenario, rngs), draw_base_demand(scenario, rngs["base"])))
    outcome, t_sim = timed(simulate, scenario, plan, drawn, base)
    return {
        "trips": len(drawn),
        "accounts": accounts,
        "days": scenario.time.horizon_days,
        "scenario_seconds": t_scenario.wall,
        "plan_seconds": t_plan.wall,
        "draw_seconds": t_draw.wall,
        "simulate_seconds": t_sim.wall,
        "simulate_cpu_seconds": t_sim.cpu,
        "share_of_wallet": outcome.kpis["share_of_wallet"],
        "escort_utilization": outcome.kpis["escort_utilization"],
    }


def one_replication(accounts: int, trips: float, seed: int = 1) -> dict[str, Any]:
    """Time and peak memory of one replication of the scaled book, in a fresh process."""
    out, peak_mib, t = in_child(_replicate_once, accounts, trips, seed)
    return {
        **out,
        "replication_seconds": out["draw_seconds"] + out["simulate_seconds"],
        "child_seconds": t.wall,
        "peak_rss_mib": peak_mib,
    }
