"""The Python API: what each CLI command does, as plain function calls for notebooks."""

from __future__ import annotations

from pathlib import Path

from .loading import load_scenario as _load
from .plan import Plan
from .policies import make_plan
from .runner import DEFAULT_POLICIES, RunResult, run_policies
from .scenario import Scenario

__all__ = ["load_scenario", "plan", "run"]


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and validate a scenario file; no argument (or ``"baseline"``) gives the shipped baseline."""
    return _load(path)


def plan(scenario: Scenario | str | Path | None = None, policy: str | None = None) -> Plan:
    """The allocation plan of one policy (default: the scenario's ``allocator.policy``)."""
    s = scenario if isinstance(scenario, Scenario) else _load(scenario)
    return make_plan(s, policy or s.allocator.policy)


def run(
    scenario: Scenario | str | Path | None = None,
    policies: tuple[str, ...] | list[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
) -> RunResult:
    """Simulate policies over replications (common random numbers); see :class:`model.runner.RunResult`.

    ``result.outcomes`` holds one :class:`~model.outcome.Outcome` per policy × replication;
    :func:`model.summary.summarize` (or ``result.summary()``) gives means with 95% CIs and
    the paired differences.
    """
    s = scenario if isinstance(scenario, Scenario) else _load(scenario)
    return run_policies(
        s,
        tuple(policies) if policies is not None else DEFAULT_POLICIES,
        replications=s.simulation.replications if replications is None else replications,
        seed=s.simulation.seed if seed is None else seed,
        workers=workers,
    )
