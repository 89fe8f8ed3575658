"""Errors a user can act on. The CLI prints them without a traceback and exits with 2."""

from __future__ import annotations

from dataclasses import dataclass


class HalfstepError(Exception):
    """Base of every error that is the user's to fix (bad input, infeasible scenario…)."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what was found, and what is allowed."""

    path: str
    message: str
    value: object = None
    has_value: bool = True

    def render(self, source: str) -> str:
        where = f"{source}: {self.path}" if self.path else source
        if self.has_value:
            return f"{where} = {_show(self.value)}: {self.message}"
        return f"{where}: {self.message}"


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else _toml_like(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _toml_like(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
    return repr(value)


class ScenarioError(HalfstepError):
    """A scenario (or experiment, or override) that does not validate; lists every problem."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        lines = [p.render(source) for p in problems]
        head = f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} found"
        super().__init__(head + "\n" + "\n".join("  - " + line for line in lines))


class InfeasibleError(HalfstepError):
    """The scenario's constraints cannot all hold; the message names them and by how much."""


class SolverError(HalfstepError):
    """The solver did not report an optimal solution (time limit, numerical trouble…)."""


class RunFolderError(HalfstepError):
    """An output folder that exists already, or cannot be written."""


class OptionError(HalfstepError):
    """A command-line option outside what it allows; the message names the option, the value and what is allowed."""
