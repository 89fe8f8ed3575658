"""Calibration: the single-trip statistic against theory, recovery of known parameters, the targets file."""

from __future__ import annotations

import numpy as np
import pytest
import tomli_w

from model.errors import ScenarioError
from model.scenario.loading import load_scenario
from model.sweep.calibration import TargetsFile, _statistics, calibrate, load_targets
from tests.helpers import CALIBRATION_TARGETS, cli, tiny_dict, write_tiny_scenario

DISPERSION = {"name": "dispersion", "keys": ["tiers.low.trip_rate_shape", "tiers.high.trip_rate_shape"]}


def test_single_trip_share_is_the_negative_binomial_one_when_every_trip_flies(tmp_path):
    # every trip flies with us (intercept 20, nobody breaks, empty flights): a traveller's trips
    # are Poisson with a gamma rate, i.e. negative binomial — P(1) / P(≥ 1) is known exactly
    data = tiny_dict(time={"horizon_days": 90}, choice={"intercept": 20.0})
    data["loyalty"] = {"break_threshold": 0.0, "recovery_threshold": 0.0}
    data["flights"]["base_load_factor"] = 0.0
    k = 0.5
    for t in data["tiers"]:
        t["accounts"] *= 10
        t["trip_rate_shape"] = k
    spec = TargetsFile.model_validate(
        {
            "targets": [{"statistic": "single_trip_share", "value": 0.5}],
            "parameters": [{**DISPERSION, "bounds": [0.1, 2]}],
        }
    )
    values = np.array(_statistics(data, (), spec, 6, None)[0])
    once = flyers = 0.0
    for t in data["tiers"]:
        mu = t["trips_per_traveller_per_year"] * 90 / 365
        p = k / (k + mu)
        n = t["accounts"] * t["travellers_per_account"]
        once += n * k * (1 - p) * p**k
        flyers += n * (1 - p**k)
    theory = once / flyers
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - theory) < 4 * se + 1e-3, (values.mean(), theory, se)


@pytest.mark.slow
def test_calibration_recovers_known_parameters(tmp_path):
    # synthetic data: statistics simulated at known parameters (many replications, their own streams)
    data = tiny_dict(time={"horizon_days": 60})
    for t in data["tiers"]:
        t["accounts"] *= 4
    scenario = tmp_path / "tiny.toml"
    scenario.write_bytes(tomli_w.dumps(data).encode())
    truth = {"dispersion": 0.4, "intercept": -0.5}
    spec = TargetsFile.model_validate(
        {
            "calibration": {"replications": 12, "check_replications": 12, "seed": 3, "max_evaluations": 49},
            "targets": [
                {"statistic": "single_trip_share", "value": 0.5},
                {"statistic": "share_of_wallet", "value": 0.5},
            ],
            "parameters": [
                {**DISPERSION, "bounds": [0.1, 2.0], "start": 1.5},
                {"name": "intercept", "key": "choice.intercept", "bounds": [-2.0, 2.0], "start": 0.5},
            ],
        }
    )
    observed = _statistics(
        data,
        ("tiers.low.trip_rate_shape=0.4", "tiers.high.trip_rate_shape=0.4", "choice.intercept=-0.5"),
        spec,
        32,
        7,
    )
    targets = [t.model_copy(update={"value": float(np.mean(observed[i]))}) for i, t in enumerate(spec.targets)]
    c = calibrate(scenario, spec.model_copy(update={"targets": targets}))
    # tolerance: about four standard errors of the estimate (from the slopes of the statistics
    # and the sampling error of 32 target and 12 fitting replications)
    assert c.parameters["dispersion"] == pytest.approx(truth["dispersion"], rel=0.25)
    assert c.parameters["intercept"] == pytest.approx(truth["intercept"], abs=0.25)
    assert c.objective < c.start_objective / 10
    for t in c.targets:
        assert abs(t.check_mean - t.target) < 0.05 * t.target


