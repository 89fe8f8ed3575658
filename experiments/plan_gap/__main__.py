"""Where halfstep's plan gap comes from: the same plan simulated with one kind of capacity made ample at a time.

    python -m experiments.plan_gap [--replications 20]

The halfstep plan of the shipped baseline is made once, then simulated on the same random
numbers (common seeds) under the baseline and under variants in which one operational limit
is lifted — escorts (ten times the staff, a patience of ten hours), the benefits' daily
capacities (×100), the benefit budget (×100), seat holds (60 a flight) — and all together.
What a variant recovers (its PV per trip requested minus the baseline's, paired) is what
that kind of failure costs; with every limit lifted the simulation should meet the plan.
Writes ``experiments/plan_gap/results/numbers.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import stats

import model
from model.allocation.policies import make_plan
from model.randomness import streams
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips

AMPLE = {
    "escorts": ["resources.escort_staff.staff_on_duty=*10", "resources.escort_staff.patience_minutes=600"],
    "benefit daily capacity": [
        "resources.airport_handling.daily_capacity=*100",
        "resources.lounge.daily_capacity=*100",
        "resources.cars.daily_capacity=*100",
    ],
    "benefit budget": ["budget.benefits_cny=*100"],
    "seat holds": ["resources.seat_holds.hold_limit_per_flight=60"],
}
AMPLE["all of them"] = [x for v in AMPLE.values() for x in v]
SEED = 2026


def _ci(x: np.ndarray) -> list[float]:
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return [float(x.mean() - half), float(x.mean() + half)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.plan_gap", description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=20)
    args = ap.parse_args(argv)
    base = model.load_scenario("baseline")
    plan = make_plan(base, "halfstep")
    planned = float(plan.perceived_value.sum() / plan.expected_requests.sum())

    def pv(overrides: list[str]) -> np.ndarray:
        s = model.load_scenario("baseline", overrides=overrides)
        out = []
        for r in range(args.replications):
            rngs = streams(SEED, r)
            out.append(
                simulate(s, plan, draw_trips(s, rngs), draw_base_demand(s, rngs["base"])).kpis[
                    "perceived_value_per_trip"
                ]
            )
        return np.asarray(out)

    x0 = pv([])
    numbers = {
        "replications": args.replications,
        "seed": SEED,
        "planned_pv_per_trip": planned,
        "simulated_pv_per_trip": {"mean": float(x0.mean()), "ci95": _ci(x0)},
        "gap": {"mean": float(x0.mean() - planned), "ci95": [v - planned for v in _ci(x0)]},
        "recovered_by_lifting": {},
    }
    print(
        f"halfstep on the baseline: planned {planned:.2f} CNY per trip requested; simulated {x0.mean():.2f} {_ci(x0)}"
    )
    for name, overrides in AMPLE.items():
        x = pv(overrides)
        d = x - x0
        numbers["recovered_by_lifting"][name] = {
            "overrides": overrides,
            "simulated_pv_per_trip": float(x.mean()),
            "recovered": {"mean": float(d.mean()), "ci95": _ci(d)},
            "remaining_gap": {"mean": float(x.mean() - planned), "ci95": [v - planned for v in _ci(x)]},
        }
        lo, hi = _ci(d)
        print(f"  lifting {name:24s} recovers {d.mean():6.2f} [{lo:.2f}, {hi:.2f}]; gap left {x.mean() - planned:7.2f}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "numbers.json").write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
