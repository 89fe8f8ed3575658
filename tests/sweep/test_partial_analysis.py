"""Partial analyses say so: refused unless asked for, then marked on the terminal, in every file and figure."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

pytest.importorskip("pandas")

import model
from model.sweep.analysis import PartialSweepError, analyze
from model.sweep.experiment import load_experiment
from model.sweep.runner import SweepInterrupted, run_sweep
from tests.helpers import cli, lhs_experiment, task_table


def _interrupted_after(e, n: int) -> SweepInterrupted:
    """Run ``e``'s sweep and stop it (as Ctrl-C would) once ``n`` tasks are done."""

    def progress(done: int, _total: int, _failed: int) -> None:
        if done >= n:
            raise KeyboardInterrupt

    with pytest.raises(SweepInterrupted) as caught:
        run_sweep(e, on_progress=progress)
    return caught.value


def _status_column(path) -> set[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and next(iter(rows[0])) == "status"  # the first column: what a spreadsheet shows first
    return {r["status"] for r in rows}


def test_an_interrupted_sweep_keeps_its_done_tasks_and_says_how_many(tmp_path):
    e = load_experiment(lhs_experiment(tmp_path, points=4, reps=2))
    stopped = _interrupted_after(e, 3)
    tasks = task_table(e.store_path)
    done = sum(s == "done" for s, _, _ in tasks.values())
    assert (stopped.done, stopped.tasks, done) == (3, 8, 3)
    assert str(stopped) == f"interrupted: 3 of 8 tasks kept in {e.store_path}; resume with --resume"
    assert {s for s, _, _ in tasks.values()} == {"done", "pending"}  # nothing left marked running


def test_a_partial_store_is_refused_unless_asked_then_marked_everywhere(tmp_path, capsys, monkeypatch):
    path = lhs_experiment(tmp_path, points=4, reps=2)
    e = load_experiment(path)
    _interrupted_after(e, 3)
    folder = e.output / "analysis"

    with pytest.raises(PartialSweepError) as caught:
        analyze(e)
    assert "partial: 3 of 8 tasks done (5 pending)" in str(caught.value) and "partial_ok" in str(caught.value)
    with pytest.raises(PartialSweepError, match="--partial-ok"):
        model.analyze(path, out=folder)
    assert cli("analyze", str(path)) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: ") and "partial: 3 of 8 tasks done" in line and "--partial-ok" in line
    assert not folder.exists()  # refused before anything was written

    titles: list[str] = []
    from matplotlib.figure import Figure

    real = Figure.suptitle
    monkeypatch.setattr(Figure, "suptitle", lambda fig, t, *a, **k: titles.append(t) or real(fig, t, *a, **k))
    assert cli("analyze", str(path), "--partial-ok") == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "partial: 3 of 8 tasks done (5 pending)"  # before any number
    assert "partial: 3 of 8 tasks done" in out.strip().splitlines()[-1]  # and on the "wrote" line
    status = json.loads((folder / "status.json").read_text(encoding="utf-8"))
    assert (status["status"], status["done"], status["tasks"], status["pending"]) == ("partial", 3, 8, 5)
    assert _status_column(folder / "kpi_vs_parameter.csv") == {"partial: 3 of 8 tasks done"}
    assert _status_column(folder / "sensitivity.csv") == {"partial: 3 of 8 tasks done"}
    assert len(titles) == 2 and all("partial: 3 of 8 tasks done" in t for t in titles)

    a = model.analyze(path, partial_ok=True)
    assert a.partial and (a.status.done, a.status.tasks) == (3, 8)

    # finished, the same analysis is complete and says that instead
    run_sweep(load_experiment(path), resume=True)
    titles.clear()
    assert cli("analyze", str(path), "--force") == 0
    assert "partial:" not in capsys.readouterr().out
    status = json.loads((folder / "status.json").read_text(encoding="utf-8"))
    assert (status["status"], status["done"], status["tasks"]) == ("complete", 8, 8)
    assert _status_column(folder / "sensitivity.csv") == {"complete: 8 of 8 tasks done"}
    assert titles and not any("partial:" in t for t in titles)


def test_failed_tasks_make_an_analysis_partial_too(tmp_path, capsys):
    path = lhs_experiment(tmp_path, points=3, reps=1)
    e = load_experiment(path)
    run_sweep(e)
    with sqlite3.connect(e.store_path) as con:
        con.execute("UPDATE tasks SET status = 'failed', error = 'boom' WHERE task = 1")
    with pytest.raises(PartialSweepError) as caught:
        analyze(e)
    assert "partial: 2 of 3 tasks done (1 failed)" in str(caught.value) and "--retry-failed" in str(caught.value)
    assert analyze(e, partial_ok=True).status.failed == 1


def test_nothing_done_is_nothing_to_analyse(tmp_path):
    e = load_experiment(lhs_experiment(tmp_path, points=2, reps=1))
    _interrupted_after(e, 0)
    with pytest.raises(PartialSweepError, match=r"partial: 0 of 2 tasks done \(2 pending\): nothing to analyse"):
        analyze(e, partial_ok=True)
