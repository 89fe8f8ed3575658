"""Scenario and plan variants of the claim experiments (merged tiers, transplanted plans, scaled
weights, multi-year horizons, resized experiment files) and the arithmetic their verdicts use."""

from __future__ import annotations

import copy
import tomllib

import numpy as np
import pytest

from experiments.claims._variants import (
    merge_tiers,
    multi_year,
    perturbed_weights,
    scaled_weights,
    sized_experiment,
    transplant,
    with_levels,
)
from model.allocation.demand import expected_requests
from model.allocation.policies import make_plan
from model.allocation.value import perceived_value, value_tables
from tests.helpers import build, tiny_dict


def _with_sibling(**changes):
    """tiny with a third tier 'high-b' of the same rank as 'high' (3 × its accounts, other tastes)."""
    data = tiny_dict()
    low, high = data["tiers"]
    high["rank"] = 2
    sib = copy.deepcopy(high) | {"name": "high-b", "accounts": 15, "nesting_exempt": ["lounge"]}
    sib["expectation"] = {"lounge": 0.1, "escort": 0.6}
    sib["value_weight_cny"] = {"lounge": 0.0, "escort": 500}
    sib.update(changes)
    data["tiers"] = [low, high, sib]
    return build(data)


def test_merge_pools_accounts_and_averages_tastes_by_accounts():
    s = _with_sibling()
    m = merge_tiers(s, ["high", "high-b"], into="high")
    assert m.tier_names == ["low", "high"]
    t = m.tiers[1]
    assert t.accounts == 20
    # 5 accounts of high (lounge 200, escort 300) and 15 of high-b (0, 500)
    assert t.value_weight_cny == pytest.approx({"lounge": 50.0, "escort": 450.0})
    assert t.expectation == pytest.approx({"lounge": 0.2, "escort": 0.55})
    assert t.nesting_exempt == []  # only high-b was exempt: the planner cannot know
    assert t.rank == 2
    # pooling keeps the demand: expected trips requested add up
    assert expected_requests(m)[1] == pytest.approx(expected_requests(s)[1:].sum())


def test_merge_refuses_tiers_that_differ_in_demand():
    s = _with_sibling(fare_cny=2000)
    with pytest.raises(ValueError, match="differ in fare_cny"):
        merge_tiers(s, ["high", "high-b"], into="high")
    with pytest.raises(ValueError, match="not found"):
        merge_tiers(s, ["high", "nope"], into="high")


def test_transplant_gives_each_segment_the_merged_row_and_prices_it_in_the_true_scenario():
    s = _with_sibling()
    merged = merge_tiers(s, ["high", "high-b"], into="high")
    plan = make_plan(merged, "halfstep")
    moved = transplant(plan, s, rows={"high-b": "high"})
    assert moved.tiers == ("low", "high", "high-b")
    np.testing.assert_array_equal(moved.levels[1], plan.levels[1])
    np.testing.assert_array_equal(moved.levels[2], plan.levels[1])
    np.testing.assert_array_equal(moved.levels[0], plan.levels[0])
    # priced with each segment's own tastes, not the merged tier's
    true_pv = perceived_value(moved.levels, value_tables(s))
    np.testing.assert_allclose(moved.pv_per_trip, true_pv)
    assert moved.pv_per_trip[2] != pytest.approx(plan.pv_per_trip[1])
    assert moved.policy == plan.policy and moved.lead == plan.lead
    with pytest.raises(ValueError, match="no tier"):
        transplant(plan, s)  # high-b has no row of its own in the merged plan


def test_with_levels_changes_only_the_named_level():
    s = build(tiny_dict())
    plan = make_plan(s, "halfstep")
    changed = with_levels(plan, s, {("high", "lounge"): 0.0})
    assert changed.level("high", "lounge") == 0.0
    mask = np.ones_like(plan.levels, dtype=bool)
    mask[1, 0] = False
    np.testing.assert_array_equal(changed.levels[mask], plan.levels[mask])
    lounge_cost = 50.0 * plan.expected_trips[1] * plan.level("high", "lounge")
    assert plan.cost[1] - changed.cost[1] == pytest.approx(lounge_cost)


def test_scaled_weights_multiplies_every_weight_and_nothing_else():
    s = build(tiny_dict())
    half = scaled_weights(s, 0.5)
    for a, b in zip(s.tiers, half.tiers, strict=True):
        assert b.value_weight_cny == pytest.approx({d: 0.5 * w for d, w in a.value_weight_cny.items()})
        assert b.expectation == a.expectation
    assert half.budget == s.budget and half.resources == s.resources


def test_perturbed_weights_multiplies_each_tier_and_dimension_by_its_own_factor():
    s = build(tiny_dict())
    dims = [d.name for d in s.dimensions]
    factors = np.array([[0.5 + i + 0.25 * j for j in range(len(dims))] for i in range(len(s.tiers))])
    wrong = perturbed_weights(s, factors)
    for i, (a, b) in enumerate(zip(s.tiers, wrong.tiers, strict=True)):
        assert b.value_weight_cny == pytest.approx(
            {d: factors[i, dims.index(d)] * w for d, w in a.value_weight_cny.items()}
        )
        assert b.expectation == a.expectation
    assert wrong.budget == s.budget and wrong.resources == s.resources
    with pytest.raises(ValueError, match="tiers × "):
        perturbed_weights(s, factors[:1])
    with pytest.raises(ValueError, match="≥ 0"):
        perturbed_weights(s, -factors)


