"""Sweeps: identical numbers on every executor, one row per task × policy × KPI, failures kept."""

from __future__ import annotations

import math
import sqlite3

import pytest

from model.randomness import streams
from model.simulation.replications import replicate
from model.sweep.experiment import load_experiment
from model.sweep.runner import run_sweep
from model.sweep.store import StoreError
from tests.helpers import cli, lhs_experiment, results_table, task_table, write_experiment


def test_serial_two_workers_and_dask_give_identical_results(tmp_path):
    pytest.importorskip("distributed")
    path = lhs_experiment(tmp_path, points=3, reps=2)
    tables = {}
    for executor, workers in (("local", 1), ("local", 2), ("dask-local", 2)):
        e = load_experiment(path, output=tmp_path / f"{executor}-{workers}")
        s = run_sweep(e, workers=workers, executor=executor)
        assert (s.done, s.failed, s.ran) == (6, 0, 6)
        tables[executor, workers] = results_table(e.store_path)
    serial = tables["local", 1]
    assert len(serial) == 3 * 2 * 2 * 4  # points × replications × policies × KPIs
    assert tables["local", 2] == serial
    assert tables["dask-local", 2] == serial


def test_a_sweep_uses_and_leaves_open_a_client_of_the_same_scheduler(tmp_path, monkeypatch):
    # a notebook's own client of the scheduler: the sweep uses it rather than opening a second one
    distributed = pytest.importorskip("distributed")
    path = lhs_experiment(tmp_path, points=2, reps=2)
    serial = load_experiment(path, output=tmp_path / "serial")
    run_sweep(serial)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_port=0
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        opened = []
        real_client = distributed.Client
        monkeypatch.setattr(distributed, "Client", lambda *a, **k: opened.append(a) or real_client(*a, **k))
        e = load_experiment(path, output=tmp_path / "dask")
        s = run_sweep(e, executor="dask://" + cluster.scheduler_address.removeprefix("tcp://"))
        assert (s.done, s.failed) == (4, 0)
        assert opened == []  # no second client
        assert client.status == "running" and client.submit(sum, [1, 2]).result() == 3
    assert results_table(e.store_path) == results_table(serial.store_path)


def test_a_task_is_the_runner_replication_with_the_point_in_the_spawn_key(tmp_path):
    e = load_experiment(lhs_experiment(tmp_path, points=2, reps=2))
    run_sweep(e)
    stored = {(p, pol, r, k): v for p, pol, r, k, v in results_table(e.store_path)}
    point = e.points[1]
    scenario = e.scenario(point)
    from model.allocation.policies import make_plan

    plans = {p: make_plan(scenario, p) for p in e.policies}
    for o in replicate(scenario, plans, e.policies, e.seed, 1, point=1):
        for k in e.kpis:
            v = stored[1, o.policy, 1, k]
            assert (math.isnan(v) and math.isnan(o.kpis[k])) or v == o.kpis[k]
    # the point is part of the seed: points differ in their draws, not only in their parameters
    a, b = streams(e.seed, 0, point=0)["demand"].random(), streams(e.seed, 0, point=1)["demand"].random()
    assert a != b


def test_tasks_record_seed_spawn_key_and_one_attempt(tmp_path):
    e = load_experiment(lhs_experiment(tmp_path, points=2, reps=3))
    run_sweep(e)
    with sqlite3.connect(e.store_path) as con:
        rows = con.execute("SELECT task, point, replication, seed, spawn_key, status, attempts FROM tasks").fetchall()
        meta = dict(con.execute("SELECT key, value FROM meta"))
    assert len(rows) == 6
    assert all(r[3] == 5 and r[5] == "done" and r[6] == 1 for r in rows)
    assert rows[4][1:3] == (1, 1) and rows[4][4] == "(1, 1, stream)"
    assert meta["experiment_sha256"] == e.sha256 and "numpy" in meta["versions"]


def test_existing_store_needs_resume_or_force(tmp_path, capsys):
    path = lhs_experiment(tmp_path, points=2, reps=1)
    e = load_experiment(path)
    run_sweep(e)
    with pytest.raises(StoreError, match="--resume to continue that sweep, or --force"):
        run_sweep(e)
    again = run_sweep(e, resume=True)
    assert (again.ran, again.already, again.done) == (0, 2, 2)
    fresh = run_sweep(e, force=True)
    assert fresh.ran == 2
    assert cli("sweep", str(path)) == 2
    assert "exists already" in capsys.readouterr().err


