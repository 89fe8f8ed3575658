"""What-if overrides (--set): key paths, relative values, validation like the file."""

from __future__ import annotations

import pytest

from model.errors import ScenarioError
from model.scenario.loading import load_scenario
from model.scenario.overrides import apply_overrides
from tests.helpers import halfstep, tiny_dict


def test_absolute_and_named_paths():
    d = apply_overrides(tiny_dict(), ["tiers.high.accounts=9", "budget.benefits_cny=5000", "flights.seats=120"])
    assert d["tiers"][1]["accounts"] == 9 and d["budget"]["benefits_cny"] == 5000 and d["flights"]["seats"] == 120
    assert tiny_dict()["tiers"][1]["accounts"] == 5  # the input is not changed


def test_relative_values():
    d = apply_overrides(
        tiny_dict(), ["tiers.low.fare_cny=+10%", "tiers.high.accounts=*2", "flights.base_fare_cny=-50%"]
    )
    assert d["tiers"][0]["fare_cny"] == pytest.approx(1100)
    assert d["tiers"][1]["accounts"] == 10 and isinstance(d["tiers"][1]["accounts"], int)
    assert d["flights"]["base_fare_cny"] == pytest.approx(450)


def test_a_roster_of_whole_staff_grows_by_its_total():
    s = load_scenario(None, ["resources.escort_staff.staff_on_duty=+20%"])
    base = load_scenario()
    before, after = sum(base.resource("escort_staff").staff_on_duty), sum(s.resource("escort_staff").staff_on_duty)
    assert after == round(before * 1.2)
    assert all(isinstance(x, int) for x in s.resource("escort_staff").staff_on_duty)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("tiers.V6.accounts=3", "tiers.V6: names no entry"),
        ("budgett.benefits_cny=1", "did you mean 'budget'"),
        ("budget.benefits_cny=-5", "budget.benefits_cny = -5"),
        ("value.satiaton=0.4", "value.satiaton: unknown key"),
        ("scenario.name=+10%", "relative value needs a number"),
        ("nonsense", "KEY=VALUE"),
    ],
)
def test_bad_overrides_are_named(override, message):
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(".", r"\.")):
        load_scenario(None, [override])


def test_cli_plan_with_set(tmp_path):
    r = halfstep("plan", "--set", "budget.benefits_cny=+20%", "--out", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr
    assert "216,000" in r.stdout  # 180,000 + 20%
    r = halfstep("plan", "--set", "tiers.V3.accounts=-3", "--out", str(tmp_path / "q"))
    assert r.returncode == 2 and "tiers.V3.accounts = -3" in r.stderr and "with --set" in r.stderr
