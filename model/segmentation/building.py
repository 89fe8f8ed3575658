"""The scenario a segmentation writes: the base scenario, with the tiers the accounts determine.

DESIGN.md: client data (``segment``) produces scenarios. What the accounts determine
replaces the base scenario's (``[scenario] base`` of the rules, the shipped baseline by
default): the tiers, each with its accounts (those with trips in the window),
travellers per account, trip rate and gamma shape, and its fare — a cabin mix over the
book's fitted bucket fares, or the tier's average fare. Everything else — a tier's
service expectations, value weights, standard, floors, escort need, departure
uncertainty, nesting exemptions — comes from its template tier of the base scenario,
and its nesting rank is the template's, so a mega account nests like its tier.

The base scenario's capacities (seats and hold limits per flight, escort staff, benefit
capacities, expansion limits, the benefit budget) are sized for its own demand. With
``capacity_scale = "need"`` each is multiplied by the ratio of the expected need for it
at the reference — Σ over tiers and its dimensions of expected trips × use per trip ×
reference level — in the written scenario and in the base, so capacity per unit of need
stays as in the base; the budget likewise by the expected benefit spend at the
reference, and seats per flight by the ratio of expected trips (a flight then stands
for that many departures at its hour). With ``flights = "keep"`` the base's flights are
the book's own schedule: seats stay as they are, and per-flight hold limits grow with
the need for holds (up to the seats), since the same departures carry it.

An account larger than the rules' ``travellers_per_unit`` is written as several accounts
of equal size — loyalty units, each with its own closeness and stage — keeping the tier's
travellers and expected trips. Closeness moves after every trip an account requests, so
an account of thousands of travellers would otherwise judge the airline on its last few
hours of trips and break as one.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.allocation.demand import expected_requests, expected_trips
from model.allocation.resources import resource_tables
from model.allocation.value import tier_ranks, value_tables
from model.errors import Problem, ScenarioError
from model.scenario.loading import BASELINE, load_scenario, scenario_from_dict
from model.scenario.schema import Scenario
from model.segmentation.accounts import CABIN_BUCKETS
from model.segmentation.assignment import Segmentation
from model.segmentation.fit import K_MAX, K_MIN, Estimate, TierFit
from model.segmentation.reading import AccountsError

__all__ = ["ScenarioBuild", "build_scenario", "capacity_factors", "resolve_base"]

#: Tier fields the accounts determine; every other field comes from the template tier.
ESTIMATED = (
    "accounts",
    "travellers_per_account",
    "trips_per_traveller_per_year",
    "trip_rate_shape",
    "fare_cny",
    "cabin_mix",
)


@dataclass(frozen=True)
class ScenarioBuild:
    data: dict[str, Any]  # plain data, as written to TOML
    scenario: Scenario
    base_name: str
    base_source: str
    capacity_scale: dict[str, float]  # factor per resource name, "budget" and "trips" (seats per flight)
    expected_requests: float  # per horizon, all tiers
    base_expected_requests: float
    fares: str  # "cabin_mix" or "average"
    left_out: list[str] = field(default_factory=list)  # segments with no account with trips
    notes: list[str] = field(default_factory=list)


def resolve_base(base: str, rules_path: str | Path | None) -> str:
    """``baseline``, or a path relative to the rules file's folder (the current folder for the default rules)."""
    if base == BASELINE or rules_path is None or Path(base).is_absolute():
        return base
    return str(Path(rules_path).parent / base)


