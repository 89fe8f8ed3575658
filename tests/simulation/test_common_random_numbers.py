"""Common random numbers: every policy of a replication meets the same draws, on every stream.

A replication draws its trips (demand: who travels when, on which flight; fares), the base
passengers of every flight, the choice numbers, whether a trip passes an escort airport
(delivery) and the escort durations once; each policy is simulated on those. Compared here
draw by draw — what each policy's simulation was handed — and outcome by outcome.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import model.simulation.replications as replications
from model.allocation.allocator import plan_from_levels
from model.allocation.policies import make_plan
from model.randomness import STREAMS, streams
from model.simulation.replications import replicate
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips
from tests.helpers import build, tiny_dict

POLICIES = ("standard", "halfstep", "fullstep", "clairvoyant")

#: Each stream the simulation consumes, and the field of the draws that carries it.
FIELDS = {
    "demand": ("tier", "account", "day", "flight", "departure", "arrival", "traveller"),
    "choice": ("u_choice",),
    "delivery": ("u_need",),
    "durations": ("service_minutes",),
    "fares": ("fare",),
}


@pytest.fixture(scope="module")
def scenario():
    d = tiny_dict()
    d["tiers"][1]["cabin_mix"] = {"economy": 0.5, "business": 0.5}  # fares drawn, not fixed
    del d["tiers"][1]["fare_cny"]
    d["cabins"] = {"economy": 900, "business": 2500}
    d["tiers"][0]["escort_need"] = 0.6  # some trips pass no escort airport
    d["flights"]["base_load_factor"] = 0.95  # base passengers fill flights: the base draw matters
    return build(d)


@pytest.fixture(scope="module")
def plans(scenario):
    return {p: make_plan(scenario, p) for p in POLICIES if p != "clairvoyant"}


def _captured(monkeypatch, scenario, plans, seed: int, replication: int):
    seen: list[tuple[str, object, np.ndarray]] = []
    real = replications.simulate

    def spy(s, plan, trips, base):
        seen.append((plan.policy, trips, base.copy()))
        return real(s, plan, trips, base)

    monkeypatch.setattr(replications, "simulate", spy)
    outcomes = replicate(scenario, plans, POLICIES, seed, replication)
    monkeypatch.undo()
    return seen, outcomes


def _succeeded(outcomes) -> None:
    for o in outcomes:
        assert o.error is None, o.error
        for k in ("contribution", "net_value", "trips_requested", "trips_flown", "revenue", "cost_total"):
            assert math.isfinite(o.kpis[k]), (o.policy, k)


@pytest.mark.parametrize("replication", [0, 3])
def test_every_policy_is_handed_the_same_draws_on_every_stream(monkeypatch, scenario, plans, replication):
    seen, outcomes = _captured(monkeypatch, scenario, plans, seed=11, replication=replication)
    _succeeded(outcomes)
    assert [p for p, _, _ in seen] == ["standard", "halfstep", "fullstep", "clairvoyant"]
    _, first, first_base = seen[0]
    assert len(first) > 50 and first_base.sum() > 0
    assert np.unique(first.fare).size == 3 and 0 < first.u_need.mean() < 1
    for policy, trips, base in seen[1:]:
        for stream, fields in FIELDS.items():
            for name in fields:
                np.testing.assert_array_equal(
                    getattr(trips, name), getattr(first, name), err_msg=f"{policy}: stream {stream}, {name}"
                )
        np.testing.assert_array_equal(base, first_base, err_msg=f"{policy}: base demand")


def test_the_same_plan_under_two_names_gives_the_same_outcome_kpi_by_kpi(scenario, plans):
    same = {"a": plans["halfstep"], "b": plans["halfstep"], "c": plans["standard"]}
    for replication in range(3):
        a, b, c = replicate(scenario, same, ("a", "b", "c"), 5, replication)
        _succeeded([a, b, c])
        assert a.kpis["trips_flown"] != c.kpis["trips_flown"] or a.kpis["cost_total"] != c.kpis["cost_total"]
        for k, v in a.kpis.items():
            assert v == b.kpis[k] or (math.isnan(v) and math.isnan(b.kpis[k])), (replication, k)
        assert a.by_tier == b.by_tier
        np.testing.assert_array_equal(a.stages, b.stages)
        # different plans, the same demand: every tier requests the same trips
        for tier in scenario.tier_names:
            assert a.by_tier[tier]["trips_requested"] == c.by_tier[tier]["trips_requested"]


def test_replications_and_seeds_draw_differently_and_a_replication_again_the_same(monkeypatch, scenario, plans):
    one, _ = _captured(monkeypatch, scenario, plans, seed=11, replication=0)
    again, _ = _captured(monkeypatch, scenario, plans, seed=11, replication=0)
    other, _ = _captured(monkeypatch, scenario, plans, seed=11, replication=1)
    np.testing.assert_array_equal(one[0][1].arrival, again[0][1].arrival)
    np.testing.assert_array_equal(one[0][2], again[0][2])
    assert not np.array_equal(one[0][2], other[0][2])
    assert len(one[0][1]) != len(other[0][1]) or not np.array_equal(one[0][1].arrival, other[0][1].arrival)


def test_the_streams_are_the_named_ones():
    assert set(STREAMS) >= {"demand", "base", "choice", "escort", "fares"}


def test_the_simulator_leaves_the_draws_it_is_handed_as_they_were(scenario, plans):
    # every policy of a replication is simulated on the same Trips and base demand objects: a simulation that
    # wrote to them would hand the next policy other draws
    rngs = streams(11, 2)
    trips, base = draw_trips(scenario, rngs), draw_base_demand(scenario, rngs["base"])
    before = {f.name: np.array(getattr(trips, f.name), copy=True) for f in dataclasses.fields(trips)}
    base_before = base.copy()
    outcomes = [simulate(scenario, plan, trips, base) for plan in plans.values()]
    _succeeded(outcomes)
    for name, values in before.items():
        np.testing.assert_array_equal(getattr(trips, name), values, err_msg=name)
    np.testing.assert_array_equal(base, base_before)


def test_a_policy_change_that_moves_no_clients_decision_changes_only_its_own_cost_account_by_account():
    # the lounge is worth nothing to either tier (weight 0), never short of capacity and free of a budget: two
    # plans that differ only in it meet the same draws on every stream (demand, base demand, choice, escort
    # airports, escort durations), so every trip has the same fate — chosen, seated, escorted or not, for as
    # long — and only the lounge's uses and cost differ, by 50 CNY a use
    d = tiny_dict()
    for t in d["tiers"]:
        t["value_weight_cny"]["lounge"] = 0.0
    s = build(d)
    escort = np.array([[0.0, 0.3], [0.0, 1.0]])
    with_lounge = escort + np.array([[1.0, 0.0], [0.5, 0.0]])
    plans = {
        name: plan_from_levels(s, levels, policy=name, shadow_prices=(), binding=())
        for name, levels in (("without", escort), ("with", with_lounge))
    }
    for replication in range(2):
        a, b = replicate(s, plans, ("without", "with"), 9, replication)
        _succeeded([a, b])
        assert a.kpis["trips_flown"] > 20 and a.kpis["failures_escort"] >= 0
        uses = b.accounts.delivered[:, 0]
        assert uses.sum() > 0 and a.accounts.delivered[:, 0].sum() == 0
        for field in ("requested", "flown", "revenue", "perceived_value", "closeness", "stage", "cost_escort"):
            np.testing.assert_array_equal(getattr(a.accounts, field), getattr(b.accounts, field), err_msg=field)
        np.testing.assert_array_equal(a.accounts.delivered[:, 1], b.accounts.delivered[:, 1])
        np.testing.assert_allclose(b.accounts.cost_benefits - a.accounts.cost_benefits, 50.0 * uses, rtol=0, atol=1e-9)
        for k in (
            "trips_requested",
            "trips_flown",
            "trips_lost_to_competitor",
            "perceived_value",
            "revenue",
            "failures_escort",
            "escort_wait_mean_minutes",
            "churned_accounts",
        ):
            assert a.kpis[k] == b.kpis[k], (replication, k)
        assert b.kpis["cost_benefits"] - a.kpis["cost_benefits"] == pytest.approx(50.0 * uses.sum(), abs=1e-9)
        np.testing.assert_array_equal(a.stages, b.stages)
        # the escorts' durations: the same staff-minutes, hour by hour
        assert a.escort_busy_by_hour.sum() > 0
        np.testing.assert_array_equal(a.escort_busy_by_hour, b.escort_busy_by_hour)
