"""Publishing: a run folder (data, reports, figures) and a comparison folder — DESIGN.md, *What a run reports*.

The data files' format is :mod:`model.report.run_folder`; the reports and figures are the
views'. Everything goes to a staging folder that is renamed into place when complete.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from model.files import json_text, staged_folder, write_atomic
from model.report.accounts import account_frame, accounts_csv
from model.report.comparison import (
    Comparison,
    compare_runs,
    comparison_csv,
    period_differences_csv,
    plan_differences_csv,
)
from model.report.run_folder import (
    RunRecord,
    load_run,
    manifest,
    outcomes_by_tier_csv,
    outcomes_csv,
    periods_csv,
    resolved_toml,
)
from model.report.views.comparison import comparison_figure, comparison_html
from model.report.views.figures import render_figures
from model.report.views.html import report_html
from model.report.views.markdown import report_markdown
from model.simulation.result import RunResult

__all__ = ["write_comparison", "write_run"]


def write_run(
    result: RunResult,
    folder: str | Path,
    *,
    force: bool = False,
    command: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    inputs: Sequence[str | Path] = (),
) -> dict[str, Any]:
    """Write the whole run folder atomically; returns the summary.

    ``inputs`` (the scenario file, say) are never replaced, even with ``force``.
    """
    summary = result.summary()
    figures = render_figures(result, summary)
    with staged_folder(folder, kind="run", force=force, inputs=inputs) as stage:
        write_atomic(stage / "scenario.toml", resolved_toml(result.scenario))
        for name, plan in result.plans.items():
            write_atomic(stage / "plans" / f"{name}.csv", plan.to_csv())
            write_atomic(stage / "plans" / f"{name}.json", plan.to_json())
        write_atomic(stage / "outcomes.csv", outcomes_csv(result))
        write_atomic(stage / "outcomes_by_tier.csv", outcomes_by_tier_csv(result))
        if result.periods > 1:
            write_atomic(stage / "periods.csv", periods_csv(result))
        accounts = account_frame(result)
        write_atomic(stage / "accounts.csv", accounts_csv(accounts))
        write_atomic(stage / "summary.json", json_text(summary))
        for name, png in figures.items():
            write_atomic(stage / "figures" / name, png)
        write_atomic(stage / "report.md", report_markdown(result, summary, list(figures), accounts))
        overrides = list((extra or {}).get("overrides", []))
        write_atomic(stage / "report.html", report_html(result, summary, figures, overrides, accounts))
        write_atomic(
            stage / "manifest.json", json.dumps(manifest(result, command, extra), indent=2, ensure_ascii=False) + "\n"
        )
    return summary


def write_comparison(
    records: Sequence[RunRecord],
    folder: str | Path,
    *,
    whatif: RunResult | None = None,
    overrides: Sequence[str] = (),
    force: bool = False,
    command: list[str] | None = None,
) -> Comparison:
    """Compare runs and write the comparison folder atomically; returns the comparison.

    A ``whatif`` result (the first run's scenario rerun with ``overrides``) is written as the
    run folder ``whatif/`` inside the comparison folder and compared as the last run.
    """
    records = list(records)
    folder = Path(folder)
    with staged_folder(folder, kind="compare", force=force, inputs=[r.path for r in records]) as stage:
        if whatif is not None:
            write_run(
                whatif,
                stage / "whatif",
                command=command,
                extra={"overrides": list(overrides), "whatif_of": str(records[0].path)},
            )
            # read from the staging folder, named by where it will be once the folder is in place
            staged = load_run(stage / "whatif", label="what-if")
            records.append(dataclasses.replace(staged, path=folder / "whatif"))
        c = compare_runs(records)
        write_atomic(stage / "comparison.csv", comparison_csv(c))
        write_atomic(stage / "plan_differences.csv", plan_differences_csv(c))
        if c.period_differences:
            write_atomic(stage / "period_differences.csv", period_differences_csv(c))
        write_atomic(stage / "comparison.html", comparison_html(c, comparison_figure(c)))
    return c
