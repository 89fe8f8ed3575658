"""A plan that looks ahead at the references it creates (``allocator.lookahead``), objective ``net_value``.

The cases have one dimension (the lounge: a benefit at unit cost c) and one or two tiers; the
tier's step Δ is the default 0.2 (one tier), satiation h = ½ (hΔ = 0.1), weak value ρ = 0.3,
loss aversion λ = 2.25, no competitor, no floor unless a case sets them.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

import model.allocation.lookahead as lookahead
from model.allocation.allocator import allocate
from model.allocation.lookahead import lookahead_path, path_objective
from model.allocation.policies import LEADS, make_plan
from model.allocation.problem import planning_problem
from model.allocation.spec import LPSpec
from model.errors import ScenarioError
from tests.helpers import build, tiny_dict

LEAD = {**LEADS, "lead": 0.5}


def _scenario(
    *,
    lookahead_periods: int = 1,
    up: float = 0.5,
    down: float = 0.1,
    floor: float = 0.0,
    competitor: float = 0.0,
    expectation: float = 0.4,
    weight: float = 100.0,
    unit_cost: float = 50.0,
    objective: str = "net_value",
) -> dict:
    """One tier ("low": 10 accounts × 10 travellers × 4 trips a year, 30 days), one dimension (the lounge)."""
    d = tiny_dict(
        allocator={"objective": objective, "lookahead": lookahead_periods},
        expectations={"adapt_up": up, "adapt_down": down, "floor_share": floor},
    )
    d["resources"] = [d["resources"][0]]
    d["dimensions"] = [
        {"name": "lounge", "resource": "lounge", "unit_cost_cny": unit_cost, "competitor_level": competitor}
    ]
    low = d["tiers"][0]
    low.pop("escort_minutes")
    low.update(expectation={"lounge": expectation}, value_weight_cny={"lounge": weight}, standard={"lounge": 0.5})
    d["tiers"] = [low]
    return d


def _demand() -> tuple[float, float]:
    """m and n of the one-tier scenario: trips requested, and flown at the reference share (cost plays no part)."""
    p = planning_problem(build(_scenario()))
    return float(p.requests[0]), float(p.trips[0])


def _cost_for(ratio: float, weight: float = 100.0) -> float:
    """The unit cost c at which m·w = ratio · n·c."""
    m, n = _demand()
    return m * weight / (n * ratio)


@pytest.mark.parametrize("policy", ["unconstrained", "halfstep"])
@pytest.mark.parametrize("ratio", [1.25, 1.6])
def test_two_periods_closed_form(policy, ratio):
    """Two periods (k = 1), one tier, one dimension, κ_up = 0.5: the lead today is priced by tomorrow's reference.

    Period j's objective is m·w·u(y_j − r_j) − n·c·y_j. Take n·c < m·w (a lead within the
    half step pays today: the myopic plan leads to r₀ + hΔ = 0.5) and m·w·ρ < n·c(1 + κ_up)
    (the weak lead never pays). Tomorrow, whatever r₁, the best level is r₁ + hΔ (the same
    comparison), worth V₁(r₁) = m·w·hΔ − n·c·(r₁ + hΔ): each unit of r₁ costs n·c. Above
    e₀ = r₀ = 0.4, r₁ = e₀ + κ_up·(y₀ − e₀), so a unit of lead today adds m·w − n·c − κ_up·n·c
    over the two periods. Below e₀ a unit cut saves n·c(1 + κ_down) and loses λ·m·w > that.
    Hence the forward-looking y₀ is r₀ + hΔ when m·w > n·c(1 + κ_up), else r₀: with
    m·w = 1.25·n·c it stays at 0.4 (leads less than the myopic plan by the whole half step
    hΔ = 0.1) and tomorrow plans r₁ + hΔ = 0.5; with m·w = 1.6·n·c > 1.5·n·c it leads as the
    myopic plan does (0.5) and tomorrow plans r₁ + hΔ = 0.45 + 0.1 = 0.55.
    Over the two periods the forward-looking path beats the myopic one (0.5 then 0.55) by
    hΔ·(n·c·(1 + κ_up) − m·w) when it holds back, and ties it otherwise.
    """
    m, n = _demand()
    c = _cost_for(ratio)
    w, h_step, up = 100.0, 0.1, 0.5
    s = build(_scenario(unit_cost=c))
    myopic = make_plan(build(_scenario(lookahead_periods=0, unit_cost=c)), policy)
    assert myopic.levels[0, 0] == pytest.approx(0.5, abs=1e-9)
    plan = make_plan(s, policy)
    path = lookahead_path(planning_problem(s), LPSpec(policy, lead=LEAD[policy]))
    holds_back = m * w < n * c * (1 + up)
    expected = [0.4, 0.5] if holds_back else [0.5, 0.55]
    np.testing.assert_allclose(path.levels.ravel(), expected, atol=1e-9)
    assert plan.levels[0, 0] == pytest.approx(expected[0], abs=1e-9)
    assert path.method == "LP"
    problem = planning_problem(s)
    myopic_path = np.array([0.5, 0.55]).reshape(2, 1, 1)
    gain = path_objective(problem, path.levels) - path_objective(problem, myopic_path)
    assert gain == pytest.approx(h_step * (n * c * (1 + up) - m * w) if holds_back else 0.0, abs=1e-6)
    assert path.objective == pytest.approx(path_objective(problem, path.levels), rel=1e-9)
    assert any("looks ahead 1 period (LP)" in note for note in plan.notes)


def _two_tiers(lookahead_periods: int = 1, objective: str = "net_value", up: float = 0.3, down: float = 0.1) -> dict:
    """The tiny scenario's two tiers and two dimensions, expectations that move."""
    return tiny_dict(
        allocator={"objective": objective, "lookahead": lookahead_periods},
        expectations={"adapt_up": up, "adapt_down": down, "floor_share": 0.5},
    )


