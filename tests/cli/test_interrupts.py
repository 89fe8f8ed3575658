"""Interruptions say what they kept: Ctrl-C (SIGINT) or SIGTERM prints one line and exits 130.

``run``, ``compare --set`` and ``calibrate``: "interrupted: nothing written" — no staging folder
is left and an existing ``--out`` folder (given with ``--force``) survives. ``sweep``:
"interrupted: N of M tasks kept in STORE; resume with --resume", N being what the store holds,
and a resume runs only the rest. Worker processes print nothing (no traceback) and do not
outlive the command.

The subprocess tests send the signal the way a terminal's Ctrl-C does — to the whole process
group, workers included — or, for SIGTERM, also to the command's process alone (``kill PID``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.sweep.experiment import load_experiment
from model.sweep.runner import run_sweep
from tests.helpers import (
    CALIBRATION_TARGETS,
    ROOT,
    cli,
    done_tasks,
    lhs_experiment,
    task_table,
    tiny_dict,
    write_tiny_scenario,
)

NOTHING = "interrupted: nothing written"
KEPT = re.compile(r"interrupted: (\d+) of (\d+) tasks kept in (.+); resume with --resume")

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc")


def listing(folder: Path) -> list[str]:
    """Every path under ``folder`` with its content: what an interruption must not change."""
    return sorted(
        f"{p.relative_to(folder)}:{p.read_bytes()!r}" if p.is_file() else str(p.relative_to(folder))
        for p in folder.rglob("*")
    )


def leftovers(folder: Path) -> list[str]:
    """Staging or old-copy folders (``.x.partial-…``, ``.x.old-…``) anywhere under ``folder``."""
    return [p.name for p in folder.rglob("*") if ".partial-" in p.name or ".old-" in p.name]


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    # its own session: the signal can go to its process group, as a terminal's Ctrl-C does
    return subprocess.Popen(
        [sys.executable, "-m", "model", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _wait_until(proc: subprocess.Popen[str], ready, what: str) -> None:
    deadline = time.monotonic() + 120
    while not ready():
        assert proc.poll() is None, f"the command ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.02)


# A worker still inside Python's spawn bootstrap when the group's Ctrl-C lands may find its parent's
# pipe closed and print this before any halfstep code runs in it (a known, rare race; see the closing
# note of the change that added these tests). Only the "while the workers start" case tolerates it.
_SPAWN_RACE = re.compile(
    r"Traceback \(most recent call last\):\n(?:  .*\n)*?.*multiprocessing/spawn\.py.*\n(?:  .*\n)*EOFError: Ran out of input\n"
)


def _interrupt(
    proc: subprocess.Popen[str], sig: int, *, group: bool, starting: bool = False
) -> tuple[str, str, float]:
    """Send ``sig``; the command's stdout, stderr and how long it took to stop.

    ``starting``: workers may still be in Python's spawn bootstrap (:data:`_SPAWN_RACE` is left out).
    """
    t0 = time.monotonic()
    if group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    seconds = time.monotonic() - t0
    # nothing of the command outlives it: no worker, no resource tracker
    deadline = time.monotonic() + 20
    while True:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("processes of the interrupted command are still running")
        time.sleep(0.05)
    if starting:
        err = _SPAWN_RACE.sub("", err)
    assert "Traceback" not in out + err, err
    assert proc.returncode == 130, (proc.returncode, out, err)
    return out, err, seconds


_PROGRESS = re.compile(r"^(simulating|sweeping|calibrating)\b.*\d+ s elapsed")


def _one_line(err: str) -> str:
    """The interruption's one line: progress lines (stderr is not a terminal here) and blank lines aside."""
    lines = [line for line in err.splitlines() if line.strip() and not _PROGRESS.match(line)]
    assert len(lines) == 1, err
    return lines[0]


