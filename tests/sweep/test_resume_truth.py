"""Resume that tells the truth: the experiment and base scenario compared parsed, every difference named.

A comment, blank lines or the order of keys change no number: a sweep resumes over them. A
change that does is refused with its key path and both values; old stores (without the parsed
base scenario) still resume, compared by the file's hash, and say so when that hash differs.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from model.sweep.analysis import analyze
from model.sweep.experiment import load_experiment
from model.sweep.runner import run_sweep
from model.sweep.store import StoreError, differences, flatten
from model.version import versions
from tests.helpers import cli, lhs_experiment


def _swept(tmp_path, points: int = 2, reps: int = 1):
    path = lhs_experiment(tmp_path, points=points, reps=reps)
    s = run_sweep(load_experiment(path))
    assert s.done == points * reps
    return path


def _set_meta(store, key: str, value: str | None) -> None:
    with sqlite3.connect(store) as con:
        if value is None:
            con.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            con.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))


def test_flatten_names_key_paths_and_keeps_lists_of_values_whole():
    doc = {"experiment": {"seed": 5}, "parameters": [{"name": "a", "values": [0.0, 0.5]}], "empty": {}}
    assert flatten(doc) == {
        "experiment.seed": 5,
        "parameters[0].name": "a",
        "parameters[0].values": [0.0, 0.5],
        "empty": {},
    }
    new = {"experiment": {"seed": 5, "replications": 5}, "parameters": [{"name": "a", "values": [0.0, 0.25, 0.5]}]}
    old = {"experiment": {"seed": 5, "replications": 3}, "parameters": [{"name": "a", "values": [0.0, 0.5]}]}
    assert differences(old, new) == [
        "experiment.replications: 3 → 5",
        "parameters[0].values: [0.0, 0.5] → [0.0, 0.25, 0.5]",
    ]
    assert differences({"a": 1}, {"b": 1}) == ["a: 1 → (absent)", "b: (absent) → 1"]


def test_a_comment_blank_lines_or_key_order_do_not_stop_a_resume(tmp_path):
    path = _swept(tmp_path)
    text = path.read_text(encoding="utf-8")
    # a comment, blank lines, and the [design] table moved above [experiment]: the same experiment
    head, design = text.split("[design]")
    design_table, rest = design.split("[[parameters]]", 1)
    path.write_text(
        "# tried on 3 June: see notes\n\n[design]" + design_table + head + "\n\n[[parameters]]" + rest,
        encoding="utf-8",
    )
    e = load_experiment(path)
    again = run_sweep(e, resume=True)
    assert (again.ran, again.already) == (0, 2)
    # the name, the output folder and [analysis] change no stored number either
    path.write_text(
        path.read_text(encoding="utf-8").replace('name = "tiny lhs"', 'name = "renamed"') + "\n[analysis]\nbins = 3\n",
        encoding="utf-8",
    )
    assert run_sweep(load_experiment(path), resume=True).ran == 0
    assert analyze(load_experiment(path)).points == 2  # analyze compares the same way


def test_a_change_that_matters_is_named_key_by_key_with_both_values(tmp_path, capsys):
    path = _swept(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        "# more replications, a wider range\n"
        + text.replace("replications = 1", "replications = 3").replace("range = [0.3, 2.0]", "range = [0.3, 2.5]"),
        encoding="utf-8",
    )
    with pytest.raises(StoreError) as caught:
        run_sweep(load_experiment(path), resume=True)
    message = str(caught.value)
    assert "the experiment file changed since this sweep started" in message
    assert "experiment.replications: 1 → 3" in message
    assert "parameters[0].range: [0.3, 2.0] → [0.3, 2.5]" in message
    assert "sha256" not in message.lower() and "--force" in message
    # the command line says the same, on one error line, exit 2
    assert cli("sweep", str(path), "--resume") == 2
    (line,) = capsys.readouterr().err.strip().splitlines()  # (the progress bar leaves a blank line before it)
    assert line.startswith("error: ") and "experiment.replications: 1 → 3" in line
    # analyze refuses the same store, naming the same keys
    with pytest.raises(StoreError, match=r"experiment\.replications: 1 → 3"):
        analyze(load_experiment(path))


def test_the_base_scenario_is_compared_parsed_too(tmp_path):
    path = _swept(tmp_path)
    base = tmp_path / "tiny.toml"
    base.write_text("# the tiny scenario, commented\n\n" + base.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_sweep(load_experiment(path), resume=True).ran == 0
    base.write_text(base.read_text(encoding="utf-8").replace("loss_aversion = 2.25", "loss_aversion = 2.5"))
    with pytest.raises(StoreError) as caught:
        run_sweep(load_experiment(path), resume=True)
    assert "the base scenario" in str(caught.value) and "value.loss_aversion: 2.25 → 2.5" in str(caught.value)
    with pytest.raises(StoreError, match=r"value\.loss_aversion: 2\.25 → 2\.5"):
        analyze(load_experiment(path))


def test_a_store_made_before_keeps_resuming_and_says_when_only_a_hash_can_compare(tmp_path):
    path = _swept(tmp_path)
    store = load_experiment(path).store_path
    _set_meta(store, "base_json", None)  # as a store made before the parsed base scenario was kept
    path.write_text("# a comment in the experiment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert run_sweep(load_experiment(path), resume=True).ran == 0  # its experiment_json still compares parsed
    assert analyze(load_experiment(path)).points == 2
    base = tmp_path / "tiny.toml"
    base.write_text("# a comment\n" + base.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        run_sweep(load_experiment(path), resume=True)
    message = str(caught.value)
    assert "base scenario file" in message and "SHA-256" in message and "predates" in message


def test_changed_versions_are_named_package_by_package(tmp_path):
    path = _swept(tmp_path)
    store = load_experiment(path).store_path
    with sqlite3.connect(store) as con:
        stored = json.loads(con.execute("SELECT value FROM meta WHERE key = 'versions'").fetchone()[0])
    assert list(stored) == list(json.loads(json.dumps(versions(), sort_keys=True)))  # the list is fixed
    _set_meta(store, "versions", json.dumps({**stored, "numpy": "1.0.0"}, sort_keys=True))
    with pytest.raises(StoreError) as caught:
        run_sweep(load_experiment(path), resume=True)
    message = str(caught.value)
    assert f"the software versions changed since this sweep started: numpy 1.0.0 → {versions()['numpy']}" in message
    assert "scipy" not in message
    assert analyze(load_experiment(path)).points == 2  # the numbers are stored: analyze may read them
