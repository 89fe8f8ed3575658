"""Running an experiment: every point × replication task, stored as it finishes, resumable.

``halfstep sweep EXPERIMENT`` creates the store (:mod:`model.sweep.store`) with every point and
task pending, then hands the unfinished tasks to an executor (:mod:`model.sweep.executors`)
and records each result the moment it comes back. ``--resume`` opens the same store and
runs only what is not finished — after checking that the experiment, the base scenario
and the software versions are those the store was started with, since mixing two of them
would make the numbers of one sweep come from two experiments. The experiment and the
base scenario are compared as parsed data (a comment, blank lines or the order of keys
change nothing), and a refusal names every key that differs with its old and new value.

Interrupted (Ctrl-C, SIGTERM), a sweep keeps every finished task, puts the tasks it had
handed out back to pending, and raises :class:`SweepInterrupted` — a KeyboardInterrupt that
says how many tasks the store keeps. Pool workers start with both signals blocked
(:func:`model.simulation.replications.interrupts_held`): they print nothing.

A task (:mod:`model.sweep.task`) is one point × one replication running every policy on
common random numbers; its seeds come from (experiment seed, point, replication), so the
stored numbers are the same for any executor and any number of workers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.simulation.replications import interrupts_held
from model.sweep.executors import check_executor, executor_tasks
from model.sweep.experiment import Experiment, experiment_json
from model.sweep.store import Store, StoreError, differences, store_lock
from model.sweep.task import TaskResult, TaskSpec
from model.version import versions

__all__ = ["SweepInterrupted", "SweepSummary", "changes_since", "experiment_changes", "run_sweep", "sweep_meta"]

#: Differences listed in a refusal; the rest are counted.
_LISTED = 8


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


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C or SIGTERM; every finished task is kept in the store.

    ``str()`` is the line the command prints: ``interrupted: 115 of 180 tasks kept in STORE;
    resume with --resume``.
    """

    def __init__(self, store: Path, tasks: int, done: int, failed: int) -> None:
        self.store, self.tasks, self.done, self.failed = store, tasks, done, failed
        kept = done + failed
        of_them = f" ({failed} of them failed)" if failed else ""
        super().__init__(f"interrupted: {kept:,} of {tasks:,} tasks kept in {store}{of_them}; resume with --resume")


def base_json(data: dict[str, Any]) -> str:
    """The base scenario as parsed, as canonical JSON (kept in the store's meta)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def _matters(key: str) -> bool:
    return not (key in ("experiment.name", "experiment.output") or key.startswith("analysis."))


def experiment_changes(old_json: str, new_json: str) -> list[str]:
    """The differences that change a sweep's numbers between two experiments (``experiment_json``).

    Left out: the name, the output folder and the [analysis] table — they change no stored number.
    """
    return differences(json.loads(old_json), json.loads(new_json), ignore=lambda k: not _matters(k))


def _listed(changes: list[str]) -> str:
    shown = "; ".join(changes[:_LISTED])
    return shown + (f"; … and {len(changes) - _LISTED} more" if len(changes) > _LISTED else "")


def sweep_meta(experiment: Experiment) -> dict[str, str]:
    """The facts a new store's ``meta`` table keeps about its sweep (and a resume compares)."""
    return {
        "experiment_path": str(experiment.path),
        "experiment_sha256": experiment.sha256,
        "experiment_toml": experiment.path.read_text(encoding="utf-8"),
        "experiment_json": experiment_json(experiment.spec),
        "base_scenario": experiment.base_source,
        "base_sha256": experiment.base_sha256,
        "base_json": base_json(experiment.base_data),
        "versions": json.dumps(versions(), sort_keys=True),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "task": "point × replication; every policy on common random numbers",
        "seeds": "SeedSequence(seed, spawn_key=(point, replication, stream)), streams of model.randomness"
        + (" (point left out: every point shares the streams)" if experiment.stream_point(0) is None else ""),
    }


