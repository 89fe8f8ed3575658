"""The value function with a satiation point h ≠ ½, and the tables it reads — known answers by hand.

Every fixture elsewhere uses h = ½, where the noticed lead hΔ and the weak lead (1 − h)Δ are the
same width; here they differ, so a width swapped for the other shows. Expected values are
worked out from DESIGN.md's u by hand in the comments, not by the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.value import (
    competitor_value,
    over_service_share,
    perceived_value,
    tier_ranks,
    utility,
    value_tables,
)
from model.scenario.schema import ValueSpec
from tests.helpers import build, tiny_dict


def u(x: float, step: float, spec: ValueSpec) -> float:
    return float(utility(np.array(x), np.array(step), spec))


LOW_H = ValueSpec(loss_aversion=2.0, satiation=0.3, weak_value=0.4, default_step=0.2)
HIGH_H = ValueSpec(loss_aversion=2.0, satiation=0.8, weak_value=0.4, default_step=0.2)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (-0.1, -0.2),  # λ·x
        (0.0, 0.0),
        (0.03, 0.03),  # inside the noticed lead hΔ = 0.06
        (0.06, 0.06),
        (0.10, 0.076),  # 0.06 + 0.4·0.04
        (0.20, 0.116),  # 0.06 + 0.4·0.14: the weak lead is (1 − h)Δ = 0.14 wide
        (0.50, 0.116),  # satiated
    ],
)
def test_u_with_h_below_a_half(x, expected):
    assert u(x, 0.2, LOW_H) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.10, 0.10),  # inside hΔ = 0.16
        (0.16, 0.16),
        (0.18, 0.168),  # 0.16 + 0.4·0.02
        (0.20, 0.176),  # 0.16 + 0.4·0.04: (1 − h)Δ = 0.04
        (0.50, 0.176),  # satiated at hΔ + ρ(1 − h)Δ, not hΔ + ρ·hΔ = 0.224
    ],
)
def test_u_with_h_above_a_half(x, expected):
    assert u(x, 0.2, HIGH_H) == pytest.approx(expected, abs=1e-12)


def test_u_of_an_array_and_its_steps_elementwise():
    x = np.array([[-0.05, 0.1, 0.3], [0.02, 0.4, 2.0]])
    step = np.array([[0.2, 0.2, 0.2], [0.1, 0.5, 1.0]])
    # h = 0.3, ρ = 0.4: row 2 has hΔ = 0.03, 0.15, 0.3 and weak widths 0.07, 0.35, 0.7
    expected = [[-0.1, 0.076, 0.116], [0.02, 0.15 + 0.4 * 0.25, 0.3 + 0.4 * 0.7]]
    np.testing.assert_allclose(utility(x, step, LOW_H), expected, atol=1e-12)
    np.testing.assert_allclose(utility(x.tolist(), step, LOW_H), expected, atol=1e-12)  # a list is an array


def _satiation(h: float, **extra: object) -> dict:
    d = tiny_dict()
    d["value"]["satiation"] = h
    d.update(extra)
    return d


def test_tables_of_the_tiny_scenario_by_hand():
    s = build(_satiation(0.3))
    vt = value_tables(s)
    # expectations as written; the competitor (level 0) is below them; the low tier's step is the
    # gap to the high tier's expectation, the top tier's the default step 0.2
    np.testing.assert_array_equal(vt.expectation, [[0.2, 0.1], [0.5, 0.4]])
    np.testing.assert_array_equal(vt.reference, [[0.2, 0.1], [0.5, 0.4]])
    np.testing.assert_allclose(vt.step, [[0.3, 0.3], [0.2, 0.2]], atol=1e-12)
    np.testing.assert_array_equal(vt.weight, [[100, 100], [200, 300]])
    np.testing.assert_allclose(vt.satiation_level, [[0.29, 0.19], [0.56, 0.46]], atol=1e-12)  # r + 0.3·Δ
    # PV at a full step ahead everywhere: Σ w·(hΔ + ρ(1 − h)Δ), ρ = 0.3
    pv = perceived_value(vt.reference + vt.step, vt)
    low = 100 * (0.09 + 0.3 * 0.21) * 2
    high = 200 * (0.06 + 0.3 * 0.14) + 300 * (0.06 + 0.3 * 0.14)
    np.testing.assert_allclose(pv, [low, high], atol=1e-9)


def test_the_step_ignores_a_gap_of_1e9_or_less_and_takes_an_explicit_step():
    d = tiny_dict()
    d["tiers"][0]["expectation"] = {"lounge": 0.0, "escort": 0.4 - 1e-10}
    d["tiers"][1]["expectation"] = {"lounge": 1e-9, "escort": 0.4}
    vt = value_tables(build(d))
    np.testing.assert_allclose(vt.step[0], [0.2, 0.2])  # gaps of 1e-9 and 1e-10: the default step
    d["tiers"][1]["expectation"] = {"lounge": 2e-9, "escort": 0.4}
    assert value_tables(build(d)).step[0, 0] == pytest.approx(2e-9, rel=1e-6)  # above 1e-9: the gap
    d["tiers"][0]["step"] = {"escort": 0.35}
    d["tiers"][1]["step"] = {"lounge": 0.15}
    vt = value_tables(build(d))
    assert vt.step[0, 1] == 0.35 and vt.step[1, 0] == 0.15 and vt.step[1, 1] == 0.2


def test_ranks_are_positions_from_one_unless_given():
    d = tiny_dict()
    assert tier_ranks(build(d)).tolist() == [1, 2]
    d["tiers"][0]["rank"] = 5
    d["tiers"][1]["rank"] = 9
    assert tier_ranks(build(d)).tolist() == [5, 9]
    d["tiers"][1].pop("rank")
    d["tiers"][0]["rank"] = 1
    assert tier_ranks(build(d)).tolist() == [1, 2]


def test_a_tier_steps_to_the_next_rank_up_not_the_next_in_the_file():
    d = tiny_dict()
    mid = {**d["tiers"][1], "name": "mid", "rank": 2, "expectation": {"lounge": 0.3, "escort": 0.2}}
    d["tiers"][0]["rank"], d["tiers"][1]["rank"] = 1, 3
    d["tiers"].append(mid)  # file order low, high, mid; rank order low, mid, high
    vt = value_tables(build(d))
    np.testing.assert_allclose(vt.step[0], [0.1, 0.1])  # low → mid: 0.3 − 0.2, 0.2 − 0.1
    np.testing.assert_allclose(vt.step[2], [0.2, 0.2])  # mid → high: 0.5 − 0.3, 0.4 − 0.2
    np.testing.assert_allclose(vt.step[1], [0.2, 0.2])  # high: the default


def test_competitor_value_is_u_at_the_competitors_levels():
    d = tiny_dict()
    d["dimensions"][0]["competitor_level"] = 0.3  # above the low tier's lounge expectation 0.2
    s = build(d)
    vt = value_tables(s)
    np.testing.assert_allclose(vt.reference, [[0.3, 0.1], [0.5, 0.4]])
    # low: lounge at the reference (0), escort 0 − 0.1 → 100·2.25·(−0.1); high: 200·2.25·(−0.2) + 300·2.25·(−0.4)
    np.testing.assert_allclose(competitor_value(s), [-22.5, -90.0 - 270.0], atol=1e-9)
    # with tables given, those are the ones used: against references 0.2 / 0.1 and 0.5 / 0.4 the
    # competitor's lounge 0.3 is a lead of 0.1 (inside hΔ = 0.15) for the low tier, a shortfall for the high
    other = value_tables(build(tiny_dict()))
    np.testing.assert_allclose(competitor_value(s, other), [100 * 0.1 - 22.5, -90.0 - 270.0], atol=1e-9)


def test_over_service_share_by_hand():
    s = build(_satiation(0.5))
    vt = value_tables(s)  # r + hΔ: low 0.35 / 0.25, high 0.6 / 0.5
    levels = np.array([[0.7, 0.0], [0.6, 1.0]])
    # low lounge: (0.7 − 0.35)/0.7 = 0.5; low escort at 0: nothing; high lounge at r + hΔ: 0; high escort 0.5/1
    np.testing.assert_allclose(over_service_share(levels, vt), [[0.5, 0.0], [0.0, 0.5]], atol=1e-12)
    assert np.isfinite(over_service_share(levels, vt)).all()
