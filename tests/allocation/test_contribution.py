"""The contribution objective: a sequence of LPs against a brute-force grid, from any start, and its ordering of plans."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.contribution import contribution_model, contribution_plan
from model.allocation.policies import make_plan
from model.allocation.problem import planning_problem
from model.allocation.spec import LPSpec
from model.scenario.loading import load_scenario
from tests.helpers import build, tiny_dict


def one_tier_one_dimension(weight: float, cost: float, beta: float, intercept: float):
    """One tier, one lounge dimension, nothing scarce: the contribution is a function of one level."""
    d = tiny_dict(
        choice={"intercept": intercept, "value_per_cny": beta, "closeness": 0.0},
        economics={"incremental_margin": 0.85},
        allocator={"objective": "contribution"},
    )
    d["resources"] = [d["resources"][0]]
    d["dimensions"] = [{"name": "lounge", "resource": "lounge", "unit_cost_cny": cost}]
    tier = d["tiers"][1]
    for table in ("expectation", "value_weight_cny", "standard"):
        tier[table] = {"lounge": tier[table]["lounge"]}
    tier["value_weight_cny"]["lounge"] = weight
    d["tiers"] = [tier]
    return build(d)


CASES = [  # (w, c, β_PV, β0): where the optimum is interior, at a kink, or at a bound
    (200.0, 50.0, 0.004, 0.0),
    (600.0, 120.0, 0.01, -1.0),
    (300.0, 400.0, 0.004, 0.5),
    (800.0, 30.0, 0.02, -2.0),
    (150.0, 10.0, 0.001, 0.0),
]


@pytest.mark.parametrize(("w", "c", "beta", "b0"), CASES)
def test_the_sequence_finds_the_grid_optimum(w, c, beta, b0):
    s = one_tier_one_dimension(w, c, beta, b0)
    problem = planning_problem(s)
    model = contribution_model(problem)
    grid = np.linspace(0.0, 1.0, 10_001)
    values = np.array([model.value(np.array([[y]])) for y in grid])
    best = grid[int(np.argmax(values))]
    plan = contribution_plan(problem, LPSpec("unconstrained"))
    assert plan.converged
    # tolerance: the grid's spacing (1e-4) and the sequence's stopping rule (slp_tolerance 1e-4); the
    # objective is flat at its optimum, so its value is compared with a tolerance a thousand times tighter
    assert plan.expected_contribution >= values.max() - 1e-6 * abs(values.max())
    assert abs(plan.levels[0, 0] - best) <= 2e-3 or np.isclose(model.value(plan.levels), values.max(), rtol=1e-9)


@pytest.mark.parametrize("start", [0.0, 0.3, 0.7, 1.0])
def test_every_start_converges_to_the_same_plan(start):
    s = one_tier_one_dimension(600.0, 120.0, 0.01, -1.0)
    problem = planning_problem(s)
    reference = contribution_plan(problem, LPSpec("unconstrained"))
    plan = contribution_plan(problem, LPSpec("unconstrained"), start=np.array([[start]]))
    assert plan.converged
    assert plan.levels[0, 0] == pytest.approx(reference.levels[0, 0], abs=1e-3)


def test_unconstrained_never_contributes_less_than_the_service_table():
    """In the allocator's own model: where the table fits the capacities it is one of the plans the unconstrained
    LP can choose (the shipped baseline's table overruns handling, cars and seat holds, so capacities are ×10 here)."""
    s = load_scenario(
        overrides=[
            "allocator.objective=contribution",
            "resources.airport_handling.daily_capacity=*10",
            "resources.cars.daily_capacity=*10",
            "resources.lounge.daily_capacity=*10",
            "resources.seat_holds.hold_limit_per_flight=*10",
            "budget.benefits_cny=*10",
        ]
    )
    unconstrained, standard = make_plan(s, "unconstrained"), make_plan(s, "standard")
    assert not standard.notes  # the table fits the capacities, so it is feasible for the LP
    assert unconstrained.expected_contribution >= standard.expected_contribution
    assert unconstrained.objective == "contribution" and unconstrained.iterations > 1


def test_plan_trips_respond_to_perceived_value():
    s = load_scenario(overrides=["allocator.objective=contribution"])
    plan = make_plan(s, "halfstep")
    model = contribution_model(planning_problem(s))
    np.testing.assert_allclose(plan.expected_trips, model.trips(plan.levels), rtol=1e-12)
    roster = planning_problem(s).resources.roster_cost  # a fixed cost: in the contribution, not in the choice
    assert roster > 0
    assert plan.expected_contribution == pytest.approx(
        model.value(plan.levels, plan.expansion_cost) - roster, rel=1e-12
    )


def test_the_value_objective_buys_the_most_perceived_value_for_the_budget():
    net, value = load_scenario(overrides=["allocator.objective=net_value"]), load_scenario(
        overrides=["allocator.objective=value"]
    )
    p_net, p_value = make_plan(net, "halfstep"), make_plan(value, "halfstep")
    pv_net = p_net.perceived_value.sum()
    assert p_value.perceived_value.sum() >= pv_net - 1e-9 * abs(pv_net)
    assert "budget[benefits]" in p_value.binding  # service costs nothing in the objective: the budget binds
    assert load_scenario().allocator.objective == "contribution"  # the default
