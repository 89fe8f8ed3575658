"""Problems across a scenario's fields: names that refer to nothing, tables that miss a dimension, floors above 1.

What the schema cannot see field by field (DESIGN.md, *Concepts*): every dimension's
resource exists, every tier gives every dimension a value, seasons do not overlap …
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from model.errors import Problem
from model.scenario.problems import quote_key
from model.scenario.schema import Scenario

__all__ = ["consistency_problems"]


def consistency_problems(s: Scenario) -> list[Problem]:
    """References, duplicates and cross-field rules the schema alone cannot express."""
    out: list[Problem] = []
    tiers, dims = s.tier_names, s.dimension_names
    resources_ = [r.name for r in s.resources]

    for table, names in (
        ("tiers", tiers),
        ("dimensions", dims),
        ("resources", resources_),
        ("seasons", [x.name for x in s.seasons]),
    ):
        seen: set[str] = set()
        for i, n in enumerate(names):
            if n in seen:
                out.append(
                    Problem(f"{table}[{i}].name", f"duplicate name: every entry of {table} needs its own name", n)
                )
            seen.add(n)

    if s.allocator.interface == "direct" and s.allocator.solver != "highs":
        out.append(
            Problem(
                "allocator.interface",
                f"'direct' passes the LP to HiGHS only; use interface = 'pulp' with solver = '{s.allocator.solver}'",
                s.allocator.interface,
            )
        )

    for d in s.dimensions:
        if d.resource not in resources_:
            out.append(_undefined(f"dimensions.{quote_key(d.name)}.resource", "resource", d.resource, list(resources_)))
            continue
        kind = s.resource(d.resource).kind
        if d.hold == "multi" and kind != "seat_holds":
            out.append(
                Problem(
                    f"dimensions.{quote_key(d.name)}.hold",
                    "'multi' is only for dimensions drawing on a seat_holds resource",
                    d.hold,
                )
            )
        if d.duration_factor != 1.0 and kind != "escort":
            out.append(
                Problem(
                    f"dimensions.{quote_key(d.name)}.duration_factor",
                    "only escort dimensions have a duration",
                    d.duration_factor,
                )
            )
        if d.replaces is not None:
            key = f"dimensions.{quote_key(d.name)}.replaces"
            other = next((x for x in s.dimensions if x.name == d.replaces), None)
            if other is None or other.name == d.name:
                allowed = [x.name for x in s.dimensions if x.name != d.name]
                out.append(_undefined(key, "dimension", d.replaces, allowed))
            elif kind != "escort" or other.resource != d.resource:
                out.append(
                    Problem(
                        key,
                        "only an escort dimension replaces another escort dimension of the same resource",
                        d.replaces,
                    )
                )
            elif other.replaces is not None:
                out.append(
                    Problem(key, f"'{other.name}' replaces another dimension itself; one replacement deep", d.replaces)
                )
            elif sum(x.replaces == d.replaces for x in s.dimensions) > 1:
                out.append(Problem(key, f"one dimension at most replaces '{d.replaces}'", d.replaces))

    n_flights = len(s.flights.departure_hours)
    for t in s.tiers:
        base = f"tiers.{quote_key(t.name)}"
        for table in ("expectation", "value_weight_cny", "standard", "floor", "step"):
            mapping: Mapping[str, float] = getattr(t, table)
            for key in mapping:
                if key not in dims:
                    out.append(_undefined(f"{base}.{table}.{quote_key(key)}", "dimension", key, dims))
        for table in ("expectation", "value_weight_cny"):
            missing = [d for d in dims if d not in getattr(t, table)]
            if missing:
                out.append(
                    Problem(
                        f"{base}.{table}",
                        f"missing dimensions {_listing(missing)}: give a value for every dimension",
                        has_value=False,
                    )
                )
        for key in t.nesting_exempt:
            if key not in dims:
                out.append(_undefined(f"{base}.nesting_exempt", "dimension", key, dims))
        if (t.fare_cny is None) == (t.cabin_mix is None):
            out.append(Problem(base, "give exactly one of fare_cny or cabin_mix", has_value=False))
        if t.cabin_mix is not None:
            for key in t.cabin_mix:
                if key not in s.cabins:
                    out.append(
                        _undefined(f"{base}.cabin_mix.{quote_key(key)}", "cabin of [cabins]", key, list(s.cabins))
                    )
            total = sum(t.cabin_mix.values())
            if abs(total - 1.0) > 1e-6:
                out.append(Problem(f"{base}.cabin_mix", "shares must sum to 1", round(total, 6)))
        if t.departure_uncertainty_flights > n_flights:
            out.append(
                Problem(
                    f"{base}.departure_uncertainty_flights",
                    f"must be ≤ the {n_flights} daily flights",
                    t.departure_uncertainty_flights,
                )
            )

    for season in s.seasons:
        base = f"seasons.{quote_key(season.name)}"
        if season.end_day < season.start_day:
            out.append(Problem(f"{base}.end_day", f"must be ≥ start_day ({season.start_day})", season.end_day))
        if season.start_day >= s.time.horizon_days:
            out.append(
                Problem(
                    f"{base}.start_day", f"must be inside the horizon (< {s.time.horizon_days} days)", season.start_day
                )
            )

    f = s.flights
    if f.weights is not None and len(f.weights) != n_flights:
        out.append(Problem("flights.weights", f"needs one weight per departure ({n_flights})", f.weights))
    elif f.weights is not None and sum(f.weights) <= 0:
        out.append(Problem("flights.weights", "at least one weight must be > 0", f.weights))
    if f.arrival_lead_minutes[0] > f.arrival_lead_minutes[1]:
        out.append(
            Problem("flights.arrival_lead_minutes", "must be [min, max] with min ≤ max", list(f.arrival_lead_minutes))
        )

    lo = s.loyalty
    if lo.break_threshold > lo.recovery_threshold:
        out.append(
            Problem(
                "loyalty.break_threshold", f"must be ≤ recovery_threshold ({lo.recovery_threshold})", lo.break_threshold
            )
        )
    if s.time.start_date is not None:
        import datetime as _dt

        try:
            _dt.date.fromisoformat(s.time.start_date)
        except ValueError:
            out.append(Problem("time.start_date", "must be a date YYYY-MM-DD", s.time.start_date))
    for k in ("seat_holds", "escort"):
        if sum(1 for r in s.resources if r.kind == k) > 1:
            out.append(Problem("resources", f"at most one resource of kind '{k}'", has_value=False))
    for r in s.resources:
        if r.kind == "escort" and r.max_wait_share is not None and r.patience_minutes is None:
            out.append(
                Problem(
                    f"resources.{quote_key(r.name)}.max_wait_share",
                    "sizes each hour by the share of escorts waiting longer than the patience: set patience_minutes too",
                    r.max_wait_share,
                )
            )
    return out


def _undefined(path: str, what: str, key: str, defined: list[str]) -> Problem:
    guess = difflib.get_close_matches(key, defined, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return Problem(path, f"names no {what}{hint} (defined: {_listing(defined)})", key)


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"
