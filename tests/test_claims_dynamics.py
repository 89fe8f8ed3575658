"""The multi-period claim experiments (e9, e10): arms on common random numbers, their verdict rules, the registry."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.claims import e9_half_step_emerges as e9
from experiments.claims import e10_uniform_lowers_expectations as e10
from experiments.claims.__main__ import experiment_names
from experiments.claims._lever_sweeps import lever_curve
from experiments.claims._schedules import Arm, by_period, play_arms, quarters_to_return, totals
from experiments.claims.common import Context, parse_args
from tests.helpers import ROOT, build, tiny_dict

MOVING = {"adapt_up": 0.5, "adapt_down": 0.25}


def test_quarters_to_return_is_the_first_quarter_from_which_the_mean_gap_stays_inside():
    gap = np.array([[-0.2, -0.1, -0.004, 0.0], [-0.2, -0.1, -0.006, 0.002]])  # means −0.2, −0.1, −0.005, 0.001
    assert quarters_to_return(gap, 0.005) == 2
    assert quarters_to_return(gap, 0.0049) == 3
    assert quarters_to_return(gap, 0.5) == 0
    assert quarters_to_return(np.array([[-0.1, 0.0, -0.1]]), 0.01) is None  # back, then out again at the end
    assert quarters_to_return(np.array([[-0.1, 0.0, -0.1, 0.0]]), 0.01) == 3  # only the last return counts


def test_arms_meet_the_same_streams_and_do_not_depend_on_the_workers(tmp_path: Path):
    s = build(tiny_dict(expectations=MOVING))
    arms = [Arm("u", s, ("uniform",) * 3), Arm("switch", s, ("uniform", "halfstep", "halfstep"))]
    one = play_arms(Context("x", workers=1, out=tmp_path), arms, 2)
    two = play_arms(Context("x", workers=2, out=tmp_path), arms, 2)
    for key in ("u", "switch"):
        assert [[o.kpis for o in rep] for rep in one[key]] == [[o.kpis for o in rep] for rep in two[key]]
        assert [[o.period for o in rep] for rep in one[key]] == [[0, 1, 2]] * 2
    requested = {k: by_period(one[k], lambda o: o.kpis["trips_requested"]) for k in one}
    assert np.array_equal(requested["u"], requested["switch"])  # replication r's quarter k: one draw for all arms
    assert not np.array_equal(requested["u"][0], requested["u"][1])
    assert totals(one["u"], "trips_requested").tolist() == requested["u"].sum(axis=1).tolist()
    assert totals(one["u"], "trips_requested", slice(0, 1)).tolist() == requested["u"][:, 0].tolist()
    # the first quarter is uniform in both arms; the switch is halfstep's plan from quarter 2 on
    assert one["u"][0][0].kpis == one["switch"][0][0].kpis
    assert one["u"][0][1].dynamics["level"] != one["switch"][0][1].dynamics["level"]


def _curve(means: dict[float, float]):
    noise = np.array([1.0, -1.0, 2.0, -2.0])
    table = pd.DataFrame({x: m + noise for x, m in means.items()})
    return lever_curve(table, "contribution")


def test_the_half_step_emerges_only_when_moving_expectations_bring_it():
    half = _curve({0.0: 0, 0.5: 100, 1.0: 50})
    full = _curve({0.0: 0, 0.5: 50, 1.0: 100})
    assert e9.emerges(half) and not e9.emerges(full)
    assert e9.classify({0.0: full, 0.2: half, 0.5: half}) == "agrees"
    assert e9.classify({0.0: half, 0.2: half, 0.5: half}) == "partly agrees"  # there without moving expectations
    assert e9.classify({0.0: full, 0.2: full, 0.5: half}) == "partly agrees"
    lower = _curve({0.0: 0, 0.5: 50, 0.75: 100, 1.0: 40})  # the best lead falls, short of the half step
    assert e9.classify({0.0: full, 0.5: lower}) == "partly agrees"
    assert e9.classify({0.0: full, 0.5: full}) == "disagrees"


def _ci(mean: float, half: float = 0.01) -> dict:
    return {"mean": mean, "ci95": [mean - half, mean + half], "n": 10}


def _result(drift: dict[str, float], gap: dict[str, float]) -> dict:
    return {"tiers": {t: {"drift": _ci(drift[t]), "gap_at_switch": _ci(gap[t])} for t in e10.TOP}}


def test_the_uniform_verdict_asks_for_a_drift_below_the_start_and_below_halfstep():
    assert e10.classify(_result({"V4": -0.05, "V5": -0.03}, {"V4": -0.1, "V5": -0.08})) == "agrees"
    assert e10.classify(_result({"V4": -0.05, "V5": 0.0}, {"V4": -0.1, "V5": -0.08})) == "partly agrees"
    # both drift down but V4 stays where halfstep keeps it: lowered, not lowered against the tiered plan
    assert e10.classify(_result({"V4": -0.05, "V5": -0.03}, {"V4": 0.0, "V5": -0.08})) == "partly agrees"
    assert e10.classify(_result({"V4": 0.02, "V5": 0.0}, {"V4": -0.1, "V5": -0.08})) == "partly agrees"
    assert e10.classify(_result({"V4": 0.02, "V5": 0.0}, {"V4": -0.1, "V5": 0.0})) == "disagrees"
    assert e10.classify(_result({"V4": -0.005, "V5": -0.005}, {"V4": 0.0, "V5": 0.0})) == "disagrees"  # CI covers 0


def test_the_drift_and_the_gap_of_a_switched_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # as in test_periods: with expectations that only fall, one agreement for all lowers the high tier's bar
    s = build(tiny_dict(expectations={"adapt_up": 0.0, "adapt_down": 0.5}))
    arms = [Arm("switch", s, ("uniform",) * 2 + ("halfstep",) * 3), Arm("half", s, ("halfstep",) * 5)]
    runs = play_arms(Context("x", workers=1, out=tmp_path), arms, 3)
    monkeypatch.setattr(e10, "TOP", ("high",))
    monkeypatch.setattr(e10, "UNIFORM_QUARTERS", 2)
    r = e10.analyse(runs["switch"], runs["half"], ["low", "high"], 0.8)
    high = r["tiers"]["high"]
    ref = by_period(runs["switch"], lambda o: o.dynamics["reference"][1])
    assert high["start"] == pytest.approx(ref[:, 0].mean()) and high["after_uniform"]["mean"] == ref[:, 2].mean()
    assert high["drift"]["ci95"][1] < 0 and high["gap_at_switch"]["ci95"][1] < 0
    assert len(high["gap_by_quarter"]) == 5 and high["gap_by_quarter"][0]["mean"] == 0.0  # the same start
    assert high["quarters_to_return"] is None  # κ_up = 0: nothing lifts the bar back
    c = r["contribution"]
    total = by_period(runs["switch"], lambda o: o.kpis["contribution"]) - by_period(
        runs["half"], lambda o: o.kpis["contribution"]
    )
    assert c["all_quarters"]["mean"] == pytest.approx(total.sum(axis=1).mean())
    assert c["uniform_phase"]["mean"] + c["after_switch"]["mean"] == pytest.approx(c["all_quarters"]["mean"])
    assert c["until_returned"] is None and r["return_quarters"] is None
    assert set(r["tiers"]["low"]) == {
        "share_of_wallet_uniform_phase",
        "share_of_wallet_after_switch",
        "margin_less_cost_uniform_phase",
        "margin_less_cost_after_switch",
    }
    assert e10.classify(r) in {"agrees", "partly agrees"}


def test_every_experiment_is_registered_in_order_and_in_the_readme():
    names = experiment_names()
    numbers = [int(re.match(r"e(\d+)_", n).group(1)) for n in names]
    assert numbers == list(range(1, len(names) + 1)) and len(names) >= 10
    assert parse_args(["--only", "e1"], names)[1] == ["e1_halfstep_curve"]
    assert parse_args(["--only", "e10"], names)[1] == ["e10_uniform_lowers_expectations"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Experiments: the documents' claims", 1)[1].split("\n## ", 1)[0]
    for n, name in zip(numbers, names, strict=True):
        assert re.search(rf"^\| e{n} \| [^|]+ \| [^|]+ \| [^|]+ \|$", section, re.M), f"no table row for e{n}"
        assert f"experiments/claims/results/{name}/verdict.md" in section, f"no result links for {name}"
        assert f"code `experiments/claims/{name}.py`" in section


@pytest.mark.parametrize("module", [e9, e10])
def test_the_documented_sizes_are_in_the_docstring(module):
    doc = module.__doc__
    assert "**Size.** Reduced" in doc and "Full (``--full``)" in doc
