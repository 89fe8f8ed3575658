"""halfstep — key-account service allocation for airlines.

A SimPy model of client demand evaluates plans; an LP allocator built with PuLP makes
them. The package follows DESIGN.md's pipeline, one module per concept::

    scenario → (value, demand, resources, holds) → allocator/policies → plan
             → simulation → outcomes → summary → report

The public API mirrors the command line: :func:`load_scenario`, :func:`plan`, :func:`run`,
:func:`whatif`, :func:`compare`.
"""

from __future__ import annotations

from model.allocation.plan import Plan
from model.api import compare, load_results, load_scenario, plan, run, run_sweep, whatif
from model.errors import HalfstepError, InfeasibleError, ScenarioError, SolverError
from model.scenario.schema import Scenario
from model.version import __version__

__all__ = [
    "HalfstepError",
    "InfeasibleError",
    "Plan",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "__version__",
    "compare",
    "load_results",
    "load_scenario",
    "plan",
    "run",
    "run_sweep",
    "whatif",
]
