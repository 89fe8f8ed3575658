"""The sweep store on its own: what a resumed sweep reads back from it, task by task.

A sweep resumes from its store: which tasks are done, which were handed out and never came
back, which failed, every result kept with NaN as NaN. These tests drive the store the way the
runner does (create, dispatch, record, release) and read it the way a resume and an analysis do.
"""

from __future__ import annotations

import json
import math
import sqlite3

import pytest

from model.errors import RunFolderError
from model.sweep.experiment import load_experiment
from model.sweep.store import Store, StoreError, TaskRow, differences, flatten, store_path
from model.sweep.task import TaskResult
from tests.helpers import lhs_experiment

META = {"version": "test", "experiment_hash": "abc"}


@pytest.fixture
def experiment(tmp_path):
    return load_experiment(lhs_experiment(tmp_path, points=3, reps=2))  # 6 tasks: point × 2 + replication


@pytest.fixture
def store(experiment):
    s = Store.create(experiment, META)
    yield s
    s.close()


def _result(task: int, point: int, replication: int, errors: dict[str, str] | None = None) -> TaskResult:
    rows = (
        ("halfstep", "net_value", 10.0 * task + 0.5),
        ("halfstep", "revenue", math.nan),
        ("standard", "net_value", -1.0),
    )
    return TaskResult(task, point, replication, rows, errors or {}, seconds=1.25, worker="w1")