@pytest.mark.parametrize("objective", ["net_value", "value"])
@pytest.mark.parametrize("policy", ["halfstep", "fullstep", "unconstrained", "lead"])
def test_k_0_is_the_allocator(policy, objective):
    """The k-period problem with k = 0 is the allocator's LP: the same levels; and lookahead = 0 is today's path."""
    s = build(_two_tiers(lookahead_periods=0, objective=objective))
    problem = planning_problem(s)
    spec = LPSpec(policy, lead=LEAD[policy], maximize="perceived value" if objective == "value" else "net value")
    today = allocate(problem, spec)
    path = lookahead_path(problem, spec, k=0)
    np.testing.assert_allclose(path.levels[0], today.levels, atol=1e-9)
    assert path.objective == pytest.approx(float(path.first.lp.cost @ path.solution.x + path.first.lp.offset))
    plan = make_plan(s, policy)
    assert plan.levels.tolist() == today.levels.tolist()
    assert not any("looks ahead" in note for note in plan.notes)


def test_expectations_that_do_not_move_give_the_allocator_s_plan():
    still = build(_two_tiers(lookahead_periods=3, up=0.0, down=0.0))
    assert make_plan(still, "halfstep").levels.tolist() == allocate(still, LPSpec("halfstep", lead=0.5)).levels.tolist()


def _brute_force(problem, lead: float, periods: int, grid: float) -> float:
    """The best path on a grid of levels, its references by the dynamics written out here (not the module's)."""
    s = problem.scenario
    up, down, share = s.expectations.adapt_up, s.expectations.adapt_down, s.expectations.floor_share
    T = len(s.tiers)
    e0 = problem.values.expectation[:, 0]
    comp = s.dimensions[0].competitor_level
    step, w = problem.values.step[:, 0], problem.values.weight[:, 0]
    lam, h, rho = s.value.loss_aversion, s.value.satiation, s.value.weak_value
    c = problem.resources.unit_cost[:, 0]
    floors = problem.floors[:, 0]
    g = np.round(np.arange(0.0, 1.0 + 1e-9, grid), 10)
    pts = np.array(list(itertools.product(g, repeat=T * periods))).reshape(-1, periods, T)
    ok = np.all(pts >= floors - 1e-12, axis=(1, 2))
    if T > 1:
        ok &= np.all(pts[:, :, 1:] >= pts[:, :, :-1] - 1e-12, axis=(1, 2))  # nesting: high ≥ low
    e = np.broadcast_to(e0, (len(pts), T)).copy()
    total = np.zeros(len(pts))
    for j in range(periods):
        y = pts[:, j, :]
        r = np.maximum(e, comp)
        if np.isfinite(lead):
            ok &= np.all(y <= np.minimum(1.0, np.maximum(r + lead * step, floors)) + 1e-9, axis=1)
        x = y - r
        u = np.where(x < 0, lam * x, np.minimum(x, h * step) + rho * np.clip(x - h * step, 0.0, (1 - h) * step))
        total += (problem.requests * w * u - problem.trips * c * y).sum(axis=1)
        e = np.maximum(np.where(y > e, e + up * (y - e), e - down * (e - y)), share * e0)
    return float(total[ok].max())


