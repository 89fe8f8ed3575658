"""``halfstep validate``, ``plan`` and ``schema``: a scenario checked, planned and documented (thin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import ForceOption, ScenarioArg, SetOption, app, out, scenario_file, scenario_source
from model.errors import OptionError


@app.command()
def validate(scenario: ScenarioArg = "baseline") -> None:
    """Check a scenario file: print 'ok' and a short summary, or every problem found (and warnings: tiers served at a loss)."""
    from model.allocation.problem import planning_problem
    from model.report.views.plan_table import scenario_summary
    from model.scenario.loading import load_scenario

    s = load_scenario(scenario)
    planning_problem(s)  # warns of tiers whose service at expectation costs more than they contribute
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
    from model.api import load_scenario
    from model.api import plan as make
    from model.files import check_target, default_folder, staged_folder, write_atomic
    from model.report.views.plan_table import print_plan
    from model.scenario.problems import renamed_policy
    from model.scenario.schema import PLAN_POLICIES

    if policy is not None and policy not in PLAN_POLICIES:  # before anything is read or made
        hint = " (clairvoyant has one plan per replication: use `halfstep run`)" if policy == "clairvoyant" else ""
        message = renamed_policy(policy, PLAN_POLICIES) or f"must be one of {', '.join(PLAN_POLICIES)}{hint}"
        raise OptionError(f"--policy = {policy!r}: {message}")
    folder = out_dir or default_folder("plan", Path(scenario).stem)
    inputs = [scenario_file(scenario)]
    s = load_scenario(scenario, set_ or ())
    check_target(folder, force, inputs=inputs)  # before the plan is made: nothing is lost on a refusal
    p = make(s, policy=policy)
    print_plan(out, p, overrides=set_ or ())
    source = {"scenario": scenario_source(scenario), "overrides": list(set_ or [])}
    with staged_folder(folder, force=force, kind="plan", inputs=inputs) as stage:
        write_atomic(stage / "plan.csv", p.to_csv())
        write_atomic(stage / "plan.json", p.to_json(source))
    out.print(f"\nwrote {folder}/plan.csv and plan.json")


@app.command()
def schema(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the scenario reference as Markdown tables.")
    ] = True,
) -> None:
    """Print the scenario file reference: every key, its type, default and unit."""
    from model.api import scenario_reference

    out.print(scenario_reference(), markup=False)
