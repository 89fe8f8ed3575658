"""Tiny experiment files for the sweep, analysis and calibration tests (the scenario of conftest)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import tomli_w

from tests.conftest import tiny_dict


def write_tiny_scenario(folder: Path, **top: Any) -> Path:
    path = folder / "tiny.toml"
    path.write_bytes(tomli_w.dumps(tiny_dict(**top)).encode("utf-8"))
    return path


def write_experiment(folder: Path, body: str, name: str = "exp.toml", **top: Any) -> Path:
    """An experiment file on the tiny scenario; ``body`` holds [design] and [[parameters]]."""
    write_tiny_scenario(folder, **top)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


LHS = """
[experiment]
name = "tiny lhs"
scenario = "tiny.toml"
policies = ["standard", "halfstep"]
replications = {reps}
seed = 5
kpis = ["net_value", "share_of_wallet", "revenue", "escort_wait_mean_minutes"]

[design]
kind = "lhs"
points = {points}

[[parameters]]
name = "dispersion"
keys = ["tiers.low.trip_rate_shape", "tiers.high.trip_rate_shape"]
range = [0.3, 2.0]

[[parameters]]
name = "escort staff"
key = "resources.escort_staff.staff_on_duty"
range = [0.5, 1.5]
scale = true
"""


def lhs_experiment(folder: Path, points: int = 4, reps: int = 2, **top: Any) -> Path:
    return write_experiment(folder, LHS.format(points=points, reps=reps), **top)


def results_table(store: Path) -> list[tuple]:
    """Every result row, sorted: what must not depend on executor, workers or interruptions."""
    with sqlite3.connect(store) as con:
        return con.execute(
            "SELECT point, policy, replication, kpi, value FROM results ORDER BY point, policy, replication, kpi"
        ).fetchall()


def task_table(store: Path) -> dict[int, tuple]:
    """task → (status, attempts, finished_at)."""
    with sqlite3.connect(store) as con:
        return {t: (s, a, f) for t, s, a, f in con.execute("SELECT task, status, attempts, finished_at FROM tasks")}


def cli(*args: str) -> int:
    """Run ``halfstep ARGS`` in this process; its exit status."""
    from model.cli.app import main

    try:
        main(list(args))
    except SystemExit as e:
        return int(e.code or 0)
    return 0
