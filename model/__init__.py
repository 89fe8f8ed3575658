"""halfstep — key-account service allocation for airlines.

A SimPy model of client demand evaluates plans; an LP allocator built with PuLP makes
them. The package is one subpackage per stage of DESIGN.md's pipeline::

    scenario → allocation → simulation → report → sweep      (segmentation → scenario)

The public API below has one call per ``halfstep`` command (:mod:`model.api`):
:func:`load_scenario`, :func:`plan`, :func:`run` and :func:`write_run`, :func:`whatif`,
:func:`compare`, :func:`accounts`, :func:`run_sweep`, :func:`load_results`, :func:`analyze`,
:func:`calibrate`, :func:`synth_accounts`, :func:`read_accounts`, :func:`segment`,
:func:`scenario_reference`.
"""

from __future__ import annotations

from model.allocation.plan import Plan
from model.api import (
    accounts,
    analyze,
    calibrate,
    compare,
    load_results,
    load_scenario,
    plan,
    read_accounts,
    run,
    run_sweep,
    scenario_reference,
    segment,
    synth_accounts,
    whatif,
    write_run,
)
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
    "accounts",
    "analyze",
    "calibrate",
    "compare",
    "load_results",
    "load_scenario",
    "plan",
    "read_accounts",
    "run",
    "run_sweep",
    "scenario_reference",
    "segment",
    "synth_accounts",
    "whatif",
    "write_run",
]
