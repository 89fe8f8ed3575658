"""A run folder says what it is: the scenario file and the what-ifs it was made from."""

from __future__ import annotations

import json

import model
from tests.helpers import write_tiny_scenario


def test_the_manifest_names_the_scenario_file_and_the_overrides(tmp_path):
    path = write_tiny_scenario(tmp_path)
    over = ["resources.escort_staff.staff_on_duty=*2"]
    folder = model.write_run(model.run(path, ["standard"], 2, 1, overrides=over), tmp_path / "r", overrides=over)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"] == {"scenario": str(path.resolve()), "overrides": over}
    assert manifest["overrides"] == over

    again = model.write_run(model.whatif(folder, ["budget.benefits_cny=1000"]), tmp_path / "w")
    source = json.loads((again / "manifest.json").read_text(encoding="utf-8"))["source"]
    assert source == {"scenario": str((folder / "scenario.toml").resolve()), "overrides": ["budget.benefits_cny=1000"]}

    built = model.write_run(model.run(model.load_scenario(path), ["standard"], 2, 1), tmp_path / "b")
    assert json.loads((built / "manifest.json").read_text(encoding="utf-8"))["source"]["scenario"] == str(path.resolve())
