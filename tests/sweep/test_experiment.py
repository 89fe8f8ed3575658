"""Experiment files: validation messages with key paths, every point checked, and the designs' shapes."""

from __future__ import annotations

import numpy as np
import pytest

from model.errors import ScenarioError
from model.sweep.design import saltelli_unit
from model.sweep.experiment import load_experiment
from tests.helpers import LHS, ROOT, lhs_experiment, write_experiment


def _problems(tmp_path, body: str) -> str:
    path = write_experiment(tmp_path, body)
    with pytest.raises(ScenarioError) as e:
        load_experiment(path)
    return str(e.value)


def test_unknown_key_names_the_path_and_the_allowed_keys(tmp_path):
    text = _problems(tmp_path, LHS.format(points=4, reps=2).replace("replications =", "replicatons ="))
    assert "experiment.replicatons: unknown key; did you mean 'replications'?" in text
    assert "allowed here: name, description, scenario, policies" in text


def test_policies_and_kpis_name_what_is_allowed(tmp_path):
    body = LHS.format(points=4, reps=2).replace('"standard", "halfstep"', '"standard", "halfstap"')
    body = body.replace('"revenue",', '"revenu",')
    text = _problems(tmp_path, body)
    assert "experiment.policies[1] = 'halfstap': must be one of 'uniform', 'standard', 'halfstep'" in text
    assert "experiment.kpis[2] = 'revenu': must be one of 'contribution'" in text


def test_design_consistency(tmp_path):
    body = LHS.format(points=4, reps=2).replace("range = [0.3, 2.0]", "values = [0.3, 2.0]")
    body = body.replace("range = [0.5, 1.5]", "range = [1.5, 0.5]")
    text = _problems(tmp_path, body)
    assert "parameters.dispersion.range: is required by a lhs design: [low, high]" in text
    assert "parameters.dispersion.values = [0.3, 2.0]: is for list and grid designs" in text
    assert 'parameters."escort staff".range = [1.5, 0.5]: must be [low, high] with low < high' in text
    sobol = LHS.format(points=12, reps=2).replace('kind = "lhs"', 'kind = "sobol"')
    assert "design.points = 12: must be a power of 2" in _problems(tmp_path, sobol)


def test_every_point_is_validated_before_the_sweep_naming_point_and_key(tmp_path):
    body = LHS.format(points=4, reps=2).replace("range = [0.3, 2.0]", "range = [-1.0, 1.0]")
    text = _problems(tmp_path, body)
    assert "point 0 (dispersion = " in text
    assert "tiers.low.trip_rate_shape = -" in text and "must be > 0" in text
    assert "of 4 points are not valid scenarios" in text
    typo = LHS.format(points=4, reps=2).replace("tiers.low.trip_rate_shape", "tiers.lo.trip_rate_shape")
    assert "tiers.lo: names no entry; did you mean 'low'?" in _problems(tmp_path, typo)


def test_point_overrides_use_the_set_syntax(tmp_path):
    e = load_experiment(lhs_experiment(tmp_path, points=4, reps=2))
    p = e.points[0]
    assert p.overrides[0].startswith("tiers.low.trip_rate_shape=")
    assert p.overrides[1].startswith("tiers.high.trip_rate_shape=")
    assert p.overrides[2].startswith("resources.escort_staff.staff_on_duty=*")
    s = e.scenario(p)
    assert s.tiers[0].trip_rate_shape == s.tiers[1].trip_rate_shape == p.values["dispersion"]
    assert sum(s.resources[1].staff_on_duty) == round(32 * p.values["escort staff"])


def test_lhs_puts_one_point_in_every_stratum_and_is_seeded(tmp_path):
    e = load_experiment(lhs_experiment(tmp_path, points=10, reps=1))
    x = np.array([[p.values["dispersion"], p.values["escort staff"]] for p in e.points])
    unit = (x - [0.3, 0.5]) / [1.7, 1.0]
    for j in range(2):
        assert sorted(np.floor(unit[:, j] * 10).astype(int)) == list(range(10))
    again = load_experiment(e.path)
    assert [p.values for p in again.points] == [p.values for p in e.points]


def test_grid_and_list_designs(tmp_path):
    grid = """
[experiment]
name = "grid"
scenario = "tiny.toml"
policies = ["halfstep"]

[design]
kind = "grid"

[[parameters]]
name = "budget"
key = "budget.benefits_cny"
values = [1000, 2000, 3000]

[[parameters]]
name = "lead"
key = "allocator.lead"
values = [0.5, 1.0]
"""
    e = load_experiment(write_experiment(tmp_path, grid))
    assert [tuple(p.values.values()) for p in e.points] == [
        (b, lead) for b in (1000, 2000, 3000) for lead in (0.5, 1.0)
    ]
    listed = grid.replace('"grid"', '"list"').replace("[0.5, 1.0]", "[0.5, 1.0, 1.5]")
    e = load_experiment(write_experiment(tmp_path, listed))
    assert [tuple(p.values.values()) for p in e.points] == [(1000, 0.5), (2000, 1.0), (3000, 1.5)]
    uneven = grid.replace('"grid"', '"list"')
    assert "a list design needs as many values for every parameter" in _problems(tmp_path, uneven)


def test_saltelli_rows_follow_salib_layout():
    rng = np.random.default_rng(3)
    x = saltelli_unit(8, 3, rng).reshape(8, 5, 3)
    a, b = x[:, 0], x[:, 4]
    for i in range(3):
        ab = x[:, i + 1]
        assert np.array_equal(np.delete(ab, i, axis=1), np.delete(a, i, axis=1))
        assert np.array_equal(ab[:, i], b[:, i])


def test_shipped_experiments_and_targets_validate():
    from model.sweep.calibration import load_targets

    root = ROOT / "experiments"
    lhs = load_experiment(root / "lhs_baseline.toml")
    assert (len(lhs.points), len(lhs.policies), lhs.replications) == (50, 3, 5)
    assert lhs.output == root.parent / "runs" / "sweep-lhs_baseline"
    curve = load_experiment(root / "halfstep_curve.toml")
    assert len(curve.points) == 18 and curve.stream_point(3) is None
    targets = load_targets(root / "books" / "gp_targets.toml")
    assert [t.value for t in targets.targets] == [1624.33, 1267.38, 2058641.0, 0.6541, 0.6]
