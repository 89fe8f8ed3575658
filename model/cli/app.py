"""The ``halfstep`` command line: a thin layer over the Python API (STYLE.md, "the CLI is thin").

Every command calls into :mod:`model` and prints; errors a user can fix are printed
without a traceback and exit with status 2. The commands live in one module per group
(:mod:`~model.cli.planning`, :mod:`~model.cli.runs`, :mod:`~model.cli.research`,
:mod:`~model.cli.segmentation`); importing them here registers them on the app.
"""

from __future__ import annotations

import sys
import warnings
from typing import Annotated

import typer

from model.cli import planning, research, runs, segmentation  # noqa: F401  (registers the commands)
from model.cli.common import app, err, out
from model.errors import HalfstepError
from model.version import __version__

__all__ = ["app", "main"]


def _version(value: bool) -> None:
    if value:
        out.print(f"halfstep {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """halfstep — plan and simulate key-account service allocation."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``halfstep`` console script and ``python -m model``."""
    warnings.formatwarning = lambda message, *_args, **_kw: f"warning: {message}\n"
    try:
        app(args=argv, prog_name="halfstep", standalone_mode=True)
    except HalfstepError as e:
        err.print(f"error: {e}", markup=False)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; nothing half-written was left behind", markup=False)
        sys.exit(130)
