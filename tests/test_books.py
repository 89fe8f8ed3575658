"""The books' builders and the validation's arithmetic (experiments/books, experiments/validation)."""

from __future__ import annotations

import tomllib

import pytest

from experiments.books import shenzhen
from experiments.validation.run import BUCKETS_Q3, bucket_shares, verdict
from model.scenario.loading import load_scenario
from model.sweep.calibration import TargetsFile, load_targets


def test_the_base_keeps_the_baseline_and_has_the_shenzhen_departures(tmp_path):
    path = tmp_path / "base.toml"
    path.write_text(shenzhen.base_text(), encoding="utf-8")
    base, gp = load_scenario(path), load_scenario()
    hours = base.flights.departure_hours
    assert len(hours) == shenzhen.DEPARTURES_PER_DAY and hours[0] == 6.5 and hours[-1] == 23.0
    assert base.flights.base_fare_cny == 1110  # 1,257 − 147 [seed 000]
    assert [t.name for t in base.tiers] == [t.name for t in gp.tiers]
    assert base.dimensions == gp.dimensions and base.resources == gp.resources
    text = path.read_text(encoding="utf-8")
    assert "ASSUMPTION" in text and "[seed 000" in text


def test_the_targets_file_names_every_tier_and_validates(tmp_path):
    tiers = ["V1", "E-other", "深圳安嘉电子股份有限公司"]
    text = shenzhen.targets_text(tiers, ["lt40", "y"])
    spec = TargetsFile.model_validate(tomllib.loads(text))
    assert [t.statistic for t in spec.targets] == [
        "trips_flown",
        "key_account_fare_mean",
        "key_account_revenue_share",
        "single_trip_share",
    ]
    assert spec.targets[2].value == 0.0769 and spec.targets[3].overrides == ["time.horizon_days=273"]
    size = next(p for p in spec.parameters if p.name == "book size")
    # the book grows by its accounts (loyalty units), and every capacity and the budget with them
    assert size.key_paths[: len(tiers)] == [f"tiers.{t}.accounts" for t in tiers]
    assert set(size.key_paths[len(tiers) :]) == {
        "resources.seat_holds.hold_limit_per_flight",
        "resources.escort_staff.staff_on_duty",
        "resources.escort_staff.expansion_max",
        "resources.airport_handling.daily_capacity",
        "resources.lounge.daily_capacity",
        "resources.cars.daily_capacity",
        "resources.cars.expansion_max",
        "budget.benefits_cny",
    }
    assert size.scale
    short = TargetsFile.model_validate(tomllib.loads(shenzhen.targets_text(tiers, ["y"], single_trip=False)))
    assert "single_trip_share" not in [t.statistic for t in short.targets]
    assert "trip dispersion" not in [p.name for p in short.parameters]


def test_the_gp_targets_are_the_gp_figures():
    spec = load_targets(shenzhen.ROOT / "experiments" / "books" / "gp_targets.toml")
    by = {t.statistic: t for t in spec.targets}
    assert by["trips_flown"].value == pytest.approx(4873 * 91 / 273, abs=0.01)
    assert by["revenue"].value == pytest.approx(6175924 * 91 / 273, abs=1)
    assert by["key_account_fare_mean"].value == pytest.approx(6175924 / 4873, abs=0.01)
    assert "key_account_revenue_share" not in by  # a figure of the whole book, not of the GP clients
    assert by["single_trip_share"].overrides == ["time.horizon_days=273"]


def test_bucket_shares_weigh_each_tiers_mix_by_its_trips():
    mixes = {"a": {"y": 1.0}, "b": {"y": 0.5, "lt40": 0.5}}
    out = bucket_shares({"a": 30.0, "b": 10.0}, mixes)
    assert out == pytest.approx({"y": 35 / 40, "lt40": 5 / 40})
    assert sum(BUCKETS_Q3.values()) == pytest.approx(0.2429)


def test_verdicts():
    assert verdict(0.66, 0.6541, (0.65, 0.67)) == "reproduced (the 95% CI covers it)"
    assert verdict(0.70, 0.6541, (0.69, 0.71)) == "not reproduced"
    assert verdict(None, 0.7695, (None, None)) == "not in the model"