def test_a_target_measured_over_a_longer_horizon_runs_under_its_own_overrides():
    # the same statistic twice: over the scenario's 30 days and over 273 days (Jan–Sep); over the
    # longer window travellers fly more often, so fewer of them fly once — and the 30-day one is
    # exactly what a target without overrides measures
    data = tiny_dict(time={"horizon_days": 30}, choice={"intercept": 20.0})
    for t in data["tiers"]:
        t["accounts"] *= 5
    spec = TargetsFile.model_validate(
        {
            "targets": [
                {"statistic": "single_trip_share", "value": 0.6},
                {"statistic": "single_trip_share", "value": 0.6, "overrides": ["time.horizon_days=273"]},
                {"statistic": "trips_requested", "value": 1.0, "overrides": ["time.horizon_days=273"]},
            ],
            "parameters": [{**DISPERSION, "bounds": [0.1, 2]}],
        }
    )
    stats = _statistics(data, (), spec, 3, None)
    plain = TargetsFile.model_validate({**spec.model_dump(), "targets": [spec.targets[0].model_dump()]})
    assert stats[0] == _statistics(data, (), plain, 3, None)[0]
    assert np.mean(stats[1]) < np.mean(stats[0]) - 0.05
    requested_30 = sum(
        t["accounts"] * t["travellers_per_account"] * t["trips_per_traveller_per_year"] * 30 / 365
        for t in data["tiers"]
    )
    assert np.mean(stats[2]) == pytest.approx(requested_30 * 273 / 30, rel=0.1)


def test_a_shift_parameter_moves_every_key_by_the_same_amount():
    from model.sweep.calibration import fit_overrides

    data = tiny_dict()
    data["tiers"][0]["choice_intercept"] = -1.0
    data["tiers"][1]["choice_intercept"] = -3.0
    spec = TargetsFile.model_validate(
        {
            "targets": [{"statistic": "share_of_wallet", "value": 0.6}],
            "parameters": [
                {
                    "name": "intercepts",
                    "keys": ["tiers.low.choice_intercept", "tiers.high.choice_intercept"],
                    "shift": True,
                    "bounds": [-2, 2],
                }
            ],
        }
    )
    assert fit_overrides(spec.parameters, {"intercepts": np.float64(0.5)}, data) == (
        "tiers.low.choice_intercept=-0.5",
        "tiers.high.choice_intercept=-2.5",
    )
    from model.sweep.calibration import _start

    assert _start(spec.parameters[0], data) == 0.0


def test_targets_file_refuses_a_shift_that_is_a_scale_and_a_bad_override(tmp_path):
    text = CALIBRATION_TARGETS.replace("bounds = [-1.0, 1.0]", "bounds = [-1.0, 1.0]\nshift = true\nscale = true")
    text = text.replace('statistic = "share_of_wallet"', 'statistic = "share_of_wallet"\noverrides = ["horizon"]')
    (tmp_path / "t.toml").write_text(text)
    with pytest.raises(ScenarioError) as e:
        load_targets(tmp_path / "t.toml")
    assert "shift or a scale, not both" in str(e.value)
    assert "overrides[0] = 'horizon': must look like KEY=VALUE" in str(e.value)


def test_targets_file_names_bad_keys_and_bounds(tmp_path):
    bad = CALIBRATION_TARGETS.replace('"share_of_wallet"', '"share_of_walet"').replace("[-1.0, 1.0]", "[1.0, -1.0]")
    (tmp_path / "t.toml").write_text(bad)
    with pytest.raises(ScenarioError) as e:
        load_targets(tmp_path / "t.toml")
    text = str(e.value)
    assert "targets[0].statistic = 'share_of_walet': must be one of 'contribution'" in text
    (tmp_path / "t.toml").write_text(CALIBRATION_TARGETS.replace("[-1.0, 1.0]", "[1.0, -1.0]"))
    with pytest.raises(ScenarioError, match=r"parameters.intercept.bounds = \[1.0, -1.0\]: must be \[low, high\]"):
        load_targets(tmp_path / "t.toml")


def test_cli_calibrate_writes_a_valid_scenario_and_never_overwrites(tmp_path, capsys):
    scenario = write_tiny_scenario(tmp_path)
    (tmp_path / "t.toml").write_text(CALIBRATION_TARGETS)
    out = tmp_path / "fitted.toml"
    assert cli("calibrate", str(scenario), "--targets", str(tmp_path / "t.toml"), "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "share_of_wallet" in printed and "fitted parameters" in printed
    fitted = load_scenario(out)
    assert -1.0 <= fitted.choice.intercept <= 1.0
    assert out.read_text().startswith("# calibrated by `halfstep calibrate")
    assert cli("calibrate", str(scenario), "--targets", str(tmp_path / "t.toml"), "--out", str(out)) == 2
    assert "exists already" in capsys.readouterr().err


def test_bounds_no_scenario_allows_are_refused_before_fitting(tmp_path):
    scenario = write_tiny_scenario(tmp_path)
    (tmp_path / "t.toml").write_text(
        CALIBRATION_TARGETS.replace('key = "choice.intercept"', 'key = "choice.closeness"')
    )
    with pytest.raises(ScenarioError, match=r"every parameter at its low bound.*choice.closeness = -1.0: must be ≥ 0"):
        calibrate(scenario, load_targets(tmp_path / "t.toml"))
