"""A tier whose service at its expectation costs more a trip than the trip contributes is named in a warning."""

from __future__ import annotations

import warnings

import pytest

from model.allocation.problem import planning_problem, unprofitable_tiers
from tests.helpers import build, halfstep, tiny_dict, write_tiny_scenario


def test_a_thin_margin_names_the_tiers_that_lose_money():
    s = build(tiny_dict(economics={"incremental_margin": 0.01}))
    with pytest.warns(UserWarning, match=r"tier high: service at its expectation costs [\d,]+ CNY a trip, more than"):
        problem = planning_problem(s)
    texts = unprofitable_tiers(problem)
    assert any(t.startswith("tier high:") for t in texts)
    fare = s.tier_fare_cny(s.tiers[1])
    assert f"{0.01 * fare:,.0f} CNY a trip contributes" in next(t for t in texts if t.startswith("tier high:"))


def test_the_shipped_margin_warns_of_nothing(tiny):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert unprofitable_tiers(planning_problem(tiny)) == []


def test_validate_prints_the_warning_and_still_succeeds(tmp_path):
    path = write_tiny_scenario(tmp_path, economics={"incremental_margin": 0.01})
    r = halfstep("validate", str(path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok")
    assert "warning: tier high: service at its expectation costs" in r.stderr
