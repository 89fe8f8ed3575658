"""The claim experiments' lever and queueing helpers: Erlang C, the escort stream, paired lever curves, sizes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments.claims._erlang import erlang_c, escort_stream, mmc_mean_wait, stationary_escort_scenario
from experiments.claims._lever_sweeps import by_replication, lever_curve, lever_experiment, negated, run_at
from experiments.claims.common import Context
from experiments.claims.e1_halfstep_curve import _classify
from experiments.claims.e5_escort_staffing import _covered
from model.allocation.allocator import plan_from_levels
from model.randomness import streams
from model.scenario.loading import load_scenario
from model.simulation.trips import draw_trips
from tests.helpers import assert_replications_ran, build, tiny_dict


def _erlang_c_factorials(c: int, a: float) -> float:
    """The textbook form, C = (aᶜ/c!)·c/(c − a) / (Σ_{k<c} aᵏ/k! + (aᶜ/c!)·c/(c − a))."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_erlang_c_textbook_example():
    # 2 Erlangs of traffic on 3 servers: 4/9 of arrivals wait (e.g. Kleinrock, Queueing Systems I, M/M/m)
    assert erlang_c(2.0, 1.0, 3) == pytest.approx(4 / 9, rel=1e-12)
    assert mmc_mean_wait(2.0, 1.0, 3) == pytest.approx((4 / 9) / (3 - 2), rel=1e-12)


def test_erlang_c_reduces_to_mm1_and_mm2():
    lam, mu = 0.6, 1.0
    assert erlang_c(lam, mu, 1) == pytest.approx(0.6)  # M/M/1: P(wait) = ρ
    assert mmc_mean_wait(lam, mu, 1) == pytest.approx(0.6 / (1.0 - 0.6))  # Wq = ρ / (μ − λ)
    rho, mu = 0.7, 1 / 30
    lam = 2 * rho * mu
    assert erlang_c(lam, mu, 2) == pytest.approx(2 * rho**2 / (1 + rho))  # M/M/2
    assert mmc_mean_wait(lam, mu, 2) == pytest.approx(rho**2 / (mu * (1 - rho**2)))


@pytest.mark.parametrize(("c", "a"), [(1, 0.3), (2, 1.5), (5, 4.2), (12, 9.0), (30, 29.5)])
def test_erlang_c_agrees_with_the_factorial_form(c, a):
    assert erlang_c(a, 1.0, c) == pytest.approx(_erlang_c_factorials(c, a), rel=1e-10)


def test_erlang_c_at_and_beyond_saturation_and_for_many_servers():
    assert erlang_c(3.0, 1.0, 3) == 1.0
    assert mmc_mean_wait(3.5, 1.0, 3) == math.inf
    p = erlang_c(950.0, 1.0, 1000)  # factorials would overflow here
    assert 0.0 < p < 0.2
    with pytest.raises(ValueError, match="c ≥ 1"):
        erlang_c(1.0, 1.0, 0)


def _escort_scenario(cv: float):
    d = tiny_dict()
    d["resources"][1]["service_cv"] = cv
    d["dimensions"].append({"name": "senior_escort", "resource": "escort_staff", "duration_factor": 2.0})
    for t in d["tiers"]:
        t["expectation"]["senior_escort"] = 0.0
        t["value_weight_cny"]["senior_escort"] = 50
        t["escort_need"] = 0.5
    return build(d)


def test_escort_stream_counts_requests_and_their_duration():
    s = _escort_scenario(cv=0.5)
    days = s.time.horizon_days
    # low tier: escort only, at level 0.5; high tier: both escorts always
    levels = np.array([[0.0, 0.5, 0.0], [0.0, 1.0, 1.0]])
    plan = plan_from_levels(s, levels, policy="test", shadow_prices=(), binding=())
    flown = np.array([300.0, 200.0])
    es = escort_stream(s, plan, flown)
    low, high = 300 * 0.5 * 0.5, 200 * 0.5 * 1.0  # flown × need × P(any escort)
    assert es.requests_per_day == pytest.approx((low + high) / days)
    m_low, m_high = 30.0, 45.0 + 90.0  # escort_minutes; the senior escort is twice as long
    assert es.mean_minutes == pytest.approx((low * m_low + high * m_high) / (low + high))
    assert es.staffed_hours == 16 and es.staff_hours_per_day == 32
    assert es.offered_load == pytest.approx(es.requests_per_day / 16 * es.mean_minutes / 60)


