"""What every ``halfstep`` command shares: the Typer app, the consoles, the common options, progress bars.

Command modules register on :data:`app`; :mod:`model.cli.app` imports them all and runs it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from model.errors import OptionError

__all__ = [
    "ForceOption",
    "ScenarioArg",
    "SeedOption",
    "SetOption",
    "WorkersOption",
    "app",
    "at_least",
    "err",
    "out",
    "progress_bar",
    "replication_progress",
    "scenario_file",
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

    columns = (TextColumn(verb), BarColumn(), MofNCompleteColumn(), TextColumn(unit), *extra)
    with Progress(*columns, TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True) as bar:
        yield bar


@contextlib.contextmanager
def replication_progress(total: int) -> Iterator[Callable[[int, int], None]]:
    """The replications' progress bar; yields the runner's callback."""
    with progress_bar("simulating", "replications") as bar:
        task = bar.add_task("run", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


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


ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace --out if it exists (a folder only if halfstep wrote it).")
]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        "-w",
        callback=at_least(1, "worker processes"),
        help="Worker processes (results do not depend on it).",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed",
        callback=at_least(0, "a root seed is a non-negative integer"),
        help="Root seed (default: the scenario's).",
    ),
]
