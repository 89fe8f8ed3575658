"""The LP allocator against known answers: the half-step rule, shadow prices, brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.allocation.allocator import allocate
from model.allocation.demand import expected_requests, expected_trips
from model.allocation.nesting import effective_floors, nesting_pairs
from model.allocation.policies import make_plan
from model.allocation.resources import resource_tables
from model.allocation.spec import LPSpec
from model.allocation.value import perceived_value, value_tables
from model.errors import InfeasibleError
from model.scenario.loading import load_scenario
from tests.helpers import build, tiny_dict

TOL = 1e-7


def ample(lounge_cost: float, weights=((100, 100), (150, 150)), wage: float = 80.0, **tiers_extra) -> dict:
    """Tiny scenario with capacity to spare; weights per tier are (lounge, escort).

    The LP of PV − cost (objective ``net_value``), whose optimum theory gives in closed form.
    The escort's cost per trip is 45 minutes at ``wage`` (a unit cost of the dimension: the
    roster's staff are a fixed cost).
    """
    d = tiny_dict()
    d["allocator"] = {"objective": "net_value"}
    d["dimensions"][0]["unit_cost_cny"] = lounge_cost
    d["dimensions"][1]["unit_cost_cny"] = wage * 45 / 60
    for t, (wl, we) in zip(d["tiers"], weights, strict=True):
        t["value_weight_cny"] = {"lounge": wl, "escort": we}
        t.update(tiers_extra)
    return d


def cost_per_request(s) -> np.ndarray:
    """Unit cost per trip requested: PV counts on every request, cost only on trips flown."""
    return resource_tables(s).unit_cost * (expected_trips(s) / expected_requests(s))[:, None]


def test_half_step_rule_when_weak_value_is_below_cost():
    # w > cost per request > ρ·w for every tier and dimension (escorts: 45 min at 90 CNY/h)
    s = build(ample(lounge_cost=70, wage=90))
    vt, c = value_tables(s), cost_per_request(s)
    rho = s.value.weak_value
    assert np.all(vt.weight > c) and np.all(c > rho * vt.weight)
    target = vt.reference + s.value.satiation * vt.step
    for policy in ("halfstep", "unconstrained", "fullstep"):
        p = make_plan(s, policy)
        assert np.allclose(p.levels, target, atol=TOL), policy


def test_full_step_pays_only_when_weak_value_exceeds_cost():
    s = build(ample(lounge_cost=20))  # ρ·w = 30 and 45 > 20 · share for the lounge
    vt = value_tables(s)
    half = make_plan(s, "halfstep").levels[:, 0]
    full = make_plan(s, "unconstrained").levels[:, 0]
    assert np.allclose(full, vt.reference[:, 0] + vt.step[:, 0], atol=TOL)
    assert np.allclose(half, vt.reference[:, 0] + vt.step[:, 0] / 2, atol=TOL)
    assert make_plan(s, "halfstep").over_service_cost.sum() == 0
    assert make_plan(s, "unconstrained").over_service_cost.sum() > 0


def test_nothing_below_reference_is_cut_when_loss_aversion_covers_cost():
    # λ·w > cost per request > w: serve exactly the reference, no lead
    s = build(ample(lounge_cost=160, weights=((100, 100), (110, 110)), wage=300))
    vt, c = value_tables(s), cost_per_request(s)
    assert np.all(s.value.loss_aversion * vt.weight > c) and np.all(c > vt.weight)
    assert np.allclose(make_plan(s, "unconstrained").levels, vt.reference, atol=TOL)


def _with_lounge_capacity(daily: float) -> dict:
    d = ample(lounge_cost=50)
    d["resources"][0]["daily_capacity"] = daily
    return d


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_capacity_shadow_price_equals_finite_difference(solver):
    eps = 1e-3  # uses per day
    d = _with_lounge_capacity(0.5)
    d["allocator"]["solver"] = solver
    s0, s1 = build(d), None
    p0 = make_plan(s0, "halfstep")
    shadow = {sp.constraint: sp for sp in p0.shadow_prices}["capacity[lounge]"]
    assert shadow.binding and shadow.value_cny > 0
    d["resources"][0]["daily_capacity"] = 0.5 + eps
    s1 = build(d)
    p1 = make_plan(s1, "halfstep")
    delta_units = eps * s0.time.horizon_days
    fd = (p1.total_net_value - p0.total_net_value) / delta_units
    assert fd == pytest.approx(shadow.value_cny, rel=1e-5)


def test_budget_shadow_price_equals_finite_difference():
    d = ample(lounge_cost=50)
    d["budget"] = {"benefits_cny": 600.0}
    p0 = make_plan(build(d), "halfstep")
    shadow = {sp.constraint: sp for sp in p0.shadow_prices}["budget[benefits]"]
    assert shadow.binding and shadow.value_cny > 0
    d["budget"] = {"benefits_cny": 601.0}
    p1 = make_plan(build(d), "halfstep")
    assert p1.total_net_value - p0.total_net_value == pytest.approx(shadow.value_cny, rel=1e-5)


def test_slack_capacity_has_zero_shadow_price():
    p = make_plan(build(ample(lounge_cost=50)), "halfstep")
    assert all(sp.value_cny == 0 and not sp.binding for sp in p.shadow_prices)


def test_expansion_is_bought_when_worth_its_cost():
    d = _with_lounge_capacity(0.5)
    d["resources"][0]["expansion_cost_cny"] = 1.0
    p = make_plan(build(d), "halfstep")
    cheap = p.expansions[p.resources.index("lounge")]
    assert cheap > 0
    d["resources"][0]["expansion_cost_cny"] = 1e6
    p = make_plan(build(d), "halfstep")
    assert p.expansions[p.resources.index("lounge")] == 0


def _brute_force_objective(s, grid: np.ndarray) -> float:
    """Best net value over every combination of grid levels that satisfies all constraints."""
    vt, rt = value_tables(s), resource_tables(s)
    n, m = expected_trips(s), expected_requests(s)
    T, D = vt.reference.shape
    floors = effective_floors(s)
    cap = np.minimum(1, np.maximum(vt.reference + 0.5 * vt.step, floors))
    # every combination at once: shape (combos, T, D)
    y = np.array(list(itertools.product(grid, repeat=T * D))).reshape(-1, T, D)
    ok = np.all(y >= floors - 1e-12, axis=(1, 2)) & np.all(y <= cap + 1e-12, axis=(1, 2))
    for a, b, j in nesting_pairs(s):
        ok &= y[:, b, j] >= y[:, a, j] - 1e-12
    use = n[None, :, None] * rt.use[None] * y
    for k in range(len(rt.names)):
        ok &= use[:, :, rt.dim_resource == k].sum(axis=(1, 2)) <= rt.capacity[k] + 1e-9
    cost = n[None, :, None] * rt.unit_cost[None] * y
    ok &= cost[:, :, rt.benefit].sum(axis=(1, 2)) <= rt.budget + 1e-9
    pv = np.array([perceived_value(yy, vt) for yy in y[ok]])
    value = (pv * m).sum(axis=1) - cost[ok].sum(axis=(1, 2))
    return float(value.max())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    w=st.lists(st.integers(10, 300), min_size=4, max_size=4),
    c=st.integers(0, 200),
    daily=st.sampled_from([None, 0.3, 0.6]),
    exp_low=st.sampled_from([0.0, 0.1, 0.2]),
)
def test_lp_matches_brute_force_grid(w, c, daily, exp_low):
    d = ample(lounge_cost=c, weights=((w[0], w[1]), (w[2], w[3])))
    d["resources"][0]["daily_capacity"] = daily
    d["tiers"][0]["expectation"] = {"lounge": exp_low, "escort": 0.1}
    s = build(d)
    p = make_plan(s, "halfstep")
    grid = np.round(np.arange(0, 1.0001, 0.05), 10)
    brute = _brute_force_objective(s, grid)
    lp = p.total_net_value
    assert lp >= brute - 1e-6  # no grid point beats the LP
    # and the LP is no better than the grid allows: the objective is Lipschitz in each level
    vt, rt = value_tables(s), resource_tables(s)
    n, m = expected_trips(s), expected_requests(s)
    lipschitz = float((m[:, None] * s.value.loss_aversion * vt.weight + n[:, None] * rt.unit_cost).sum())
    assert lp - brute <= lipschitz * 0.05 + 1e-6
    if daily is None:  # breakpoints lie on the grid: the optimum is a grid point
        assert lp == pytest.approx(brute, abs=1e-6)


@pytest.mark.parametrize("policy", ["uniform", "standard", "halfstep", "fullstep", "unconstrained"])
def test_every_baseline_plan_respects_nesting_and_floors(policy):
    s = load_scenario()
    d = s.model_dump()
    d["tiers"][2]["floor"] = {"escort": 0.6}
    s = build(d)
    p = make_plan(s, policy)
    floors = effective_floors(s)
    assert np.all(p.levels >= floors - TOL)
    assert floors[3, s.dimension_names.index("escort")] == 0.6  # closed under nesting
    if policy != "uniform":
        for a, b, j in nesting_pairs(s):
            assert p.levels[b, j] >= p.levels[a, j] - TOL
    assert np.all((p.levels >= -TOL) & (p.levels <= 1 + TOL))


def test_uniform_gives_every_tier_the_same_and_spends_no_more_than_halfstep():
    s = load_scenario()
    u, h = make_plan(s, "uniform"), make_plan(s, "halfstep")
    common = [j for j, d in enumerate(s.dimensions) if d.resource != "airport_handling"]  # VIP quotas differ
    assert np.allclose(u.levels[:, common], u.levels[0, common], atol=TOL)
    # the same spend at the trips each plan wins — or less, where the benefit budget stops uniform first
    assert u.total_cost <= h.total_cost * (1 + 1e-3)
    binding = {sp.constraint for sp in u.shadow_prices if sp.binding}
    assert "spend[matched]" in binding or "budget[benefits]" in binding
    assert u.total_cost >= 0.8 * h.total_cost


def test_lead_cap_holds_for_every_lp_policy():
    s = load_scenario()
    vt = value_tables(s)
    floors = effective_floors(s)
    for policy, lead in (("halfstep", 0.5), ("fullstep", 1.0)):
        p = make_plan(s, policy)
        assert np.all(p.levels <= np.maximum(vt.reference + lead * vt.step, floors) + TOL)


def test_infeasible_floors_name_the_conflict():
    d = tiny_dict()
    d["resources"][1]["staff_on_duty"] = [0] * 8 + [1] * 2 + [0] * 14
    d["tiers"][0]["floor"] = {"escort": 1.0}
    d["tiers"][0]["accounts"] = 100  # about 250 trips × 30 min ≫ 48 staff-hours
    with pytest.raises(InfeasibleError) as e:
        make_plan(build(d), "halfstep")
    msg = str(e.value)
    assert "escort_staff floors need more escort staff-hours than the roster has" in msg
    # only 08:00 and 09:00 are rostered; escorts start 60–120 minutes before the 08:00, 12:00 and 18:00 departures
    assert "06:00 needs 46 (rostered 0)" in msg and "short by 189" in msg


def test_budget_too_small_for_floors_is_named():
    d = tiny_dict(budget={"benefits_cny": 10.0})
    d["tiers"][1]["floor"] = {"lounge": 1.0}
    with pytest.raises(InfeasibleError, match=r"benefit floors cost [\d,]+ CNY; the benefit budget is 10 CNY"):
        make_plan(build(d), "halfstep")


def test_highs_and_cbc_agree_on_the_baseline():
    s = load_scenario()
    d = s.model_dump()
    d["allocator"]["solver"] = "cbc"
    a, b = make_plan(s, "halfstep"), make_plan(build(d), "halfstep")
    assert a.total_net_value == pytest.approx(b.total_net_value, rel=1e-6)


def test_explicit_lead_policy_sweeps_between_half_and_full_step():
    s = load_scenario()
    d = s.model_dump()
    values = []
    for lead in (0.0, 0.5, 1.0, 2.0):
        d["allocator"]["lead"] = lead
        values.append(make_plan(build(d), "lead").expected_contribution)
    # a looser cap never lowers the objective (expected contribution; to the sequence's tolerance)
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(values))
    assert values[1] == pytest.approx(make_plan(s, "halfstep").expected_contribution)


def test_explicit_n_overrides_expected_trips(tiny):
    n = expected_trips(tiny) * 2
    p = allocate(tiny, LPSpec("halfstep", lead=0.5), n=n)
    assert np.allclose(p.expected_trips, n)