def test_escort_stream_duration_moments_match_a_monte_carlo_of_the_simulators_draws():
    s = _escort_scenario(cv=0.7)
    levels = np.array([[0.0, 0.3, 0.6], [0.0, 0.8, 0.5]])
    plan = plan_from_levels(s, levels, policy="test", shadow_prices=(), binding=())
    flown = np.array([1000.0, 400.0])
    es = escort_stream(s, plan, flown)
    rng = np.random.default_rng(7)
    shape = 1 / 0.7**2
    samples = []
    for i, (n, minutes) in enumerate(((1000, 30.0), (400, 45.0))):
        k = 400 * n  # trips, each needing an escort with probability 0.5
        need = rng.random(k) < 0.5
        ent = rng.random((k, 2)) < levels[i, 1:]
        dur = rng.gamma(shape, np.array([minutes, 2 * minutes]) / shape, size=(k, 2))
        total = (ent * dur).sum(axis=1)
        samples.append(total[need & ent.any(axis=1)])
    x = np.concatenate(samples)
    assert es.requests_per_day * s.time.horizon_days * 400 == pytest.approx(len(x), rel=0.01)
    assert es.mean_minutes == pytest.approx(x.mean(), rel=0.01)
    assert es.scv == pytest.approx(x.var() / x.mean() ** 2, rel=0.02)


def test_stationary_escort_scenario_spreads_poisson_arrivals_over_the_day():
    s = stationary_escort_scenario(c=3, rate_per_hour=2.0, mean_minutes=40.0, days=60)
    esc = s.resources[0]
    assert esc.staff_on_duty == [3] * 24 and esc.patience_minutes is None and esc.service_cv == 1.0
    counts = []
    for rep in range(20):
        trips = draw_trips(s, streams(3, rep))
        assert trips.day.min() >= 1  # day 0 has no departures: nobody reaches the airport before time 0
        assert trips.arrival.min() >= 0.0
        # a day before the departure: no escort is cut at it
        assert np.all(trips.departure - trips.arrival >= 1380.0)
        counts.append(len(trips))
        hours = (trips.arrival % 1440 // 60).astype(int)
        assert np.bincount(hours, minlength=24).min() > 0
    expected = 2.0 * 24 * 59
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / 20)  # Poisson: variance = mean


