"""The headline is the airline's contribution (DESIGN.md, *What a run reports*), not net value.

A small run of the tiny scenario: its headline names the adoptable policy with the highest mean
contribution and shows the paired interval of halfstep against each other policy on contribution,
every number recomputed here from the outcomes; the terminal and the reports show the same
paired differences; and contribution is margin × revenue − cost_total − cost_escort_roster in
every outcome.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from scipy import stats

from model.report.publish import write_run
from model.report.views.format import headline
from model.report.views.run_table import print_run
from model.simulation.replications import run_policies
from model.simulation.result import RunResult
from tests.helpers import build, tiny_dict

POLICIES = ("standard", "halfstep", "uniform")
REPS = 3

#: "halfstep − uniform −452 [−742, −162] CNY": a signed number, and its interval.
_NUMBER = r"[+−]?[\d,]+(?:\.\d+)?"
_PAIR = re.compile(rf"halfstep − (\w+) ({_NUMBER}) \[({_NUMBER}), ({_NUMBER})\] CNY")


@pytest.fixture(scope="module")
def run() -> tuple[RunResult, dict]:
    result = run_policies(build(tiny_dict()), POLICIES, replications=REPS, seed=7)
    assert not result.failed()
    return result, result.summary()


def _contribution(result: RunResult, policy: str) -> np.ndarray:
    """Per replication, from the outcome's own KPIs: margin × revenue − cost_total − cost_escort_roster."""
    margin = result.scenario.economics.incremental_margin
    outs = sorted(result.of(policy), key=lambda o: o.replication)
    return np.array([margin * o.kpis["revenue"] - o.kpis["cost_total"] - o.kpis["cost_escort_roster"] for o in outs])


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of a − b and its Student-t 95% interval."""
    d = a - b
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace("+", "").replace(",", ""))


def _close(shown: str, value: float) -> bool:
    """A number as the reports round it: whole CNY from 100 on, else two decimals."""
    return abs(_number(shown) - value) <= (0.5 if abs(value) >= 99.5 else 0.005) + 1e-9


def test_contribution_is_margin_times_revenue_less_cost_and_roster_in_every_outcome(run) -> None:
    result, _ = run
    margin = result.scenario.economics.incremental_margin
    for o in result.outcomes:
        k = o.kpis
        assert k["cost_escort_roster"] > 0  # the tiny scenario has a roster: the test sees it subtracted
        assert k["contribution"] == pytest.approx(
            margin * k["revenue"] - k["cost_total"] - k["cost_escort_roster"], rel=1e-12, abs=1e-6
        ), (o.policy, o.replication)
    assert "profit" not in result.outcomes[0].kpis


def test_the_headline_names_the_highest_mean_contribution_and_halfsteps_paired_intervals(run) -> None:
    result, summary = run
    text = headline(result, summary)
    means = {p: _contribution(result, p).mean() for p in POLICIES}
    best = max(means, key=means.__getitem__)
    assert text.startswith(f"**{best}** has the highest mean contribution"), text
    assert "net value" not in text.lower() and "net_value" not in text
    pairs = {m[0]: m[1:] for m in _PAIR.findall(text)}
    assert set(pairs) == {"standard", "uniform"}, text
    halfstep = _contribution(result, "halfstep")
    for other, shown in pairs.items():
        want = _paired(halfstep, _contribution(result, other))
        assert all(_close(s, w) for s, w in zip(shown, want, strict=True)), (other, shown, want)
    # which decision it supports: the best against halfstep (or halfstep against its runner-up)
    assert "On contribution the run " in text
    assert "PV per trip requested" in text


def test_the_terminal_and_the_reports_show_the_paired_contribution_differences(run, tmp_path: Path) -> None:
    result, summary = run
    console = Console(record=True, width=240)
    print_run(console, result, summary)
    terminal = console.export_text()
    assert "net value" not in terminal.lower()
    rows = [line for line in terminal.splitlines() if line.strip("│ ").startswith("contribution")]
    assert len(rows) == 2, terminal  # the KPI table and the paired differences, contribution first in each
    assert "halfstep-standard" in terminal and "halfstep-uniform" in terminal
    write_run(result, tmp_path / "run")
    md = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    first = md.splitlines()[2]
    assert first == headline(result, summary) and "net value" not in first.lower()
    paired = md.split("## Paired differences", 1)[1]
    assert "| halfstep-standard | halfstep-uniform |" in paired
    assert paired.split("|---", 1)[1].splitlines()[1].startswith("| contribution | ")
    assert "highest mean contribution" in html and "net value" not in html.split('class="lead"', 1)[1].split("</p>")[0]
    # net value is in the full table only, said to be the clients' value, not money
    assert "net_value (PV − cost, the clients' value net of cost, not money)" in md


def test_clairvoyant_is_never_the_headlines_best(run) -> None:
    """A reference planned with each replication's realized requests, not a policy a planner can adopt."""
    result, summary = run
    top = max(s["kpis"]["contribution"]["mean"] for s in summary["policies"].values())
    reference = summary["policies"]["halfstep"]
    above = {"mean": top + 1e6, "ci95": [top + 5e5, top + 2e6], "n": REPS}
    with_reference = {
        **summary,
        "policies": {
            **summary["policies"],
            "clairvoyant": {**reference, "kpis": {**reference["kpis"], "contribution": above}},
        },
        "paired": {**summary["paired"], "halfstep-clairvoyant": summary["paired"]["halfstep-standard"]},
    }
    text = headline(replace(result, policies=(*result.policies, "clairvoyant")), with_reference)
    assert text == headline(result, summary)
