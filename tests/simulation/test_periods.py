"""Multi-period runs and expectations that move (DESIGN.md, *Expectations that move*)."""

from __future__ import annotations

import numpy as np
import pytest

from model.allocation.value import value_tables
from model.report.publish import write_run
from model.simulation.loyalty import Accounts
from model.simulation.replications import run_policies
from tests.helpers import assert_replications_ran, build, cli, tiny_dict

MOVING = {"adapt_up": 0.5, "adapt_down": 0.25, "floor_share": 0.5}


def _kpis(result, kpi="contribution"):
    return [(o.policy, o.replication, o.kpis[kpi]) for o in result.outcomes]


def test_expectations_move_by_the_rule():
    d = tiny_dict(expectations=MOVING)
    s = build(d)
    levels = np.array([[0.6, 0.0], [0.5, 0.9]])
    acc = Accounts(s, levels, value_tables(s))
    low, high = 0, 10  # the first account of each tier
    assert acc.expectation[low] == [0.2, 0.1] and acc.expectation[high] == [0.5, 0.4]
    acc.adapt()
    # experienced = the plan's levels: up by half the gap, down by a quarter, never below half the start
    assert acc.expectation[low][0] == pytest.approx(0.2 + 0.5 * (0.6 - 0.2))
    assert acc.expectation[low][1] == pytest.approx(max(0.1 - 0.25 * 0.1, 0.05))
    assert acc.expectation[high][0] == pytest.approx(0.5)  # experienced at the expectation: no move
    assert acc.expectation[high][1] == pytest.approx(0.4 + 0.5 * 0.5)
    for _ in range(50):
        acc.adapt()
    assert acc.expectation[low][1] == pytest.approx(0.05)  # the floor: half of 0.1


def test_kappa_zero_is_the_static_model_number_for_number():
    s = build(tiny_dict())
    single = run_policies(s, ("standard", "halfstep"), replications=2, seed=4)
    moving_one_period = run_policies(build(tiny_dict(expectations=MOVING)), ("standard", "halfstep"), replications=2, seed=4)
    many = run_policies(s, ("standard", "halfstep"), replications=2, seed=4, periods=3)
    assert_replications_ran(single)
    assert_replications_ran(many)
    assert _kpis(single) == _kpis(moving_one_period)  # expectations move only between periods
    first = [(o.policy, o.replication, o.kpis["contribution"]) for o in many.period_outcomes if o.period == 0]
    assert first == _kpis(single)  # period 0 is the single-period run
    for o in many.period_outcomes:  # κ = 0: references and plans stay put
        ref0 = next(x for x in many.period_outcomes if x.policy == o.policy and x.replication == o.replication)
        assert o.dynamics["reference"] == ref0.dynamics["reference"] and o.dynamics["level"] == ref0.dynamics["level"]


def test_a_run_over_periods_adds_them_up_on_common_random_numbers():
    s = build(tiny_dict(expectations=MOVING))
    r = run_policies(s, ("uniform", "halfstep"), replications=2, seed=6, periods=3)
    assert_replications_ran(r)
    assert len(r.period_outcomes) == 2 * 2 * 3 and len(r.outcomes) == 2 * 2
    for o in r.outcomes:
        parts = [x for x in r.period_outcomes if x.policy == o.policy and x.replication == o.replication]
        assert [x.period for x in parts] == [0, 1, 2]
        assert o.kpis["contribution"] == pytest.approx(sum(x.kpis["contribution"] for x in parts), rel=1e-12)
        assert o.kpis["trips_requested"] == sum(x.kpis["trips_requested"] for x in parts)
        pv = sum(x.kpis["perceived_value"] for x in parts)
        assert o.kpis["perceived_value_per_trip"] == pytest.approx(pv / o.kpis["trips_requested"], rel=1e-12)
    # every policy meets the same trips in every period
    for k in range(3):
        for rep in range(2):
            requested = {x.kpis["trips_requested"] for x in r.period_outcomes if x.period == k and x.replication == rep}
            assert len(requested) == 1
    # and the periods differ from one another
    assert len({x.kpis["trips_requested"] for x in r.period_outcomes if x.policy == "uniform" and x.replication == 0}) > 1


def test_periods_do_not_depend_on_workers():
    s = build(tiny_dict(expectations=MOVING))
    one = run_policies(s, ("halfstep",), replications=2, seed=8, periods=2, workers=1)
    two = run_policies(s, ("halfstep",), replications=2, seed=8, periods=2, workers=2)
    assert_replications_ran(one)
    assert [o.kpis for o in one.period_outcomes] == [o.kpis for o in two.period_outcomes]


def test_one_agreement_for_all_lets_the_top_tiers_expectations_drift_down():
    # seed 004: a uniform service level lowers high-value clients' expectation; the tiered plan keeps it
    s = build(tiny_dict(expectations={"adapt_up": 0.0, "adapt_down": 0.5}))
    r = run_policies(s, ("uniform", "halfstep"), replications=1, seed=2, periods=4)
    assert_replications_ran(r)

    def reference(policy: str, period: int) -> list[float]:
        return next(o.dynamics["reference"] for o in r.period_outcomes if o.policy == policy and o.period == period)

    assert reference("uniform", 3)[1] < reference("uniform", 0)[1] - 0.01  # the high tier's bar falls
    assert reference("halfstep", 3)[1] >= reference("uniform", 3)[1]


def test_the_run_folder_and_the_command_line(tmp_path, capsys):
    s = build(tiny_dict(expectations=MOVING))
    r = run_policies(s, ("uniform", "halfstep"), replications=2, seed=1, periods=3)
    write_run(r, tmp_path / "run")
    rows = (tmp_path / "run" / "periods.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("policy,replication,period,tier,contribution")
    assert len(rows) == 1 + 2 * 2 * 3 * (1 + 2)  # policy × replication × period × (all + tiers)
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Dynamics" in html and 'id="fig-dynamics"' in html
    summary = r.summary()
    assert len(summary["periods"]) == 3 and "halfstep" in summary["periods"][2]["policies"]
    assert cli("run", "--periods", "0", "--out", str(tmp_path / "x")) != 0
    assert "--periods" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_two_multi_period_runs_compare_period_by_period(tmp_path, capsys):
    import model

    for name, up in (("a", 0.5), ("b", 0.8)):
        s = build(tiny_dict(expectations={**MOVING, "adapt_up": up}))
        r = run_policies(s, ("halfstep",), replications=2, seed=1, periods=2)
        write_run(r, tmp_path / name)
    c = model.compare(tmp_path / "a", tmp_path / "b", out=tmp_path / "cmp")
    assert {(p, k, period) for (_, p, k, period) in c.period_differences} >= {
        ("halfstep", "contribution", 0),
        ("halfstep", "contribution", 1),
    }
    # period 0 is the same in both (expectations move only after it): a difference of exactly 0
    assert c.period_differences[("b", "halfstep", "contribution", 0)]["mean"] == 0.0
    assert (tmp_path / "cmp" / "period_differences.csv").is_file()
