"""Loading a scenario file: TOML → validated :class:`~model.scenario.schema.Scenario`.

Validation happens here, once, at the door (STYLE.md: "validate at the door, like Ciw").
Every problem is collected — structural ones from the schema, then references and
consistency — and reported together, each naming the file, the key path, the value and
what is allowed.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from model.errors import Problem, ScenarioError
from model.scenario.schema import Scenario, SeatHoldResource

BASELINE = "baseline"


def baseline_path() -> Path:
    """Path of the baseline scenario shipped inside the package."""
    return Path(str(resources.files("model") / "data" / "baseline.toml"))


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning I/O and syntax errors into a :class:`ScenarioError`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(str(p), [Problem("", "file not found", has_value=False)]) from None
    except OSError as e:
        raise ScenarioError(str(p), [Problem("", f"cannot be read ({e.strerror})", has_value=False)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        msg = f"is not UTF-8 text (byte {e.start}); save the file as UTF-8"
        raise ScenarioError(str(p), [Problem("", msg, has_value=False)]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(str(p), [Problem("", f"is not valid TOML: {e}", has_value=False)]) from None


def load_scenario(path: str | Path | None = None, overrides: Sequence[str] = ()) -> Scenario:
    """Load and validate a scenario file; ``None`` or ``"baseline"`` is the shipped baseline.

    ``overrides`` are ``KEY=VALUE`` what-ifs (see :mod:`model.scenario.overrides`), applied before validation.
    """
    if path is None or str(path) == BASELINE:
        path = baseline_path()
    data = read_toml(path)
    source = str(path)
    if overrides:
        from model.scenario.overrides import apply_overrides

        try:
            data = apply_overrides(data, overrides)
        except ScenarioError as e:
            raise ScenarioError(source, e.problems) from None
        source += " with --set " + " ".join(overrides)
    return scenario_from_dict(data, source=source)


def scenario_from_dict(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate plain data (as read from TOML) into a Scenario, or raise ScenarioError."""
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as e:
        raise ScenarioError(source, problems_from_validation(e, data)) from None
    problems = consistency_problems(scenario)
    if problems:
        raise ScenarioError(source, problems)
    return scenario


# --- structural problems -------------------------------------------------------------

_MESSAGES = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "string_type": "must be a text string",
    "finite_number": "must be a finite number (NaN and infinity are not allowed)",
    "missing": "is required",
    "list_type": "must be a list [...]",
    "tuple_type": "must be a list [...]",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
}


