"""``halfstep sweep``, ``analyze`` and ``calibrate``: the researchers' commands (thin, like every command).

An interrupted sweep raises :class:`~model.sweep.runner.SweepInterrupted`, whose message —
how many tasks the store keeps — :func:`model.cli.app.main` prints; an interrupted
``calibrate`` has written nothing (the scenario file is written whole at the end).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import ForceOption, ScenarioArg, WorkersOption, app, err, out, progress_bar, scenario_file

ExperimentArg = Annotated[
    str, typer.Argument(help="Experiment file (TOML): base scenario, parameters, design, policies.")
]
SweepOutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Sweep folder (default: the experiment's output).")
]


@app.command()
def sweep(
    experiment: ExperimentArg,
    workers: WorkersOption = 1,
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
    from rich.progress import TextColumn

    from model.sweep.executors import check_executor
    from model.sweep.experiment import load_experiment
    from model.sweep.runner import run_sweep
    from model.sweep.views.sweep_table import print_sweep_summary

    check_executor(executor, workers)  # before the experiment is read: a typo costs nothing
    e = load_experiment(experiment, out_dir)
    out.print(
        f"{e.spec.experiment.name}: {len(e.points)} points × {len(e.policies)} policies × {e.replications} replications "
        f"({len(e.points) * e.replications} tasks) → {e.store_path}",
        markup=False,
    )
    with progress_bar("sweeping", "tasks", TextColumn("{task.fields[failed]} failed")) as bar:
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
    partial_ok: Annotated[
        bool,
        typer.Option(
            "--partial-ok", help="Analyse a sweep with tasks not done (running, stopped or failed); marked partial."
        ),
    ] = False,
) -> None:
    """KPI vs each parameter with 95% CIs, and sensitivity indices (Sobol, Morris or SRRC); CSV and PNG.

    A sweep with tasks not done is refused unless --partial-ok; then the terminal, status.json,
    the CSVs' status column and the figures' titles say "partial: N of M tasks done".
    """
    from model.files import check_target
    from model.sweep.analysis import analyze as run_analysis
    from model.sweep.experiment import load_experiment
    from model.sweep.views.analysis import write_analysis
    from model.sweep.views.analysis_table import print_analysis

    e = load_experiment(experiment, out_dir)
    folder = e.output / "analysis"
    check_target(folder, force, inputs=[experiment, e.store_path])  # before the analysis: nothing lost on a refusal
    a = run_analysis(e, kpi or None, partial_ok=partial_ok)  # refuses a partial sweep before anything is written
    print_analysis(out, a, e)
    names = write_analysis(a, e, folder, force=force)
    note = f"; {a.status}" if a.partial else ""
    out.print(f"\nwrote {folder}/ ({', '.join(names)}){note}", markup=False)


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
    force: ForceOption = False,
) -> None:
    """Fit scenario parameters to observed statistics by simulated moments; write the calibrated scenario."""
    from model.files import check_file_target, write_atomic
    from model.sweep.calibration import calibrate as fit
    from model.sweep.calibration import calibrated_toml, load_targets
    from model.sweep.views.calibration_table import print_calibration

    spec = load_targets(targets)
    target = out_file or Path(f"{Path(scenario).stem}-calibrated.toml")
    check_file_target(target, force, inputs=[scenario_file(scenario), targets])  # before the first simulation
    with err.status("calibrating…") as status:
        c = fit(scenario, spec, on_evaluation=lambda n, j: status.update(f"calibrating: {n} evaluations, J = {j:.4g}"))
    print_calibration(out, c, spec)
    write_atomic(target, calibrated_toml(c, scenario, str(targets)))
    out.print(f"\nwrote {target}", markup=False)
