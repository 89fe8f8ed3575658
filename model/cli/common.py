"""What every ``halfstep`` command shares: the Typer app, the consoles, the common options, progress bars.

Command modules register on :data:`app`; :mod:`model.cli.app` imports them all and runs it.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from model.errors import OptionError

__all__ = [
    "ForceOption",
    "LineProgress",
    "ScenarioArg",
    "SeedOption",
    "SetOption",
    "WorkersOption",
    "announce_estimate",
    "app",
    "at_least",
    "err",
    "out",
    "progress_bar",
    "replication_progress",
    "scenario_file",
    "scenario_source",
    "whole_number",
]

app = typer.Typer(
    name="halfstep",
    help="Key-account service allocation: lead clients' expectation by half a step, not a full step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# wide enough for the plan tables when output goes to a file or a pipe
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 132)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ScenarioArg = Annotated[
    str,
    typer.Argument(help="Scenario file (TOML); 'baseline' is the scenario shipped with halfstep.", show_default=True),
]


SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="What-if KEY=VALUE on the scenario (repeatable), e.g. budget.benefits_cny=200000 or resources.escort_staff.staff_on_duty=+20%.",
    ),
]


@contextlib.contextmanager
def progress_bar(verb: str, unit: str, *extra: Any) -> Iterator[Any]:
    """A rich progress bar on stderr — ``verb``, bar, done/total ``unit``, ``extra`` columns, elapsed, ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if not err.is_terminal:  # a log file or a pipe: a line now and then instead of a bar
        yield LineProgress(verb, unit)
        return
    columns = (TextColumn(verb), BarColumn(), MofNCompleteColumn(), TextColumn(unit), *extra)
    with Progress(*columns, TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True) as bar:
        yield bar


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class LineProgress:
    """Progress as plain lines on stderr, for output that is not a terminal (a CI log, ``2> file``).

    Speaks rich's ``Progress`` subset the commands use (``add_task``, ``update``, ``reset``);
    prints when another tenth is done or a minute has passed, and at the end.
    """

    def __init__(self, verb: str, unit: str, *, every: float = 60.0) -> None:
        self.verb, self.unit, self.every = verb, unit, every
        self.total: float | None = None
        self.done = 0.0
        self.start = time.monotonic()
        self.last_time = self.start
        self.last_tenth = 0

    def add_task(self, _description: str, total: float | None = None, **_fields: Any) -> int:
        self.total = total
        return 0

    def reset(self, _task: int, total: float | None = None, completed: float = 0, **_fields: Any) -> None:
        self.total, self.done, self.start = total, completed, time.monotonic()
        self.last_time, self.last_tenth = self.start, self._tenth()

    def _tenth(self) -> int:
        return int(10 * self.done / self.total) if self.total else 0

    def update(self, _task: int, completed: float | None = None, **fields: Any) -> None:
        if completed is None:
            return
        self.done = completed
        now = time.monotonic()
        tenth = self._tenth()
        finished = self.total is not None and self.done >= self.total
        if tenth > self.last_tenth or now - self.last_time >= self.every or finished:
            self.last_tenth, self.last_time = tenth, now
            err.print(self.line(now, fields), markup=False, highlight=False)

    def line(self, now: float, fields: dict[str, Any]) -> str:
        elapsed = now - self.start
        text = f"{self.verb}: {self.done:,.0f}"
        if self.total:
            text += f" of {self.total:,.0f} {self.unit} ({self.done / self.total:.0%})"
        else:
            text += f" {self.unit}"
        if fields.get("failed"):
            text += f", {fields['failed']} failed"
        text += f", {_duration(elapsed)} elapsed"
        if self.total and 0 < self.done < self.total:
            text += f", about {_duration(elapsed * (self.total - self.done) / self.done)} left"
        return text


def announce_estimate(seconds: float, what: str) -> None:
    """Before a long job (over a minute, by :func:`model.simulation.replications.estimated_seconds`): say how long."""
    if seconds > 60:
        err.print(f"{what}: about {_duration(seconds)} (an estimate; progress follows)", markup=False, highlight=False)


@contextlib.contextmanager
def replication_progress(total: int) -> Iterator[Callable[[int, int], None]]:
    """The replications' progress bar; yields the runner's callback."""
    with progress_bar("simulating", "replications") as bar:
        task = bar.add_task("run", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def whole_number(text: str | int) -> int:
    """Parse an integer option, or refuse it naming the value: ``'two': must be a whole number``."""
    if isinstance(text, int):
        return text
    try:
        return int(str(text).strip().replace("_", ""))
    except ValueError:
        raise typer.BadParameter(f"{text!r}: must be a whole number") from None


def at_least(minimum: int, what: str) -> Callable[[typer.CallbackParam, int | None], int | None]:
    """An option callback: refuse a value below ``minimum`` before the command starts (exit 2).

    The message names the option, the value and what is allowed: ``--seed = -5: must be ≥ 0 (…)``.
    """

    def check(param: typer.CallbackParam, value: int | None) -> int | None:
        if value is not None and value < minimum:
            name = max(param.opts, key=len) if param.opts else str(param.name)
            raise OptionError(f"{name} = {value}: must be ≥ {minimum} ({what})")
        return value

    return check


def scenario_file(scenario: str) -> Path:
    """The file a scenario argument names ('baseline' is the one shipped inside the package)."""
    from model.scenario.loading import BASELINE, baseline_path

    return baseline_path() if scenario == BASELINE else Path(scenario)


def scenario_source(scenario: str) -> str:
    """How a record names the scenario it was made from: 'baseline', or the file's absolute path."""
    from model.scenario.loading import BASELINE

    return BASELINE if scenario == BASELINE else str(Path(scenario).resolve())


ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace --out if it exists (a folder only if halfstep wrote it).")
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        "-w",
        parser=whole_number,
        callback=at_least(1, "worker processes"),
        help="Worker processes (results do not depend on it).",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed",
        parser=whole_number,
        callback=at_least(0, "a root seed is a non-negative integer"),
        help="Root seed (default: the scenario's).",
    ),
]
