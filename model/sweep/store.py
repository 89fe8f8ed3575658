"""The sweep store: one SQLite database per experiment, written as each task finishes.

Tables (README, *Sweeps*):

| table          | one row per                                   | columns                                            |
| -------------- | --------------------------------------------- | -------------------------------------------------- |
| `meta`         | fact about the sweep                          | key, value (versions, experiment file and hashes)  |
| `points`       | parameter point                               | point, label, overrides (JSON list of --set)       |
| `point_values` | point × parameter                             | point, parameter, value                            |
| `tasks`        | point × replication                           | task, point, replication, seed, spawn_key, status, attempts, error, worker, started_at, finished_at, seconds |
| `results`      | point × policy × replication × KPI            | point, policy, replication, kpi, value (NULL = NaN), task |

Only the process that runs the sweep writes, one transaction per finished task, in WAL
mode: a reader (``halfstep analyze``, a notebook) can read while a sweep runs, and a sweep
killed at any instant leaves every finished task committed. ``attempts`` counts how often a
task was handed to a worker, so a resumed sweep can show that no finished task ran again.

A new store is built under a temporary name and renamed into place once its points and
tasks are written: a store either exists whole or not at all.

:func:`differences` compares two parsed documents (the experiment, the base scenario, the
versions kept in ``meta``) key path by key path, so a resume or an analysis can name what
changed — ``experiment.replications: 3 → 5`` — rather than two hashes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import math
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import HalfstepError, RunFolderError

if TYPE_CHECKING:
    from model.sweep.experiment import Experiment
    from model.sweep.task import TaskResult

__all__ = ["SCHEMA", "Store", "StoreError", "TaskRow", "differences", "flatten", "store_lock", "store_path"]

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE points (point INTEGER PRIMARY KEY, label TEXT NOT NULL, overrides TEXT NOT NULL);
CREATE TABLE point_values (
    point INTEGER NOT NULL REFERENCES points, parameter TEXT NOT NULL, value,
    PRIMARY KEY (point, parameter));
CREATE TABLE tasks (
    task INTEGER PRIMARY KEY,
    point INTEGER NOT NULL REFERENCES points,
    replication INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    spawn_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT, worker TEXT, started_at TEXT, finished_at TEXT, seconds REAL,
    UNIQUE (point, replication));
CREATE TABLE results (
    point INTEGER NOT NULL, policy TEXT NOT NULL, replication INTEGER NOT NULL, kpi TEXT NOT NULL, value REAL,
    task INTEGER NOT NULL REFERENCES tasks,
    PRIMARY KEY (point, policy, replication, kpi));
CREATE INDEX results_task ON results (task);
"""


class StoreError(HalfstepError):
    """A store that cannot be used as asked (exists, belongs to another experiment, in use)."""


@dataclass(frozen=True)
class TaskRow:
    task: int
    point: int
    replication: int
    seed: int


def _spawn_key(point: int | None, replication: int) -> str:
    return f"({replication}, stream)" if point is None else f"({point}, {replication}, stream)"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT below
    con.execute("PRAGMA foreign_keys = ON")
    return con


