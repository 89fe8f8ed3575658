"""Common random numbers: every policy of a replication meets the same draws, on every stream.

A replication draws its trips (demand: who travels when, on which flight; fares), the base
passengers of every flight, the choice numbers, whether a trip passes an escort airport
(delivery) and the escort durations once; each policy is simulated on those. Compared here
draw by draw — what each policy's simulation was handed — and outcome by outcome.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import model.simulation.replications as replications
from model.allocation.policies import make_plan
from model.randomness import STREAMS
from model.simulation.replications import replicate
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
