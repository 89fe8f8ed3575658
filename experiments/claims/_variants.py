"""Scenario and plan variants that experiments 3, 6, 7 and 8 plan or evaluate under.

* :func:`merge_tiers` — what a planner who does not know a segment sees: sibling tiers
  pooled into one, expectations and value weights averaged by expected trips;
* :func:`transplant` and :func:`with_levels` — a plan's levels moved onto another
  scenario with the same dimensions and resources (a merged tier's row given to each of
  its segments; one level changed), priced again under that scenario;
* :func:`scaled_weights` and :func:`perturbed_weights` — every tier's value weights
  multiplied by one factor, or each tier's weight of each dimension by its own factor
  (misestimated weights);
* :func:`multi_year` — the scenario over several years: horizon, budget and expansion
  limits scaled with the horizon, seasons repeated every year;
* :func:`sized_experiment` — a copy of an experiment file with fewer points or
  replications, writing its store beside the copy (the reduced size of a shipped sweep).

Every scenario returned is validated like a file (:func:`model.scenario.loading.scenario_from_dict`).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from model.allocation.allocator import plan_from_levels
from model.allocation.plan import Plan
from model.scenario.loading import BASELINE, scenario_from_dict
from model.scenario.schema import Scenario

__all__ = [
    "merge_tiers",
    "multi_year",
    "perturbed_weights",
    "scaled_weights",
    "sized_experiment",
    "transplant",
    "with_levels",
]

#: Tier fields that merge_tiers pools or averages; every other field must agree between the merged tiers.
_POOLED = {"name", "accounts", "expectation", "value_weight_cny", "nesting_exempt", "choice_intercept"}


def _data(scenario: Scenario) -> dict[str, Any]:
    return scenario.model_dump(mode="json", exclude_none=True)


def merge_tiers(scenario: Scenario, names: Sequence[str], into: str) -> Scenario:
    """The scenario with the tiers ``names`` pooled into one tier ``into``, at the first one's place.

    Accounts add up; expectation and value weight of every dimension are the averages
    weighted by accounts — what the planner sees of a tier whose segments it cannot tell
    apart; so is the choice intercept β0. Every other field (travellers, trip rates, fares …) must be the same in every
    merged tier, so pooling leaves the demand as it was and the account-weighted average
    is also the trip-weighted one. The merged tier is nesting-exempt only where every
    merged tier is.
    """
    tiers = _data(scenario)["tiers"]
    by_name = {t["name"]: t for t in tiers}
    missing = [n for n in names if n not in by_name]
    if len(names) < 2 or missing:
        raise ValueError(f"merge_tiers needs two or more tiers of the scenario; not found: {missing or list(names)}")
    group = [by_name[n] for n in names]
    first = group[0]
    for t in group[1:]:
        differ = sorted(k for k in set(first) | set(t) if k not in _POOLED and first.get(k) != t.get(k))
        if differ:
            raise ValueError(f"tiers {first['name']} and {t['name']} differ in {', '.join(differ)}; cannot pool them")
    accounts = np.array([t["accounts"] for t in group], dtype=float)
    w = accounts / accounts.sum() if accounts.sum() > 0 else np.full(len(names), 1 / len(names))
    merged = dict(first, name=into, accounts=sum(t["accounts"] for t in group))
    for table in ("expectation", "value_weight_cny"):
        merged[table] = {d: float(sum(wi * t[table][d] for wi, t in zip(w, group, strict=True))) for d in first[table]}
    if any("choice_intercept" in t for t in group):  # β0[t]: the account-weighted average, like the tables
        default = scenario.choice.intercept
        merged["choice_intercept"] = float(
            sum(wi * t.get("choice_intercept", default) for wi, t in zip(w, group, strict=True))
        )
    merged["nesting_exempt"] = [
        d for d in first.get("nesting_exempt", []) if all(d in t.get("nesting_exempt", []) for t in group)
    ]
    data = _data(scenario)
    data["tiers"] = [merged if t["name"] == names[0] else t for t in tiers if t["name"] not in names[1:]]
    return scenario_from_dict(data, source=f"{scenario.scenario.name}, {' + '.join(names)} merged into {into}")


def _repriced(plan: Plan, scenario: Scenario, levels: np.ndarray) -> Plan:
    """Levels priced under ``scenario`` (expected PV, cost, use), keeping the plan's expansions and labels."""
    if tuple(scenario.dimension_names) != plan.dimensions:
        raise ValueError(f"the plan's dimensions {plan.dimensions} are not the scenario's {scenario.dimension_names}")
    if tuple(r.name for r in scenario.resources) != plan.resources:
        raise ValueError(f"the plan's resources {plan.resources} are not the scenario's")
    return plan_from_levels(
        scenario,
        levels,
        policy=plan.policy,
        expansions=plan.expansions.copy(),
        shadow_prices=(),
        binding=(),
        lead=plan.lead,
        solver=plan.solver,
        status=plan.status,
        notes=plan.notes,
    )