def build_scenario(
    seg: Segmentation,
    fits: list[TierFit],
    fares: dict[str, Estimate] | None,
    *,
    rules_path: str | Path | None = None,
    rules_label: str = "<rules>",
    name: str | None = None,
) -> ScenarioBuild:
    """Build and validate the scenario of a segmentation (see the module docstring)."""
    r = seg.rules
    base_source = resolve_base(r.scenario.base, rules_path)
    base = load_scenario(base_source)
    data = base.model_dump(mode="json", exclude_none=True)
    templates = {t["name"]: t for t in data["tiers"]}
    ranks = dict(zip(base.tier_names, tier_ranks(base).tolist(), strict=True))
    missing = [
        Problem(
            f"tiers.{t.name}.template",
            f"names no tier of the base scenario {base_source} (tiers: {', '.join(base.tier_names)})",
            t.template,
        )
        for t in r.tiers
        if t.template not in templates
    ]
    if missing:
        raise ScenarioError(rules_label, missing)

    notes: list[str] = []
    mode = r.estimation.fares
    if mode == "cabin_mix" and fares is None:
        mode = "average"
        notes.append("fares: the table has no cabin shares, so each tier gets its average fare")
    identified = [b for b in CABIN_BUCKETS if fares is not None and math.isfinite(fares[b].value)]
    tiers, left_out = [], []
    for f in fits:
        if f.active == 0:
            left_out.append(f.segment.name)
            continue
        tier = copy.deepcopy(templates[f.segment.template])
        for key in ("fare_cny", "cabin_mix", "rank"):
            tier.pop(key, None)
        size = f.travellers_per_account.value
        units = _units(size, r.scenario.travellers_per_unit)
        travellers = max(1, round(size / units))
        # keep the tier's expected trips when the travellers per account are rounded
        rate = f.trips_per_traveller_per_year.value * size / (units * travellers)
        if units > 1:
            notes.append(
                f"{f.segment.name}: {size:,.0f} travellers per account, written as {units} loyalty units of "
                f"{travellers} per account (travellers_per_unit = {r.scenario.travellers_per_unit})"
            )
        tier.update(
            name=f.segment.name,
            rank=ranks[f.segment.template],
            accounts=f.active * units,
            travellers_per_account=travellers,
            trips_per_traveller_per_year=round(rate, 6),
            trip_rate_shape=round(float(np.clip(f.trip_rate_shape.value, K_MIN, K_MAX)), 4),
        )
        if mode == "cabin_mix":
            assert f.cabin_mix is not None
            tier["cabin_mix"] = _shares({b: f.cabin_mix[b].value for b in identified})
        else:
            tier["fare_cny"] = round(f.fare_cny.value, 2)
        tiers.append(tier)
    if not tiers:
        msg = "no account has a trip in the window: there is no demand to build a scenario from"
        raise AccountsError(seg.table.source, [Problem("", msg, has_value=False)])
    data["tiers"] = tiers
    if mode == "cabin_mix":
        assert fares is not None
        data["cabins"] = {b: round(fares[b].value, 2) for b in identified}
    else:
        data.pop("cabins", None)
    data["scenario"] = {
        "name": name or r.scenario.name or f"segmented {Path(seg.table.source).stem}",
        "description": (
            f"Tiers estimated by halfstep segment from {Path(seg.table.source).name} ({len(seg.table)} accounts) "
            f"with the rules '{r.rules.name}'; everything else from '{base.scenario.name}'."
        ),
    }

    unscaled = scenario_from_dict(data, source="<segmented scenario>")
    scale = capacity_factors(unscaled, base, r.scenario.capacity_scale)
    _scale_capacities(data, scale, flights=r.scenario.flights)
    return ScenarioBuild(
        data=data,
        scenario=scenario_from_dict(data, source="<segmented scenario>"),
        base_name=base.scenario.name,
        base_source=base_source,
        capacity_scale=scale,
        expected_requests=float(expected_requests(unscaled).sum()),
        base_expected_requests=float(expected_requests(base).sum()),
        fares=mode,
        left_out=left_out,
        notes=notes,
    )


def _units(travellers: float, per_unit: int | None) -> int:
    """Loyalty units an account of ``travellers`` is written as: 1, or enough to hold at most ``per_unit`` each."""
    return 1 if per_unit is None else max(1, math.ceil(round(travellers) / per_unit))


def _needs(s: Scenario) -> dict[str, float]:
    """Expected need at the reference per horizon: trips, each resource's units, benefit spend (CNY)."""
    rt, vt, n = resource_tables(s), value_tables(s), expected_trips(s)
    units = n[:, None] * rt.use * vt.reference
    out = {name: float(units[:, rt.dim_resource == k].sum()) for k, name in enumerate(rt.names)}
    out["budget"] = float((n[:, None] * rt.unit_cost * vt.reference)[:, rt.benefit].sum())
    out["trips"] = float(n.sum())
    return out


def capacity_factors(scenario: Scenario, base: Scenario, how: str | float) -> dict[str, float]:
    """Factor per resource name, ``budget`` and ``trips`` (seats) by which the base's capacities grow.

    ``"need"``: the ratio of expected need at the reference (a resource no tier of the
    base needs grows with trips); ``"trips"``: every capacity by the ratio of expected
    trips; a number: every capacity by it.
    """
    new, old = _needs(scenario), _needs(base)
    trips = new["trips"] / old["trips"]
    if how == "need":
        return {k: (new[k] / old[k] if old[k] > 0 else trips) for k in new}
    f = trips if how == "trips" else float(how)
    return dict.fromkeys(new, f)


def _shares(mix: dict[str, float]) -> dict[str, float]:
    """Round to 6 decimals and put the rounding residue on the largest share, so they sum to 1."""
    total = sum(mix.values())
    out = {b: round(v / total, 6) for b, v in mix.items()}
    largest = max(out, key=out.__getitem__)
    out[largest] = round(out[largest] + 1.0 - math.fsum(out.values()), 6)
    return out


def _scale_capacities(data: dict[str, Any], f: dict[str, float], flights: str = "scale") -> None:
    """Grow the capacities by ``f``; with ``flights = "keep"`` seats per flight stay the base's (hold limits grow, up to the seats)."""

    def whole(x: float, factor: float) -> int:  # a capacity that was positive stays at least 1
        return max(1, round(x * factor)) if x > 0 else 0

    keep = flights == "keep"
    if not keep:
        data["flights"]["seats"] = whole(data["flights"]["seats"], f["trips"])
    for res in data["resources"]:
        k = f[res["name"]]
        if res["kind"] == "seat_holds" and isinstance(res["hold_limit_per_flight"], int):
            # kept flights carry the grown need on as many departures, so their hold limits grow too
            res["hold_limit_per_flight"] = min(whole(res["hold_limit_per_flight"], k), data["flights"]["seats"])
        if res["kind"] == "escort":
            res["staff_on_duty"] = [whole(x, k) for x in res["staff_on_duty"]]
        for key in ("daily_capacity", "expansion_max"):
            if key in res:
                res[key] = round(res[key] * k, 2)
    if "benefits_cny" in data.get("budget", {}):
        data["budget"]["benefits_cny"] = round(data["budget"]["benefits_cny"] * f["budget"], 2)
