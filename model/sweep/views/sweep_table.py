"""Printing a sweep's outcome for the terminal: counts, time, and where each failure is."""

from __future__ import annotations

from rich.console import Console

from model.sweep.runner import SweepSummary

__all__ = ["print_sweep_summary"]

#: Failures listed one by one; the rest are counted (every traceback is in the store).
_LISTED = 5


def print_sweep_summary(console: Console, s: SweepSummary) -> None:
    rate = f", {s.seconds / s.ran:.2f} s per task" if s.ran else ""
    console.print(
        f"{s.done + s.failed} of {s.tasks} tasks finished: {s.done} done, {s.failed} failed "
        f"({s.ran} run now in {s.seconds:.1f} s on {s.executor} with {s.workers} worker{'s' if s.workers != 1 else ''}"
        f"{rate}; {s.already} finished before)",
        markup=False,
    )
    for task, point, rep, error in s.failures[:_LISTED]:
        last = [line for line in (error or "").strip().splitlines() if line.strip()][-1:] or ["(no message)"]
        console.print(f"  failed: task {task} (point {point}, replication {rep}): {last[0].strip()}", markup=False)
    if len(s.failures) > _LISTED:
        console.print(f"  … and {len(s.failures) - _LISTED} more failed tasks", markup=False)
    if s.failures:
        console.print(f"  tracebacks: SELECT task, error FROM tasks WHERE status = 'failed' in {s.store}", markup=False)
    console.print(f"store: {s.store}", markup=False)
