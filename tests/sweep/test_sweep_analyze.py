"""Sweep analysis: indices against known answers, KPI vs parameter tables, the analyze command."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pandas")
pytest.importorskip("SALib")

import model
from model.sweep.analysis import analyze, srrc
from model.sweep.design import saltelli_unit
from model.sweep.experiment import load_experiment
from model.sweep.runner import run_sweep
from tests.helpers import LHS, cli, lhs_experiment, write_experiment


def test_saltelli_design_gives_the_ishigami_sobol_indices():
    # Ishigami (a = 7, b = 0.1) on [-π, π]³: S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)
    from SALib.analyze import sobol

    n, d = 4096, 3
    x = -math.pi + 2 * math.pi * saltelli_unit(n, d, np.random.default_rng(1))
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[-math.pi, math.pi]] * 3}
    r = sobol.analyze(problem, y, calc_second_order=False, seed=1)
    assert r["S1"] == pytest.approx([0.314, 0.442, 0.0], abs=0.03)
    assert r["ST"] == pytest.approx([0.558, 0.442, 0.244], abs=0.03)


def test_srrc_of_a_linear_model_is_its_standardized_coefficients():
    rng = np.random.default_rng(2)
    x = rng.random((4000, 3))
    beta, r2 = srrc(x, 2 * x[:, 0] + 0.5 * x[:, 1])
    # equal spreads: standardized coefficients 2/√4.25 and 0.5/√4.25; ranks of a near-linear y
    assert beta == pytest.approx([2 / math.sqrt(4.25), 0.5 / math.sqrt(4.25), 0.0], abs=0.03)
    assert r2 > 0.95


def test_load_results_and_analyze_a_tiny_lhs_sweep(tmp_path, capsys):
    path = lhs_experiment(tmp_path, points=10, reps=2)
    run_sweep(load_experiment(path))
    df = model.load_results(path)
    assert list(df.columns) == ["point", "policy", "replication", "kpi", "value", "dispersion", "escort staff"]
    assert len(df) == 10 * 2 * 2 * 4
    a = analyze(load_experiment(path), ["escort_wait_mean_minutes", "net_value"])
    assert a.method.startswith("SRRC")
    vs = a.vs_parameter
    assert set(vs["parameter"]) == {"dispersion", "escort staff"}
    assert (vs["n"] == 4).all()  # 5 bins of 10 points: 2 points × 2 replications each
    waits = a.sensitivity.query("kpi == 'escort_wait_mean_minutes' and policy == 'standard'").set_index("parameter")
    # at the fixed levels of the service table, more escort staff means shorter waits: the sign must
    # come out with an interval that excludes 0 (halfstep's LP instead plans more escorts for more staff)
    assert waits.loc["escort staff", "value"] < -0.5 and waits.loc["escort staff", "ci_high"] < 0
    assert cli("analyze", str(path), "--kpi", "escort_wait_mean_minutes") == 0
    printed = capsys.readouterr().out
    assert "sensitivity of escort_wait_mean_minutes" in printed and "SRRC" in printed
    folder = load_experiment(path).output / "analysis"
    for name in ("kpi_vs_parameter.csv", "sensitivity.csv", "escort_wait_mean_minutes_sensitivity.png"):
        assert (folder / name).stat().st_size > 0
    assert cli("analyze", str(path)) == 2  # the analysis folder exists: --force to replace it


def test_sobol_design_reports_first_and_total_order_indices(tmp_path):
    body = LHS.format(points=4, reps=1).replace('kind = "lhs"', 'kind = "sobol"')
    path = write_experiment(tmp_path, body)
    e = load_experiment(path)
    assert len(e.points) == 4 * (2 + 2)
    run_sweep(e)
    a = analyze(e, ["net_value"])
    assert a.method.startswith("Sobol")
    assert set(a.sensitivity["index"]) == {"S1", "ST"}
    assert len(a.sensitivity) == 2 * 2 * 2  # policies × parameters × indices
