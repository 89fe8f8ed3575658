"""Publishing a run: the whole run folder, data, reports and figures — DESIGN.md, *What a run reports*.

The data files' format is :mod:`model.report.run_folder`; the reports and figures are the
views'. Everything goes to a staging folder that is renamed into place when complete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from model.files import json_text, staged_folder, write_atomic
from model.report.run_folder import manifest, outcomes_by_tier_csv, outcomes_csv, resolved_toml
from model.report.views.figures import render_figures
from model.report.views.html import report_html
from model.report.views.markdown import report_markdown
from model.simulation.result import RunResult

__all__ = ["write_run"]


def write_run(
    result: RunResult,
    folder: str | Path,
    *,
    force: bool = False,
    command: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the whole run folder atomically; returns the summary."""
    summary = result.summary()
    figures = render_figures(result, summary)
    with staged_folder(folder, force=force) as stage:
        write_atomic(stage / "scenario.toml", resolved_toml(result.scenario))
        for name, plan in result.plans.items():
            write_atomic(stage / "plans" / f"{name}.csv", plan.to_csv())
            write_atomic(stage / "plans" / f"{name}.json", plan.to_json())
        write_atomic(stage / "outcomes.csv", outcomes_csv(result))
        write_atomic(stage / "outcomes_by_tier.csv", outcomes_by_tier_csv(result))
        write_atomic(stage / "summary.json", json_text(summary))
        for name, png in figures.items():
            write_atomic(stage / "figures" / name, png)
        write_atomic(stage / "report.md", report_markdown(result, summary, list(figures)))
        overrides = list((extra or {}).get("overrides", []))
        write_atomic(stage / "report.html", report_html(result, summary, figures, overrides))
        write_atomic(
            stage / "manifest.json", json.dumps(manifest(result, command, extra), indent=2, ensure_ascii=False) + "\n"
        )
    return summary
