"""``clairvoyant``: a reference, not a bound (DESIGN.md, *Policies*).

The allocator given each replication's realized requests per tier in advance (no lead cap),
its plan simulated on the same random numbers as every other policy; and ``hindsight``, its
old name, refused everywhere a policy is named with a message saying what it became.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.allocation.contribution import contribution_model
from model.allocation.demand import reference_share
from model.allocation.policies import make_plan
from model.allocation.problem import planning_problem
from model.errors import ScenarioError
from model.randomness import streams
from model.scenario.schema import POLICIES
from model.simulation.clairvoyant import clairvoyant_plan
from model.simulation.kpis import KPIS
from model.simulation.replications import DEFAULT_POLICIES, check_policies, replicate, run_policies
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips
from tests.helpers import build, tiny_dict

RENAMED = (
    "'hindsight' was renamed 'clairvoyant' (a reference, not a bound: the allocator given the realized requests, "
    "simulated)"
)


def _draws(s, seed: int, replication: int):
    rngs = streams(seed, replication)
    return draw_trips(s, rngs), draw_base_demand(s, rngs["base"])


def test_the_clairvoyant_plan_is_the_lp_given_the_realized_requests() -> None:
    s = build(tiny_dict())
    trips, _ = _draws(s, 4, 0)
    p = clairvoyant_plan(s, trips)
    m = trips.requested_by_tier()
    assert np.array_equal(p.expected_requests, m)
    # trips flown respond to the plan's PV (objective 'contribution'), from the realized requests
    model = contribution_model(planning_problem(s, m=m))
    assert np.allclose(p.expected_trips, model.trips(p.levels), rtol=1e-12)
    assert not np.allclose(p.expected_trips, m * reference_share(s))
    assert p.lead is None  # no lead cap
    assert p.policy == "clairvoyant"


def scarce_lounge() -> dict:
    """The tiny scenario with half a lounge seat a day: the plan depends on the demand it is given."""
    d = tiny_dict()
    d["resources"][0]["daily_capacity"] = 0.5
    return d


def test_clairvoyant_is_simulated_on_the_same_draws_as_every_policy() -> None:
    s = build(scarce_lounge())
    seed, reps = 4, 3
    result = run_policies(s, ("standard", "halfstep", "clairvoyant"), replications=reps, seed=seed)
    assert not result.failed()
    levels = []
    for r in range(reps):
        trips, base = _draws(s, seed, r)
        plan = clairvoyant_plan(s, trips)
        levels.append(plan.levels)
        expected = simulate(s, plan, trips, base)
        (got,) = [o for o in result.of("clairvoyant") if o.replication == r]
        assert got.kpis == pytest.approx(expected.kpis, nan_ok=True)
        # a simulation, not the LP's own value: every KPI is measured, queues and failures included
        assert all(math.isfinite(got.kpis[k]) for k in ("failures_escort", "failures_benefit", "net_value"))
        requested = {o.policy: o.kpis["trips_requested"] for o in result.outcomes if o.replication == r}
        assert len(set(requested.values())) == 1, requested
    assert not np.allclose(levels[0], levels[1])  # one plan per replication, each from its own requests
    assert sum(math.isnan(v) for v in result.of("clairvoyant")[0].kpis.values()) == sum(
        math.isnan(v) for v in result.of("halfstep")[0].kpis.values()
    )


def test_clairvoyant_has_no_single_plan_and_no_plan_gap() -> None:
    result = run_policies(build(tiny_dict()), ("halfstep", "clairvoyant"), replications=2, seed=2)
    assert set(result.plans) == {"halfstep"}
    assert set(result.summary()["plan_gap"]) == {"halfstep"}
    assert "halfstep-clairvoyant" in result.summary()["paired"]


def test_replicate_plans_clairvoyant_from_the_replications_trips() -> None:
    s = build(tiny_dict())
    plans = {"halfstep": make_plan(s, "halfstep")}
    out = replicate(s, plans, ("halfstep", "clairvoyant"), 8, 1)
    assert [o.policy for o in out] == ["halfstep", "clairvoyant"] and not any(o.error for o in out)
    assert set(out[1].kpis) == set(KPIS)


def test_the_default_policies_and_the_policy_names() -> None:
    assert "clairvoyant" in DEFAULT_POLICIES and "hindsight" not in DEFAULT_POLICIES
    assert "clairvoyant" in POLICIES and "hindsight" not in POLICIES


def test_hindsight_on_the_policies_option_names_the_rename() -> None:
    with pytest.raises(ScenarioError) as e:
        check_policies(["uniform", "hindsight"])
    assert RENAMED in str(e.value)
    assert check_policies(["uniform", "clairvoyant"]) == ("uniform", "clairvoyant")


def test_hindsight_as_a_plans_policy_names_the_rename() -> None:
    with pytest.raises(ScenarioError) as e:
        make_plan(build(tiny_dict()), "hindsight")
    assert RENAMED in str(e.value)


def test_hindsight_as_the_scenarios_allocator_policy_names_the_rename() -> None:
    with pytest.raises(ScenarioError) as e:
        build(tiny_dict(allocator={"policy": "hindsight"}))
    text = str(e.value)
    assert f"allocator.policy = 'hindsight': {RENAMED}" in text
    assert "here it must be one of 'uniform', 'standard', 'halfstep'" in text
