"""``halfstep run`` and ``compare``: policies simulated over replications, and runs set side by side (thin)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import (
    ForceOption,
    ScenarioArg,
    SeedOption,
    SetOption,
    WorkersOption,
    announce_estimate,
    app,
    at_least,
    out,
    replication_progress,
    scenario_file,
    whole_number,
)
from model.errors import RunFolderError


@app.command()
def run(
    scenario: ScenarioArg = "baseline",
    policies: Annotated[
        str | None,
        typer.Option(
            "--policies",
            help="Comma-separated policies (default: uniform,standard,halfstep,fullstep,clairvoyant; "
            "clairvoyant is a reference, not a bound: the allocator given each replication's realized requests, simulated).",
        ),
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option(
            "--replications",
            "-r",
            parser=whole_number,
            callback=at_least(1, "replications per policy"),
            help="Replications per policy (default: the scenario's).",
        ),
    ] = None,
    seed: SeedOption = None,
    workers: WorkersOption = 1,
    periods: Annotated[
        int,
        typer.Option(
            "--periods",
            parser=whole_number,
            callback=at_least(1, "periods"),
            help="Periods of the scenario's horizon, each planned again from where the clients are (a rolling "
            "plan; expectations move when the scenario's [expectations] say so). Default 1.",
        ),
    ] = 1,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Run folder (default: a new folder under runs/).")
    ] = None,
    force: ForceOption = False,
    set_: SetOption = None,
) -> None:
    """Simulate policies over replications; print KPIs with 95% CIs and write the run folder."""
    from model.api import load_scenario, write_run
    from model.api import run as simulate
    from model.files import check_target, default_folder
    from model.report.views.run_table import print_run
    from model.simulation.replications import DEFAULT_POLICIES, estimated_seconds

    s = load_scenario(scenario, set_ or ())
    folder = out_dir or default_folder("run", Path(scenario).stem)
    check_target(folder, force, inputs=[scenario_file(scenario)])  # before simulating: nothing is lost on a refusal
    names = DEFAULT_POLICIES if policies is None else tuple(p.strip() for p in policies.split(",") if p.strip())
    reps = s.simulation.replications if replications is None else replications
    what = f"{len(names)} policies × {reps:,} replications" + (f" × {periods} periods" if periods > 1 else "")
    announce_estimate(estimated_seconds(s, names, reps, workers) * periods, what)
    with replication_progress(reps) as tick:
        result = simulate(s, names, replications=reps, seed=seed, workers=workers, on_progress=tick, periods=periods)
    write_run(result, folder, force=force, overrides=set_ or (), command=["halfstep", *sys.argv[1:]])
    print_run(out, result, result.summary())
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
    workers: WorkersOption = 1,
) -> None:
    """Compare run folders: KPI differences with 95% CIs (paired when seed and replications match) and plan differences.

    With --set, the first run's scenario is rerun with the overrides (same seed, replications
    and policies, so the comparison is paired) and compared with it; the what-if run folder
    is kept inside the comparison folder.
    """
    from model.api import compare as compare_runs
    from model.files import check_target, default_folder
    from model.report.views.comparison import print_comparison

    folder = out_dir or default_folder("compare", runs[0].name)
    check_target(folder, force, inputs=runs)  # never one of the run folders compared, nor a folder holding one
    if len(runs) < 2 and not set_:
        raise RunFolderError("compare needs at least two run folders, or one and --set KEY=VALUE for a what-if")
    if set_:
        from model.report.run_folder import load_run

        with replication_progress(load_run(runs[0]).replications) as tick:
            c = compare_runs(
                *runs,
                overrides=set_,
                out=folder,
                workers=workers,
                force=force,
                on_progress=tick,
                command=["halfstep", *sys.argv[1:]],
            )
    else:
        c = compare_runs(*runs, out=folder, force=force)
    print_comparison(out, c)
    out.print(f"\nwrote {folder}/ (comparison.html, comparison.csv, plan_differences.csv)", markup=False)


@app.command()
def accounts(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN", help="A run folder written by 'halfstep run'.")],
    top: Annotated[
        int | None,
        typer.Option("--top", parser=whole_number, callback=at_least(1, "accounts to list"), help="List the N best."),
    ] = None,
    losing: Annotated[
        bool, typer.Option("--losing", help="Only accounts whose cost to serve exceeds the margin on their fares.")
    ] = False,
    tier: Annotated[str | None, typer.Option("--tier", help="Only the accounts of this tier.")] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="The policy whose accounts to list (default: halfstep).")
    ] = None,
) -> None:
    """Accounts worth developing: contribution, cost to serve and, for a losing account, what would make it pay."""
    from model.api import accounts as account_table
    from model.report.views.accounts import print_accounts

    rows = account_table(run_dir, policy=policy, top=top, losing=losing, tier=tier)
    shown = policy or (str(rows["policy"].iloc[0]) if len(rows) else "halfstep")
    print_accounts(out, rows, shown, losing)