# --- run -----------------------------------------------------------------------------------------


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize(("sig", "group"), [(signal.SIGINT, True), (signal.SIGTERM, True)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_writes_nothing_and_keeps_the_old_folder(tmp_path, sig, group):
    scen = write_tiny_scenario(tmp_path)
    old = tmp_path / "out"
    assert cli("run", str(scen), "-r", "2", "--policies", "standard,halfstep", "--out", str(old)) == 0
    before = listing(old)
    new = tmp_path / "new"
    for target, force in ((new, ()), (old, ("--force",))):
        proc = _start("run", str(scen), "-r", "5000", "-w", "2", "--out", str(target), *force, cwd=tmp_path)
        # the worker pool is up: the command is simulating
        _wait_until(proc, lambda proc=proc: len(_children(proc.pid)) >= 2, "its workers started")
        time.sleep(0.5)
        _, err, seconds = _interrupt(proc, sig, group=group)
        assert _one_line(err) == NOTHING
        assert seconds < 10, "the workers were left to finish the queued replications"
    assert not new.exists()
    assert listing(old) == before  # --force replaces a folder only with a complete new one
    assert leftovers(tmp_path) == []


# --- sweep ---------------------------------------------------------------------------------------




@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "group", "workers", "done"),
    [
        (signal.SIGINT, True, "2", 2),
        (signal.SIGINT, True, "2", 0),
        (signal.SIGTERM, False, "2", 2),
        (signal.SIGTERM, True, "1", 2),
    ],
    ids=[
        "SIGINT-ctrl-c-2-workers",
        "SIGINT-ctrl-c-while-the-workers-start",
        "SIGTERM-kill-pid-2-workers",
        "SIGTERM-group-in-process",
    ],
)
def test_an_interrupted_sweep_says_what_it_kept_and_resumes_with_the_rest(tmp_path, sig, group, workers, done):
    tiers = tiny_dict()["tiers"]
    for t in tiers:
        t["accounts"] *= 5  # tasks of a few tenths of a second
    path = lhs_experiment(tmp_path, points=8, reps=4, time={"horizon_days": 365}, tiers=tiers)
    store = load_experiment(path).store_path
    proc = _start("sweep", str(path), "--workers", workers, cwd=tmp_path)
    if done:
        _wait_until(proc, lambda: done_tasks(store) >= done, "a task was done")
    else:  # the tracker and both workers exist: the workers are starting (importing), no task is done
        _wait_until(proc, lambda: len(_children(proc.pid)) >= 3, "its workers started")
    _, err, _ = _interrupt(proc, sig, group=group, starting=not done)
    m = KEPT.fullmatch(_one_line(err))
    assert m, err
    kept, total = int(m[1]), int(m[2])
    tasks = task_table(store)
    finished = {t for t, (status, _, _) in tasks.items() if status == "done"}
    assert (kept, total) == (len(finished), 32) and done <= kept < total
    assert Path(m[3]) == store
    assert {status for status, _, _ in tasks.values()} <= {"done", "pending"}  # nothing left "running"

    resumed = run_sweep(load_experiment(path), resume=True)
    assert (resumed.already, resumed.ran, resumed.done) == (kept, total - kept, total)
    after = task_table(store)
    for t in finished:  # not run again
        assert after[t] == tasks[t] and after[t][1] == 1


# --- compare --set, calibrate, and an interruption while the output is written -------------------


def test_an_interrupted_run_while_its_folder_is_written_leaves_the_old_one(tmp_path, monkeypatch, capsys):
    import model.report.publish as publish

    scen = write_tiny_scenario(tmp_path)
    old = tmp_path / "out"
    args = ("run", str(scen), "-r", "2", "--policies", "standard,halfstep", "--out", str(old))
    assert cli(*args) == 0
    before = listing(old)
    capsys.readouterr()
    real = publish.write_atomic

    def interrupted_midway(path, data):
        if Path(path).name == "summary.json":  # some files of the new folder are staged already
            raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(publish, "write_atomic", interrupted_midway)
    assert cli(*args, "--force") == 130
    assert _one_line(capsys.readouterr().err) == NOTHING
    assert listing(old) == before and leftovers(tmp_path) == []


def test_an_interrupted_what_if_compare_writes_nothing(tmp_path, monkeypatch, capsys):
    import model.simulation.replications as replications

    scen = write_tiny_scenario(tmp_path)
    for name, seed in (("a", "1"), ("b", "2")):
        assert (
            cli("run", str(scen), "-r", "3", "--seed", seed, "--policies", "standard", "--out", str(tmp_path / name))
            == 0
        )
    cmp = tmp_path / "cmp"
    assert cli("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(cmp)) == 0
    before = listing(cmp)
    capsys.readouterr()
    real, calls = replications.replicate, []

    def replicate(*a, **k):
        calls.append(1)
        if len(calls) == 2:  # Ctrl-C in the middle of the what-if's replications
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(replications, "replicate", replicate)
    set_ = "resources.escort_staff.staff_on_duty=*2"
    assert cli("compare", str(tmp_path / "a"), "--set", set_, "--out", str(cmp), "--force") == 130
    assert _one_line(capsys.readouterr().err) == NOTHING
    assert listing(cmp) == before and leftovers(tmp_path) == []


def test_an_interrupted_calibration_writes_nothing(tmp_path, monkeypatch, capsys):
    import model.sweep.calibration as calibration

    scen = write_tiny_scenario(tmp_path)
    targets = tmp_path / "t.toml"
    targets.write_text(CALIBRATION_TARGETS, encoding="utf-8")
    real, calls = calibration._statistics, []

    def statistics(*a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(calibration, "_statistics", statistics)
    target = tmp_path / "fitted.toml"
    assert cli("calibrate", str(scen), "--targets", str(targets), "--out", str(target)) == 130
    assert _one_line(capsys.readouterr().err) == NOTHING
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["t.toml", "tiny.toml"]


def test_sigterm_is_an_interruption_in_process_too(tmp_path, monkeypatch, capsys):
    # the handler main() installs: SIGTERM raises KeyboardInterrupt once, then more signals are ignored
    import model.simulation.replications as replications

    scen = write_tiny_scenario(tmp_path)
    real, calls = replications.replicate, []

    def replicate(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts the sleep
        return real(*a, **k)

    monkeypatch.setattr(replications, "replicate", replicate)
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        t0 = time.monotonic()
        assert cli("run", str(scen), "-r", "5", "--out", str(tmp_path / "x")) == 130
        assert time.monotonic() - t0 < 4
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN  # a second one would not cut the cleanup short
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert _one_line(capsys.readouterr().err) == NOTHING
    assert not (tmp_path / "x").exists() and leftovers(tmp_path) == []
