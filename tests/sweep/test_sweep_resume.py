"""A sweep killed with SIGKILL and resumed runs no finished task again and ends as if never stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from model.sweep.experiment import load_experiment
from model.sweep.runner import run_sweep
from tests.helpers import done_tasks, lhs_experiment, results_table, task_table


@pytest.mark.slow
def test_killed_sweep_resumes_without_recomputing_finished_tasks(tmp_path):
    points, reps = 12, 4
    path = lhs_experiment(tmp_path, points=points, reps=reps, time={"horizon_days": 90})
    store = load_experiment(path).store_path
    cmd = [sys.executable, "-m", "model", "sweep", str(path), "--workers", "2"]
    # its own session, so that SIGKILL takes the sweep and its worker processes at once, like a crash
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while done_tasks(store) < 6:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = task_table(store)
    finished = {t for t, (status, _, _) in before.items() if status == "done"}
    assert 6 <= len(finished) < points * reps, "kill the sweep midway"

    resumed = run_sweep(load_experiment(path), workers=2, resume=True)
    after = task_table(store)
    assert resumed.already == len(finished)
    assert resumed.ran == points * reps - len(finished)
    assert resumed.done == points * reps and resumed.failed == 0
    for t in finished:  # not handed out again, result untouched
        assert after[t] == before[t] and after[t][1] == 1
    assert sum(a for _, a, _ in after.values()) >= points * reps

    clean = load_experiment(path, output=tmp_path / "clean")
    fresh = run_sweep(clean)  # the run compared with must have succeeded too
    assert (fresh.done, fresh.failed) == (points * reps, 0)
    assert results_table(store) == results_table(clean.store_path)
    assert all(a == 1 for _, a, _ in task_table(clean.store_path).values())


@pytest.mark.slow
def test_a_lost_dask_worker_loses_nothing_on_a_running_scheduler(tmp_path):
    # a scheduler and two workers started apart from the sweep, reached as dask://HOST:PORT;
    # one worker is killed mid-sweep: Dask reruns its tasks elsewhere and the numbers do not change
    distributed = pytest.importorskip("distributed")
    import threading

    path = lhs_experiment(tmp_path, points=10, reps=2, time={"horizon_days": 90})
    e = load_experiment(path)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_port=0
    ) as cluster:
        # the sweep's own client must be the process's only one: two clients in one process can
        # hand a result to the other's event loop ("bound to a different event loop")
        with distributed.Client(cluster) as client:
            victim = next(iter(client.run(os.getpid).values()))
        killed = threading.Event()
        at_kill: list[int] = []

        def kill_one_worker() -> None:
            deadline = time.monotonic() + 120
            while done_tasks(e.store_path) < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(victim, signal.SIGKILL)
            at_kill.append(done_tasks(e.store_path))
            killed.set()

        threading.Thread(target=kill_one_worker, daemon=True).start()
        summary = run_sweep(e, executor="dask://" + cluster.scheduler_address.removeprefix("tcp://"))
    assert killed.wait(10) and at_kill[0] < 20, "kill a worker mid-sweep"
    assert (summary.done, summary.failed) == (20, 0)
    clean = load_experiment(path, output=tmp_path / "clean")
    fresh = run_sweep(clean)  # the run compared with must have succeeded too
    assert (fresh.done, fresh.failed) == (20, 0)
    assert results_table(e.store_path) == results_table(clean.store_path)
