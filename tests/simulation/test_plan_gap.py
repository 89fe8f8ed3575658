"""The plan gap in summary.json: simulated − planned per policy and tier, with its 95% interval.

A known answer (outcomes made by hand against a real plan), the run of the tiny scenario,
and failed replications left out.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sst

from model.allocation.policies import make_plan
from model.simulation.kpis import KPIS, TIER_KPIS
from model.simulation.outcome import Outcome
from model.simulation.replications import run_policies
from model.simulation.summary import GAP_KPIS, gap_values, summarize
from tests.helpers import build, tiny_dict

REPS = 5


def _outcome(policy: str, r: int, tiers: dict[str, dict[str, float]], error: str | None = None) -> Outcome:
    """An outcome with every KPI 0 but the plan gap's, which are the tiers' given values and their totals."""
    by_tier = {t: dict.fromkeys(TIER_KPIS, 0.0) | vals for t, vals in tiers.items()}
    kpis = dict.fromkeys(KPIS, 0.0)
    kpis["trips_flown"] = sum(v["trips_flown"] for v in tiers.values())
    kpis["cost_total"] = sum(v["cost_total"] for v in tiers.values()) + 100.0  # an expansion, say
    kpis["perceived_value_per_trip"] = float(np.mean([v["perceived_value_per_trip"] for v in tiers.values()]))
    return Outcome(policy=policy, replication=r, kpis=kpis, by_tier=by_tier, error=error)


@pytest.fixture(scope="module")
def known():
    """The halfstep plan of the tiny scenario and REPS hand-made outcomes (replication 2 failed), plus clairvoyant's."""
    scenario = build(tiny_dict())
    plan = make_plan(scenario, "halfstep")
    rng = np.random.default_rng(7)
    tiers = scenario.tier_names
    outcomes = []
    for r in range(REPS):
        vals = {
            t: {
                # around the plan, often below it: a gap can be negative and its interval is not cut at 0
                "perceived_value_per_trip": float(plan.pv_per_trip[i] + rng.normal(-3.0, 2.0)),
                "trips_flown": float(plan.expected_trips[i] + rng.normal(-1.0, 4.0)),
                "cost_total": float(plan.cost[i] + rng.normal(-50.0, 30.0)),
            }
            for i, t in enumerate(tiers)
        }
        if r == 2:  # failed: its (made-up, huge) numbers must not count
            vals = {t: dict.fromkeys(GAP_KPIS, 1e9) for t in tiers}
        outcomes.append(_outcome("halfstep", r, vals, error="RuntimeError: boom" if r == 2 else None))
        outcomes.append(_outcome("clairvoyant", r, {t: dict.fromkeys(GAP_KPIS, 1.0) for t in tiers}))
    summary = summarize(
        outcomes,
        policies=("halfstep", "clairvoyant"),
        replications=REPS,
        tiers=tiers,
        scenario="tiny",
        seed=0,
        plans={"halfstep": plan},
    )
    return plan, outcomes, summary


def _t_interval(d: np.ndarray) -> tuple[float, float]:
    return sst.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sst.sem(d))


