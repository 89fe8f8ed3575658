"""The Python API: one plain call for every ``halfstep`` command, for notebooks and scripts.

| command                    | call                                                         |
| -------------------------- | ------------------------------------------------------------ |
| `halfstep validate`        | :func:`load_scenario`                                        |
| `halfstep plan`            | :func:`plan` (and ``Plan.to_csv`` / ``Plan.to_json``)        |
| `halfstep run`             | :func:`run`, then :func:`write_run`                          |
| `halfstep compare`         | :func:`compare` (``overrides=`` for a what-if: :func:`whatif`) |
| `halfstep accounts`        | :func:`accounts`                                             |
| `halfstep sweep`           | :func:`run_sweep`; results as a table: :func:`load_results`  |
| `halfstep analyze`         | :func:`analyze`                                              |
| `halfstep calibrate`       | :func:`calibrate`                                            |
| `halfstep synth-accounts`  | :func:`synth_accounts`                                       |
| `halfstep segment`         | :func:`segment` (a file read by :func:`read_accounts`)       |
| `halfstep schema`          | :func:`scenario_reference`                                   |

Heavy libraries (PuLP, SimPy, matplotlib, pandas) load when a call needs them, not on
``import model``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from model.allocation.plan import Plan
    from model.report.comparison import Comparison
    from model.scenario.schema import Scenario
    from model.segmentation.accounts import AccountTable
    from model.segmentation.pipeline import SegmentResult
    from model.simulation.result import RunResult
    from model.sweep.analysis import Analysis
    from model.sweep.calibration import Calibration
    from model.sweep.runner import SweepSummary

__all__ = [
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

Progress = Callable[[int, int], None]


def load_scenario(path: str | Path | None = None, overrides: Sequence[str] = ()) -> Scenario:
    """Load and validate a scenario file; no path (or ``"baseline"``) gives the shipped baseline.

    ``overrides`` are ``--set``-style what-ifs (``"budget.benefits_cny=200000"``, ``"…=+20%"``),
    applied before validation.
    """
    from model.scenario.loading import load_scenario as load

    return load(path, tuple(overrides))


def _scenario(scenario: Scenario | str | Path | None, overrides: Sequence[str]) -> Scenario:
    from model.scenario.schema import Scenario

    if isinstance(scenario, Scenario):
        if overrides:
            raise TypeError("overrides apply to a scenario file; pass its path, or load_scenario(path, overrides)")
        return scenario
    return load_scenario(scenario, overrides)


def plan(
    scenario: Scenario | str | Path | None = None, policy: str | None = None, overrides: Sequence[str] = ()
) -> Plan:
    """The allocation plan of one policy (default: the scenario's ``allocator.policy``)."""
    from model.allocation.policies import make_plan

    s = _scenario(scenario, overrides)
    return make_plan(s, policy or s.allocator.policy)


def run(
    scenario: Scenario | str | Path | None = None,
    policies: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    *,
    overrides: Sequence[str] = (),
    on_progress: Progress | None = None,
    periods: int = 1,
) -> RunResult:
    """Simulate policies over replications on common random numbers (over ``periods`` periods of a
    rolling plan when more than one: :mod:`model.simulation.periods`).

    ``policies`` default to uniform, standard, halfstep, fullstep and clairvoyant — a
    reference, not a bound: the allocator given each replication's realized requests,
    simulated on the same draws (one plan per replication, so no entry in ``result.plans``).
    ``result.outcomes`` holds one :class:`~model.simulation.outcome.Outcome` per policy ×
    replication; ``result.summary()`` gives means with 95% CIs and the paired differences.
    The numbers do not depend on ``workers``.
    """
    from model.simulation.replications import DEFAULT_POLICIES, run_policies

    s = _scenario(scenario, overrides)
    return run_policies(
        s,
        tuple(policies) if policies is not None else DEFAULT_POLICIES,
        replications=s.simulation.replications if replications is None else replications,
        seed=s.simulation.seed if seed is None else seed,
        workers=workers,
        on_progress=on_progress,
        periods=periods,
    )


def write_run(
    result: RunResult,
    folder: str | Path,
    *,
    force: bool = False,
    overrides: Sequence[str] = (),
    command: list[str] | None = None,
) -> Path:
    """Write a run folder (report.html, report.md, summary.json, outcomes CSVs, plans, figures); returns it.

    The folder is complete or absent: files are staged and renamed into place. ``overrides``
    are recorded in the manifest and the report.
    """
    from model.report.publish import write_run as publish

    publish(result, folder, force=force, command=command, extra={"overrides": list(overrides)})
    return Path(folder)


def whatif(
    run_folder: str | Path,
    overrides: Sequence[str],
    workers: int = 1,
    on_progress: Progress | None = None,
) -> RunResult:
    """Rerun a run folder's scenario with ``--set``-style overrides: same seed, replications and policies.

    The result meets the same random draws as the original run, so a comparison with it is paired.
    """
    from model.report.run_folder import load_run
    from model.simulation.replications import run_policies

    ref = load_run(run_folder)
    s = load_scenario(Path(run_folder) / "scenario.toml", overrides)
    return run_policies(
        s, tuple(ref.policies), replications=ref.replications, seed=ref.seed, workers=workers, on_progress=on_progress
    )


def compare(
    *run_folders: str | Path,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    workers: int = 1,
    force: bool = False,
    on_progress: Progress | None = None,
    command: list[str] | None = None,
) -> Comparison:
    """Differences of every run folder against the first (paired when seed and replications match).

    With ``overrides`` the first run is rerun as a what-if (:func:`whatif`) and compared too;
    with ``out`` the comparison folder is written (comparison.html, comparison.csv,
    plan_differences.csv, and the what-if's run folder as ``whatif/``).
    """
    from model.errors import RunFolderError
    from model.report.publish import write_comparison
    from model.report.run_folder import load_run

    if not run_folders:
        raise RunFolderError("compare needs at least one run folder")
    records = [load_run(f) for f in run_folders]
    if len(records) < 2 and not overrides:
        raise RunFolderError("compare needs at least two run folders, or one and --set KEY=VALUE for a what-if")
    result = whatif(run_folders[0], overrides, workers, on_progress) if overrides else None
    if out is not None:
        return write_comparison(records, out, whatif=result, overrides=overrides, force=force, command=command)
    with tempfile.TemporaryDirectory(prefix="halfstep-compare-") as tmp:
        return write_comparison(records, Path(tmp) / "comparison", whatif=result, overrides=overrides)


def accounts(
    run: str | Path,
    *,
    policy: str | None = None,
    top: int | None = None,
    losing: bool = False,
    tier: str | None = None,
) -> pd.DataFrame:
    """The accounts of a run folder (its ``accounts.csv``), best contribution first — one policy's
    (``policy``; default halfstep if it ran, else the first), optionally only the ``top`` N, the
    losing ones (cost to serve above the margin on their fares, with the ``fix`` that would make
    each pay), or one ``tier``."""
    from model.report.accounts import read_accounts_table
    from model.report.views.accounts import select_accounts

    table = read_accounts_table(run)
    _check_choice("policy", policy, list(dict.fromkeys(table["policy"])))
    _check_choice("tier", tier, [str(t) for t in dict.fromkeys(table["tier"])])
    return select_accounts(table, policy=policy, top=top, losing=losing, tier=tier).reset_index(drop=True)


def _check_choice(option: str, value: str | None, allowed: list[str]) -> None:
    from model.errors import OptionError

    if value is not None and value not in allowed:
        raise OptionError(f"--{option} {value!r}: not in this run; allowed: {', '.join(allowed) or 'none'}")


def run_sweep(
    experiment: str | Path,
    *,
    workers: int = 1,
    executor: str = "local",
    resume: bool = False,
    force: bool = False,
    retry_failed: bool = False,
    out: str | Path | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> SweepSummary:
    """Run (or resume) an experiment file's sweep into its SQLite store; see :mod:`model.sweep.runner`."""
    from model.sweep.experiment import load_experiment
    from model.sweep.runner import run_sweep as sweep_experiment

    return sweep_experiment(
        load_experiment(experiment, out),
        workers=workers,
        executor=executor,
        resume=resume,
        force=force,
        retry_failed=retry_failed,
        on_progress=on_progress,
    )


def load_results(path: str | Path) -> pd.DataFrame:
    """A sweep's results as a pandas DataFrame: point, policy, replication, kpi, value, one column per parameter.

    ``path`` is the experiment file, its output folder or the ``sweep.sqlite`` store.
    """
    from model.sweep.analysis import load_results as load

    return load(path)


def analyze(
    experiment: str | Path,
    kpis: Sequence[str] | None = None,
    *,
    sweep_folder: str | Path | None = None,
    out: str | Path | None = None,
    force: bool = False,
    partial_ok: bool = False,
) -> Analysis:
    """KPI against each parameter with 95% CIs, and sensitivity indices, of a sweep's store.

    ``sweep_folder`` is the sweep's folder when it is not the experiment's ``output``; with
    ``out`` the tables (CSV) and figures (PNG) are written there. A sweep with tasks not
    done raises :class:`~model.sweep.analysis.PartialSweepError` unless ``partial_ok``
    (``--partial-ok``); ``Analysis.status`` says how many tasks the analysis covers.
    """
    from model.sweep.analysis import analyze as run_analysis
    from model.sweep.experiment import load_experiment

    e = load_experiment(experiment, sweep_folder)
    a = run_analysis(e, list(kpis) if kpis else None, partial_ok=partial_ok)
    if out is not None:
        from model.sweep.views.analysis import write_analysis

        write_analysis(a, e, Path(out), force=force)
    return a


def calibrate(
    scenario: str | Path,
    targets: str | Path,
    *,
    on_evaluation: Callable[[int, float], None] | None = None,
) -> Calibration:
    """Fit a scenario's parameters to a targets file's statistics by simulated moments.

    ``Calibration.scenario_data`` is the calibrated scenario; the CLI writes it as TOML.
    """
    from model.sweep.calibration import calibrate as fit
    from model.sweep.calibration import load_targets

    return fit(scenario, load_targets(targets), on_evaluation=on_evaluation)


def read_accounts(path: str | Path, *, skip_bad_rows: bool = False) -> AccountTable:
    """Read and validate an account table (CSV; README, *Account table*)."""
    from model.segmentation.reading import read_accounts as read

    return read(path, skip_bad_rows=skip_bad_rows)


def synth_accounts(n: int = 5000, seed: int = 0, out: str | Path | None = None, *, force: bool = False) -> AccountTable:
    """A realistic synthetic account table (the source documents' figures); written as CSV when ``out`` is given."""
    if out is not None:
        from model.segmentation.publish import synth_file

        return synth_file(n, seed, out, force=force)
    from model.segmentation.synthetic import synth_book

    return synth_book(n, seed)


def segment(
    accounts: AccountTable | str | Path,
    *,
    rules: str | Path | None = None,
    out: str | Path | None = None,
    force: bool = False,
    skip_bad_rows: bool = False,
) -> SegmentResult:
    """Segment an account table (a table or a CSV path) into tiers and build their scenario.

    With ``out`` (a path to a ``.toml`` file, only for a CSV path) the scenario and the
    segmentation report are written beside it; ``result.scenario_toml()`` is the scenario.
    """
    from model.segmentation.accounts import AccountTable
    from model.segmentation.pipeline import segment as segment_table

    if isinstance(accounts, AccountTable):
        if out is not None:
            raise TypeError("out= writes files for an account table file; pass its path")
        return segment_table(accounts, rules_path=rules)
    if out is not None:
        from model.segmentation.publish import segment_file

        return segment_file(accounts, out, rules=rules, force=force, skip_bad_rows=skip_bad_rows)[0]
    from model.segmentation.rules import load_rules

    rule_set = load_rules(rules) if rules is not None else None
    return segment_table(read_accounts(accounts, skip_bad_rows=skip_bad_rows), rule_set, rules_path=rules)


def scenario_reference() -> str:
    """The scenario file reference (every key, its type, default and unit) as Markdown."""
    from model.scenario.reference import scenario_reference as reference

    return reference()