class Store:
    """An open sweep store. Use :meth:`create` or :meth:`open`; close with :meth:`close`."""

    def __init__(self, path: Path, con: sqlite3.Connection) -> None:
        self.path, self.con = path, con

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls, experiment: Experiment, meta: dict[str, str], *, force: bool = False) -> Store:
        """A new store for ``experiment`` (its points and every task pending); ``force`` replaces an old one."""
        path = experiment.store_path
        if path.exists() and not force:
            raise StoreError(f"{path} exists already: pass --resume to continue that sweep, or --force to start over")
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        _remove_database(partial)
        con = _connect(partial)
        try:
            with _transaction(con):
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
                con.executemany(
                    "INSERT INTO points VALUES (?, ?, ?)",
                    [
                        (p.index, p.label(), json.dumps(list(p.overrides), ensure_ascii=False))
                        for p in experiment.points
                    ],
                )
                con.executemany(
                    "INSERT INTO point_values VALUES (?, ?, ?)",
                    [(p.index, k, v) for p in experiment.points for k, v in p.values.items()],
                )
                reps = experiment.replications
                con.executemany(
                    "INSERT INTO tasks (task, point, replication, seed, spawn_key) VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            p.index * reps + r,
                            p.index,
                            r,
                            experiment.seed,
                            _spawn_key(experiment.stream_point(p.index), r),
                        )
                        for p in experiment.points
                        for r in range(reps)
                    ],
                )
        except BaseException:  # an error or an interruption: no half-built store is left beside the real one
            con.close()
            _remove_database(partial)
            raise
        con.close()
        _remove_database(path)  # --force: the old database and its WAL go only now
        os.replace(partial, path)
        return cls.open(path)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"{path}: no sweep store here; run `halfstep sweep` first")
        con = _connect(path)
        con.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable against a killed process in WAL mode (only a power cut can lose the last commits)
        con.execute("PRAGMA synchronous = NORMAL")
        return cls(path, con)

    def close(self) -> None:
        self.con.close()

    # --- reading ---------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM meta"))

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("pending", "running", "done", "failed"), 0)
        out.update(self.con.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status"))
        return out

    def todo(self, *, retry_failed: bool = False) -> list[TaskRow]:
        """Tasks not finished (pending, or running when a sweep stopped), in task order."""
        statuses = ("pending", "running", "failed") if retry_failed else ("pending", "running")
        marks = ",".join("?" * len(statuses))
        rows = self.con.execute(
            f"SELECT task, point, replication, seed FROM tasks WHERE status IN ({marks}) ORDER BY task", statuses
        )
        return [TaskRow(*r) for r in rows]

    def failures(self) -> list[tuple[int, int, int, str]]:
        """(task, point, replication, error) of every failed task."""
        return list(self.con.execute("SELECT task, point, replication, error FROM tasks WHERE status = 'failed'"))

    def results(self) -> list[tuple[int, str, int, str, float]]:
        """Every result row (point, policy, replication, kpi, value), sorted; NaN where NULL."""
        rows = self.con.execute(
            "SELECT point, policy, replication, kpi, value FROM results ORDER BY point, policy, replication, kpi"
        )
        return [(p, pol, r, k, math.nan if v is None else v) for p, pol, r, k, v in rows]

    def point_values(self) -> dict[int, dict[str, object]]:
        out: dict[int, dict[str, object]] = {}
        for point, name, value in self.con.execute("SELECT point, parameter, value FROM point_values ORDER BY point"):
            out.setdefault(point, {})[name] = value
        return out

    # --- writing (the sweep's process only) --------------------------------------------------

    def release_running(self) -> int:
        """After an interruption: tasks handed out but not finished are pending again (their attempts stay counted)."""
        with _transaction(self.con):
            return self.con.execute("UPDATE tasks SET status = 'pending' WHERE status = 'running'").rowcount

    def dispatched(self, task: int) -> None:
        """A task was handed to a worker: count the attempt."""
        with _transaction(self.con):
            self.con.execute(
                "UPDATE tasks SET status = 'running', attempts = attempts + 1, started_at = ? WHERE task = ?",
                (_now(), task),
            )

    def record(self, result: TaskResult) -> None:
        """Store a finished task's results and status in one transaction."""
        with _transaction(self.con):
            self.con.execute("DELETE FROM results WHERE task = ?", (result.task,))
            self.con.executemany(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (result.point, policy, result.replication, kpi, None if math.isnan(v) else v, result.task)
                    for policy, kpi, v in result.rows
                ],
            )
            self.con.execute(
                "UPDATE tasks SET status = ?, error = ?, worker = ?, finished_at = ?, seconds = ? WHERE task = ?",
                (
                    "failed" if result.failed else "done",
                    result.error_text() if result.failed else None,
                    result.worker,
                    _now(),
                    result.seconds,
                    result.task,
                ),
            )


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """A parsed JSON/TOML document as {key path: value}: ``experiment.seed``, ``parameters[0].values``.

    Tables are followed key by key and lists of tables item by item; any other list is one value.
    """
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for k, v in doc.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    if isinstance(doc, list) and any(isinstance(v, dict | list) for v in doc):
        out = {}
        for i, v in enumerate(doc):
            out.update(flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: doc}


_ABSENT = object()


def _show(v: Any, width: int = 60) -> str:
    if v is _ABSENT:
        return "(absent)"
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def differences(old: Any, new: Any, *, ignore: Callable[[str], bool] = lambda _key: False) -> list[str]:
    """Every key path whose value differs between two parsed documents, as ``key: old → new`` (sorted).

    ``ignore(key)`` leaves out keys that cannot change the result compared.
    """
    a, b = flatten(old), flatten(new)
    out = []
    for key in sorted(a.keys() | b.keys()):
        va, vb = a.get(key, _ABSENT), b.get(key, _ABSENT)
        if va != vb and not ignore(key):
            out.append(f"{key}: {_show(va)} → {_show(vb)}")
    return out


@contextlib.contextmanager
def store_lock(path: Path) -> Iterator[None]:
    """Hold the lock file beside a store: one sweep at a time creates or writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    with open(lock, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{path} is being written by another sweep (lock {lock})") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _transaction(con: sqlite3.Connection) -> Iterator[None]:
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _remove_database(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def store_path(target: str | Path) -> Path:
    """The store of an experiment file, an output folder, or a store file itself."""
    target = Path(target)
    if target.suffix == ".toml":
        from model.sweep.experiment import load_experiment

        return load_experiment(target).store_path
    if target.is_dir():
        return target / "sweep.sqlite"
    if target.is_file():
        return target
    raise RunFolderError(f"{target}: neither an experiment file, a sweep folder nor a store")
