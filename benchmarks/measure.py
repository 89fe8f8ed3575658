"""Measuring: CPU and wall time, the best of repeats, peak memory in a child process, the machine.

Single-process cases are compared on CPU time (``time.process_time``): on a machine
shared with other work, wall time also counts the moments the process waited for a core,
which says more about the neighbours than about the code. Parallel cases (workers) can
only be judged on wall time; the load average before and after is recorded with them.
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["Timing", "best_of", "in_child", "machine", "timed"]


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU time

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Timing]:
    """Call ``fn`` once; its result and how long it took."""
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn(*args, **kwargs)
    return out, Timing(wall=time.perf_counter() - w0, cpu=time.process_time() - c0)


def best_of(repeats: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Timing]:
    """The fastest of ``repeats`` calls (wall and CPU minima taken separately): noise only ever adds time."""
    runs = [timed(fn, *args, **kwargs) for _ in range(repeats)]
    return runs[-1][0], Timing(wall=min(t.wall for _, t in runs), cpu=min(t.cpu for _, t in runs))


def _peak_rss_kib() -> float:
    """This process's peak resident memory, KiB.

    Linux's ``VmHWM`` belongs to the process's own address space; ``ru_maxrss`` survives
    ``exec`` and so starts at the RSS of the parent that forked the child — a parent grown
    by earlier cases made a fresh child look twice its size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux, bytes on macOS


def _child(fn: Callable[..., Any], args: tuple) -> tuple[Any, float, Timing]:
    out, t = timed(fn, *args)
    return out, _peak_rss_kib() / 1024.0, t


def in_child(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, Timing]:
    """Run ``fn(*args)`` in a fresh (spawned) process: its result, the process's peak RSS in MiB, its time.

    The peak includes the interpreter and the imports (about 100 MiB), as a user's run would.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_child, fn, args).result()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
        dirty = subprocess.run(  # from the repository root: a pathspec is relative to the working directory
            ["git", "status", "--porcelain", "model"], capture_output=True, text=True, cwd=Path(__file__).parents[1]
        )
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "commit": _commit(),
        "versions": {p: _version(p) for p in ("numpy", "simpy", "highspy", "pulp", "ciw")},
    }
