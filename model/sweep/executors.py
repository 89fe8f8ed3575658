"""Where a sweep's tasks run: this process, a pool of processes, or a Dask cluster.

Every executor takes task specs and yields results as tasks finish, keeping only a small
window of tasks in flight (twice the workers): memory stays flat for any sweep size, and
a task's attempt is counted when it is really handed out, not when a sweep starts.

| executor           | runs tasks in                                                        |
| ------------------ | -------------------------------------------------------------------- |
| `local`            | this process (``--workers 1``) or a spawn-context process pool        |
| `dask-local`       | a Dask ``LocalCluster`` of ``--workers`` single-threaded processes    |
| `dask://HOST:PORT` | the workers of a running Dask scheduler                              |

With Dask, a worker that dies takes its tasks with it and the scheduler gives them to
another worker (up to ``distributed.scheduler.allowed-failures`` times; then the task is
recorded as failed with Dask's ``KilledWorker``). Results travel back to the client, and
only the client writes the store, so nothing stored depends on a worker surviving.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from model.errors import HalfstepError
from model.sweep.task import WHOLE_TASK, TaskResult, TaskSpec, run_task

__all__ = ["EXECUTORS", "ExecutorError", "check_executor", "executor_tasks"]

#: The executor names `halfstep sweep --executor` takes (besides dask://HOST:PORT).
EXECUTORS = ("local", "dask-local")
DASK_HINT = "pip install 'halfstep[dask]'"


class ExecutorError(HalfstepError):
    """An executor that cannot start, or lost its workers; what is stored stays stored."""


def check_executor(name: str, workers: int) -> None:
    """Refuse a bad --executor or --workers, or a Dask executor without Dask, before anything is written."""
    if workers < 1:
        raise ExecutorError(f"--workers = {workers}: must be ≥ 1")
    if name.startswith("dask://"):
        host, _, port = name.removeprefix("dask://").rpartition(":")
        if not host or not port.isdigit():
            raise ExecutorError(
                f"--executor = {name!r}: a Dask scheduler is dask://HOST:PORT, e.g. dask://10.0.0.5:8786"
            )
    elif name not in EXECUTORS:
        raise ExecutorError(f"--executor = {name!r}: must be local, dask-local or dask://HOST:PORT")
    if name != "local":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ExecutorError(f"--executor {name} needs Dask distributed; install it with: {DASK_HINT}") from None


def executor_tasks(
    name: str, workers: int, specs: Iterable[TaskSpec], dispatched: Callable[[TaskSpec], None]
) -> Iterator[TaskResult]:
    """Run ``specs`` on the named executor, yielding each result as its task finishes."""
    check_executor(name, workers)
    if name == "local":
        if workers == 1:
            for spec in specs:
                dispatched(spec)
                yield run_task(spec)
        else:
            yield from _pool_tasks(workers, specs, dispatched)
    else:
        yield from _dask_tasks(name, workers, specs, dispatched)


def _windowed(
    submit: Callable[[TaskSpec], Any],
    wait_first: Callable[[list[Any]], Iterable[Any]],
    outcome: Callable[[Any, TaskSpec], TaskResult],
    window: Callable[[], int],
    specs: Iterable[TaskSpec],
    dispatched: Callable[[TaskSpec], None],
) -> Iterator[TaskResult]:
    """Keep ``window()`` tasks in flight; yield results in the order they finish."""
    todo = iter(specs)
    pending: dict[Any, TaskSpec] = {}

    def fill() -> None:
        limit = window()
        while len(pending) < limit:
            spec = next(todo, None)
            if spec is None:
                return
            dispatched(spec)
            pending[submit(spec)] = spec

    fill()
    while pending:
        for fut in wait_first(list(pending)):
            spec = pending.pop(fut)
            yield outcome(fut, spec)
        fill()


def _crashed(spec: TaskSpec, what: str) -> TaskResult:
    return TaskResult(spec.task, spec.point, spec.replication, (), {WHOLE_TASK: what}, 0.0, "")


def _pool_tasks(
    workers: int, specs: Iterable[TaskSpec], dispatched: Callable[[TaskSpec], None]
) -> Iterator[TaskResult]:
    # spawn: a fresh interpreter per worker, as on every platform (no forked solver state)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def outcome(fut: Any, spec: TaskSpec) -> TaskResult:
        try:
            return fut.result()
        except BrokenProcessPool:
            raise ExecutorError(
                "a worker process died (out of memory?); finished tasks are stored: rerun with --resume"
            ) from None

    try:
        yield from _windowed(
            lambda spec: pool.submit(run_task, spec),
            lambda fs: wait(fs, return_when=FIRST_COMPLETED).done,
            outcome,
            lambda: 2 * workers,
            specs,
            dispatched,
        )
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


#: Marks a client the sweep found in the process and must leave open.
_BORROWED = object()


def _dask_client(name: str, workers: int) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster  # present: check_executor looked

    if name == "dask-local":
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,  # the simulator is pure Python: processes, not threads, give parallelism
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster
    address = "tcp://" + name.removeprefix("dask://")
    try:  # a client of this scheduler already in the process (a notebook's): use it, a second one may race
        from distributed import default_client

        existing = default_client()
        if existing.scheduler.address == address:
            return existing, _BORROWED
    except ValueError:
        pass
    try:
        return Client(address, timeout="15s"), None
    except OSError as e:
        raise ExecutorError(
            f"--executor {name}: cannot reach a Dask scheduler at {address} ({e}); "
            "start one with `dask scheduler` and workers with `dask worker HOST:PORT`"
        ) from None


def _dask_tasks(
    name: str, workers: int, specs: Iterable[TaskSpec], dispatched: Callable[[TaskSpec], None]
) -> Iterator[TaskResult]:
    client, cluster = _dask_client(name, workers)
    from distributed import wait as dask_wait

    def outcome(fut: Any, spec: TaskSpec) -> TaskResult:
        try:
            return fut.result()
        except Exception:
            # KilledWorker (the task took down every worker it ran on) or a transport error
            return _crashed(spec, traceback.format_exc())
        finally:
            fut.release()

    def window() -> int:
        return max(2, 2 * sum(client.nthreads().values()))

    try:
        yield from _windowed(
            lambda spec: client.submit(run_task, spec, pure=False),
            lambda fs: dask_wait(fs, return_when="FIRST_COMPLETED").done,
            outcome,
            window,
            specs,
            dispatched,
        )
    finally:
        with contextlib.suppress(Exception):
            if cluster is not _BORROWED:
                client.close()
            if cluster is not None and cluster is not _BORROWED:
                cluster.close()