def changes_since(
    old: dict[str, str], meta: dict[str, str], *, versions: bool = True, by_hash: bool = True
) -> list[str]:
    """What differs between a store's meta and this invocation's, in words; empty when nothing that matters does.

    The experiment and the base scenario are compared parsed, key by key. A store without a
    parsed copy (made by an older halfstep) is compared by the file's SHA-256 — for the base
    scenario only with ``by_hash``; ``versions`` compares the number-deciding package versions.
    """
    out = []
    if "experiment_json" in old:
        changes = experiment_changes(old["experiment_json"], meta["experiment_json"])
        if changes:
            out.append(f"the experiment file changed since this sweep started: {_listed(changes)}")
    elif old.get("experiment_sha256") != meta["experiment_sha256"]:
        out.append(
            "the experiment file changed since this sweep started (its SHA-256 differs; "
            "this store keeps no parsed experiment to say which keys)"
        )
    if "base_json" in old:
        changes = differences(json.loads(old["base_json"]), json.loads(meta["base_json"]))
        if changes:
            out.append(
                f"the base scenario {meta['base_scenario']} changed since this sweep started: {_listed(changes)}"
            )
    elif by_hash and old.get("base_sha256") != meta["base_sha256"]:
        out.append(
            f"the base scenario file {meta['base_scenario']} changed since this sweep started (its SHA-256 differs; "
            "this store predates the parsed comparison, so even a comment or a blank line counts)"
        )
    if not versions:
        return out
    try:
        was, now = json.loads(old.get("versions", "")), json.loads(meta["versions"])
    except ValueError:
        was, now = None, None
    if not isinstance(was, dict):
        if old.get("versions") != meta["versions"]:
            out.append("the software versions changed since this sweep started (the store's are unreadable)")
    else:
        changed = [
            f"{k} {was.get(k, '(absent)')} → {now.get(k, '(absent)')}"
            for k in sorted(was.keys() | now.keys())
            if was.get(k) != now.get(k)
        ]
        if changed:
            out.append(f"the software versions changed since this sweep started: {'; '.join(changed)}")
    return out


def _check_resumable(store: Store, meta: dict[str, str]) -> None:
    problems = changes_since(store.meta(), meta)
    if problems:
        raise StoreError(
            f"{store.path}: " + "; and ".join(problems) + ". Resuming would mix two experiments in one store: "
            "restore what changed, or pass --force to start the sweep over"
        )


def _spawn_held(specs: Iterable[TaskSpec], workers: int) -> Iterator[TaskSpec]:
    """The specs, the first ``workers`` handed out with SIGINT and SIGTERM held.

    A local pool starts a worker process on each of its first ``workers`` submits, which
    follow these specs one by one (the executor asks for the next spec right after each
    submit): started with both signals blocked, the workers ignore Ctrl-C and SIGTERM and
    print nothing, and the sweep stops them. A signal held meanwhile is delivered at once.
    """
    for i, spec in enumerate(specs):
        if i < workers:
            with interrupts_held():
                yield spec
        else:
            yield spec


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
    meta = sweep_meta(experiment)
    path = experiment.store_path
    with store_lock(path):
        if resume:
            if not path.exists():
                raise StoreError(f"{path}: no sweep to resume; run without --resume to start one")
            store = Store.open(path)
            _check_resumable(store, meta)
        else:
            store = Store.create(experiment, meta, force=force)
        specs: Generator[TaskSpec] | None = None
        results: Generator[TaskResult] | None = None
        try:
            todo = store.todo(retry_failed=retry_failed)
            counts = store.counts()
            total = sum(counts.values())
            finished = already = total - len(todo)
            failed = 0 if retry_failed else counts["failed"]
            by_point = {p.index: p for p in experiment.points}
            specs = _spawn_held(
                (
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
                        periods=experiment.periods,
                    )
                    for row in todo
                ),
                workers if executor == "local" and workers > 1 else 0,
            )
            if on_progress:
                on_progress(finished, total, failed)
            ran = 0
            results = executor_tasks(executor, workers, specs, lambda s: store.dispatched(s.task))
            for result in results:
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
        except KeyboardInterrupt:
            if results is not None:
                results.close()  # the executor stops now: its workers shut down, no result comes back
            store.release_running()
            counts = store.counts()
            raise SweepInterrupted(path, sum(counts.values()), counts["done"], counts["failed"]) from None
        finally:
            if specs is not None:
                specs.close()  # whatever happened, no signal stays held
            store.close()