def problems_from_validation(
    error: ValidationError, data: Mapping[str, Any], root: type[BaseModel] = Scenario
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, with key paths and allowed values (any file schema ``root``)."""
    return [_problem_from_pydantic(err, data, root) for err in error.errors()]


def _problem_from_pydantic(
    err: Mapping[str, Any], data: Mapping[str, Any], root: type[BaseModel] = Scenario
) -> Problem:
    loc = _strip_union_tags(tuple(err["loc"]), data)
    path = key_path(loc, data)
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_key(loc, data, root)
    if kind == "missing":
        return Problem(path, "is required", has_value=False)
    if kind in ("level", "nonneg", "positive", "name"):
        return Problem(path, err["msg"], value)
    if kind == "literal_error":
        return Problem(path, f"must be one of {ctx.get('expected')}", value)
    if kind == "union_tag_invalid":
        return Problem(path + ".kind", f"must be one of {ctx.get('expected_tags')}", ctx.get("tag"))
    if kind == "union_tag_not_found":
        return Problem(path + ".kind", f"is required: one of {_resource_kinds()}", has_value=False)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        bound = next(iter(ctx.values()))
        return Problem(path, f"must be {sign} {bound}", value)
    if kind in ("too_short", "too_long"):
        n = len(value) if isinstance(value, Sequence) else "?"
        want = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        more = "at least" if kind == "too_short" else "at most"
        return Problem(path, f"has {n} items; must have {more} {want}", value)
    return Problem(path, _MESSAGES.get(kind, err["msg"]), value)


def _resource_kinds() -> str:
    return "'seat_holds', 'escort' or 'benefit'"


def _strip_union_tags(loc: tuple, data: Mapping[str, Any]) -> tuple:
    """Drop the discriminator tag pydantic inserts after ``resources[i]``."""
    out: list = []
    for item in loc:
        if len(out) >= 2 and out[-2] == "resources" and isinstance(out[-1], int) and item in _KINDS:
            continue
        out.append(item)
    return tuple(out)


_KINDS = ("seat_holds", "escort", "benefit")


def key_path(loc: Sequence[Any], data: Mapping[str, Any] | None = None) -> str:
    """Render a location as the key path users write: ``tiers.V3.expectation.lounge``.

    Entries of arrays of named tables are addressed by name when they have one,
    otherwise by index (``tiers[2]``).
    """
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            name = None
            if isinstance(node, list) and 0 <= item < len(node) and isinstance(node[item], Mapping):
                candidate = node[item].get("name")
                if isinstance(candidate, str) and candidate.strip():
                    name = candidate
            parts.append(f".{_quote(name)}" if name is not None else f"[{item}]")
        else:
            parts.append(f".{_quote(str(item))}")
        node = _child(node, item)
    return "".join(parts).lstrip(".")


def _quote(key: str) -> str:
    plain = key.replace("_", "").replace("-", "").isalnum() and "." not in key
    return key if plain else f'"{key}"'


def _child(node: Any, item: Any) -> Any:
    if isinstance(node, Mapping):
        return node.get(item)
    if isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
        return node[item]
    return None


def _unknown_key(loc: tuple, data: Mapping[str, Any], root: type[BaseModel] = Scenario) -> Problem:
    parent_loc, key = loc[:-1], str(loc[-1])
    allowed = _allowed_keys(parent_loc, data, root)
    path = key_path(loc, data)
    guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    listing = ", ".join(allowed)
    return Problem(path, f"unknown key{hint} (allowed here: {listing})", has_value=False)


def _allowed_keys(parent_loc: tuple, data: Mapping[str, Any], root: type[BaseModel] = Scenario) -> list[str]:
    """The keys the schema ``root`` allows at ``parent_loc``."""
    model: type[BaseModel] | None = root
    node: Any = data
    for item in parent_loc:
        node = _child(node, item)
        if isinstance(item, int) or model is None:
            continue
        field = model.model_fields.get(str(item))
        model = _model_of(field.annotation, node) if field is not None else None
    return list(model.model_fields) if model is not None else []


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    from typing import get_args

    from model.scenario.schema import BenefitResource, EscortResource

    candidates = [annotation, *get_args(annotation)]
    for arg in list(candidates):
        candidates.extend(get_args(arg))
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    if len(models) > 1 and isinstance(node, Mapping):
        by_kind = {"seat_holds": SeatHoldResource, "escort": EscortResource, "benefit": BenefitResource}
        if node.get("kind") in by_kind:
            return by_kind[node["kind"]]
    return models[0] if models else None


# --- consistency problems --------------------------------------------------------------


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
            out.append(_undefined(f"dimensions.{_quote(d.name)}.resource", "resource", d.resource, list(resources_)))
            continue
        kind = s.resource(d.resource).kind
        if d.hold == "multi" and kind != "seat_holds":
            out.append(
                Problem(
                    f"dimensions.{_quote(d.name)}.hold",
                    "'multi' is only for dimensions drawing on a seat_holds resource",
                    d.hold,
                )
            )
        if d.duration_factor != 1.0 and kind != "escort":
            out.append(
                Problem(
                    f"dimensions.{_quote(d.name)}.duration_factor",
                    "only escort dimensions have a duration",
                    d.duration_factor,
                )
            )

    n_flights = len(s.flights.departure_hours)
    for t in s.tiers:
        base = f"tiers.{_quote(t.name)}"
        for table in ("expectation", "value_weight_cny", "standard", "floor", "step"):
            mapping: Mapping[str, float] = getattr(t, table)
            for key in mapping:
                if key not in dims:
                    out.append(_undefined(f"{base}.{table}.{_quote(key)}", "dimension", key, dims))
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
                    out.append(_undefined(f"{base}.cabin_mix.{_quote(key)}", "cabin of [cabins]", key, list(s.cabins)))
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
        base = f"seasons.{_quote(season.name)}"
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
    return out


def _undefined(path: str, what: str, key: str, defined: list[str]) -> Problem:
    guess = difflib.get_close_matches(key, defined, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return Problem(path, f"names no {what}{hint} (defined: {_listing(defined)})", key)


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"
