"""Running an experiment: every point × replication task, stored as it finishes, resumable.

``halfstep sweep EXPERIMENT`` creates the store (:mod:`model.sweep.store`) with every point and
task pending, then hands the unfinished tasks to an executor (:mod:`model.sweep.executors`)
and records each result the moment it comes back. ``--resume`` opens the same store and
runs only what is not finished — after checking that the experiment file, the base
scenario and the software versions are those the store was started with, since mixing
two of them would make the numbers of one sweep come from two experiments.

A task (:mod:`model.sweep.task`) is one point × one replication running every policy on
common random numbers; its seeds come from (experiment seed, point, replication), so the
stored numbers are the same for any executor and any number of workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from model.sweep.executors import check_executor, executor_tasks
from model.sweep.experiment import Experiment, experiment_json
from model.sweep.store import Store, StoreError, store_lock
from model.sweep.task import TaskSpec
from model.version import versions

__all__ = ["SweepSummary", "run_sweep"]


@dataclass
class SweepSummary:
    """What a sweep did: task counts, this invocation's share, time, and the failures."""

    store: Path
    tasks: int
    done: int
    failed: int
    ran: int  # tasks run by this invocation
    already: int  # tasks finished before it (a resumed sweep)
    seconds: float
    executor: str
    workers: int
    failures: list[tuple[int, int, int, str]] = field(default_factory=list)  # task, point, replication, error

    @property
    def unfinished(self) -> int:
        return self.tasks - self.done - self.failed



def _meta(experiment: Experiment) -> dict[str, str]:
    import json

    return {
        "experiment_path": str(experiment.path),
        "experiment_sha256": experiment.sha256,
        "experiment_toml": experiment.path.read_text(encoding="utf-8"),
        "experiment_json": experiment_json(experiment.spec),
        "base_scenario": experiment.base_source,
        "base_sha256": experiment.base_sha256,
        "versions": json.dumps(versions(), sort_keys=True),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "task": "point × replication; every policy on common random numbers",
        "seeds": "SeedSequence(seed, spawn_key=(point, replication, stream)), streams of model.randomness"
        + (" (point left out: every point shares the streams)" if experiment.stream_point(0) is None else ""),
    }


def _check_resumable(store: Store, meta: dict[str, str]) -> None:
    old = store.meta()
    for key, what in (
        ("experiment_sha256", "the experiment file"),
        ("base_sha256", "the base scenario file"),
        ("versions", "the software versions"),
    ):
        if old.get(key) != meta[key]:
            raise StoreError(
                f"{store.path}: {what} changed since this sweep started ({key} {_short(old.get(key))} → "
                f"{_short(meta[key])}); resuming would mix two experiments in one store. "
                "Restore it, or pass --force to start the sweep over"
            )


def _short(text: str | None) -> str:
    if text is None:
        return "missing"
    return text if len(text) <= 80 else text[:12] + "…"


def run_sweep(
    experiment: Experiment,
    *,
    workers: int = 1,
    executor: str = "local",
    resume: bool = False,
    force: bool = False,
    retry_failed: bool = False,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> SweepSummary:
    """Run (or resume) a sweep; ``on_progress(finished, total, failed)`` is called after every task."""
    if resume and force:
        raise StoreError("--resume continues a sweep and --force starts it over: give one of them")
    check_executor(executor, workers)
    t0 = time.perf_counter()
    meta = _meta(experiment)
    path = experiment.store_path
    with store_lock(path):
        if resume:
            if not path.exists():
                raise StoreError(f"{path}: no sweep to resume; run without --resume to start one")
            store = Store.open(path)
            _check_resumable(store, meta)
        else:
            store = Store.create(experiment, meta, force=force)
        try:
            todo = store.todo(retry_failed=retry_failed)
            counts = store.counts()
            total = sum(counts.values())
            finished = already = total - len(todo)
            failed = 0 if retry_failed else counts["failed"]
            by_point = {p.index: p for p in experiment.points}
            specs = (
                TaskSpec(
                    task=row.task,
                    point=row.point,
                    replication=row.replication,
                    seed=row.seed,
                    overrides=by_point[row.point].overrides,
                    policies=experiment.policies,
                    kpis=experiment.kpis,
                    base_data=experiment.base_data,
                    base_sha256=experiment.base_sha256,
                    source=experiment.base_source,
                    stream_point=experiment.stream_point(row.point),
                )
                for row in todo
            )
            if on_progress:
                on_progress(finished, total, failed)
            ran = 0
            for result in executor_tasks(executor, workers, specs, lambda s: store.dispatched(s.task)):
                store.record(result)
                ran += 1
                finished += 1
                failed += result.failed
                if on_progress:
                    on_progress(finished, total, failed)
            counts = store.counts()
            return SweepSummary(
                store=path,
                tasks=total,
                done=counts["done"],
                failed=counts["failed"],
                ran=ran,
                already=already,
                seconds=time.perf_counter() - t0,
                executor=executor,
                workers=workers,
                failures=store.failures(),
            )
        finally:
            store.close()
