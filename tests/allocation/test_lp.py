"""The LP in arrays (model/allocation/lp.py), its columns and nesting (model/allocation/allocator.py, model/allocation/nesting.py)."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.allocation.allocator import build_lp, plan_from_solution
from model.allocation.lp import LinearProgram, solve
from model.allocation.nesting import effective_floors, nesting_arrays, nesting_pairs
from model.allocation.spec import LPSpec
from model.allocation.value import tier_ranks
from model.errors import SolverError
from tests.helpers import build, tiny_dict


def small_lp(extra_row: tuple[float, float] | None = None) -> LinearProgram:
    """max 3x + 2y  s.t.  x + y ≤ 4,  x + 3y ≤ 9,  0 ≤ x ≤ 3,  y ≥ 0: optimum x = 3, y = 1, value 11."""
    start, index, value = [0, 2, 4], [0, 1, 0, 1], [1.0, 1.0, 1.0, 3.0]
    lower, upper = [-np.inf, -np.inf], [4.0, 9.0]
    if extra_row is not None:  # x ≥ lo (and ≤ hi)
        start.append(5)
        index.append(0)
        value.append(1.0)
        lower.append(extra_row[0])
        upper.append(extra_row[1])
    return LinearProgram(
        cost=np.array([3.0, 2.0]),
        lower=np.zeros(2),
        upper=np.array([3.0, np.inf]),
        start=np.array(start, dtype=np.int32),
        index=np.array(index, dtype=np.int32),
        value=np.array(value),
        row_lower=np.array(lower),
        row_upper=np.array(upper),
        col_names=lambda: ["x", "y"],
        row_names=lambda: ["a", "b", "c"][: len(lower)],
    )


@pytest.mark.parametrize(("solver", "interface"), [("highs", "pulp"), ("cbc", "pulp"), ("highs", "direct")])
def test_small_lp_known_answer(solver, interface):
    s = solve(small_lp(), solver, 10.0, interface)
    assert s.optimal
    np.testing.assert_allclose(s.x, [3.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(s.slack, [0.0, 3.0], atol=1e-9)  # row a binds, row b has 9 − 6 to spare
    # one more unit of row a buys one more y, worth 2; row b is worth nothing
    np.testing.assert_allclose(np.abs(s.dual), [2.0, 0.0], atol=1e-9)


@pytest.mark.parametrize("interface", ["pulp", "direct"])
def test_an_infeasible_lp_is_reported_with_the_solver_word(interface):
    s = solve(small_lp(extra_row=(5.0, np.inf)), "highs", 10.0, interface)  # x ≥ 5 but x ≤ 3
    assert not s.optimal and "nfeasible" in s.status


@pytest.mark.parametrize("policy", ["halfstep", "fullstep", "uniform", "standard", "unconstrained"])
def test_pulp_and_direct_interfaces_make_the_same_plan(policy):
    from model.allocation.policies import make_plan
    from model.scenario.loading import load_scenario

    base = load_scenario(None)
    direct = base.model_copy(update={"allocator": base.allocator.model_copy(update={"interface": "direct"})})
    a, b = make_plan(base, policy), make_plan(direct, policy)
    np.testing.assert_array_equal(a.levels, b.levels)
    assert [sp.value_cny for sp in a.shadow_prices] == pytest.approx([sp.value_cny for sp in b.shadow_prices])


def test_direct_interface_needs_highs():
    from model.errors import ScenarioError

    data = tiny_dict(allocator={"solver": "cbc", "interface": "direct"})
    with pytest.raises(ScenarioError, match=r"allocator.interface = 'direct': 'direct' passes the LP to HiGHS only"):
        build(data)


def test_a_plan_is_not_made_from_a_solution_that_is_not_optimal(tiny):
    spec = LPSpec("halfstep", lead=0.5)
    built = build_lp(tiny, spec)
    bad = solve(small_lp(extra_row=(5.0, np.inf)), "highs", 10.0)
    with pytest.raises(SolverError, match="did not find an optimal plan"):
        plan_from_solution(spec, built, bad)


@pytest.mark.parametrize("uniform", [False, True])
def test_columns_are_numbered_in_the_order_of_their_names(uniform):
    # 12 tiers and 11 dimensions: "10" sorts before "2", which PuLP's name order followed
    d = tiny_dict()
    d["dimensions"] += [{"name": f"d{k}", "resource": "lounge", "unit_cost_cny": 1.0} for k in range(9)]
    template = d["tiers"][0]
    d["tiers"] = []
    for i in range(12):
        t = copy.deepcopy(template)
        t["name"] = f"t{i}"
        for k in range(9):
            t["expectation"][f"d{k}"] = 0.1
            t["value_weight_cny"][f"d{k}"] = 10.0
        d["tiers"].append(t)
    s = build(d)
    spec = LPSpec("uniform", uniform=True, spend_cap=1e9) if uniform else LPSpec("halfstep", lead=0.5)
    names = build_lp(s, spec).lp.col_names()
    assert names == sorted(names) and len(set(names)) == len(names)


def nesting_reference(s):
    """The definition, pair by pair: each tier against every tier of the next rank below."""
    ranks, dims = tier_ranks(s), s.dimension_names
    exempt = [{dims.index(x) for x in t.nesting_exempt} for t in s.tiers]
    out = []
    for b in range(len(ranks)):
        below = ranks[ranks < ranks[b]]
        if below.size:
            for a in np.flatnonzero(ranks == below.max()):
                out.extend((int(a), b, j) for j in range(len(dims)) if j not in exempt[a] and j not in exempt[b])
    return out


def floors_reference(s, pairs):
    lo = np.array([[t.floor.get(d, 0.0) for d in s.dimension_names] for t in s.tiers])
    changed = True
    while changed:
        changed = False
        for a, b, j in pairs:
            if lo[b, j] < lo[a, j]:
                lo[b, j], changed = lo[a, j], True
    return lo


tier_specs = st.lists(
    st.tuples(
        st.integers(1, 4),  # rank (ties allowed)
        st.sets(st.sampled_from(["lounge", "escort"])),  # nesting exemptions
        st.sampled_from([0.0, 0.2, 0.5]),  # lounge floor
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tier_specs)
def test_nesting_arrays_and_floors_match_their_definition(specs):
    d = tiny_dict()
    template = d["tiers"][0]
    d["tiers"] = []
    for i, (rank, exempt, floor) in enumerate(specs):
        t = copy.deepcopy(template)
        t.update(name=f"t{i}", rank=rank, nesting_exempt=sorted(exempt), floor={"lounge": floor})
        d["tiers"].append(t)
    s = build(d)
    pairs = nesting_reference(s)
    assert nesting_pairs(s) == pairs
    assert [len(x) for x in nesting_arrays(s)] == [len(pairs)] * 3
    np.testing.assert_array_equal(effective_floors(s), floors_reference(s, pairs))


@pytest.mark.parametrize("interface", ["pulp", "direct"])
def test_no_solver_banner_on_standard_output(interface):
    """HiGHS prints a banner from C++ when an instance is made; a plan's output must not carry it."""
    code = (
        "import model; s = model.load_scenario(overrides=['allocator.interface=" + interface + "']); "
        "p = model.plan(s, 'halfstep'); print('plan', p.policy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "plan halfstep\n"
