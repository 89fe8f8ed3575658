"""The Python API: what each CLI command does, as plain function calls for notebooks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from model.allocation.plan import Plan
from model.allocation.policies import make_plan
from model.scenario.loading import load_scenario as _load
from model.scenario.schema import Scenario
from model.simulation.replications import DEFAULT_POLICIES, run_policies
from model.simulation.result import RunResult

if TYPE_CHECKING:
    import pandas as pd

    from model.report.comparison import Comparison
    from model.sweep.runner import SweepSummary

__all__ = ["compare", "load_results", "load_scenario", "plan", "run", "run_sweep", "whatif"]


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
    """Simulate policies over replications (common random numbers); see :class:`model.simulation.replications.RunResult`.

    ``result.outcomes`` holds one :class:`~model.simulation.outcome.Outcome` per policy × replication;
    :func:`model.simulation.summary.summarize` (or ``result.summary()``) gives means with 95% CIs and
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


def whatif(
    run_folder: str | Path,
    overrides: list[str] | tuple[str, ...],
    workers: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Rerun a run folder's scenario with ``--set``-style overrides, same seed, replications and policies.

    The result meets the same random draws as the original run, so a comparison with it is paired.
    """
    from model.report.run_folder import load_run

    ref = load_run(run_folder)
    s = _load(Path(run_folder) / "scenario.toml", overrides)
    return run_policies(
        s, ref.policies, replications=ref.replications, seed=ref.seed, workers=workers, on_progress=on_progress
    )


def compare(*run_folders: str | Path) -> Comparison:
    """Differences of every run folder against the first (paired when seed and replications match)."""
    from model.report.comparison import compare_runs
    from model.report.run_folder import load_run

    return compare_runs([load_run(f) for f in run_folders])


def run_sweep(
    experiment: str | Path, *, workers: int = 1, executor: str = "local", resume: bool = False, force: bool = False
) -> SweepSummary:
    """Run (or resume) an experiment file's sweep into its SQLite store; see :mod:`model.sweep.runner`."""
    from model.sweep.experiment import load_experiment
    from model.sweep.runner import run_sweep as sweep_experiment

    return sweep_experiment(load_experiment(experiment), workers=workers, executor=executor, resume=resume, force=force)


def load_results(path: str | Path) -> pd.DataFrame:
    """A sweep's results as a pandas DataFrame: point, policy, replication, kpi, value, one column per parameter.

    ``path`` is the experiment file, its output folder or the ``sweep.sqlite`` store
    (needs the ``analysis`` extra: ``pip install 'halfstep[analysis]'``).
    """
    from model.sweep.analysis import load_results as load

    return load(path)
