"""``uniform`` is one agreement for all, differentiated only by the VIP-handling quotas (DESIGN.md, *Policies*).

The dimensions drawing on the resource ``airport_handling`` keep each tier's service-table
level (nested; scaled down by one factor when the table's quotas do not fit); every other
dimension has one level for every tier, chosen by the LP at the spend of ``halfstep``.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.allocator import build_lp
from model.allocation.nesting import nesting_pairs
from model.allocation.policies import VIP_RESOURCE, make_plan, standard_levels, vip_quotas
from model.allocation.problem import planning_problem
from model.allocation.spec import LPSpec
from model.scenario.loading import load_scenario
from tests.helpers import build, tiny_dict

TOL = 1e-7


def vip_dict(handling_per_day: float = 1000.0) -> dict:
    """The tiny scenario with an ``airport_handling`` resource and two VIP dimensions (CIP and VIP handling).

    Planned on PV − cost (an LP objective: trips held at the reference share), so that uniform's
    spend matches halfstep's exactly; under the contribution objective it matches at the trips
    each plan wins, unless the budget stops it first (tests/allocation/test_allocator.py).
    """
    d = tiny_dict(allocator={"objective": "net_value"})
    d["resources"].append({"name": "airport_handling", "kind": "benefit", "daily_capacity": handling_per_day})
    d["dimensions"] += [
        {"name": "cip", "resource": "airport_handling", "unit_cost_cny": 20},
        {"name": "vip", "resource": "airport_handling", "unit_cost_cny": 40},
    ]
    low, high = d["tiers"]
    low["expectation"].update(cip=0.2, vip=0.0)
    high["expectation"].update(cip=0.5, vip=0.3)
    low["value_weight_cny"].update(cip=60, vip=20)
    high["value_weight_cny"].update(cip=150, vip=250)
    low["standard"].update(cip=0.5)
    high["standard"].update(cip=1.0, vip=1.0)
    return d


def vip_columns(s) -> tuple[list[int], list[int]]:
    vip = [j for j, d in enumerate(s.dimensions) if d.resource == VIP_RESOURCE]
    return vip, [j for j in range(len(s.dimensions)) if j not in vip]


def check_uniform(s, *, table_fits: bool) -> None:
    u, h = make_plan(s, "uniform"), make_plan(s, "halfstep")
    vip, common = vip_columns(s)
    # every dimension but the VIP-handling ones: the same level for every tier
    assert np.allclose(u.levels[:, common], u.levels[0, common], atol=TOL)
    # the VIP-handling ones: the service table's quotas, nested (scaled by one factor if they do not fit)
    table = standard_levels(s)[:, vip]
    if table_fits:
        assert np.allclose(u.levels[:, vip], table, atol=TOL)
    else:
        scale = u.levels[:, vip].max() / table.max()
        assert 0 < scale < 1 - 1e-6
        assert np.allclose(u.levels[:, vip], scale * table, atol=TOL)
        assert any("quotas do not fit" in n for n in u.notes)
    for a, b, j in nesting_pairs(s):
        if j in vip:
            assert u.levels[b, j] >= u.levels[a, j] - TOL
    # at the spend of halfstep
    assert u.total_cost == pytest.approx(h.total_cost, rel=1e-6)
    assert np.all(u.resource_use <= (u.capacity + u.expansions) * (1 + 1e-7) + 1e-6)


def test_uniform_keeps_the_tables_vip_quotas_when_they_fit() -> None:
    s = build(vip_dict())
    check_uniform(s, table_fits=True)
    vip, _ = vip_columns(s)
    u = make_plan(s, "uniform")
    assert not np.allclose(u.levels[:, vip], u.levels[0, vip])  # differentiated, tier by tier
    assert vip_quotas(s)[1] == 1.0


def test_uniform_scales_the_vip_quotas_to_the_handling_capacity() -> None:
    s = build(vip_dict(handling_per_day=0.5))
    check_uniform(s, table_fits=False)
    u = make_plan(s, "uniform")
    k = u.resources.index(VIP_RESOURCE)
    assert u.resource_use[k] == pytest.approx(u.capacity[k], rel=1e-9)  # the largest factor that fits


def test_uniform_on_the_baseline_and_the_peak() -> None:
    for path in (None, "scenarios/national_day_peak.toml"):
        s = load_scenario(path, overrides=["allocator.objective=net_value"])
        _, scale = vip_quotas(planning_problem(s), make_plan(s, "halfstep").total_cost)
        check_uniform(s, table_fits=scale == 1.0)


def test_uniform_with_the_baselines_handling_capacity_ample_keeps_the_table() -> None:
    s = load_scenario(
        overrides=[
            "resources.airport_handling.daily_capacity=*10",
            "budget.benefits_cny=*10",
            "allocator.objective=net_value",
        ]
    )
    check_uniform(s, table_fits=True)


def test_without_an_airport_handling_resource_every_dimension_is_uniform() -> None:
    s = build(tiny_dict(allocator={"objective": "net_value"}))
    u, h = make_plan(s, "uniform"), make_plan(s, "halfstep")
    assert vip_quotas(s) == ((), 1.0)
    assert np.allclose(u.levels, u.levels[0], atol=TOL)
    assert u.total_cost == pytest.approx(h.total_cost, rel=1e-6)


def test_the_mixed_lp_names_its_columns_in_sorted_order_and_both_interfaces_agree() -> None:
    d = vip_dict()
    s = build(d)
    fixed, _ = vip_quotas(s)
    spec = LPSpec("uniform", uniform=True, spend_cap=1e5, maximize="perceived value", fixed=fixed)
    built = build_lp(s, spec)
    names = built.lp.col_names()
    assert names == sorted(names) and len(set(names)) == len(names)
    vip, common = vip_columns(s)
    assert {f"y_{j}" for j in common} | {f"y_{i}_{j}" for i in range(2) for j in vip} == {
        n for n in names if n.startswith("y_")
    }
    assert len(set(built.y[:, common].ravel().tolist())) == len(common)  # one column per shared dimension
    assert len(set(built.y[:, vip].ravel().tolist())) == 2 * len(vip)  # one per tier of each VIP dimension
    d["allocator"] = {"interface": "direct", "objective": "net_value"}
    pulp, direct = make_plan(s, "uniform"), make_plan(build(d), "uniform")
    assert np.array_equal(pulp.levels, direct.levels)


def test_other_policies_lps_have_no_fixed_dimensions() -> None:
    s = build(vip_dict())
    for policy in ("halfstep", "fullstep", "unconstrained"):
        names = build_lp(s, LPSpec(policy, lead=0.5)).lp.col_names()
        assert sum(n.startswith("y_") for n in names) == 2 * len(s.dimensions)


def test_vip_quotas_costing_more_than_halfsteps_spend_are_scaled_to_it() -> None:
    d = vip_dict()
    d["dimensions"][-2]["unit_cost_cny"], d["dimensions"][-1]["unit_cost_cny"] = 80, 150
    s = build(d)
    check_uniform(s, table_fits=False)
    u = make_plan(s, "uniform")
    _, common = vip_columns(s)
    paid = [j for j in common if s.dimensions[j].unit_cost_cny > 0]  # the escort is paid by the roster, not per trip
    assert paid and np.allclose(u.levels[:, paid], 0.0)  # the quotas take the whole spend: the rest at floors (0)


def test_the_vip_quotas_are_closed_under_nesting() -> None:
    d = vip_dict()
    d["tiers"][1]["standard"]["cip"] = 0.0  # the table gives the higher tier less CIP than the lower one
    s = build(d)
    u = make_plan(s, "uniform")
    cip = s.dimension_names.index("cip")
    assert u.levels[:, cip].tolist() == pytest.approx([0.5, 0.5])  # nesting carries the lower tier's quota up
    check_uniform(s, table_fits=True)
