"""Long work says how long before it starts, and shows progress as lines when stderr is not a terminal."""

from __future__ import annotations

import signal
import subprocess
import sys

from model.cli.common import LineProgress, _duration
from model.simulation.replications import TRIPS_PER_SECOND, estimated_seconds
from tests.helpers import write_tiny_scenario


def test_progress_lines_every_tenth_with_time_left(capsys):
    p = LineProgress("simulating", "replications", every=3600)
    task = p.add_task("run", total=20)
    for done in range(1, 21):
        p.update(task, completed=done)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 10  # one per tenth, the last at 100%
    assert lines[0].startswith("simulating: 2 of 20 replications (10%)") and "left" in lines[0]
    assert lines[-1].startswith("simulating: 20 of 20 replications (100%)") and "left" not in lines[-1]


def test_durations_read_as_people_write_them():
    assert [_duration(s) for s in (5, 65, 3725)] == ["5 s", "1 min 05 s", "1 h 02 min"]


def test_the_estimate_scales_with_trips_and_workers(tiny):
    one = estimated_seconds(tiny, ("standard",), 10)
    assert estimated_seconds(tiny, ("standard", "halfstep"), 20) == 4 * one
    assert estimated_seconds(tiny, ("standard",), 10, workers=2) == one / 2
    assert estimated_seconds(tiny, ("standard",), 1, workers=8) == estimated_seconds(tiny, ("standard",), 1)
    assert one > 0 and TRIPS_PER_SECOND > 0


def test_a_long_run_announces_its_estimate_before_simulating(tmp_path):
    scenario = write_tiny_scenario(tmp_path)
    cmd = [sys.executable, "-m", "model", "run", str(scenario), "-r", "2000000", "--out", str(tmp_path / "r")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert "5 policies × 2,000,000 replications: about" in first and "(an estimate" in first, first
    assert not (tmp_path / "r").exists()
