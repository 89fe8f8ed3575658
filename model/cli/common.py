"""What every ``halfstep`` command shares: the Typer app, the consoles, the common options, progress bars.

Command modules register on :data:`app`; :mod:`model.cli.app` imports them all and runs it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path  # noqa: F401  (Typer resolves the option annotations at run time)
from typing import Annotated, Any

import typer
from rich.console import Console

__all__ = [
    "ForceOption",
    "ScenarioArg",
    "SetOption",
    "WorkersOption",
    "app",
    "err",
    "out",
    "progress_bar",
    "replication_progress",
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


ForceOption = Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")]
WorkersOption = Annotated[int, typer.Option("--workers", "-w", help="Worker processes (results do not depend on it).")]
