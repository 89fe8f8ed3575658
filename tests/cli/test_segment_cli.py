"""`halfstep synth-accounts` and `halfstep segment` as a user meets them, Chinese names included."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers import halfstep

HAND_MADE = """account_id,name,sector,industry,agreement,travellers,trips,spend_cny,months_observed,single_trip_travellers
G1,深圳市财政局,政府,政府机关,三方,120,260,390000,6,60
G2,深圳市南山区教育局,government,,two-party,30,50,61000,6,18
E1,深圳华安实业有限公司,企业,制造,三方,12,15,16000,6,10
E2,深圳腾达物流有限公司,enterprise,物流,,4,4,3900,6,4
E3,深圳恒信投资有限公司,enterprise,金融,corporate-card,0,0,0,6,0
"""


def segment(tmp_path: Path, accounts: Path, *extra: str, out: str = "book.toml"):
    return halfstep("segment", str(accounts), "--out", str(tmp_path / out), *extra)


def test_synthetic_accounts_segment_validate_and_run(tmp_path: Path) -> None:
    csv_file = tmp_path / "accounts.csv"
    r = halfstep("synth-accounts", "--n", "400", "--seed", "2", "--out", str(csv_file))
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and "400 accounts" in r.stdout
    r = segment(tmp_path, csv_file)
    assert r.returncode == 0, r.stderr
    assert "Pareto:" in r.stdout and "V1" in r.stdout and "travellers/account" in r.stdout
    book = tmp_path / "book.toml"
    scenario = tomllib.loads(book.read_text(encoding="utf-8"))
    names = [t["name"] for t in scenario["tiers"]]
    assert any("深圳" in n for n in names), names  # mega accounts are tiers named after them
    report = (tmp_path / "book.segments.md").read_text(encoding="utf-8")
    for heading in ("## How Pareto is the book?", "## Star levels", "## Tags", "## Tiers", "## The scenario written"):
        assert heading in report
    assert "bootstrap" in report and "spend share" in report
    summary = json.loads((tmp_path / "book.segments.json").read_text(encoding="utf-8"))
    assert sum(t["accounts"] for t in summary["tiers"]) == 400
    assert abs(sum(t["spend_share"] for t in summary["tiers"]) - 1) < 1e-9
    rows = (tmp_path / "book.segments.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 401 and "深圳" in rows[1]
    assert halfstep("validate", str(book)).returncode == 0
    r = halfstep(
        "run", str(book), "--replications", "2", "--policies", "halfstep,standard", "--out", str(tmp_path / "run")
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run" / "summary.json").is_file()


def test_a_hand_made_chinese_table_with_rules_beside_it(tmp_path: Path) -> None:
    accounts = tmp_path / "客户.csv"
    accounts.write_text(HAND_MADE, encoding="utf-8")
    rules = tmp_path / "rules.toml"
    rules.write_text(
        """