def transplant(plan: Plan, scenario: Scenario, rows: Mapping[str, str] | None = None) -> Plan:
    """The plan's levels on ``scenario``: each of its tiers takes the plan's row ``rows.get(tier, tier)``."""
    rows = rows or {}
    source = [rows.get(t, t) for t in scenario.tier_names]
    unknown = sorted({s for s in source if s not in plan.tiers})
    if unknown:
        raise ValueError(f"the plan has no tier {', '.join(unknown)} (its tiers: {', '.join(plan.tiers)})")
    levels = np.array([plan.levels[plan.tiers.index(s)] for s in source])
    return _repriced(plan, scenario, levels)


def with_levels(plan: Plan, scenario: Scenario, levels: Mapping[tuple[str, str], float]) -> Plan:
    """The plan with some (tier, dimension) levels replaced, priced again under ``scenario``."""
    out = plan.levels.copy()
    for (tier, dim), value in levels.items():
        out[plan.tiers.index(tier), plan.dimensions.index(dim)] = value
    return _repriced(plan, scenario, out)


def scaled_weights(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every tier's value weight of every dimension multiplied by ``factor``."""
    data = _data(scenario)
    for t in data["tiers"]:
        t["value_weight_cny"] = {d: w * factor for d, w in t["value_weight_cny"].items()}
    return scenario_from_dict(data, source=f"{scenario.scenario.name}, value weights ×{factor:g}")


def perturbed_weights(scenario: Scenario, factors: np.ndarray, label: str = "perturbed") -> Scenario:
    """The scenario with tier i's value weight of dimension j multiplied by ``factors[i, j]``.

    ``factors`` is tiers × dimensions in the scenario's order; a weight of 0 stays 0.
    """
    factors = np.asarray(factors, dtype=float)
    dims = [d.name for d in scenario.dimensions]
    if factors.shape != (len(scenario.tiers), len(dims)) or not np.all(np.isfinite(factors)) or np.any(factors < 0):
        raise ValueError(
            f"factors must be finite, ≥ 0 and {len(scenario.tiers)} tiers × {len(dims)} dimensions; got {factors.shape}"
        )
    data = _data(scenario)
    for i, t in enumerate(data["tiers"]):
        t["value_weight_cny"] = {d: w * float(factors[i, dims.index(d)]) for d, w in t["value_weight_cny"].items()}
    return scenario_from_dict(data, source=f"{scenario.scenario.name}, value weights {label}")


def multi_year(scenario: Scenario, years: int) -> Scenario:
    """The scenario over ``years`` × 365 days, the same year after year.

    Everything given "over the horizon" grows with it — the benefit budget and every
    resource's expansion limit, in proportion to the days — and each season recurs every
    365 days (cut at the horizon's end). Rates per year (trips per traveller) and per day
    (capacities, rosters) are unchanged.
    """
    data = _data(scenario)
    base_days = scenario.time.horizon_days
    days = 365 * years
    factor = days / base_days
    data["time"]["horizon_days"] = days
    if data["budget"].get("benefits_cny") is not None:
        data["budget"]["benefits_cny"] *= factor
    for r in data["resources"]:
        if r.get("expansion_max") is not None:
            r["expansion_max"] *= factor
    seasons = []
    for year in range(math.ceil(days / 365)):
        for s in data.get("seasons", []):
            start, end = s["start_day"] + 365 * year, min(s["end_day"] + 365 * year, days - 1)
            if start < days:
                seasons.append(dict(s, name=f"{s['name']} (year {year + 1})", start_day=start, end_day=end))
    data["seasons"] = seasons
    return scenario_from_dict(data, source=f"{scenario.scenario.name} over {years} years")


def sized_experiment(source: Path, folder: Path, *, points: int | None = None, replications: int | None = None) -> Path:
    """Write a copy of the experiment file ``source`` into ``folder`` with another size; return its path.

    The copy's store is ``folder/store``; a base scenario given as a path is made
    absolute so the copy finds it. Points apply to lhs, sobol and morris designs.
    """
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    exp = data["experiment"]
    if exp.get("scenario", BASELINE) != BASELINE:
        exp["scenario"] = str((source.parent / exp["scenario"]).resolve())
    if replications is not None:
        exp["replications"] = replications
    if points is not None:
        data["design"]["points"] = points
    exp["output"] = "store"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / source.name
    path.write_text(
        f"# {source.name} at another size, written by the claim experiments; the shipped file is the full size.\n"
        + tomli_w.dumps(data),
        encoding="utf-8",
    )
    return path
