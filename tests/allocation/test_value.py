"""The value function u of DESIGN.md: kinks, loss aversion, satiation, concavity."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from model.allocation.value import perceived_value, utility, value_tables
from model.scenario.schema import ValueSpec

SPEC = ValueSpec(loss_aversion=2.25, satiation=0.5, weak_value=0.3, default_step=0.2)


def u(x: float, step: float = 0.2, spec: ValueSpec = SPEC) -> float:
    return float(utility(np.array(x), np.array(step), spec))


def test_shortfall_is_weighted_by_loss_aversion():
    assert u(-0.1) == 2.25 * -0.1
    assert u(-1.0) == -2.25


def test_noticed_lead_is_valued_in_full_up_to_half_a_step():
    assert u(0.0) == 0.0
    assert u(0.05) == 0.05
    assert u(0.1) == 0.1  # hΔ = 0.1


def test_second_half_step_is_weakly_valued():
    assert np.isclose(u(0.15), 0.1 + 0.3 * 0.05)
    assert np.isclose(u(0.2), 0.1 + 0.3 * 0.1)


def test_beyond_a_full_step_is_satiated():
    top = 0.1 + 0.3 * 0.5 * 0.2
    assert np.isclose(u(0.25), top)
    assert np.isclose(u(0.9), top)


def test_kinks_are_where_design_puts_them():
    eps = 1e-6
    slopes = [(u(x + eps) - u(x - eps)) / (2 * eps) for x in (-0.05, 0.05, 0.15, 0.3)]
    assert np.allclose(slopes, [2.25, 1.0, 0.3, 0.0], atol=1e-6)


@given(
    a=st.floats(-1, 1),
    b=st.floats(-1, 1),
    t=st.floats(0, 1),
    step=st.floats(0.01, 1),
    lam=st.floats(1, 5),
    h=st.floats(0, 1),
    rho=st.floats(0, 1),
)
def test_u_is_concave_and_nondecreasing(a, b, t, step, lam, h, rho):
    spec = ValueSpec(loss_aversion=lam, satiation=h, weak_value=rho, default_step=0.2)
    mid = t * a + (1 - t) * b
    assert u(mid, step, spec) >= t * u(a, step, spec) + (1 - t) * u(b, step, spec) - 1e-9
    lo, hi = min(a, b), max(a, b)
    assert u(hi, step, spec) >= u(lo, step, spec) - 1e-12


def test_reference_is_the_higher_of_expectation_and_competitor(tiny):
    vt = value_tables(tiny)
    assert vt.reference[0, 0] == 0.2
    data_competitor = tiny.model_copy(
        update={"dimensions": [tiny.dimensions[0].model_copy(update={"competitor_level": 0.3}), tiny.dimensions[1]]}
    )
    vt2 = value_tables(data_competitor)
    assert vt2.reference[0, 0] == 0.3 and vt2.reference[1, 0] == 0.5


def test_step_is_gap_to_next_tier_or_the_default(tiny):
    vt = value_tables(tiny)
    assert np.allclose(vt.step[0], [0.3, 0.3])  # next tier expects 0.5 / 0.4
    assert np.allclose(vt.step[1], [0.2, 0.2])  # top tier: default step


def test_perceived_value_sums_weighted_utilities(tiny):
    vt = value_tables(tiny)
    levels = vt.reference + 0.5 * vt.step  # exactly half a step ahead everywhere
    pv = perceived_value(levels, vt)
    assert np.allclose(pv, (vt.weight * 0.5 * vt.step).sum(axis=1))