def test_gap_is_simulated_minus_planned_replication_by_replication(known) -> None:
    plan, outcomes, summary = known
    ok = [o for o in outcomes if o.policy == "halfstep" and o.error is None]
    planned_total = {
        "perceived_value_per_trip": plan.perceived_value.sum() / plan.expected_requests.sum(),
        "trips_flown": plan.expected_trips.sum(),
        "cost_total": plan.cost.sum() + plan.expansion_cost,
    }
    planned_tier = {
        "perceived_value_per_trip": plan.pv_per_trip,
        "trips_flown": plan.expected_trips,
        "cost_total": plan.cost,
    }
    for k in GAP_KPIS:
        got = gap_values(outcomes, plan, "halfstep", k, REPS)
        want = [o.kpis[k] - planned_total[k] for o in ok]
        assert math.isnan(got[2])
        assert [g for g in got if not math.isnan(g)] == pytest.approx(want, rel=1e-12, abs=1e-9)
        assert summary["plan_gap"]["halfstep"]["planned"]["total"][k] == pytest.approx(planned_total[k], rel=1e-12)
        for i, t in enumerate(plan.tiers):
            d = np.array([o.by_tier[t][k] - planned_tier[k][i] for o in ok])
            got = gap_values(outcomes, plan, "halfstep", k, REPS, tier=t)
            assert [g for g in got if not math.isnan(g)] == pytest.approx(list(d), rel=1e-12, abs=1e-9)
            stat = summary["plan_gap"]["halfstep"]["by_tier"][t][k]
            assert stat["n"] == REPS - 1
            assert stat["mean"] == pytest.approx(d.mean(), rel=1e-12, abs=1e-9)
            assert stat["ci95"] == pytest.approx(list(_t_interval(d)), rel=1e-9, abs=1e-9)
            assert summary["plan_gap"]["halfstep"]["planned"]["by_tier"][t][k] == pytest.approx(planned_tier[k][i])


def test_total_gap_interval_is_the_t_interval_of_the_differences_and_not_cut_at_zero(known) -> None:
    plan, outcomes, summary = known
    ok = [o for o in outcomes if o.policy == "halfstep" and o.error is None]
    d = np.array([o.kpis["cost_total"] for o in ok]) - (plan.cost.sum() + plan.expansion_cost)
    stat = summary["plan_gap"]["halfstep"]["total"]["cost_total"]
    assert stat["n"] == REPS - 1 and stat["mean"] == pytest.approx(d.mean(), rel=1e-12)
    assert stat["ci95"] == pytest.approx(list(_t_interval(d)), rel=1e-9)
    # a gap's interval is never cut at 0 (a KPI's is): gaps below the plan keep their negative bounds
    lows = [summary["plan_gap"]["halfstep"]["by_tier"][t][k]["ci95"][0] for t in plan.tiers for k in GAP_KPIS]
    assert min(lows) < 0


def test_only_policies_with_a_plan_have_a_gap_and_the_summary_keeps_its_keys(known) -> None:
    _, _, summary = known
    assert list(summary["plan_gap"]) == ["halfstep"]  # clairvoyant has a plan per replication, not one
    assert list(summary) == [
        "scenario",
        "seed",
        "replications",
        "common_random_numbers",
        "confidence",
        "policies",
        "paired",
        "plan_gap",
    ]
    assert summary["policies"]["halfstep"]["failed"] == 1


def test_a_run_of_the_tiny_scenario_has_a_finite_gap_for_every_planned_policy_and_tier() -> None:
    scenario = build(tiny_dict())
    result = run_policies(
        scenario, ("uniform", "standard", "halfstep", "fullstep", "clairvoyant"), replications=3, seed=3
    )
    gaps = result.summary()["plan_gap"]
    assert set(gaps) == set(result.plans) == {"uniform", "standard", "halfstep", "fullstep"}
    for p, gap in gaps.items():
        plan = result.plans[p]
        assert set(gap["by_tier"]) == set(scenario.tier_names)
        for where, stats in [("total", gap["total"]), *gap["by_tier"].items()]:
            for k in GAP_KPIS:
                stat = stats[k]
                assert stat["n"] == 3, (p, where, k)
                assert all(math.isfinite(x) for x in (stat["mean"], *stat["ci95"])), (p, where, k, stat)
                assert stat["ci95"][0] <= stat["mean"] <= stat["ci95"][1]
        for i, t in enumerate(scenario.tier_names):
            sim = np.array(result.tier_values(p, t, "trips_flown"))
            assert gap["by_tier"][t]["trips_flown"]["mean"] == pytest.approx(sim.mean() - plan.expected_trips[i])
            assert gap["planned"]["by_tier"][t]["trips_flown"] == pytest.approx(plan.expected_trips[i])