ONE_TIER_CASES = [
    # (κ_up, κ_down, m·w / n·c, policy, k, e₀, competitor, floor share, method)
    (0.5, 0.1, 1.25, "halfstep", 2, 0.4, 0.0, 0.0, "LP"),
    (0.5, 0.1, 1.6, "halfstep", 2, 0.4, 0.0, 0.0, "LP"),  # holds back today (1.6 < 1 + 2κ), leads tomorrow
    (0.5, 0.1, 2.5, "fullstep", 2, 0.4, 0.0, 0.0, "LP"),
    (0.3, 0.3, 0.9, "unconstrained", 2, 0.4, 0.3, 0.0, "LP"),
    (0.1, 0.5, 0.5, "unconstrained", 2, 0.4, 0.0, 0.0, "MILP"),  # cuts today to lower tomorrow's reference
    (0.1, 0.5, 0.7, "halfstep", 2, 0.6, 0.2, 0.5, "MILP"),
    (0.2, 0.6, 1.2, "fullstep", 2, 0.6, 0.35, 0.8, "MILP"),
]


@pytest.mark.parametrize(("up", "down", "ratio", "policy", "k", "e0", "comp", "share", "method"), ONE_TIER_CASES)
def test_one_tier_against_a_grid(up, down, ratio, policy, k, e0, comp, share, method):
    s = build(
        _scenario(
            lookahead_periods=k,
            up=up,
            down=down,
            unit_cost=_cost_for(ratio),
            expectation=e0,
            competitor=comp,
            floor=share,
        )
    )
    problem = planning_problem(s)
    lead = LEAD[policy]
    path = lookahead_path(problem, LPSpec(policy, lead=lead))
    assert path.method == method
    best = _brute_force(problem, lead, k + 1, 0.025)
    assert path.objective >= best - 1e-6  # no grid path beats it
    assert path_objective(problem, path.levels) == pytest.approx(path.objective, rel=1e-9, abs=1e-6)  # and it is one


def _nested_caps(k: int = 1) -> dict:
    """Two tiers: low values the lounge 10× as much as high, whose step (0.1) is far narrower than low's (0.6).

    Tomorrow high's half-step cap binds and, by nesting, caps low too: the LP would rather
    raise high's reference above what the dynamics give to loosen that cap — its levels break
    the cap at their true references, and the plan is the MILP's.
    """
    d = tiny_dict(
        allocator={"objective": "net_value", "lookahead": k},
        expectations={"adapt_up": 0.5, "adapt_down": 0.1},
    )
    d["resources"] = [d["resources"][0]]
    d["dimensions"] = [{"name": "lounge", "resource": "lounge", "unit_cost_cny": 50}]
    low, high = d["tiers"]
    for t in (low, high):
        t.pop("escort_minutes")
        t["standard"] = {"lounge": 0.5}
    low.update(expectation={"lounge": 0.3}, value_weight_cny={"lounge": 1000}, step={"lounge": 0.6})
    high.update(expectation={"lounge": 0.4}, value_weight_cny={"lounge": 100}, step={"lounge": 0.1})
    return d


def test_a_later_lead_cap_the_lp_would_loosen_goes_to_the_milp(monkeypatch):
    problem = planning_problem(build(_nested_caps()))
    spec = LPSpec("halfstep", lead=0.5)
    checked: list[bool] = []
    caps_hold = lookahead._caps_hold

    def spy(*args):  # type: ignore[no-untyped-def]
        checked.append(caps_hold(*args))
        return checked[-1]

    monkeypatch.setattr(lookahead, "_caps_hold", spy)
    path = lookahead_path(problem, spec)
    assert checked == [False]
    assert path.method == "MILP"
    # tomorrow high is at its cap r₁ + Δ/2 = (0.4 + 0.5·0.05) + 0.05, and low with it
    np.testing.assert_allclose(path.levels[1].ravel(), [0.475, 0.475], atol=1e-9)
    assert path.objective >= _brute_force(problem, 0.5, 2, 0.025) - 1e-6
    assert path_objective(problem, path.levels) == pytest.approx(path.objective, rel=1e-9)
    plan = make_plan(problem.scenario, "halfstep")
    assert np.isnan([p.value_cny for p in plan.shadow_prices if p.binding]).all()
    assert any("MILP" in note for note in plan.notes)


def test_contribution_with_a_lookahead_plans_on_contribution():
    """No longer refused: the plan is the contribution path's (tests/allocation/test_lookahead_contribution.py)."""
    plan = make_plan(build(_scenario(objective="contribution")), "halfstep")
    assert plan.objective == "contribution"
    assert any("looks ahead 1 period on contribution" in note for note in plan.notes)


def test_a_uniform_plan_with_a_lookahead_is_refused():
    problem = planning_problem(build(_scenario()))
    with pytest.raises(ScenarioError, match="not for one level for every tier"):
        lookahead_path(problem, replace(LPSpec("uniform"), uniform=True))


def test_the_schema_key():
    assert build(tiny_dict()).allocator.lookahead == 0
    with pytest.raises(ScenarioError, match="lookahead"):
        build(tiny_dict(allocator={"lookahead": -1}))