[rules]
name = "两级"
[star_levels]
basis = "quantile"
thresholds = [0.5]
[mega]
accounts = ["G1"]
[[tiers]]
name = "重要"
template = "V3"
when = [{ min_star = 2, sectors = ["government"] }]
[[tiers]]
name = "普通"
template = "V1"
[estimation]
trip_rate_shape = 0.8
fares = "average"
[scenario]
name = "深圳大客户"
""",
        encoding="utf-8",
    )
    r = segment(tmp_path, accounts, "--rules", str(rules))
    assert r.returncode == 0, r.stderr
    scenario = tomllib.loads((tmp_path / "book.toml").read_text(encoding="utf-8"))
    tiers = {t["name"]: t for t in scenario["tiers"]}
    assert scenario["scenario"]["name"] == "深圳大客户"
    # G1 is a mega account (its own tier, from 重要's template); G2 is 重要; E3 has no trips
    assert set(tiers) == {"深圳市财政局", "重要", "普通"}
    assert tiers["深圳市财政局"]["accounts"] == 1 and tiers["深圳市财政局"]["rank"] == tiers["重要"]["rank"]
    assert tiers["普通"]["accounts"] == 2 and tiers["普通"]["fare_cny"] == pytest.approx(19900 / 19, abs=0.01)
    r = halfstep("validate", str(tmp_path / "book.toml"))
    assert r.returncode == 0, r.stderr
    assert "深圳市财政局" in r.stdout
    report = (tmp_path / "book.segments.md").read_text(encoding="utf-8")
    assert "| 普通 | V1 | 3 | 2 |" in report  # three accounts, two with trips


def test_bad_data_names_row_and_column_and_writes_nothing(tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(
        HAND_MADE.replace("G2,深圳市南山区教育局,government,,two-party,30,50", "G2,x,government,,two-party,30,-50"),
        encoding="utf-8",
    )
    r = segment(tmp_path, accounts)
    assert r.returncode == 2
    assert "row 3, trips = '-50': must be ≥ 0" in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == [accounts]


def test_skipped_rows_are_counted_in_the_report(tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    bad = HAND_MADE + "E4,坏,enterprise,,,3,x,100,6,1\nG1,重复,government,,,1,1,100,6,1\n"
    accounts.write_text(bad, encoding="utf-8")
    r = segment(tmp_path, accounts, "--skip-bad-rows")
    assert r.returncode == 0, r.stderr
    assert "2 rows left out" in r.stdout
    report = (tmp_path / "book.segments.md").read_text(encoding="utf-8")
    assert "Rows left out: **2**" in report
    assert "| non-numeric trips | 1 |" in report and "| duplicate account_id (first row kept) | 1 |" in report


def test_outputs_are_not_overwritten_without_force(tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(HAND_MADE, encoding="utf-8")
    report = tmp_path / "book.segments.md"
    report.write_text("mine", encoding="utf-8")
    r = segment(tmp_path, accounts)
    assert r.returncode == 2 and "book.segments.md exists already" in r.stderr and "--force" in r.stderr
    assert report.read_text(encoding="utf-8") == "mine" and not (tmp_path / "book.toml").exists()
    assert segment(tmp_path, accounts, "--force").returncode == 0
    assert report.read_text(encoding="utf-8").startswith("# Segmentation")
    r = halfstep("synth-accounts", "--n", "5", "--out", str(accounts))
    assert r.returncode == 2 and "exists already" in r.stderr
    assert accounts.read_text(encoding="utf-8") == HAND_MADE


def test_the_account_table_is_never_an_output(tmp_path: Path) -> None:
    accounts = tmp_path / "book.segments.csv"
    accounts.write_text(HAND_MADE, encoding="utf-8")
    r = segment(tmp_path, accounts, "--force")
    assert r.returncode == 2 and "is the account table itself" in r.stderr
    assert accounts.read_text(encoding="utf-8") == HAND_MADE


def test_a_book_without_trips_has_no_scenario(tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text("account_id,name,travellers,trips,spend_cny,months_observed\nA,a,0,0,0,6\n", encoding="utf-8")
    r = segment(tmp_path, accounts)
    assert r.returncode == 2 and "no account has a trip in the window" in r.stderr
    assert not (tmp_path / "book.toml").exists()


def test_a_bad_rules_file_is_named_before_the_table_is_read(tmp_path: Path) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text(
        '[rules]\nname = "x"\n[star_levels]\nthresholds = [1]\n[[tiers]]\nname = "a"\ntemplat = "V1"\n',
        encoding="utf-8",
    )
    r = segment(tmp_path, tmp_path / "missing.csv", "--rules", str(rules))
    assert r.returncode == 2
    assert "tiers.a.templat: unknown key; did you mean 'template'?" in r.stderr
    assert "tiers.a.template: is required" in r.stderr


def test_a_template_missing_from_the_base_scenario_is_named(tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(HAND_MADE, encoding="utf-8")
    rules = tmp_path / "r.toml"
    rules.write_text(
        '[rules]\nname = "x"\n[star_levels]\nthresholds = [1]\n[[tiers]]\nname = "a"\ntemplate = "V9"\n',
        encoding="utf-8",
    )
    r = segment(tmp_path, accounts, "--rules", str(rules))
    assert r.returncode == 2 and "tiers.a.template = 'V9': names no tier of the base scenario" in r.stderr


@pytest.mark.slow
def test_acceptance_5000_accounts_end_to_end(tmp_path: Path) -> None:
    csv_file = tmp_path / "accounts.csv"
    assert halfstep("synth-accounts", "--n", "5000", "--seed", "1", "--out", str(csv_file)).returncode == 0
    r = segment(tmp_path, csv_file)
    assert r.returncode == 0, r.stderr
    r = halfstep("run", str(tmp_path / "book.toml"), "--replications", "3", "--out", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["replications"] == 3 and "halfstep-standard" in summary["paired"]
