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
from typing import Annotated, Any

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
def progress_bar(verb: str, unit: str, *extra: Any) -> Iterator[Any]:
    """A rich progress bar on stderr — ``verb``, bar, done/total ``unit``, ``extra`` columns, elapsed, ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn(verb), BarColumn(), MofNCompleteColumn(), TextColumn(unit), *extra)
    with Progress(*columns, TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True) as bar:
        yield bar


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[int, int], None]]:
    """The replications' progress bar; yields the runner's callback."""
    with progress_bar("simulating", "replications") as bar:
        task = bar.add_task("run", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


ForceOption = Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")]
WorkersOption = Annotated[int, typer.Option("--workers", "-w", help="Worker processes (results do not depend on it).")]


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
    force: ForceOption = False,
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
    workers: WorkersOption = 1,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Run folder (default: a new folder under runs/).")
    ] = None,
    force: ForceOption = False,
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
    force: ForceOption = False,
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


# commands for researchers and for segmentation live in their own modules; importing them registers them
from . import cli_research, cli_segment  # noqa: E402, F401


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
