"""The ``halfstep`` command line: a thin layer over the Python API (STYLE.md, "the CLI is thin").

Every command calls into :mod:`model` and prints; errors a user can fix are printed
without a traceback and exit with status 2.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__
from .errors import HalfstepError, RunFolderError

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
def _progress(total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (replications done, elapsed, ETA); yields the runner's callback."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replications"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("run", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


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


@app.command()
def validate(scenario: ScenarioArg = "baseline") -> None:
    """Check a scenario file: print 'ok' and a short summary, or every problem found."""
    from .loading import load_scenario
    from .textreport import scenario_summary

    s = load_scenario(scenario)
    out.print("ok")
    out.print(scenario_summary(s))


@app.command()
def plan(
    scenario: ScenarioArg = "baseline",
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            "-p",
            help="uniform, standard, halfstep, fullstep, unconstrained or lead (default: the scenario's allocator.policy).",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for plan.csv and plan.json (default: a new folder under runs/)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    set_: SetOption = None,
) -> None:
    """Make an allocation plan: levels per tier and dimension, value, cost and shadow prices."""
    from .api import plan as make
    from .loading import load_scenario
    from .runfolder import default_folder, staged_folder, write_atomic
    from .textreport import print_plan

    s = load_scenario(scenario, set_ or ())
    folder = out_dir or default_folder("plan", Path(scenario).stem)
    from .runfolder import check_target

    check_target(folder, force)
    p = make(s, policy=policy)
    print_plan(out, p)
    with staged_folder(folder, force=force) as stage:
        write_atomic(stage / "plan.csv", p.to_csv())
        write_atomic(stage / "plan.json", p.to_json())
    out.print(f"\nwrote {folder}/plan.csv and plan.json")


@app.command()
def run(
    scenario: ScenarioArg = "baseline",
    policies: Annotated[
        str | None,
        typer.Option(
            "--policies", help="Comma-separated policies (default: uniform,standard,halfstep,fullstep,hindsight)."
        ),
    ] = None,
    replications: Annotated[
        int | None, typer.Option("--replications", "-r", help="Replications per policy (default: the scenario's).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Root seed (default: the scenario's).")] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Worker processes (results do not depend on it).")
    ] = 1,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Run folder (default: a new folder under runs/).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    set_: SetOption = None,
) -> None:
    """Simulate policies over replications; print KPIs with 95% CIs and write the run folder."""
    from .loading import load_scenario
    from .rundir import write_run
    from .runfolder import check_target, default_folder
    from .runner import DEFAULT_POLICIES, run_policies
    from .runtable import print_run

    s = load_scenario(scenario, set_ or ())
    folder = out_dir or default_folder("run", Path(scenario).stem)
    check_target(folder, force)
    names = DEFAULT_POLICIES if policies is None else tuple(p.strip() for p in policies.split(",") if p.strip())
    reps = s.simulation.replications if replications is None else replications
    root_seed = s.simulation.seed if seed is None else seed
    with _progress(reps) as tick:
        result = run_policies(s, names, replications=reps, seed=root_seed, workers=workers, on_progress=tick)
    summary = write_run(
        result, folder, force=force, command=["halfstep", *sys.argv[1:]], extra={"overrides": list(set_ or [])}
    )
    print_run(out, result, summary)
    out.print(f"\nwrote {folder}/ (report.html, report.md, summary.json, outcomes.csv, figures/)", markup=False)
    if result.failed():
        raise typer.Exit(1)


@app.command()
def compare(
    runs: Annotated[
        list[Path], typer.Argument(help="Run folders written by 'halfstep run'; the first is the reference.")
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for the comparison (default: a new folder under runs/)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    set_: SetOption = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes for the --set what-if run.")] = 1,
) -> None:
    """Compare run folders: KPI differences with 95% CIs (paired when seed and replications match) and plan differences.

    With --set, the first run's scenario is rerun with the overrides (same seed, replications
    and policies, so the comparison is paired) and compared with it; the what-if run folder
    is kept inside the comparison folder.
    """
    from .api import whatif
    from .compare import compare_runs, comparison_csv, load_run, plan_differences_csv
    from .compareview import comparison_figure, comparison_html, print_comparison
    from .rundir import write_run
    from .runfolder import check_target, default_folder, staged_folder, write_atomic

    folder = out_dir or default_folder("compare", runs[0].name)
    check_target(folder, force)
    records = [load_run(r) for r in runs]
    if len(records) < 2 and not set_:
        raise RunFolderError("compare needs at least two run folders, or one and --set KEY=VALUE for a what-if")
    result = None
    if set_:
        with _progress(records[0].replications) as tick:
            result = whatif(runs[0], list(set_), workers=workers, on_progress=tick)
    with staged_folder(folder, force=force) as stage:
        if result is not None:
            write_run(
                result,
                stage / "whatif",
                command=["halfstep", *sys.argv[1:]],
                extra={"overrides": list(set_ or []), "whatif_of": str(runs[0])},
            )
            records.append(load_run(stage / "whatif", label="what-if"))
        c = compare_runs(records)
        print_comparison(out, c)
        write_atomic(stage / "comparison.csv", comparison_csv(c))
        write_atomic(stage / "plan_differences.csv", plan_differences_csv(c))
        write_atomic(stage / "comparison.html", comparison_html(c, comparison_figure(c)))
    out.print(f"\nwrote {folder}/ (comparison.html, comparison.csv, plan_differences.csv)", markup=False)


@app.command()
def schema(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the scenario reference as Markdown tables.")
    ] = True,
) -> None:
    """Print the scenario file reference: every key, its type, default and unit."""
    from .schemadoc import scenario_reference

    out.print(scenario_reference(), markup=False)


ExperimentArg = Annotated[
    str, typer.Argument(help="Experiment file (TOML): base scenario, parameters, design, policies.")
]
SweepOutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Sweep folder (default: the experiment's output).")
]


@app.command()
def sweep(
    experiment: ExperimentArg,
    workers: Annotated[
        int, typer.Option("--workers", "-w", help="Worker processes (results do not depend on it).")
    ] = 1,
    executor: Annotated[
        str, typer.Option("--executor", "-e", help="local, dask-local, or dask://HOST:PORT (a running Dask scheduler).")
    ] = "local",
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the sweep in the store; finished tasks are kept.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Start over, replacing an existing store.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="With --resume: run failed tasks again.")
    ] = False,
    out_dir: SweepOutOption = None,
) -> None:
    """Run every point × policy × replication of an experiment into its SQLite store (resumable)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .experiment import load_experiment
    from .sweep import run_sweep
    from .sweeptext import print_sweep_summary

    e = load_experiment(experiment, out_dir)
    out.print(
        f"{e.spec.experiment.name}: {len(e.points)} points × {len(e.policies)} policies × {e.replications} replications "
        f"({len(e.points) * e.replications} tasks) → {e.store_path}",
        markup=False,
    )
    with Progress(
        TextColumn("sweeping"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("tasks"),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("sweep", total=None, failed=0)
        started = False

        def progress(done: int, total: int, failed: int) -> None:
            nonlocal started
            if not started:  # tasks finished before a resume must not count in the speed (ETA)
                bar.reset(task, total=total, completed=done, failed=failed)
                started = True
            bar.update(task, completed=done, failed=failed)

        summary = run_sweep(
            e,
            workers=workers,
            executor=executor,
            resume=resume,
            force=force,
            retry_failed=retry_failed,
            on_progress=progress,
        )
    print_sweep_summary(out, summary)
    if summary.failed:
        raise typer.Exit(1)


@app.command()
def analyze(
    experiment: ExperimentArg,
    kpi: Annotated[
        list[str] | None,
        typer.Option("--kpi", "-k", help="KPI to analyse (repeatable; default: the file's [analysis] kpis)."),
    ] = None,
    out_dir: SweepOutOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing analysis folder.")] = False,
) -> None:
    """KPI vs each parameter with 95% CIs, and sensitivity indices (Sobol, Morris or SRRC); CSV and PNG."""
    from .analyze import analyze as run_analysis
    from .analyze import write_analysis
    from .analyze_text import print_analysis
    from .experiment import load_experiment
    from .runfolder import check_target

    e = load_experiment(experiment, out_dir)
    folder = e.output / "analysis"
    check_target(folder, force)
    a = run_analysis(e, kpi or None)
    print_analysis(out, a, e)
    names = write_analysis(a, e, folder, force=force)
    out.print(f"\nwrote {folder}/ ({', '.join(names)})", markup=False)


@app.command()
def calibrate(
    scenario: ScenarioArg = "baseline",
    targets: Annotated[
        Path,
        typer.Option("--targets", "-t", help="Targets file (TOML): observed statistics and the parameters to fit."),
    ] = Path("targets.toml"),
    out_file: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Calibrated scenario file (default: <scenario>-calibrated.toml here)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """Fit scenario parameters to observed statistics by simulated moments; write the calibrated scenario."""
    from .calibrate import calibrate as fit
    from .calibrate import calibrated_toml, load_targets
    from .calibrate_text import print_calibration
    from .errors import RunFolderError
    from .runfolder import write_atomic

    spec = load_targets(targets)
    target = out_file or Path(f"{Path(scenario).stem}-calibrated.toml")
    if target.exists() and not force:
        raise RunFolderError(f"{target} exists already; choose another --out, or pass --force to replace it")
    with err.status("calibrating…") as status:
        c = fit(scenario, spec, on_evaluation=lambda n, j: status.update(f"calibrating: {n} evaluations, J = {j:.4g}"))
    print_calibration(out, c, spec)
    write_atomic(target, calibrated_toml(c, scenario, str(targets)))
    out.print(f"\nwrote {target}", markup=False)


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


@app.command("synth-accounts")
def synth_accounts(
    n: Annotated[int, typer.Option("--n", min=1, help="Number of accounts.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed: the same seed gives the same table.")] = 0,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write (UTF-8).")] = Path("accounts.csv"),
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
) -> None:
    """Write a realistic synthetic account table (the source documents' figures), for demos and tests."""
    from .segment_api import synth_file

    table = synth_file(n, seed, out_file, force=force)
    active = int((table.trips > 0).sum())
    out.print(
        f"wrote {out_file}: {len(table):,} accounts ({active:,} with trips), {table.trips.sum():,.0f} trips, "
        f"{table.spend_cny.sum():,.0f} CNY over {table.months_observed.max():g} months",
        markup=False,
    )


@app.command()
def segment(
    accounts: Annotated[Path, typer.Argument(help="Account table (CSV, UTF-8); see README, 'Segmenting accounts'.")],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Scenario file to write; the report goes beside it (.segments.md/.json/.csv)."
        ),
    ],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rules file (TOML; default: the source documents' rules).")
    ] = None,
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help="Leave out rows with problems and count them in the report.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the output files if they exist.")] = False,
) -> None:
    """Segment accounts into tiers, estimate the tiers' parameters and write a runnable scenario."""
    from .segment_api import segment_file
    from .segment_report import print_segmentation

    result, paths = segment_file(accounts, out_file, rules=rules, force=force, skip_bad_rows=skip_bad_rows)
    print_segmentation(out, result.segmentation, result.fits)
    out.print(f"\nwrote {paths['scenario']} (run it: halfstep run {paths['scenario']})", markup=False)
    out.print(f"report {paths['report']}, {paths['json'].name}, {paths['accounts'].name}", markup=False)
