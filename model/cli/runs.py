"""``halfstep run`` and ``compare``: policies simulated over replications, and runs set side by side (thin)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import ForceOption, ScenarioArg, SetOption, WorkersOption, app, out, replication_progress
from model.errors import RunFolderError


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
    from model.files import check_target, default_folder
    from model.report.publish import write_run
    from model.report.views.run_table import print_run
    from model.scenario.loading import load_scenario
    from model.simulation.replications import DEFAULT_POLICIES, run_policies

    s = load_scenario(scenario, set_ or ())
    folder = out_dir or default_folder("run", Path(scenario).stem)
    check_target(folder, force)
    names = DEFAULT_POLICIES if policies is None else tuple(p.strip() for p in policies.split(",") if p.strip())
    reps = s.simulation.replications if replications is None else replications
    root_seed = s.simulation.seed if seed is None else seed
    with replication_progress(reps) as tick:
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
    from model.api import whatif
    from model.files import check_target, default_folder, staged_folder, write_atomic
    from model.report.comparison import compare_runs, comparison_csv, plan_differences_csv
    from model.report.publish import write_run
    from model.report.run_folder import load_run
    from model.report.views.comparison import comparison_figure, comparison_html, print_comparison

    folder = out_dir or default_folder("compare", runs[0].name)
    check_target(folder, force)
    records = [load_run(r) for r in runs]
    if len(records) < 2 and not set_:
        raise RunFolderError("compare needs at least two run folders, or one and --set KEY=VALUE for a what-if")
    result = None
    if set_:
        with replication_progress(records[0].replications) as tick:
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
