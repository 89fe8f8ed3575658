"""The ``halfstep`` command line: a thin layer over the Python API (STYLE.md, "the CLI is thin").

Every command calls into :mod:`model` and prints; errors a user can fix are printed
without a traceback and exit with status 2. Ctrl-C (SIGINT) and SIGTERM interrupt a command
alike: it prints one line saying what it kept — "interrupted: nothing written" (outputs are
staged and renamed into place, so none is half-written), or for a sweep how many tasks its
store keeps — and exits with status 130. The commands live in one module per group
(:mod:`~model.cli.planning`, :mod:`~model.cli.runs`, :mod:`~model.cli.research`,
:mod:`~model.cli.segmentation`); importing them here registers them on the app.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
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


#: What an interrupted command kept, unless the interruption says otherwise (a sweep's store).
NOTHING_WRITTEN = "interrupted: nothing written"


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt, once: further ones are ignored while the command cleans up."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        yield
        return
    kinds = (signal.SIGINT, signal.SIGTERM)
    old = {s: signal.getsignal(s) for s in kinds}
    received = []

    def interrupt(signum: int, _frame: object) -> None:
        received.append(signum)
        for s in kinds:
            signal.signal(s, signal.SIG_IGN)
        raise KeyboardInterrupt

    for s in kinds:
        signal.signal(s, interrupt)
    try:
        yield
    finally:
        if not received:  # interrupted: leave the rest of the way out undisturbed
            for s, handler in old.items():
                signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def _interruption(e: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt behind an exit (Typer turns one into a silent ``Exit(130)``), if any."""
    seen: set[int] = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``halfstep`` console script and ``python -m model``."""
    warnings.formatwarning = lambda message, *_args, **_kw: f"warning: {message}\n"
    with _signals_interrupt():
        try:
            app(args=argv, prog_name="halfstep", standalone_mode=True)
        except HalfstepError as e:
            err.print(f"error: {e}", markup=False)
            sys.exit(e.exit_code)
        except (KeyboardInterrupt, SystemExit) as e:
            interrupted = _interruption(e) if not isinstance(e, SystemExit) or e.code == 130 else None
            if interrupted is None:
                raise
            # a sweep's interruption names what its store keeps; any other command wrote nothing
            err.print(str(interrupted) if interrupted.args else NOTHING_WRITTEN, markup=False)
            sys.exit(130)