def test_a_new_store_holds_every_task_pending_in_order_with_its_point_and_spawn_key(store, experiment):
    assert store.counts() == {"pending": 6, "running": 0, "done": 0, "failed": 0}
    assert store.todo() == [TaskRow(t, t // 2, t % 2, experiment.seed) for t in range(6)]
    assert store.meta() == META
    spawn = dict(store.con.execute("SELECT task, spawn_key FROM tasks"))
    point = experiment.stream_point(1)
    assert spawn[3] == (f"({point}, 1, stream)" if point is not None else "(1, stream)")
    points = store.con.execute("SELECT point, label, overrides FROM points ORDER BY point").fetchall()
    assert [p for p, _, _ in points] == [0, 1, 2]
    assert [json.loads(o) for _, _, o in points] == [list(p.overrides) for p in experiment.points]
    values = store.point_values()
    assert sorted(values) == [0, 1, 2]
    assert values[1] == experiment.points[1].values


def test_the_store_is_built_aside_and_renamed_into_place(store, experiment):
    path = experiment.store_path
    assert path.is_file() and not path.with_name(path.name + ".partial").exists()
    assert store.path == path


def test_an_existing_store_is_kept_unless_forced(store, experiment):
    store.dispatched(0)
    with pytest.raises(StoreError, match="exists already: pass --resume to continue that sweep, or --force"):
        Store.create(experiment, META)
    again = Store.open(experiment.store_path)
    assert again.counts()["running"] == 1  # untouched
    again.close()
    fresh = Store.create(experiment, {"version": "other"}, force=True)
    assert fresh.counts() == {"pending": 6, "running": 0, "done": 0, "failed": 0}
    assert fresh.meta() == {"version": "other"}
    fresh.close()


def test_opening_where_there_is_no_store_says_so(tmp_path):
    with pytest.raises(StoreError, match=r"no sweep store here; run `halfstep sweep` first"):
        Store.open(tmp_path / "nothing.sqlite")


def test_dispatch_record_and_release_as_a_resume_sees_them(store):
    store.dispatched(0)
    store.dispatched(1)
    store.dispatched(2)
    assert store.counts() == {"pending": 3, "running": 3, "done": 0, "failed": 0}
    store.record(_result(0, 0, 0))
    store.record(_result(1, 0, 1, errors={"halfstep": "Traceback: boom"}))
    assert store.counts() == {"pending": 3, "running": 1, "done": 1, "failed": 1}
    # a resume runs what is pending or was running when the sweep stopped; failed ones only if asked
    assert [r.task for r in store.todo()] == [2, 3, 4, 5]
    assert [r.task for r in store.todo(retry_failed=True)] == [1, 2, 3, 4, 5]
    assert store.failures() == [(1, 0, 1, "[halfstep]\nTraceback: boom")]
    # after an interruption, what was handed out is pending again, its attempt still counted
    assert store.release_running() == 1
    assert store.counts() == {"pending": 4, "running": 0, "done": 1, "failed": 1}
    attempts = dict(store.con.execute("SELECT task, attempts FROM tasks"))
    assert attempts == {0: 1, 1: 1, 2: 1, 3: 0, 4: 0, 5: 0}
    row = store.con.execute("SELECT status, error, worker, seconds, finished_at FROM tasks WHERE task = 0").fetchone()
    assert row[:4] == ("done", None, "w1", 1.25) and row[4]
    assert store.con.execute("SELECT started_at FROM tasks WHERE task = 2").fetchone()[0]


def test_results_keep_nan_as_null_and_read_back_as_nan_sorted(store):
    store.dispatched(3)
    store.record(_result(3, 1, 1))
    raw = store.con.execute("SELECT policy, kpi, value, task FROM results ORDER BY policy, kpi").fetchall()
    assert raw == [
        ("halfstep", "net_value", 30.5, 3),
        ("halfstep", "revenue", None, 3),
        ("standard", "net_value", -1.0, 3),
    ]
    rows = store.results()
    assert [r[:4] for r in rows] == [
        (1, "halfstep", 1, "net_value"),
        (1, "halfstep", 1, "revenue"),
        (1, "standard", 1, "net_value"),
    ]
    assert rows[0][4] == 30.5 and math.isnan(rows[1][4]) and rows[2][4] == -1.0


def test_a_task_recorded_again_replaces_its_results(store):
    store.record(_result(4, 2, 0, errors={"standard": "x"}))
    again = TaskResult(4, 2, 0, (("halfstep", "net_value", 7.0),), {}, 2.0, "w2")
    store.record(again)
    assert store.results() == [(2, "halfstep", 0, "net_value", 7.0)]
    assert store.counts()["done"] == 1 and store.failures() == []


def test_a_failed_record_rolls_back_whole(store):
    store.dispatched(5)
    bad = TaskResult(5, 2, 1, (("halfstep", "net_value", 1.0), ("halfstep", "net_value", 2.0)), {}, 1.0, "w")
    with pytest.raises(sqlite3.IntegrityError):
        store.record(bad)  # the same result twice breaks the primary key: nothing of it is kept
    assert store.results() == [] and store.counts()["running"] == 1


def test_store_path_of_an_experiment_a_folder_or_a_store(tmp_path, experiment, store):
    toml = tmp_path / "exp.toml"
    assert store_path(toml) == experiment.store_path
    assert store_path(str(experiment.store_path.parent)) == experiment.store_path
    assert store_path(experiment.store_path) == experiment.store_path
    with pytest.raises(RunFolderError, match="neither an experiment file, a sweep folder nor a store"):
        store_path(tmp_path / "missing.db")


def test_differences_name_each_changed_key_with_both_values():
    old = {"experiment": {"seed": 1, "replications": 3}, "parameters": [{"name": "a", "range": [0, 1]}]}
    new = {"experiment": {"seed": 1, "replications": 5, "name": "x"}, "parameters": [{"name": "a", "range": [0, 2]}]}
    assert differences(old, new) == [
        'experiment.name: (absent) → "x"',
        "experiment.replications: 3 → 5",
        "parameters[0].range: [0, 1] → [0, 2]",
    ]
    assert differences(old, new, ignore=lambda k: k.startswith("experiment.")) == [
        "parameters[0].range: [0, 1] → [0, 2]"
    ]
    assert differences(old, old) == []


def test_a_long_value_is_cut_to_60_characters_and_chinese_stays_readable():
    long = "x" * 70
    (line,) = differences({"k": "短"}, {"k": long})
    assert line == 'k: "短" → "' + "x" * 58 + "…"
    assert len(line.split(" → ")[1]) == 60
    exact = "y" * 58  # 60 characters with its quotes: not cut
    assert differences({"k": 1}, {"k": exact}) == [f'k: 1 → "{exact}"']


def test_flatten_follows_tables_and_lists_of_tables():
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": [{"e": 2}, [3]], "f": {}}) == {
        "a.b": 1,
        "a.c": [1, 2],
        "d[0].e": 2,
        "d[1]": [3],
        "f": {},
    }


def test_with_common_random_numbers_across_points_every_point_shares_the_replications_streams(tmp_path):
    path = lhs_experiment(tmp_path, points=2, reps=2)
    text = path.read_text(encoding="utf-8").replace("seed = 5", 'seed = 5\ncommon_random_numbers = "points"')
    path.write_text(text, encoding="utf-8")
    e = load_experiment(path)
    assert e.stream_point(1) is None
    s = Store.create(e, META)
    assert dict(s.con.execute("SELECT task, spawn_key FROM tasks")) == {
        0: "(0, stream)",
        1: "(1, stream)",
        2: "(0, stream)",
        3: "(1, stream)",
    }
    s.close()


def test_times_are_utc_with_milliseconds(store):
    store.dispatched(0)
    store.record(_result(0, 0, 0))
    started, finished = store.con.execute("SELECT started_at, finished_at FROM tasks WHERE task = 0").fetchone()
    for stamp in (started, finished):
        assert stamp.endswith("+00:00") and len(stamp.split("T")[1]) == len("12:34:56.789+00:00")


def test_a_store_in_a_folder_not_there_yet_is_made_with_its_parents(tmp_path):
    path = lhs_experiment(tmp_path, points=2, reps=1)
    e = load_experiment(path, output=tmp_path / "runs" / "deep" / "sweep")
    s = Store.create(e, META)
    assert e.store_path.is_file() and s.counts()["pending"] == 2
    s.close()


def test_leftovers_of_an_interrupted_build_and_of_an_old_store_are_removed(experiment):
    path = experiment.store_path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("half a store")
    s = Store.create(experiment, META)
    s.close()
    assert not partial.exists()
    for suffix in ("-wal", "-shm"):  # an old store's WAL files go with it when it is replaced
        path.with_name(path.name + suffix).write_text("old")
    s = Store.create(experiment, META, force=True)
    s.close()
    assert not path.with_name(path.name + "-shm").exists() or path.with_name(path.name + "-shm").read_text() != "old"
    assert not path.with_name(path.name + "-wal").exists() or path.with_name(path.name + "-wal").read_text() != "old"


def test_a_build_that_fails_leaves_no_store_and_no_partial_file(experiment):
    path = experiment.store_path
    with pytest.raises(sqlite3.Error):
        Store.create(experiment, {"version": object()})  # not a value SQLite can store
    assert not path.exists() and not path.with_name(path.name + ".partial").exists()