def test_resume_refuses_a_changed_experiment_file(tmp_path):
    path = lhs_experiment(tmp_path, points=2, reps=1)
    run_sweep(load_experiment(path))
    path.write_text(path.read_text().replace("seed = 5", "seed = 6"))
    with pytest.raises(StoreError, match="the experiment file changed since this sweep started"):
        run_sweep(load_experiment(path), resume=True)
    with pytest.raises(StoreError, match="no sweep to resume"):
        run_sweep(load_experiment(path, output=tmp_path / "elsewhere"), resume=True)


FAILING = """
[experiment]
name = "one infeasible point"
scenario = "tiny.toml"
policies = ["halfstep"]
replications = 2
kpis = ["net_value"]

[design]
kind = "list"

[[parameters]]
name = "escort staff"
key = "resources.escort_staff.staff_on_duty"
values = [1.0, 0.0]
scale = true
"""


def test_a_failing_task_is_recorded_with_its_traceback_and_the_sweep_goes_on(tmp_path, capsys):
    # point 1 has no escort staff but the high tier's contract floors escort at 0.5: the LP is infeasible
    tiny = __import__("tests.conftest", fromlist=["tiny_dict"]).tiny_dict()
    tiny["tiers"][1]["floor"] = {"escort": 0.5}
    path = write_experiment(tmp_path, FAILING, tiers=tiny["tiers"])
    assert cli("sweep", str(path)) == 1
    printed = capsys.readouterr().out
    assert "2 done, 2 failed" in printed and "failed: task 2 (point 1, replication 0)" in printed
    store = load_experiment(path).store_path
    tasks = task_table(store)
    assert [tasks[t][0] for t in range(4)] == ["done", "done", "failed", "failed"]
    with sqlite3.connect(store) as con:
        error = con.execute("SELECT error FROM tasks WHERE task = 2").fetchone()[0]
    assert "Traceback" in error and "InfeasibleError" in error
    assert {r[0] for r in results_table(store)} == {0}


TWINS = """
[experiment]
name = "twin points"
scenario = "tiny.toml"
policies = ["standard"]
replications = 2
kpis = ["net_value", "revenue"]
common_random_numbers = "{crn}"

[design]
kind = "list"

[[parameters]]
name = "budget"
key = "budget.benefits_cny"
values = [50000.0, 50000.0]
"""


@pytest.mark.parametrize("crn", ["policies", "points"])
def test_common_random_numbers_across_points_makes_equal_points_equal(tmp_path, crn):
    e = load_experiment(write_experiment(tmp_path, TWINS.format(crn=crn)))
    run_sweep(e)
    rows = results_table(e.store_path)
    first = [r[1:] for r in rows if r[0] == 0]
    second = [r[1:] for r in rows if r[0] == 1]
    assert (first == second) == (crn == "points")
    with sqlite3.connect(e.store_path) as con:
        key = con.execute("SELECT spawn_key FROM tasks WHERE task = 3").fetchone()[0]
    assert key == ("(1, stream)" if crn == "points" else "(1, 1, stream)")


def test_executor_problems_are_refused_before_a_store_exists(tmp_path, monkeypatch):
    from model.sweep.executors import ExecutorError

    e = load_experiment(lhs_experiment(tmp_path, points=2, reps=1))
    with pytest.raises(ExecutorError, match="must be local, dask-local or dask://HOST:PORT"):
        run_sweep(e, executor="ray")
    with pytest.raises(ExecutorError, match="--workers = 0: must be ≥ 1"):
        run_sweep(e, workers=0)
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # as if Dask were not installed
    with pytest.raises(ExecutorError, match=r"install it with: pip install 'halfstep\[dask\]'"):
        run_sweep(e, executor="dask-local")
    assert not e.store_path.exists()


def test_load_results_without_pandas_says_how_to_install_it(tmp_path, monkeypatch):
    from model.errors import HalfstepError

    e = load_experiment(lhs_experiment(tmp_path, points=2, reps=1))
    run_sweep(e)
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)
    with pytest.raises(HalfstepError, match=r"needs pandas; install it with: pip install 'pandas>=2.0'"):
        __import__("model").load_results(e.store_path)
