"""Writing a run folder — DESIGN.md, *What a run reports*.

    scenario.toml         the resolved scenario (every default filled in)
    manifest.json         versions, seed, replications, policies, solver, timings, command
    plans/<policy>.csv    one plan per policy (and plans/<policy>.json)
    outcomes.csv          one row per policy × replication
    outcomes_by_tier.csv  one row per policy × replication × tier
    summary.json          means and 95% CIs; paired differences
    report.md             the report (Markdown, figures linked)
    report.html           the report as one self-contained page (figures embedded)
    figures/*.png         the figures

All files go to a staging folder that is renamed into place when complete.
"""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import tomli_w

from . import __version__
from .figures import render_figures
from .htmlreport import report_html
from .report import report_markdown
from .runfolder import staged_folder, write_atomic
from .runner import RunResult
from .scenario import Scenario
from .summary import outcomes_by_tier_csv, outcomes_csv, summarize, summary_json

__all__ = ["resolved_toml", "write_run"]


def resolved_toml(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="json", exclude_none=True)
    return "# The scenario as this run used it, every default filled in.\n" + tomli_w.dumps(data)


def _versions() -> dict[str, str]:
    out = {"halfstep": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "simpy", "pulp", "highspy", "matplotlib", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def manifest(result: RunResult, command: list[str] | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "scenario": result.scenario.scenario.name,
        "versions": _versions(),
        "seed": result.seed,
        "replications": result.replications,
        "policies": list(result.policies),
        "workers": result.workers,
        "solver": result.scenario.allocator.solver,
        "timings_seconds": {k: round(v, 4) for k, v in result.timings.items()},
        "failed_runs": len(result.failed()),
        "command": command if command is not None else sys.argv,
        **(extra or {}),
    }


def write_run(
    result: RunResult,
    folder: str | Path,
    *,
    force: bool = False,
    command: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the whole run folder atomically; returns the summary."""
    summary = summarize(result)
    figures = render_figures(result, summary)
    with staged_folder(folder, force=force) as stage:
        write_atomic(stage / "scenario.toml", resolved_toml(result.scenario))
        for name, plan in result.plans.items():
            write_atomic(stage / "plans" / f"{name}.csv", plan.to_csv())
            write_atomic(stage / "plans" / f"{name}.json", plan.to_json())
        write_atomic(stage / "outcomes.csv", outcomes_csv(result))
        write_atomic(stage / "outcomes_by_tier.csv", outcomes_by_tier_csv(result))
        write_atomic(stage / "summary.json", summary_json(summary))
        for name, png in figures.items():
            write_atomic(stage / "figures" / name, png)
        write_atomic(stage / "report.md", report_markdown(result, summary, list(figures)))
        overrides = list((extra or {}).get("overrides", []))
        write_atomic(stage / "report.html", report_html(result, summary, figures, overrides))
        write_atomic(
            stage / "manifest.json", json.dumps(manifest(result, command, extra), indent=2, ensure_ascii=False) + "\n"
        )
    return summary