def test_multi_year_scales_what_is_per_horizon_and_repeats_seasons():
    data = tiny_dict(
        time={"horizon_days": 91},
        budget={"benefits_cny": 9100.0},
        seasons=[{"name": "peak", "start_day": 80, "end_day": 90, "demand_multiplier": 1.5}],
    )
    data["resources"][0]["expansion_max"] = 91.0
    data["resources"][0]["expansion_cost_cny"] = 10.0
    s = build(data)
    y = multi_year(s, 2)
    assert y.time.horizon_days == 730
    assert y.budget.benefits_cny == pytest.approx(9100.0 * 730 / 91)
    assert y.resources[0].expansion_max == pytest.approx(730.0)
    assert [(x.start_day, x.end_day) for x in y.seasons] == [(80, 90), (445, 455)]
    assert y.resources[1].staff_on_duty == s.resources[1].staff_on_duty
    # per-year rates are unchanged, so expected requests grow with the seasonal days
    days = 730 + 2 * 11 * 0.5
    assert expected_requests(y) == pytest.approx(expected_requests(s) * days / (91 + 11 * 0.5))


def test_sized_experiment_writes_a_resized_copy_with_its_store_beside_it(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "book.toml").write_text("", encoding="utf-8")
    exp = src / "exp.toml"
    exp.write_text(
        '[experiment]\nname = "x"\nscenario = "book.toml"\npolicies = ["halfstep"]\nreplications = 5\n'
        'output = "../runs/x"\n\n[design]\nkind = "lhs"\npoints = 100\n\n'
        '[[parameters]]\nname = "a"\nkey = "choice.intercept"\nrange = [0.0, 1.0]\n',
        encoding="utf-8",
    )
    out = sized_experiment(exp, tmp_path / "run", points=8, replications=2)
    data = tomllib.loads(out.read_text(encoding="utf-8"))
    assert out == tmp_path / "run" / "exp.toml"
    assert data["design"]["points"] == 8 and data["experiment"]["replications"] == 2
    assert data["experiment"]["output"] == "store"
    assert data["experiment"]["scenario"] == str((src / "book.toml").resolve())
    assert data["parameters"] == [{"name": "a", "key": "choice.intercept", "range": [0.0, 1.0]}]


# --- experiment 6: retention arithmetic --------------------------------------------------


def test_survival_account_years_known_values():
    from experiments.claims.e6_retention_economics import survival_account_years

    assert survival_account_years(0.0, 5) == 5  # nobody leaves
    assert survival_account_years(1e-15, 5) == pytest.approx(5)
    # half the accounts gone after a year: ∫₀¹ 2^(−t) dt = 1 / (2 ln 2)
    assert survival_account_years(np.log(2), 1) == pytest.approx(1 / (2 * np.log(2)))
    # λ·T large: account-years tend to 1/λ
    assert survival_account_years(2.0, 50) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="≥ 0"):
        survival_account_years(-0.1, 5)


def test_survival_profit_change_of_the_claims_arithmetic():
    from experiments.claims.e6_retention_economics import survival_profit_change

    # retention 85% → 90% a year over 5 years
    h0, h1 = -np.log(0.85), -np.log(0.90)
    expected = ((1 - 0.90**5) / h1) / ((1 - 0.85**5) / h0) - 1
    assert survival_profit_change(h0, h1, 5) == pytest.approx(expected)
    assert 0.13 < expected < 0.14  # survival alone does not give the +20% of the claim
    assert survival_profit_change(0.1, 0.1, 5) == 0.0
    assert survival_profit_change(0.1, 0.2, 5) < 0


def test_slope_through_origin():
    from experiments.claims.e6_retention_economics import slope_through_origin

    assert slope_through_origin([-1, -2, -4], [3, 6, 12]) == pytest.approx(-3.0)
    # least squares with no intercept: Σxy / Σx²
    assert slope_through_origin([1, 2], [1, 3]) == pytest.approx(7 / 5)
    assert slope_through_origin([1, float("nan"), 2], [1, 5, 3]) == pytest.approx(7 / 5)
    assert np.isnan(slope_through_origin([0, 0], [1, 2]))


# --- experiment 8: the share goal's arithmetic ------------------------------------------


def test_revenue_multiplier_moves_the_share_with_base_revenue_fixed():
    from experiments.claims.e8_share_goal import revenue_multiplier

    # 11% → 20%: key-account revenue from 0.11/0.89 to 0.25 of base revenue
    assert revenue_multiplier(0.11, 0.20) == pytest.approx(0.25 / (0.11 / 0.89))
    assert revenue_multiplier(0.2, 0.2) == 1.0
    ka, base = 3.0, 97.0  # × m and the share is the target
    m = revenue_multiplier(ka / (ka + base), 0.3)
    assert m * ka / (m * ka + base) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="target"):
        revenue_multiplier(0.1, 1.0)


def test_share_at_full_wallet():
    from experiments.claims.e8_share_goal import share_at_full_wallet

    # KA revenue = 1/4 of base at half the wallet → 1/2 of base with all of it: share 1/3
    assert share_at_full_wallet(0.2, 0.5) == pytest.approx(1 / 3)
    assert share_at_full_wallet(0.2, 1.0) == pytest.approx(0.2)
    assert share_at_full_wallet(0.0, 0.5) == 0.0
    with pytest.raises(ValueError, match="share of wallet"):
        share_at_full_wallet(0.2, 0.0)
