"""Helpers the test modules share (fixtures stay in conftest.py).

- ``tiny_dict`` / ``build``: a small valid scenario built in code, so each test states what it depends on;
- ``halfstep``: the command line in a subprocess, run from the repository root, as a user meets it;
- ``cli``: the command line in this process;
- tiny experiment files for the sweep, analysis and calibration tests, and readers of a sweep's store.
"""

from __future__ import annotations

import copy
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import tomli_w

from model.scenario.loading import scenario_from_dict
from model.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
"""The repository root (README.md, docs/, scenarios/, experiments/)."""


def tiny_dict(**top: Any) -> dict[str, Any]:
    """A small valid scenario: two tiers, a benefit dimension and an escort dimension.

    Keyword arguments replace whole top-level tables.
    """
    data: dict[str, Any] = {
        "scenario": {"name": "tiny"},
        "time": {"horizon_days": 30},
        "value": {"loss_aversion": 2.25, "satiation": 0.5, "weak_value": 0.3, "default_step": 0.2},
        "choice": {"intercept": 0.0, "value_per_cny": 0.004, "closeness": 2.0},
        "flights": {
            "departure_hours": [8.0, 12.0, 18.0],
            "seats": 150,
            "base_load_factor": 0.7,
            "base_demand_cv": 0.1,
            "base_fare_cny": 900,
        },
        "resources": [
            {"name": "lounge", "kind": "benefit", "daily_capacity": 1000},
            {
                "name": "escort_staff",
                "kind": "escort",
                "staff_on_duty": [0] * 6 + [2] * 16 + [0] * 2,
                "wage_cny_per_hour": 60,
            },
        ],
        "dimensions": [
            {"name": "lounge", "resource": "lounge", "unit_cost_cny": 50},
            {"name": "escort", "resource": "escort_staff"},
        ],
        "tiers": [
            {
                "name": "low",
                "accounts": 10,
                "travellers_per_account": 10,
                "trips_per_traveller_per_year": 4,
                "fare_cny": 1000,
                "escort_minutes": 30,
                "expectation": {"lounge": 0.2, "escort": 0.1},
                "value_weight_cny": {"lounge": 100, "escort": 100},
                "standard": {"lounge": 0.5},
            },
            {
                "name": "high",
                "accounts": 5,
                "travellers_per_account": 10,
                "trips_per_traveller_per_year": 6,
                "fare_cny": 1500,
                "escort_minutes": 45,
                "expectation": {"lounge": 0.5, "escort": 0.4},
                "value_weight_cny": {"lounge": 200, "escort": 300},
                "standard": {"lounge": 1.0, "escort": 1.0},
            },
        ],
        "simulation": {"replications": 3, "seed": 7},
    }
    data.update(copy.deepcopy(top))
    return data


def build(data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(data, source="test.toml")


def halfstep(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m model ARGS`` in a subprocess (from the repository root unless ``cwd``)."""
    return subprocess.run(
        [sys.executable, "-m", "model", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd or ROOT,
        timeout=120,
    )


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


def done_tasks(store: Path) -> int:
    """Tasks a sweep store counts as done (0 while it does not exist or is being renamed into place)."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM tasks WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # the store is being renamed into place
        return 0


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


# A small targets file for `halfstep calibrate` on the tiny scenario: one statistic, one parameter.
CALIBRATION_TARGETS = """
[calibration]
replications = 2
check_replications = 3
max_evaluations = 9
seed = 1

[[targets]]
statistic = "share_of_wallet"
value = 0.7
se = 0.02
source = "synthetic"

[[parameters]]
name = "intercept"
key = "choice.intercept"
bounds = [-1.0, 1.0]
"""


#: Text that only pydantic's own rendering of an error would show.
PYDANTIC_INTERNALS = (
    "function-after",
    "function-before",
    "function-plain",
    "function-wrap",
    "union[",
    "literal[",
    "nullable[",
    "tagged-union",
    "[key]",
    "Input should",
    "pydantic",
    "type=",
)


def assert_refused(code: int, captured: Any, *expected: str) -> str:
    """A refusal as a user meets it: exit 2, no traceback, no pydantic internals, and every ``expected`` text."""
    text = captured.out + captured.err
    assert code == 2, f"exit {code}:\n{text}"
    assert "Traceback" not in text, text
    leaked = [word for word in PYDANTIC_INTERNALS if word in text]
    assert not leaked, f"pydantic internals {leaked} in:\n{text}"
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"
    return text


#: KPIs every successful replication has as finite numbers (the ones a run's headline rests on).
FINITE_KPIS = (
    "contribution",
    "net_value",
    "perceived_value",
    "cost_total",
    "trips_requested",
    "trips_flown",
    "revenue",
)


def assert_replications_ran(outcomes: Any) -> None:
    """Every replication of ``outcomes`` (a RunResult or a list of Outcomes) succeeded with finite KPIs.

    A comparison of two runs for equality comes after this: two runs whose replications all
    raised are equal too (rows of NaN), and prove nothing.
    """
    rows = list(getattr(outcomes, "outcomes", outcomes))
    assert rows, "no replication ran"
    for o in rows:
        assert o.error is None, f"{o.policy} replication {o.replication} failed:\n{o.error}"
        for k in FINITE_KPIS:
            assert o.kpis[k] == o.kpis[k] and abs(o.kpis[k]) != float("inf"), (o.policy, o.replication, k, o.kpis[k])
    assert any(o.kpis["trips_flown"] > 0 for o in rows), "no trip flew in any replication"


def assert_outcomes_csv_ran(path: Path) -> int:
    """Every row of a run folder's outcomes.csv is ``ok`` with finite headline KPIs; the number of rows."""
    import csv
    import math

    with path.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows, f"{path}: no rows"
    for r in rows:
        assert r["status"] == "ok", (r["policy"], r["replication"], r["status"])
        for k in FINITE_KPIS:
            assert math.isfinite(float(r[k])), (r["policy"], r["replication"], k, r[k])
    return len(rows)
