"""Scenarios the benchmarks run: the baseline scaled up to a large airline's book.

Two generators, both built from the shipped baseline so that what is measured is the
model a strategist runs, only bigger:

* :func:`scaled_book` — the baseline's five tiers over a year, with the accounts, trips,
  flights, escort staff, benefit capacities and budget all scaled so that the book has
  ``accounts`` accounts and about ``trips`` trip requests. Every quantity per trip keeps
  its baseline size (flights, staff and capacities grow with the trips), so the scaled
  run meets the same frictions as the baseline, a hundred times more often.
* :func:`account_tiers` — the allocator's LP with one tier per account: every account
  of a scaled book becomes a tier of its own (ranked in a chain, so nesting stays one
  constraint per neighbour and dimension), with its own travellers, expectations and
  value weights drawn around its baseline tier's. This is the LP a planner gets when
  the plan is made account by account instead of tier by tier.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from model.allocation.demand import expected_requests
from model.scenario.loading import baseline_path, read_toml, scenario_from_dict
from model.scenario.schema import Scenario

__all__ = ["DROPPED_DIMENSIONS", "account_tiers", "scaled_book", "split_accounts"]

#: The account-level LP keeps 12 of the baseline's 14 dimensions (the V4/V5-only ones go).
DROPPED_DIMENSIONS = ("senior_escort", "vip")


def split_accounts(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole accounts per tier in proportion to ``shares``, summing exactly to ``total`` (largest remainders)."""
    raw = total * np.asarray(shares, dtype=float) / float(np.sum(shares))
    out = np.floor(raw).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _scale_flights(data: dict[str, Any], per_day: float) -> None:
    """``round(per_day)`` copies of every departure, spread over ±15 minutes around it.

    The hour profile of airport arrivals (which the escort roster follows) stays the
    baseline's, and so do the seats and the hold limit of each flight.
    """
    k = max(1, round(per_day))
    hours = data["flights"]["departure_hours"]
    data["flights"]["departure_hours"] = sorted(
        round((h + 0.5 * ((c + 0.5) / k - 0.5)) % 24.0, 6) for h in hours for c in range(k)
    )
    data["flights"].pop("weights", None)


def _scale_resources(data: dict[str, Any], per_day: float, horizon: float) -> None:
    """Capacities per day × ``per_day``; amounts per horizon × ``per_day · horizon``."""
    for r in data["resources"]:
        if r["kind"] == "escort":
            r["staff_on_duty"] = [round(s * per_day) for s in r["staff_on_duty"]]
        if r.get("daily_capacity") is not None:
            r["daily_capacity"] = r["daily_capacity"] * per_day
        if r.get("expansion_max") is not None:
            r["expansion_max"] = r["expansion_max"] * per_day * horizon
    if data.get("budget", {}).get("benefits_cny") is not None:
        data["budget"]["benefits_cny"] = data["budget"]["benefits_cny"] * per_day * horizon


def scaled_book(accounts: int = 10_000, trips: float = 1_000_000, days: int = 365) -> Scenario:
    """The baseline with ``accounts`` accounts and about ``trips`` expected trip requests over ``days``."""
    data = read_toml(baseline_path())
    base = scenario_from_dict(data)
    base_days = base.time.horizon_days
    base_per_day = expected_requests(base).sum() / base_days

    data = copy.deepcopy(data)
    data["scenario"]["name"] = f"GP book scaled to {accounts:,} accounts, {trips:,.0f} trips in {days} days"
    data["time"]["horizon_days"] = days
    counts = split_accounts(accounts, np.array([t["accounts"] for t in data["tiers"]]))
    for t, n in zip(data["tiers"], counts, strict=True):
        t["accounts"] = int(n)
    scaled = scenario_from_dict(data)
    # trip rates scaled together, so each tier keeps its share of the trips
    rate = trips / expected_requests(scaled).sum()
    for t in data["tiers"]:
        t["trips_per_traveller_per_year"] = t["trips_per_traveller_per_year"] * rate
    per_day = trips / days / base_per_day  # how many baselines fly each day
    _scale_flights(data, per_day)
    _scale_resources(data, per_day, days / base_days)
    return scenario_from_dict(data, source=f"scaled_book({accounts}, {trips:.0f}, {days})")


def account_tiers(accounts: int, *, seed: int = 7) -> Scenario:
    """The LP with one tier per account: ``accounts`` tiers × 12 dimensions of a baseline quarter.

    Accounts are split over V1–V5 as in the baseline; each gets its baseline tier's
    figures with its own travellers (×0.5–1.5), expectations (±0.05) and value weights
    (×0.8–1.2), drawn from ``seed``. Ranks run V1's accounts first, V5's last, so nesting
    binds each account to the next one up. Flights, capacities and budget grow with the accounts.
    """
    data = read_toml(baseline_path())
    base = scenario_from_dict(data)
    data = copy.deepcopy(data)
    rng = np.random.default_rng(seed)
    data["scenario"]["name"] = f"GP book, one tier per account ({accounts:,} accounts)"
    data["dimensions"] = [d for d in data["dimensions"] if d["name"] not in DROPPED_DIMENSIONS]
    dims = [d["name"] for d in data["dimensions"]]
    counts = split_accounts(accounts, np.array([t.accounts for t in base.tiers]))
    tiers = []
    for tier, n in zip(data["tiers"], counts, strict=True):
        travellers = np.maximum(1, np.rint(tier["travellers_per_account"] * rng.uniform(0.5, 1.5, n))).astype(int)
        exp = np.array([tier["expectation"][d] for d in dims])
        weight = np.array([tier["value_weight_cny"][d] for d in dims], dtype=float)
        exps = np.clip(np.round(exp + rng.uniform(-0.05, 0.05, (n, len(dims))), 4), 0.0, 1.0)
        weights = np.round(weight * rng.uniform(0.8, 1.2, (n, len(dims))), 2)
        for a in range(n):
            t = {k: v for k, v in tier.items() if k not in ("nesting_exempt", "standard")}
            t.update(
                name=f"{tier['name']}-{a + 1:05d}",
                rank=len(tiers) + 1,
                accounts=1,
                travellers_per_account=int(travellers[a]),
                expectation=dict(zip(dims, exps[a].tolist(), strict=True)),
                value_weight_cny=dict(zip(dims, weights[a].tolist(), strict=True)),
                standard={d: v for d, v in tier.get("standard", {}).items() if d in dims},
            )
            tiers.append(t)
    data["tiers"] = tiers
    grown = accounts / sum(t.accounts for t in base.tiers)
    _scale_flights(data, grown)
    _scale_resources(data, grown, 1.0)
    return scenario_from_dict(data, source=f"account_tiers({accounts})")
