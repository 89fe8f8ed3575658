"""The command line as a user meets it: exit codes, messages without tracebacks, files written."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import tomli_w

from model.scenario.loading import baseline_path
from tests.helpers import ROOT, halfstep


def baseline_data() -> dict:
    return tomllib.loads(baseline_path().read_text(encoding="utf-8"))


def test_validate_baseline_prints_ok_and_summary() -> None:
    r = halfstep("validate")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok")
    for tier in ("V1", "V5"):
        assert tier in r.stdout


def test_validate_misspelled_key_exits_2_with_suggestion(tmp_path: Path) -> None:
    text = (ROOT / "model" / "data" / "baseline.toml").read_text(encoding="utf-8")
    assert "loss_aversion" in text
    bad = tmp_path / "typo.toml"
    bad.write_text(text.replace("loss_aversion", "loss_avertion", 1), encoding="utf-8")
    r = halfstep("validate", str(bad))
    assert r.returncode == 2
    assert "value.loss_avertion: unknown key" in r.stderr
    assert "did you mean 'loss_aversion'" in r.stderr
    assert str(bad) in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_infeasible_scenario_exits_2_naming_the_conflict(tmp_path: Path) -> None:
    data = baseline_data()
    v1 = next(t for t in data["tiers"] if t["name"] == "V1")
    v1["floor"] = {"lounge": 1.0}  # every V1 trip gets a lounge: far beyond its daily capacity
    bad = tmp_path / "infeasible.toml"
    bad.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert halfstep("validate", str(bad)).returncode == 0  # a valid file, an infeasible plan
    r = halfstep("plan", str(bad), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    assert "infeasible" in r.stderr and "lounge floors need" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_plan_writes_csv_and_json_and_prints_shadow_prices(tmp_path: Path) -> None:
    out = tmp_path / "p"
    r = halfstep("plan", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "shadow price" in r.stdout.lower()
    assert (out / "plan.csv").exists()
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["policy"] == "halfstep"
    assert {sp["constraint"] for sp in doc["shadow_prices"]} >= {"budget[benefits]"}


def test_existing_output_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "p"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    r = halfstep("plan", "--out", str(out))
    assert r.returncode == 2
    assert "--force" in r.stderr
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_unknown_policy_is_named(tmp_path: Path) -> None:
    r = halfstep("plan", "--policy", "halfstepp", "--out", str(tmp_path / "p"))
    assert r.returncode == 2
    assert "halfstepp" in r.stderr and "halfstep" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("name", ["scenarios/corporate_book.toml", "scenarios/national_day_peak.toml"])
def test_shipped_scenarios_plan(name: str, tmp_path: Path) -> None:
    r = halfstep("plan", name, "--out", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr


def test_chinese_names_end_to_end(tmp_path: Path) -> None:
    data = baseline_data()
    rename = {"V1": "普通", "V5": "至尊"}
    for t in data["tiers"]:
        t["name"] = rename.get(t["name"], t["name"])
    path = tmp_path / "中文.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    r = halfstep("plan", str(path), "--out", str(tmp_path / "计划"))
    assert r.returncode == 0, r.stderr
    assert "至尊" in r.stdout
    assert "至尊" in (tmp_path / "计划" / "plan.csv").read_text(encoding="utf-8")


def test_a_plan_records_its_scenario_and_what_ifs(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_bytes(baseline_path().read_bytes())
    r = halfstep("plan", str(scenario), "--set", "budget.benefits_cny=+10%", "--out", str(tmp_path / "p"))
    assert r.returncode == 0, r.stderr
    assert "what-if: budget.benefits_cny=+10%" in r.stdout
    doc = json.loads((tmp_path / "p" / "plan.json").read_text(encoding="utf-8"))
    assert doc["source"] == {"scenario": str(scenario.resolve()), "overrides": ["budget.benefits_cny=+10%"]}
    plain = halfstep("plan", "--out", str(tmp_path / "q"))
    assert json.loads((tmp_path / "q" / "plan.json").read_text(encoding="utf-8"))["source"] == {
        "scenario": "baseline",
        "overrides": [],
    }
    assert "what-if" not in plain.stdout
