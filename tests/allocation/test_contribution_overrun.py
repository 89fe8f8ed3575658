"""How far a plan overruns at the trips it wins (``model.allocation.contribution.overrun``), against the plan's own report.

The contribution sequence takes a step only if it fits the capacities and the benefit budget at the trips it
wins, and cuts a step back to the farthest point that fits. "Fits" is ``overrun``: the largest share by which,
at those trips, a resource's use exceeds its capacity and expansions, or the benefit spend exceeds the budget
(0 when everything fits). Here it is checked against what a plan priced at those levels reports — its
resource use, its capacities and its benefit cost — on a scenario where an escort trip uses 0.5 or 0.75
staff-hours (not one unit, as a benefit use is), and where the lounge's capacity (0.3 uses) and the budget
(0.5 CNY) are under one unit, so that a share of the limit differs from the excess itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.allocator import plan_from_levels
from model.allocation.contribution import contribution_model, overrun
from model.allocation.problem import planning_problem
from tests.helpers import build, tiny_dict


def _problem(budget: float | None):
    d = tiny_dict(allocator={"objective": "contribution"})
    if budget is not None:
        d["budget"] = {"benefits_cny": budget}
    d["resources"][0]["daily_capacity"] = 0.01  # 0.3 lounge uses over the 30-day horizon
    d["resources"][1]["staff_on_duty"] = [0] * 12 + [1] + [0] * 11  # one escort on duty, one hour a day
    return planning_problem(build(d))


def _shares(problem, levels, expansions) -> dict[str, float]:
    """By how much each row is over its limit, as a share of it, from the plan the levels make at their own trips."""
    model = contribution_model(problem)
    plan = plan_from_levels(
        problem.with_demand(trips=model.trips(levels)), levels, policy="test", shadow_prices=(), binding=()
    )
    out = {
        name: float(plan.resource_use[k] / (plan.capacity[k] + expansions[k]) - 1.0)
        for k, name in enumerate(plan.resources)
    }
    if np.isfinite(problem.resources.budget):
        out["budget"] = float(plan.cost_by_kind["benefit"].sum() / problem.resources.budget - 1.0)
    return out


CASES = {  # (benefit budget, levels (tier × lounge, escort), expansions (lounge, escort), the row overrun most)
    "the lounge, under one use of capacity": (None, [[0.02, 0.0], [0.01, 0.0]], [0.0, 0.0], "lounge"),
    "the lounge with an expansion": (None, [[0.3, 0.0], [0.2, 0.0]], [2.0, 0.0], "lounge"),
    "the escort roster, at 0.5 and 0.75 staff-hours a trip": (
        None,
        [[0.0, 1.0], [0.0, 1.0]],
        [0.0, 0.0],
        "escort_staff",
    ),
    "the budget, under one CNY": (0.5, [[0.002, 0.0], [0.001, 0.0]], [100.0, 0.0], "budget"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_overrun_is_the_largest_excess_at_the_trips_the_plan_wins(case):
    budget, y, x, worst = CASES[case]
    problem = _problem(budget)
    levels, expansions = np.array(y), np.array(x)
    shares = _shares(problem, levels, expansions)
    assert max(shares, key=shares.__getitem__) == worst and shares[worst] > 0.1  # the case is what it says
    got = overrun(problem, contribution_model(problem), levels, expansions)
    assert got == pytest.approx(shares[worst], rel=1e-12)


@pytest.mark.parametrize("budget", [None, 0.5])
def test_a_plan_that_fits_everywhere_does_not_overrun(budget):
    problem = _problem(budget)
    levels, expansions = np.array([[0.0001, 0.1], [0.0001, 0.1]]), np.zeros(2)
    assert max(_shares(problem, levels, expansions).values()) < 0  # every row below its limit
    assert overrun(problem, contribution_model(problem), levels, expansions) == 0.0
