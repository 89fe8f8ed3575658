"""The Python API: what each CLI command does, as plain function calls for notebooks."""

from __future__ import annotations

from pathlib import Path

from .loading import load_scenario as _load
from .plan import Plan
from .policies import make_plan
from .scenario import Scenario

__all__ = ["load_scenario", "plan"]


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and validate a scenario file; no argument (or ``"baseline"``) gives the shipped baseline."""
    return _load(path)


def plan(scenario: Scenario | str | Path | None = None, policy: str | None = None) -> Plan:
    """The allocation plan of one policy (default: the scenario's ``allocator.policy``)."""
    s = scenario if isinstance(scenario, Scenario) else _load(scenario)
    return make_plan(s, policy or s.allocator.policy)
