"""The simulator against theory (Erlang C) and its own bookkeeping (flows, bounds, seeds)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from model.allocation.allocator import plan_from_levels
from model.allocation.policies import make_plan
from model.randomness import streams
from model.simulation.replications import run_policies
from model.simulation.simulator import _Replication, simulate
from model.simulation.trips import draw_base_demand, draw_trips
from tests.helpers import assert_replications_ran, build, tiny_dict


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in an M/M/c queue with offered load a = λ/μ (Erlang C)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def escort_only(c: int, rate_per_day: float, mean_minutes: float, days: int) -> dict:
    """One tier, hourly flights, arrivals uniform within the hour: Poisson arrivals to c escorts."""
    travellers = 1000
    return {
        "scenario": {"name": "M/M/c"},
        "time": {"horizon_days": days},
        "choice": {"intercept": 40.0, "value_per_cny": 0.0, "closeness": 0.0},  # every trip flies with us
        "loyalty": {"closeness_value_per_cny": 0.0},
        "flights": {
            "departure_hours": [float(h) for h in range(24)],
            "seats": 10_000,
            "base_load_factor": 0.0,
            "base_fare_cny": 1000,
            # a day before departure: no escort is cut at the departure, so service times stay exponential
            # (the first day's travellers arrive before time 0 and queue at once: a warm-up to discard)
            "arrival_lead_minutes": [1440.0, 1500.0],
        },
        "resources": [
            {"name": "escorts", "kind": "escort", "staff_on_duty": [c] * 24, "wage_cny_per_hour": 1, "service_cv": 1.0}
        ],
        "dimensions": [{"name": "escort", "resource": "escorts"}],
        "tiers": [
            {
                "name": "only",
                "accounts": 1,
                "travellers_per_account": travellers,
                "trips_per_traveller_per_year": rate_per_day * 365 / travellers,
                "trip_rate_shape": 1e9,  # every traveller has the same rate: Poisson trips
                "fare_cny": 1000,
                "escort_minutes": mean_minutes,
                "expectation": {"escort": 1.0},
                "value_weight_cny": {"escort": 100},
            }
        ],
    }


WARM_UP_DAYS = 6  # the first day's requests all queue at time 0; ~2.3 days to drain at ρ = 0.7


def test_escort_queue_matches_erlang_c():
    c, mean, rho = 2, 30.0, 0.7
    lam = rho * c / mean  # per minute
    s = build(escort_only(c, lam * 1440, mean, days=60))
    plan = plan_from_levels(s, np.ones((1, 1)), policy="all", shadow_prices=(), binding=())
    p_wait, w_mean = [], []
    for rep in range(12):
        rngs = streams(11, rep)
        r = _Replication(s, plan, draw_trips(s, rngs), draw_base_demand(s, rngs["base"]))
        o = r.run()
        steady = np.asarray(r.capacity.pool.arrived_at) >= WARM_UP_DAYS * 1440.0
        assert steady.sum() > 0.85 * len(steady)
        # no patience limit: only a traveller of the time-0 queue may miss a departure
        assert o.kpis["failures_escort"] <= (~steady).sum()
        p_wait.append(float(np.mean(np.asarray(r.capacity.pool.waited)[steady])))
        w_mean.append(float(np.mean(np.asarray(r.capacity.pool.waits)[steady])))
    a = lam * mean
    pw = erlang_c(c, a)
    wq = pw / (c / mean - lam)
    for sample, theory in ((p_wait, pw), (w_mean, wq)):
        x = np.asarray(sample)
        half = stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        assert abs(x.mean() - theory) <= half, (x.mean(), theory, half)


def _run(data: dict, policies=("standard", "halfstep", "clairvoyant"), reps: int = 3, workers: int = 1):
    return run_policies(build(data), policies, replications=reps, seed=5, workers=workers)


def test_every_trip_is_flown_lost_or_refused():
    d = tiny_dict()
    d["flights"]["base_load_factor"] = 0.99  # full flights: some trips are refused
    d["flights"]["seats"] = 20
    r = _run(d, policies=("uniform", "halfstep"))
    refused = 0
    for o in r.outcomes:
        k = o.kpis
        assert k["trips_requested"] == k["trips_flown"] + k["trips_lost_to_competitor"] + k["trips_refused"]
        refused += k["trips_refused"]
        for row in o.by_tier.values():
            assert row["trips_flown"] <= row["trips_requested"]
    assert refused > 0


def test_policies_share_their_trips():
    r = _run(tiny_dict(), policies=("uniform", "standard", "halfstep", "clairvoyant"))
    assert_replications_ran(r)  # failed replications would all request the same NaN
    for rep in range(r.replications):
        requested = {o.policy: o.kpis["trips_requested"] for o in r.outcomes if o.replication == rep}
        assert len(set(requested.values())) == 1, requested


def test_results_do_not_depend_on_the_number_of_workers():
    from model.report.run_folder import outcomes_csv

    one = _run(tiny_dict(), reps=4, workers=1)
    two = _run(tiny_dict(), reps=4, workers=2)
    assert_replications_ran(one)  # two runs that both failed would compare equal too
    assert_replications_ran(two)
    assert outcomes_csv(one) == outcomes_csv(two)


def test_a_failing_replication_is_reported(monkeypatch):
    import model.simulation.replications as runner

    real = runner.simulate

    def flaky(scenario, plan, trips, base):
        if plan.policy == "halfstep" and len(trips) % 3 == 0:  # replications 2 and 5 of seed 5
            raise RuntimeError("boom")
        return real(scenario, plan, trips, base)

    monkeypatch.setattr(runner, "simulate", flaky)
    r = _run(tiny_dict(), reps=6)
    failed = r.failed()
    assert failed and all(o.policy == "halfstep" and "boom" in o.error for o in failed)
    from model.report.run_folder import outcomes_csv

    assert outcomes_csv(r).count("failed: RuntimeError: boom") == len(failed)
    s = r.summary()
    assert s["policies"]["halfstep"]["failed"] == len(failed)
    assert s["policies"]["halfstep"]["kpis"]["net_value"]["n"] == 6 - len(failed)


def test_escort_patience_turns_long_waits_into_failures():
    d = escort_only(1, 40.0, 30.0, days=10)  # ρ ≈ 0.83 with one escort
    d["resources"][0]["patience_minutes"] = 5
    s = build(d)
    plan = plan_from_levels(s, np.ones((1, 1)), policy="all", shadow_prices=(), binding=())
    rngs = streams(1, 0)
    o = simulate(s, plan, draw_trips(s, rngs), draw_base_demand(s, rngs["base"]))
    assert o.kpis["failures_escort"] > 0
    assert o.kpis["escort_wait_mean_minutes"] <= 5 + 1e-9


def test_seat_holds_protect_trips_on_full_flights():
    d = tiny_dict()
    d["flights"].update(seats=30, base_load_factor=1.0, base_demand_cv=0.0)  # base demand fills every seat
    d["resources"].append({"name": "holds", "kind": "seat_holds", "hold_limit_per_flight": 50})
    d["dimensions"].append({"name": "held_seat", "resource": "holds"})
    for t in d["tiers"]:
        t["expectation"]["held_seat"] = 0.0
        t["value_weight_cny"]["held_seat"] = 10
    s = build(d)
    T, D = len(s.tiers), len(s.dimensions)
    rngs = streams(2, 0)
    trips, base = draw_trips(s, rngs), draw_base_demand(s, rngs["base"])
    none = simulate(s, plan_from_levels(s, np.zeros((T, D)), policy="none", shadow_prices=(), binding=()), trips, base)
    levels = np.zeros((T, D))
    levels[:, -1] = 1.0
    held = simulate(s, plan_from_levels(s, levels, policy="held", shadow_prices=(), binding=()), trips, base)
    assert none.kpis["trips_flown"] == 0 and none.kpis["trips_refused"] > 0
    assert held.kpis["trips_refused"] == 0 and held.kpis["trips_flown"] > 0
    assert held.kpis["displaced_seats"] == 0  # every held seat was sat in


def test_same_seed_same_numbers():
    from model.report.run_folder import outcomes_by_tier_csv, outcomes_csv

    a = _run(tiny_dict(), reps=2)
    b = _run(tiny_dict(), reps=2)
    assert_replications_ran(a)
    assert_replications_ran(b)
    assert outcomes_csv(a) == outcomes_csv(b)
    assert outcomes_by_tier_csv(a) == outcomes_by_tier_csv(b)
    c = run_policies(build(tiny_dict()), ("standard", "halfstep", "clairvoyant"), replications=2, seed=6)
    assert outcomes_csv(a) != outcomes_csv(c)


@pytest.mark.parametrize("policy", ["halfstep"])
def test_plan_and_simulation_agree_without_friction(policy):
    # ample capacity, no patience limit, smooth experience: the simulated PV per request
    # comes close to the plan's (u is concave, so experience noise can only lower it)
    d = tiny_dict()
    d["loyalty"] = {"experience_smoothing": 0.01}
    s = build(d)
    p = make_plan(s, policy)
    r = run_policies(s, (policy,), replications=8, seed=9)
    sim = np.mean(r.values(policy, "perceived_value_per_trip"))
    planned = p.perceived_value.sum() / p.expected_requests.sum()
    assert sim <= planned + 1.0
    assert sim >= planned - 0.25 * abs(planned) - 5.0


def test_the_roster_cost_is_every_rostered_hour_at_the_wage():
    d = tiny_dict()  # 2 staff from 06:00 to 22:00 at 60 CNY an hour, 30 days
    r = _run(d, policies=("halfstep", "clairvoyant"), reps=2)
    for o in r.of("halfstep"):
        assert o.kpis["cost_escort_roster"] == pytest.approx(2 * 16 * 30 * 60.0)
        assert o.kpis["cost_escort"] < o.kpis["cost_escort_roster"]  # escorting time is part of the paid time
    more = tiny_dict()
    more["resources"][1]["staff_on_duty"] = [0] * 6 + [3] * 16 + [0] * 2
    assert _run(more, policies=("halfstep",), reps=1).values("halfstep", "cost_escort_roster")[0] == pytest.approx(
        3 * 16 * 30 * 60.0
    )
