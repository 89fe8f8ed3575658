"""Output CSVs open right in a spreadsheet on a Chinese-language desktop (UTF-8 with a byte-order mark)."""

from __future__ import annotations

import csv

import pandas as pd

from model.files import write_atomic


def test_csv_files_get_a_bom_and_read_back_as_before(tmp_path):
    text = "tier,level\n至尊,0.5\n"
    write_atomic(tmp_path / "plan.csv", text)
    write_atomic(tmp_path / "notes.txt", text)
    raw = (tmp_path / "plan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw[3:] == text.encode("utf-8")
    assert (tmp_path / "notes.txt").read_bytes() == text.encode("utf-8")  # only CSVs
    with (tmp_path / "plan.csv").open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.DictReader(f)) == [{"tier": "至尊", "level": "0.5"}]
    df = pd.read_csv(tmp_path / "plan.csv")
    assert list(df.columns) == ["tier", "level"] and df["tier"].tolist() == ["至尊"]
    write_atomic(tmp_path / "plan.csv", "\ufeff" + text)  # never two marks
    assert (tmp_path / "plan.csv").read_bytes() == raw


def test_a_run_folder_csv_reads_back(tmp_path, tiny):
    from model.api import run, write_run
    from model.report.run_folder import load_run

    folder = write_run(run(tiny, ["standard"], replications=2, seed=1), tmp_path / "r")
    for name in ("outcomes.csv", "outcomes_by_tier.csv", "plans/standard.csv"):
        assert (folder / name).read_bytes().startswith(b"\xef\xbb\xbf"), name
        assert pd.read_csv(folder / name).columns[0] == "policy"
    assert load_run(folder).values[("standard", "net_value")][0] == pd.read_csv(folder / "outcomes.csv")["net_value"][0]
