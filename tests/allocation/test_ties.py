"""A canonical optimum: the same plan whichever solver finds one of the LP's tied optima."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.allocator import build_lp
from model.allocation.lp import solve
from model.allocation.policies import make_plan
from model.allocation.spec import LPSpec
from model.scenario.loading import load_scenario
from tests.helpers import build, tiny_dict

SOLVERS = [("highs", "pulp"), ("highs", "direct"), ("cbc", "pulp")]


def tied(solver: str, interface: str, objective: str = "net_value"):
    """Two identical lounge dimensions sharing one lounge that binds: how to split it is a tie.

    The LP objectives (here PV − cost, with an escort at 30 CNY a trip) have a canonical optimum;
    the contribution objective is a sequence of LPs whose plan is found to its tolerance.
    """
    d = tiny_dict(allocator={"solver": solver, "interface": interface, "objective": objective})
    d["dimensions"][1]["unit_cost_cny"] = 30.0
    d["resources"][0]["daily_capacity"] = 1
    d["dimensions"].insert(1, {"name": "lounge2", "resource": "lounge", "unit_cost_cny": 50})
    for t in d["tiers"]:
        t["expectation"]["lounge2"] = t["expectation"]["lounge"]
        t["value_weight_cny"]["lounge2"] = t["value_weight_cny"]["lounge"]
    return build(d)


def test_the_instance_is_tied_and_the_solvers_break_the_tie_differently():
    raw = {}
    for solver, interface in SOLVERS:
        built = build_lp(tied(solver, interface), LPSpec("halfstep", lead=0.5))
        solution = solve(built.lp, solver, 10.0, interface)
        raw[solver, interface] = (np.clip(solution.x[built.y], 0, 1), float(built.lp.cost @ solution.x))
    values = [v for _, v in raw.values()]
    assert max(values) - min(values) < 1e-6 * max(1.0, abs(values[0]))  # equally good
    levels = [x for x, _ in raw.values()]
    assert any(not np.allclose(levels[0], x, atol=1e-6) for x in levels[1:])  # but not the same plan


@pytest.mark.parametrize("policy", ["halfstep", "fullstep", "unconstrained", "uniform"])
def test_every_solver_returns_the_same_canonical_plan(policy):
    plans = [make_plan(tied(solver, interface), policy) for solver, interface in SOLVERS]
    for p in plans[1:]:
        np.testing.assert_allclose(p.levels, plans[0].levels, rtol=0, atol=1e-7)
        np.testing.assert_allclose(p.expansions, plans[0].expansions, rtol=0, atol=1e-7)
        assert p.total_net_value == pytest.approx(plans[0].total_net_value, rel=1e-9)


@pytest.mark.parametrize("policy", ["halfstep", "unconstrained"])
def test_every_solver_finds_the_same_contribution(policy):
    # the sequence of LPs may settle on either of two mirrored optima, but never on a worse plan
    plans = [make_plan(tied(solver, interface, "contribution"), policy) for solver, interface in SOLVERS]
    for p in plans:
        assert p.converged
        assert p.expected_contribution == pytest.approx(plans[0].expected_contribution, rel=1e-6)


def test_the_canonical_plan_is_the_cheapest_of_the_optimal_ones():
    s = tied("highs", "direct")
    p = make_plan(s, "halfstep")
    built = build_lp(s, LPSpec("halfstep", lead=0.5))
    first = solve(built.lp, "highs", 10.0, "direct")
    assert float(built.lp.cost @ first.x) == pytest.approx(p.total_net_value - built.lp.offset, rel=1e-9, abs=1e-6)
    assert p.total_cost <= float(built.spend @ first.x) + 1e-6


def test_highs_and_cbc_give_the_same_baseline_plans():
    s = load_scenario()
    d = s.model_dump()
    d["allocator"]["solver"] = "cbc"
    for policy in ("halfstep", "uniform"):
        a, b = make_plan(s, policy), make_plan(build(d), policy)
        # the contribution objective: the same expected contribution (its plan may be either of tied optima)
        assert a.expected_contribution == pytest.approx(b.expected_contribution, rel=1e-6)
    d["allocator"]["objective"] = "net_value"  # an LP objective: the canonical plan, to the last digit
    s = build(d | {"allocator": d["allocator"] | {"solver": "highs"}})
    for policy in ("halfstep", "uniform"):
        a, b = make_plan(s, policy), make_plan(build(d), policy)
        np.testing.assert_allclose(a.levels, b.levels, rtol=0, atol=1e-7)


def test_a_tie_break_that_stops_is_said_on_the_plan(monkeypatch):
    import dataclasses

    import model.allocation.allocator as allocator

    solve_once = allocator.solve
    calls = []

    def stopping(lp, *args, **kwargs):  # the first solve finishes, the tie-break's stop at the time limit
        calls.append(1)
        sol = solve_once(lp, *args, **kwargs)
        return sol if len(calls) == 1 else dataclasses.replace(sol, status="Time limit reached")

    monkeypatch.setattr(allocator, "solve", stopping)
    plan = allocator.allocate(tied("highs", "direct"), LPSpec("halfstep", lead=0.5))
    assert len(calls) >= 2 and plan.status == "Optimal"
    assert any("tie-break among equally good plans stopped (Time limit reached)" in n for n in plan.notes)
    monkeypatch.setattr(allocator, "solve", solve_once)
    assert not allocator.allocate(tied("highs", "direct"), LPSpec("halfstep", lead=0.5)).notes