def _table(columns: dict[float, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.Index(range(len(next(iter(columns.values())))), name="replication"))


def test_lever_curve_best_and_the_settings_not_significantly_worse():
    noise = np.array([3.0, -1.0, 4.0, -2.0, 1.0, -5.0])
    table = _table(
        {0.0: list(100 + noise), 0.5: list(130 + noise), 1.0: list(129 + noise * 2.0), 2.0: list(130 + noise)}
    )
    c = lever_curve(table, "net_value")
    assert c.best == 0.5
    assert 1.0 in c.near and 2.0 in c.near  # within the paired noise, or identical to the best
    assert 0.0 not in c.near  # 30 below in every replication
    assert c.diffs[0.0]["mean"] == pytest.approx(-30.0)
    assert c.diffs[2.0]["ci95"] == [0.0, 0.0]
    assert c.span() == "0.5–2"
    low = lever_curve(table, "displaced", maximize=False)
    assert low.best == 0.0 and low.near == (0.0,)
    assert c.to_dict()["not_significantly_different_from_best"] == [0.5, 1.0, 2.0]


def test_a_near_set_with_a_gap_is_said_with_the_gap():
    noise = np.array([3.0, -1.0, 4.0, -2.0, 1.0, -5.0])
    table = _table({2.0: list(130 + noise), 3.0: list(100 + noise), 4.0: list(129 + 2 * noise), 8.0: list(130 + noise)})
    c = lever_curve(table, "contribution")
    assert c.near == (2.0, 4.0, 8.0)
    assert c.span() == "2, 4–8"  # 3 is 30 below in every replication: not "2–8"


def test_by_replication_filters_on_other_parameters_and_policy():
    rows = [
        {
            "point": p,
            "policy": pol,
            "replication": r,
            "kpi": "net_value",
            "value": 10 * p + r + (pol == "b"),
            "lead": x,
            "rho": rho,
        }
        for p, (x, rho) in enumerate([(0.0, 0.1), (0.5, 0.1), (0.0, 0.3), (0.5, 0.3)])
        for pol in ("a", "b")
        for r in range(3)
    ]
    t = by_replication(pd.DataFrame(rows), "net_value", "lead", where={"rho": 0.3}, policy="b")
    assert list(t.columns) == [0.0, 0.5]
    assert t[0.5].tolist() == [31.0, 32.0, 33.0]
    with pytest.raises(ValueError, match="no results"):
        by_replication(pd.DataFrame(rows), "net_value", "lead", where={"rho": 0.9})


def test_negated_turns_a_paired_difference_around():
    d = {"mean": 2.0, "ci95": [1.0, 4.0], "n": 5}
    assert negated(d) == {"mean": -2.0, "ci95": [-4.0, -1.0], "n": 5}


def test_full_size_writes_a_variant_experiment_next_to_the_store(tmp_path):
    reduced = lever_experiment(Context("e4_seat_hold_pool", out=tmp_path), "e4_seat_hold_pool.toml", replications=40)
    assert reduced.output == tmp_path / "e4_seat_hold_pool" / "store"
    assert reduced.path.name == "e4_seat_hold_pool.toml"  # the shipped file, as it is
    ctx = Context("e4_seat_hold_pool", size="full", out=tmp_path)
    full = lever_experiment(ctx, "e4_seat_hold_pool.toml", replications=40, values={"holds per flight": [0, 7, 20]})
    assert full.replications == 40
    assert [p.values["holds per flight"] for p in full.points] == [0, 7, 20]
    assert full.path.parent == full.output == tmp_path / "e4_seat_hold_pool" / "store"
    assert full.scenario(full.points[0]).scenario.name == reduced.scenario(reduced.points[0]).scenario.name
    assert full.policies == reduced.policies and full.seed == reduced.seed


def test_the_half_step_verdict_of_a_curve():
    noise = np.array([1.0, -1.0, 2.0, -2.0])

    def curve(means: dict[float, float]):
        return lever_curve(_table({x: list(m + noise) for x, m in means.items()}), "net_value")

    assert _classify(curve({0.0: 0, 0.5: 100, 1.0: 50})) == "agrees"
    assert _classify(curve({0.0: 0, 0.5: 100, 1.0: 100})) == "partly agrees"  # a full step as good
    assert _classify(curve({0.0: 0, 0.5: 50, 0.75: 100, 1.0: 40})) == "partly agrees"  # best short of a full step
    assert _classify(curve({0.0: 0, 0.5: 50, 1.0: 100})) == "disagrees"


def test_covering_the_first_and_last_waves_adds_staff_only_where_travellers_arrive_unserved():
    base = load_scenario(None)
    roster = list(next(r for r in base.resources if r.kind == "escort").staff_on_duty)
    covered = _covered(base)
    # 07:30 departures bring travellers from 05:30; 21:30 departures until 20:30
    assert [h for h in range(24) if covered[h] != roster[h]] == [5, 20]
    assert covered[5] == covered[20] == 1


def test_runs_at_several_scenarios_do_not_depend_on_the_workers(tmp_path):
    scenarios = [build(tiny_dict()), build(tiny_dict(budget={"benefits_cny": 1000.0}))]
    one = run_at(Context("x", workers=1, out=tmp_path), scenarios, ["standard", "halfstep"], 2)
    two = run_at(Context("x", workers=2, out=tmp_path), scenarios, ["standard", "halfstep"], 2)
    for result in (*one, *two):  # every replication ran, before the runs are compared
        assert_replications_ran(result)
    for a, b in zip(one, two, strict=True):
        for p in ("standard", "halfstep"):
            assert a.values(p, "net_value") == b.values(p, "net_value")
    # the same seed: the scenarios met the same trips
    assert one[0].values("standard", "trips_requested") == one[1].values("standard", "trips_requested")
