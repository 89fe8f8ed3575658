"""`halfstep compare`: paired when runs share seed and replications, Welch otherwise; refusals."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import tomli_w

from model.errors import RunFolderError
from model.report.comparison import compare_runs
from model.report.publish import write_run
from model.report.run_folder import load_run
from model.simulation.replications import run_policies
from model.stats import paired_ci, welch_ci
from tests.helpers import build, halfstep, tiny_dict

POLICIES = ("uniform", "halfstep")


def _run(folder: Path, data: dict, seed: int = 3, reps: int = 4) -> Path:
    write_run(run_policies(build(data), POLICIES, replications=reps, seed=seed), folder)
    return folder


def _column(folder: Path, policy: str, kpi: str) -> list[float]:
    with (folder / "outcomes.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["policy"] == policy]
    return [float(r[kpi]) for r in sorted(rows, key=lambda r: int(r["replication"]))]


def test_same_seed_and_replications_compare_paired(tmp_path: Path) -> None:
    more = tiny_dict()
    more["budget"] = {"benefits_cny": 500.0}  # a scarce benefit budget: the plans and outcomes move
    a, b = _run(tmp_path / "a", tiny_dict()), _run(tmp_path / "b", more)
    c = compare_runs([load_run(a), load_run(b)])
    assert c.methods == {"b": "paired"}
    d = c.kpi_differences[("b", "halfstep", "contribution")]
    want = paired_ci(_column(b, "halfstep", "contribution"), _column(a, "halfstep", "contribution"))
    assert d["method"] == "paired" and d["mean"] == pytest.approx(want["mean"])
    assert d["ci95"] == pytest.approx(want["ci95"])
    assert ("budget.benefits_cny", None, 500.0) in c.parameters["b"]
    rows = c.plan_differences[("b", "halfstep")]
    assert len(rows) == 4 and any(abs(lb - la) > 1e-6 for _, _, la, lb in rows)


def test_different_seeds_compare_with_welch(tmp_path: Path) -> None:
    a, b = _run(tmp_path / "a", tiny_dict(), seed=3), _run(tmp_path / "b", tiny_dict(), seed=4, reps=5)
    c = compare_runs([load_run(a), load_run(b)])
    assert c.methods == {"b": "Welch"}
    d = c.kpi_differences[("b", "uniform", "cost_total")]
    want = welch_ci(_column(b, "uniform", "cost_total"), _column(a, "uniform", "cost_total"))
    assert d["mean"] == pytest.approx(want["mean"]) and d["ci95"] == pytest.approx(want["ci95"])
    assert all(lb == la for _, _, la, lb in c.plan_differences[("b", "uniform")])  # same scenario, same plan


def test_runs_with_other_tiers_or_dimensions_are_refused(tmp_path: Path) -> None:
    renamed = tiny_dict()
    renamed["tiers"][0]["name"] = "base"
    a, b = _run(tmp_path / "a", tiny_dict(), reps=2), _run(tmp_path / "b", renamed, reps=2)
    with pytest.raises(RunFolderError, match=r"tiers differ \(only in a: low; only in b: base\)"):
        compare_runs([load_run(a), load_run(b)])
    r = halfstep("compare", str(a), str(b), "--out", str(tmp_path / "cmp"))
    assert r.returncode == 2 and "tiers differ" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "cmp").exists()


def test_a_folder_that_is_not_a_run_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    a = _run(tmp_path / "a", tiny_dict(), reps=2)
    r = halfstep("compare", str(a), str(tmp_path / "notes"), "--out", str(tmp_path / "cmp"))
    assert r.returncode == 2 and "notes is not a halfstep run folder: manifest.json is missing" in r.stderr
    r = halfstep("compare", str(a), "--out", str(tmp_path / "cmp"))
    assert r.returncode == 2 and "at least two run folders" in r.stderr


def test_compare_with_set_reruns_a_paired_whatif(tmp_path: Path) -> None:
    scen = tmp_path / "tiny.toml"
    scen.write_text(tomli_w.dumps(tiny_dict()), encoding="utf-8")
    a = tmp_path / "a"
    assert halfstep("run", str(scen), "--policies", "uniform,halfstep", "-r", "3", "--out", str(a)).returncode == 0
    out = tmp_path / "cmp"
    r = halfstep("compare", str(a), "--set", "resources.escort_staff.staff_on_duty=+50%", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "what-if − a: paired" in r.stdout and "common random numbers" in r.stdout
    assert "changed: resources.escort_staff.staff_on_duty" in r.stdout
    with (out / "comparison.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows and {x["method"] for x in rows} == {"paired"} and {x["run"] for x in rows} == {"what-if"}
    assert [x["kpi"] for x in rows if x["policy"] == "uniform"][:2] == ["contribution", "perceived_value_per_trip"]
    assert "net_value" not in {x["kpi"] for x in rows}  # PV − cost is the clients' value, not money: not compared
    util = next(x for x in rows if x["policy"] == "halfstep" and x["kpi"] == "escort_utilization")
    assert float(util["ci95_high"]) < 0  # 50% more staff: lower utilization, established
    manifest = json.loads((out / "whatif" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == ["resources.escort_staff.staff_on_duty=+50%"] and manifest["seed"] == 7
    assert (out / "comparison.html").stat().st_size > 10_000 and (out / "plan_differences.csv").is_file()
    assert halfstep("validate", str(out / "whatif" / "scenario.toml")).returncode == 0
    assert math.isfinite(float(util["difference"]))


def test_a_run_folder_from_before_contribution_reads_profit_less_the_roster(tmp_path: Path) -> None:
    """A folder written when the KPI was ``profit`` (margin × revenue − cost, no roster) still compares."""
    a = _run(tmp_path / "a", tiny_dict(), reps=2)
    want = load_run(a).values
    with (a / "outcomes.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["profit"] = repr(float(row.pop("contribution")) + float(row["cost_escort_roster"]))
    with (a / "outcomes.csv").open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    got = load_run(a).values
    for p in POLICIES:
        assert got[(p, "contribution")] == pytest.approx(want[(p, "contribution")], rel=1e-12)
