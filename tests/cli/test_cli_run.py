"""`halfstep run` end to end: the run folder, byte-identical reruns, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import tomli_w

from tests.helpers import assert_outcomes_csv_ran, halfstep, tiny_dict


def tiny_file(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.toml"
    p.write_text(tomli_w.dumps(tiny_dict()), encoding="utf-8")
    return p


def test_run_writes_the_folder_and_reruns_identically(tmp_path: Path) -> None:
    scen = tiny_file(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    r = halfstep("run", str(scen), "--replications", "3", "--seed", "4", "--out", str(a))
    assert r.returncode == 0, r.stderr
    assert "halfstep-uniform" in r.stdout and "±" in r.stdout
    for f in (
        "scenario.toml",
        "manifest.json",
        "outcomes.csv",
        "outcomes_by_tier.csv",
        "summary.json",
        "report.md",
        "report.html",
    ):
        assert (a / f).is_file(), f
    figures = ("plans", "kpis", "tiers", "plan_gap", "over_service", "escort", "holds", "stages")
    for f in (f"{name}.png" for name in figures):
        assert (a / "figures" / f).stat().st_size > 1000
    for p in ("uniform", "standard", "halfstep", "fullstep"):
        assert (a / "plans" / f"{p}.csv").is_file()
    summary = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    assert summary["replications"] == 3 and summary["seed"] == 4
    nv = summary["policies"]["halfstep"]["kpis"]["net_value"]
    assert nv["ci95"][0] <= nv["mean"] <= nv["ci95"][1]
    assert "halfstep-standard" in summary["paired"]
    manifest = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 4 and "numpy" in manifest["versions"]
    assert halfstep("validate", str(a / "scenario.toml")).returncode == 0  # the resolved scenario reloads
    r = halfstep("run", str(scen), "--replications", "3", "--seed", "4", "--out", str(b), "--workers", "2")
    assert r.returncode == 0, r.stderr
    # both runs succeeded, replication by replication, before their files are compared
    assert assert_outcomes_csv_ran(a / "outcomes.csv") == assert_outcomes_csv_ran(b / "outcomes.csv") == 5 * 3
    for f in ("summary.json", "outcomes.csv", "outcomes_by_tier.csv"):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_run_refuses_an_existing_folder(tmp_path: Path) -> None:
    out = tmp_path / "old"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    r = halfstep("run", str(tiny_file(tmp_path)), "--replications", "2", "--out", str(out))
    assert r.returncode == 2 and "--force" in r.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_run_names_an_unknown_policy(tmp_path: Path) -> None:
    r = halfstep("run", str(tiny_file(tmp_path)), "--policies", "halfstep,greedy", "--out", str(tmp_path / "x"))
    assert r.returncode == 2
    assert "greedy" in r.stderr and "clairvoyant" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()
