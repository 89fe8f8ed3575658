"""The benefit budget is a hard limit in simulation: what would cross it is not given, and counts as a failure."""

from __future__ import annotations

import pytest

from model.allocation.policies import make_plan
from model.scenario.loading import load_scenario
from model.simulation.replications import replicate


@pytest.mark.parametrize("offer", [50.0, 300.0])
def test_benefits_and_recovery_offers_never_cross_the_budget(offer):
    # 50 CNY is the baseline's offer. Seed 20171001, replication 13: the replication where `standard` once spent 180,047 of 180,000
    # (recovery offers were booked as benefit cost without being charged to the budget)
    s = load_scenario(overrides=[f"loyalty.recovery_offer_cny={offer}"])
    plan = make_plan(s, "standard")
    (o,) = replicate(s, {"standard": plan}, ("standard",), 20171001, 13)
    assert o.error is None
    assert o.kpis["cost_benefits"] <= s.budget.benefits_cny + 1e-6
    assert o.kpis["cost_benefits"] > 0.99 * s.budget.benefits_cny  # the budget binds: the test can fail
    assert o.kpis["failures_benefit"] > 0
