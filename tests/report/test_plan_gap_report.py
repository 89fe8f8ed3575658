"""The plan gap as a planner meets it: the terminal table of `halfstep run`, report.html, report.md and the figure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from model.report.publish import write_run
from model.report.views.format import fmt_gap
from model.report.views.run_table import print_run
from model.simulation.replications import run_policies
from tests.helpers import build, tiny_dict


@pytest.fixture(scope="module")
def result():
    return run_policies(build(tiny_dict()), ("uniform", "halfstep", "clairvoyant"), replications=3, seed=11)


def test_the_terminal_prints_the_plan_gap_per_policy_and_halfsteps_largest_tier_gap(result) -> None:
    summary = result.summary()
    console = Console(record=True, width=200, color_system=None)
    print_run(console, result, summary)
    text = console.export_text()
    assert "plan gap (simulated − planned)" in text
    table = text.split("plan gap (simulated − planned)", 1)[1]
    rows = {line.split("│")[1].strip(): line for line in table.splitlines() if line.startswith("│")}
    assert set(rows) == {"uniform", "halfstep"}  # one row per policy with a plan
    for p in ("uniform", "halfstep"):
        for k in ("perceived_value_per_trip", "trips_flown", "cost_total"):
            assert fmt_gap(summary["plan_gap"][p]["total"][k], k, compact=True) in rows[p], (p, k)
    gaps = summary["plan_gap"]["halfstep"]["by_tier"]
    worst = max(gaps, key=lambda t: abs(gaps[t]["perceived_value_per_trip"]["mean"]))
    assert f"Largest tier gap in PV per trip requested for halfstep: {worst}," in text
    assert "clairvoyant has one plan per replication" in text


def test_report_html_and_md_show_whether_the_plan_holds(result, tmp_path: Path) -> None:
    write_run(result, tmp_path / "run")
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Does the plan hold?</h2>" in page
    section = page.split("<h2>Does the plan hold?</h2>", 1)[1].split("</section>", 1)[0]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert list(summary["plan_gap"]) == ["uniform", "halfstep"]
    for p in ("uniform", "halfstep"):
        for t in ("low", "high", "all tiers"):
            stats = summary["plan_gap"][p]["total" if t == "all tiers" else "by_tier"]
            stats = stats if t == "all tiers" else stats[t]
            cell = fmt_gap(stats["perceived_value_per_trip"], "perceived_value_per_trip")
            assert re.search(rf"<td>{p}</td><td>{t}</td><td>[^<]*</td><td>{re.escape(cell)}</td>", section), (p, t)
    assert "<td>clairvoyant</td>" not in section and "clairvoyant has one plan per replication" in section
    assert 'id="fig-plan_gap"' in section and (tmp_path / "run" / "figures" / "plan_gap.png").stat().st_size > 1000
    md = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "## Does the plan hold?" in md and "Largest tier gap in PV per trip requested for halfstep" in md
    assert "![plan_gap.png](figures/plan_gap.png)" in md


def test_a_run_without_a_single_plan_says_so_and_draws_no_gap(tmp_path: Path) -> None:
    only = run_policies(build(tiny_dict()), ("clairvoyant",), replications=2, seed=1)
    console = Console(record=True, width=200, color_system=None)
    print_run(console, only, only.summary())
    assert "No policy has a single plan" in console.export_text()
    write_run(only, tmp_path / "run")
    assert not (tmp_path / "run" / "figures" / "plan_gap.png").exists()
    assert "No policy has a single plan" in (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
