"""A later period's problem and a path's contribution (``model.allocation.paths``), from what they are made of."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.contribution import contribution_model
from model.allocation.paths import at_references, dynamics, path_contribution, period_problems, references
from model.allocation.problem import planning_problem
from tests.helpers import build, tiny_dict


def _problem():
    return planning_problem(build(tiny_dict(expectations={"adapt_up": 0.4, "adapt_down": 0.2, "floor_share": 0.5})))


def test_a_later_period_s_problem_has_its_own_expectations_and_references_and_today_s_everything_else():
    problem = _problem()
    e = np.array([[0.3, 0.15], [0.65, 0.5]])
    r = np.array([[0.35, 0.2], [0.7, 0.55]])
    later = at_references(problem, e, r)
    np.testing.assert_array_equal(later.values.expectation, e)
    np.testing.assert_array_equal(later.values.reference, r)
    np.testing.assert_array_equal(later.values.weight, problem.values.weight)
    np.testing.assert_array_equal(later.values.step, problem.values.step)
    np.testing.assert_array_equal(later.trips, problem.trips)
    np.testing.assert_array_equal(later.floors, problem.floors)
    # a path planned from that period on starts from its expectations, not today's
    np.testing.assert_array_equal(dynamics(later).start, e)


def test_a_path_s_contribution_is_the_sum_of_its_periods_and_no_expansions_cost_nothing():
    problem = _problem()
    levels = np.array([[[0.6, 0.5], [1.0, 0.8]], [[0.2, 0.1], [0.9, 0.3]], [[0.4, 0.0], [0.5, 1.0]]])
    periods = period_problems(problem, levels)
    e, r = references(dynamics(problem), levels)
    np.testing.assert_array_equal(periods[2].values.expectation, e[2])
    np.testing.assert_array_equal(periods[2].values.reference, r[2])
    each = [contribution_model(p).value(y) for p, y in zip(periods, levels, strict=True)]
    assert path_contribution(problem, levels) == pytest.approx(sum(each), rel=1e-12)
    costs = np.array([0.0, 120.0, 30.0])
    assert path_contribution(problem, levels, costs) == pytest.approx(sum(each) - 150.0, rel=1e-12)
