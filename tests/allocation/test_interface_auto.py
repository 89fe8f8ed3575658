"""``allocator.interface = "auto"``: PuLP for small LPs, HiGHS directly from AUTO_DIRECT_NONZEROS, the same plan either way."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from benchmarks.scenarios import account_tiers
from model.allocation.lp import AUTO_DIRECT_NONZEROS, LinearProgram, interface_for, recorded_solves, solve
from model.allocation.policies import make_plan
from model.scenario.loading import load_scenario
from model.scenario.schema import Scenario


def chain_lp(nonzeros: int) -> LinearProgram:
    """max Σx  s.t.  x_j + x_{j+1} ≤ 1 for every neighbour pair, 0 ≤ x ≤ 1: ``nonzeros`` entries in all (even)."""
    rows = nonzeros // 2
    cols = rows + 1
    index = np.column_stack([np.arange(rows), np.arange(1, cols)]).ravel().astype(np.int32)
    return LinearProgram(
        cost=np.ones(cols),
        lower=np.zeros(cols),
        upper=np.ones(cols),
        start=np.arange(0, 2 * rows + 1, 2, dtype=np.int32),
        index=index,
        value=np.ones(2 * rows),
        row_lower=np.full(rows, -np.inf),
        row_upper=np.ones(rows),
        col_names=lambda: [f"x_{j}" for j in range(cols)],
        row_names=lambda: [f"r_{r}" for r in range(rows)],
    )


def with_allocator(scenario: Scenario, **settings: object) -> Scenario:
    return scenario.model_copy(update={"allocator": scenario.allocator.model_copy(update=settings)})


def test_auto_is_the_default():
    assert load_scenario().allocator.interface == "auto"


@pytest.mark.parametrize(
    ("nonzeros", "expected"), [(AUTO_DIRECT_NONZEROS - 2, "pulp"), (AUTO_DIRECT_NONZEROS, "direct")]
)
def test_auto_passes_an_lp_to_highs_directly_from_the_threshold(nonzeros, expected):
    lp = chain_lp(nonzeros)
    assert len(lp.value) == nonzeros
    solution = solve(lp, "highs", 10.0, "auto")
    assert solution.optimal and solution.interface == expected
    assert solution.x.sum() == pytest.approx((len(lp.cost) + 1) // 2)  # every other x at 1
    # CBC is reached through PuLP only, whatever the size; a chosen interface is kept
    assert interface_for(lp, "cbc", "auto") == "pulp"
    assert interface_for(lp, "highs", "pulp") == "pulp" and interface_for(chain_lp(4), "highs", "direct") == "direct"


def test_auto_takes_pulp_for_the_baseline_and_highs_directly_for_a_book_of_account_tiers():
    small = with_allocator(load_scenario(), objective="net_value")  # one LP and its tie-break
    with recorded_solves() as solves:
        make_plan(small, "halfstep")
    assert solves and {s.interface for _, s in solves} == {"pulp"}
    assert max(len(lp.value) for lp, _ in solves) < AUTO_DIRECT_NONZEROS
    # the contribution objective: the sequence's inner steps go to HiGHS directly, the final step through auto
    with recorded_solves() as solves:
        plan = make_plan(load_scenario(), "halfstep")
    inner = plan.iterations - 1 - 2  # less the final step and its tie-break's two solves
    assert [s.interface for _, s in solves[:inner]] == ["direct"] * inner
    assert solves[-1][1].interface == "pulp"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some drawn accounts lose money on a trip: not the point here
        large = with_allocator(account_tiers(150), objective="net_value")
        with recorded_solves() as solves:
            make_plan(large, "halfstep")
    assert solves and {s.interface for _, s in solves} == {"direct"}
    assert min(len(lp.value) for lp, _ in solves) >= AUTO_DIRECT_NONZEROS


def test_pulp_and_direct_give_identical_contribution_plans_on_a_mid_size_book():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = with_allocator(account_tiers(40), objective="contribution")
        plans = {}
        for interface in ("pulp", "direct"):
            with recorded_solves() as solves:
                plans[interface] = make_plan(with_allocator(book, interface=interface), "halfstep")
            assert solves[-1][1].interface == interface  # the final step (the inner ones go directly)
    pulp, direct = plans["pulp"], plans["direct"]
    assert pulp.iterations == direct.iterations > 1  # a sequence of LPs, step for step the same
    np.testing.assert_array_equal(pulp.levels, direct.levels)
    np.testing.assert_array_equal(pulp.expansions, direct.expansions)
    assert pulp.expected_contribution == direct.expected_contribution
    assert [sp.value_cny for sp in pulp.shadow_prices] == pytest.approx([sp.value_cny for sp in direct.shadow_prices])
