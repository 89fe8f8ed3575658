"""A corpus of bad scenario files, each a small mutation of a valid one, refused through the command line.

Every case: exit status 2, no traceback, and a message naming the file, the key path and
the offending value (where there is one) — and never a pydantic type name (``function-after``,
``literal[`` …). Every bad-input corpus (experiments, targets, account tables, --set and
options) checks with the same :func:`tests.helpers.assert_refused`.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from model.scenario.loading import baseline_path
from tests.helpers import assert_refused, cli, tiny_dict

Mutate = Callable[[dict[str, Any]], None]


def _node(d: Any, path: tuple) -> Any:
    for k in path:
        d = d[k]
    return d


def put(*path: Any, value: Any) -> Mutate:
    """Set the value at ``path`` (keys and indices)."""
    return lambda d: _node(d, path[:-1]).__setitem__(path[-1], value)


def drop(*path: Any) -> Mutate:
    return lambda d: _node(d, path[:-1]).pop(path[-1])


def rename(*path: Any, to: str) -> Mutate:
    def f(d: dict[str, Any]) -> None:
        parent = _node(d, path[:-1])
        parent[to] = parent.pop(path[-1])

    return f


def append(*path: Any, item: Any) -> Mutate:
    return lambda d: _node(d, path).append(copy.deepcopy(item))


def copy_entry(table: str, i: int) -> Mutate:
    """A second entry with the same name: ``tiers`` gets a copy of ``tiers[i]``."""
    return lambda d: d[table].append(copy.deepcopy(d[table][i]))


HOLDS = {"name": "holds", "kind": "seat_holds", "hold_limit_per_flight": 4}

# (id, mutation of the tiny scenario, texts the message must hold: key path with value, and the rule)
TINY: list[tuple[str, Mutate, tuple[str, ...]]] = [
    # unknown keys, with a did-you-mean
    ("unknown top-level table", put("tierz", value=[]), ("tierz: unknown key; did you mean 'tiers'?",)),
    (
        "unknown tier key",
        put("tiers", 0, "acounts", value=3),
        ("tiers.low.acounts: unknown key; did you mean 'accounts'?",),
    ),
    (
        "unknown flights key",
        rename("flights", "seats", to="seat"),
        ("flights.seat: unknown key; did you mean 'seats'?",),
    ),
    (
        "unknown key of a benefit resource",
        rename("resources", 0, "daily_capacity", to="daily_capacty"),
        ("resources.lounge.daily_capacty: unknown key; did you mean 'daily_capacity'?", "allowed here: name,"),
    ),
    (
        "benefit key on a seat-hold resource",
        append("resources", item={**HOLDS, "daily_capacity": 3}),
        ("resources.holds.daily_capacity: unknown key", "allowed here: name, expansion_cost_cny"),
    ),
    (
        "unknown season key",
        put("seasons", value=[{"name": "peak", "start_day": 1, "end_day": 5, "demand_multipler": 2}]),
        ("seasons.peak.demand_multipler: unknown key; did you mean 'demand_multiplier'?",),
    ),
    # wrong types
    (
        "text for a count",
        put("tiers", 0, "accounts", value="ten"),
        ("tiers.low.accounts = 'ten': must be a whole number",),
    ),
    ("decimal for a count", put("flights", "seats", value=150.5), ("flights.seats = 150.5: must be a whole number",)),
    (
        "boolean for a count",
        put("tiers", 1, "accounts", value=True),
        ("tiers.high.accounts = true: must be a whole number",),
    ),
    ("text for a number", put("choice", "intercept", value="low"), ("choice.intercept = 'low': must be a number",)),
    ("number for a name", put("scenario", "name", value=3), ("scenario.name = 3: must be a text string",)),
    (
        "text for a flag",
        put("tiers", 0, "privacy_seat", value="yes"),
        ("tiers.low.privacy_seat = 'yes': must be true or false",),
    ),
    (
        "list for a table",
        put("tiers", 0, "expectation", value=[0.2, 0.1]),
        ("tiers.low.expectation = [0.2, 0.1]: must be a table",),
    ),
    (
        "table for a list",
        put("dimensions", value={"name": "lounge"}),
        ("dimensions = {'name': 'lounge'}: must be a list",),
    ),
    (
        "text for a list",
        put("tiers", 1, "nesting_exempt", value="lounge"),
        ("tiers.high.nesting_exempt = 'lounge': must be a list",),
    ),
    (
        "text in a number list",
        put("flights", "departure_hours", value=[8.0, "noon"]),
        ("flights.departure_hours[1] = 'noon': must be a number",),
    ),
    (
        "text for a level",
        put("tiers", 0, "expectation", "escort", value="high"),
        ("tiers.low.expectation.escort = 'high': must be a number",),
    ),
    ("text for a resource", put("resources", 1, value="escort"), ("resources[1] = 'escort': must be a table",)),
    # NaN and infinity
    (
        "NaN fare",
        put("tiers", 0, "fare_cny", value=float("nan")),
        ("tiers.low.fare_cny = nan: must be a finite number",),
    ),
    (
        "infinite fare",
        put("flights", "base_fare_cny", value=float("inf")),
        ("flights.base_fare_cny = inf: must be a finite number",),
    ),
    (
        "minus infinity weight",
        put("tiers", 1, "value_weight_cny", "lounge", value=float("-inf")),
        ("tiers.high.value_weight_cny.lounge = -inf: must be a finite number",),
    ),
    (
        "NaN departure hour",
        put("flights", "departure_hours", value=[8.0, float("nan")]),
        ("flights.departure_hours[1] = nan: must be a finite number",),
    ),
    (
        "NaN level",
        put("tiers", 1, "standard", "lounge", value=float("nan")),
        ("tiers.high.standard.lounge = nan: must be a finite number",),
    ),
    # negative and zero where positive is needed
    ("negative accounts", put("tiers", 0, "accounts", value=-1), ("tiers.low.accounts = -1: must be ≥ 0",)),
    (
        "negative capacity",
        put("resources", 0, "daily_capacity", value=-3),
        ("resources.lounge.daily_capacity = -3: must be ≥ 0",),
    ),
    (
        "negative wage",
        put("resources", 1, "wage_cny_per_hour", value=-60),
        ("resources.escort_staff.wage_cny_per_hour = -60: must be ≥ 0",),
    ),
    (
        "negative staff in the roster",
        put("resources", 1, "staff_on_duty", value=[0] * 6 + [-2] + [2] * 15 + [0] * 2),
        ("resources.escort_staff.staff_on_duty[6] = -2: must be ≥ 0",),
    ),
    ("negative horizon", put("time", "horizon_days", value=-30), ("time.horizon_days = -30: must be > 0",)),
    ("zero seats", put("flights", "seats", value=0), ("flights.seats = 0: must be > 0",)),
    (
        "zero travellers per account",
        put("tiers", 0, "travellers_per_account", value=0),
        ("tiers.low.travellers_per_account = 0: must be > 0",),
    ),
    ("zero replications", put("simulation", "replications", value=0), ("simulation.replications = 0: must be > 0",)),
    ("zero default step", put("value", "default_step", value=0.0), ("value.default_step = 0.0: must be > 0",)),
    (
        "zero explicit step",
        put("tiers", 1, "step", value={"lounge": 0.0}),
        ("tiers.high.step.lounge = 0.0: must be > 0",),
    ),
    (
        "zero trip-rate shape",
        put("tiers", 0, "trip_rate_shape", value=0),
        ("tiers.low.trip_rate_shape = 0: must be > 0",),
    ),
    ("loss aversion below one", put("value", "loss_aversion", value=0.5), ("value.loss_aversion = 0.5: must be ≥ 1",)),
    # levels out of [0, 1]
    (
        "expectation above one",
        put("tiers", 0, "expectation", "lounge", value=1.5),
        ("tiers.low.expectation.lounge = 1.5: must be a level in [0, 1]",),
    ),
    (
        "floor above one",
        put("tiers", 1, "floor", value={"escort": 2}),
        ("tiers.high.floor.escort = 2: must be a level in [0, 1]",),
    ),
    (
        "closeness above one",
        put("tiers", 0, "initial_closeness", value=1.2),
        ("tiers.low.initial_closeness = 1.2: must be a level in [0, 1]",),
    ),
    (
        "margin above one",
        put("economics", value={"incremental_margin": 1.5}),
        ("economics.incremental_margin = 1.5: must be ≤ 1",),
    ),
    (
        "zero margin",
        put("economics", value={"incremental_margin": 0.0}),
        ("economics.incremental_margin = 0.0: must be > 0",),
    ),
    (
        "the margin's old name",
        put("economics", value={"contribution_margin": 0.3}),
        ("economics.contribution_margin is now economics.incremental_margin",),
    ),
    (
        "negative competitor level",
        put("dimensions", 0, "competitor_level", value=-0.1),
        ("dimensions.lounge.competitor_level = -0.1: must be a level in [0, 1]",),
    ),
    # empty lists, missing keys
    ("no tiers", put("tiers", value=[]), ("tiers = []: has 0 items; must have at least 1",)),
    (
        "no departures",
        put("flights", "departure_hours", value=[]),
        ("flights.departure_hours = []: has 0 items; must have at least 1",),
    ),
    ("no resources", put("resources", value=[]), ("resources = []: has 0 items; must have at least 1",)),
    (
        "short staff roster",
        put("resources", 1, "staff_on_duty", value=[1] * 23),
        ("resources.escort_staff.staff_on_duty = [1, 1,", "has 23 items; must have at least 24"),
    ),
    ("missing accounts", drop("tiers", 1, "accounts"), ("tiers.high.accounts: is required",)),
    ("missing seats", drop("flights", "seats"), ("flights.seats: is required",)),
    ("missing scenario table", drop("scenario"), ("scenario: is required",)),
    (
        "missing resource kind",
        drop("resources", 0, "kind"),
        ("resources.lounge.kind: is required: one of 'seat_holds', 'escort' or 'benefit'",),
    ),
    (
        "missing hold limit",
        append("resources", item={"name": "holds", "kind": "seat_holds"}),
        ("resources.holds.hold_limit_per_flight: is required",),
    ),
    (
        "missing expectation of a dimension",
        drop("tiers", 0, "expectation", "escort"),
        ("tiers.low.expectation: missing dimensions escort",),
    ),
    (
        "fare and cabin mix both missing",
        drop("tiers", 0, "fare_cny"),
        ("tiers.low: give exactly one of fare_cny or cabin_mix",),
    ),
    # names that are not defined, or defined twice
    (
        "undefined dimension",
        put("tiers", 0, "expectation", "lounj", value=0.5),
        ("tiers.low.expectation.lounj = 'lounj': names no dimension; did you mean 'lounge'?",),
    ),
    (
        "undefined dimension in a floor",
        put("tiers", 1, "floor", value={"escrot": 0.5}),
        ("tiers.high.floor.escrot = 'escrot': names no dimension; did you mean 'escort'?",),
    ),
    (
        "undefined resource",
        put("dimensions", 0, "resource", value="lounges"),
        ("dimensions.lounge.resource = 'lounges': names no resource; did you mean 'lounge'?",),
    ),
    (
        "undefined nesting exemption",
        put("tiers", 1, "nesting_exempt", value=["lunge"]),
        ("tiers.high.nesting_exempt = 'lunge': names no dimension; did you mean 'lounge'?",),
    ),
    (
        "undefined cabin",
        put("tiers", 0, "cabin_mix", value={"Y": 1.0}),
        ("tiers.low.cabin_mix.Y = 'Y': names no cabin of [cabins]",),
    ),
    ("duplicate tier", copy_entry("tiers", 0), ("tiers[2].name = 'low': duplicate name",)),
    ("duplicate dimension", copy_entry("dimensions", 0), ("dimensions[2].name = 'lounge': duplicate name",)),
    ("duplicate resource", copy_entry("resources", 1), ("resources[2].name = 'escort_staff': duplicate name",)),
    ("empty name", put("tiers", 0, "name", value=" "), ("tiers[0].name = ' ': must be a non-empty name",)),
    ("empty cabin name", put("cabins", value={"": 900}), ("cabins.\"\" = '': the key must be a non-empty name",)),
    # choices
    (
        "hold limit 'emsr'",
        append("resources", item={**HOLDS, "hold_limit_per_flight": "emsr"}),
        (
            "resources.holds.hold_limit_per_flight = 'emsr': must be a whole number ≥ 0 or 'emsr-b'; did you mean 'emsr-b'?",
        ),
    ),
    (
        "negative hold limit",
        append("resources", item={**HOLDS, "hold_limit_per_flight": -3}),
        ("resources.holds.hold_limit_per_flight = -3: must be a whole number ≥ 0 or 'emsr-b'",),
    ),
    (
        "fractional hold limit",
        append("resources", item={**HOLDS, "hold_limit_per_flight": 2.5}),
        ("resources.holds.hold_limit_per_flight = 2.5: must be a whole number ≥ 0 or 'emsr-b'",),
    ),
    (
        "unknown resource kind",
        put("resources", 0, "kind", value="bus"),
        ("resources.lounge.kind = 'bus': must be one of 'seat_holds', 'escort', 'benefit'",),
    ),
    (
        "unknown policy",
        put("allocator", value={"policy": "halfstepp"}),
        ("allocator.policy = 'halfstepp': must be one of 'uniform',", "did you mean 'halfstep'?"),
    ),
    (
        "unknown solver",
        put("allocator", value={"solver": "gurobi"}),
        ("allocator.solver = 'gurobi': must be one of 'highs' or 'cbc'",),
    ),
    (
        "unknown hold kind",
        put("dimensions", 0, "hold", value="double"),
        ("dimensions.lounge.hold = 'double': must be one of 'single' or 'multi'",),
    ),
    # consistency
    (
        "departure after midnight",
        put("flights", "departure_hours", value=[8.0, 25.0]),
        ("flights.departure_hours[1] = 25.0: must be < 24",),
    ),
    (
        "arrival window reversed",
        put("flights", "arrival_lead_minutes", value=[120, 60]),
        ("flights.arrival_lead_minutes = [120.0, 60.0]: must be [min, max] with min ≤ max",),
    ),
    (
        "season ending before it starts",
        put("seasons", value=[{"name": "peak", "start_day": 20, "end_day": 10}]),
        ("seasons.peak.end_day = 10: must be ≥ start_day (20)",),
    ),
    (
        "break above recovery",
        put("loyalty", value={"recovery_threshold": 0.3, "break_threshold": 0.5}),
        ("loyalty.break_threshold = 0.5: must be ≤ recovery_threshold (0.3)",),
    ),
    (
        "bad start date",
        put("time", "start_date", value="2026-13-01"),
        ("time.start_date = '2026-13-01': must be a date YYYY-MM-DD",),
    ),
]


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_bytes(tomli_w.dumps(data).encode("utf-8"))
    return path


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in TINY], ids=[c[0] for c in TINY])
def test_a_bad_scenario_file_is_refused_naming_file_key_and_value(tmp_path, capsys, mutate: Mutate, expected) -> None:
    data = tiny_dict()
    mutate(data)
    path = _write(tmp_path / "tiny.toml", data)
    assert_refused(cli("validate", str(path)), capsys.readouterr(), f"{path}: ", *expected)


def _baseline() -> dict[str, Any]:
    return tomllib.loads(baseline_path().read_text(encoding="utf-8"))


def _tier(name: str, table: str | None = None, **values: Any) -> Mutate:
    """Update the baseline tier ``name`` (or one of its tables)."""

    def f(d: dict[str, Any]) -> None:
        tier = next(t for t in d["tiers"] if t["name"] == name)
        (tier if table is None else tier[table]).update(values)

    return f


BASELINE: list[tuple[str, Mutate, tuple[str, ...]]] = [
    (
        "the README's typo",
        rename("value", "loss_aversion", to="loss_avertion"),
        ("value.loss_avertion: unknown key; did you mean 'loss_aversion'?",),
    ),
    ("negative V3 accounts", _tier("V3", accounts=-5), ("tiers.V3.accounts = -5: must be ≥ 0",)),
    (
        "NaN budget",
        put("budget", "benefits_cny", value=float("nan")),
        ("budget.benefits_cny = nan: must be a finite number",),
    ),
    (
        "hold limit 'emsr'",
        put("resources", 0, "hold_limit_per_flight", value="emsr"),
        ("resources.seat_holds.hold_limit_per_flight = 'emsr': must be a whole number ≥ 0 or 'emsr-b'",),
    ),
    (
        "V5 expectation above one",
        _tier("V5", "expectation", escort=1.01),
        ("tiers.V5.expectation.escort = 1.01: must be a level in [0, 1]",),
    ),
    (
        "undefined dimension in V1",
        _tier("V1", "standard", booking_hlep=1.0),
        ("tiers.V1.standard.booking_hlep = 'booking_hlep': names no dimension; did you mean 'booking_help'?",),
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in BASELINE], ids=[c[0] for c in BASELINE])
def test_a_mutated_baseline_is_refused_naming_file_key_and_value(tmp_path, capsys, mutate: Mutate, expected) -> None:
    data = _baseline()
    mutate(data)
    path = _write(tmp_path / "baseline.toml", data)
    assert_refused(cli("validate", str(path)), capsys.readouterr(), f"{path}: ", *expected)


VALID = tomli_w.dumps(tiny_dict())


def _line(text: str, snippet: str) -> str:
    """ "line N" of the first line holding ``snippet``."""
    return f"line {text[: text.index(snippet)].count(chr(10)) + 1}"


BROKEN_HEADER = VALID.replace("[flights]", "[flights")
TWICE = VALID.replace("seats = 150", "seats = 150\nseats = 160")
UNTERMINATED = VALID.replace('name = "tiny"', 'name = "tiny')
CHINESE = VALID.replace('name = "tiny"', 'name = "大客户"')

# (id, the file's bytes (None: no file), texts the message must hold)
FILES: list[tuple[str, bytes | None, tuple[str, ...]]] = [
    ("unclosed table header", BROKEN_HEADER.encode(), ("is not valid TOML", _line(BROKEN_HEADER, "[flights"))),
    ("key given twice", TWICE.encode(), ("is not valid TOML: Cannot overwrite a value", _line(TWICE, "seats = 160"))),
    ("unterminated string", UNTERMINATED.encode(), ("is not valid TOML", _line(UNTERMINATED, '"tiny'))),
    ("GBK encoding", CHINESE.encode("gbk"), ("is not UTF-8 text", _line(CHINESE, "大客户"), "save the file as UTF-8")),
    ("UTF-16 encoding", VALID.encode("utf-16"), ("is not UTF-8 text (line 1, byte 0)",)),
    ("empty file", b"", ("scenario: is required", "tiers: is required")),
    ("missing file", None, ("file not found",)),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in FILES], ids=[c[0] for c in FILES])
def test_a_file_that_is_not_a_scenario_is_refused_naming_it(tmp_path, capsys, content, expected) -> None:
    path = tmp_path / "tiny.toml"
    if content is not None:
        path.write_bytes(content)
    assert_refused(cli("validate", str(path)), capsys.readouterr(), f"{path}: ", *expected)


def test_a_folder_given_as_the_scenario_is_refused_naming_it(tmp_path, capsys) -> None:
    assert_refused(cli("validate", str(tmp_path)), capsys.readouterr(), f"{tmp_path}: cannot be read")


# Floors that no capacity or budget can meet: a valid file, an infeasible plan. The message
# names the file, the capacity's key path and the floors' key paths with their values.
INFEASIBLE: list[tuple[str, Mutate, tuple[str, ...]]] = [
    (
        "lounge floors beyond capacity",
        lambda d: (
            put("resources", 0, "daily_capacity", value=1)(d),
            put("tiers", 0, "floor", value={"lounge": 1.0})(d),
        ),
        (
            "resources.lounge.daily_capacity: lounge floors need",
            "(short by",
            "floors set at tiers.low.floor.lounge = 1",
        ),
    ),
    (
        "escort floors beyond the staff on duty",
        lambda d: (
            put("resources", 1, "staff_on_duty", value=[0] * 8 + [1] * 2 + [0] * 14)(d),
            put("tiers", 0, "floor", value={"escort": 1.0})(d),
            put("tiers", 0, "accounts", value=100)(d),
        ),
        (
            "resources.escort_staff.staff_on_duty: escort_staff floors need more escort staff-hours than the roster",
            "06:00 needs 46 (rostered 0)",
            "tiers.low.floor.escort = 1",
        ),
    ),
    (
        "benefit floors beyond the budget",
        lambda d: (put("budget", value={"benefits_cny": 10.0})(d), put("tiers", 1, "floor", value={"lounge": 0.5})(d)),
        ("budget.benefits_cny: benefit floors cost", "the benefit budget is 10 CNY", "tiers.high.floor.lounge = 0.5"),
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in INFEASIBLE], ids=[c[0] for c in INFEASIBLE])
def test_infeasible_floors_name_the_file_and_the_keys(tmp_path, capsys, mutate: Mutate, expected) -> None:
    data = tiny_dict()
    mutate(data)
    path = _write(tmp_path / "tiny.toml", data)
    out = tmp_path / "plan"
    code = cli("plan", str(path), "--out", str(out))
    assert_refused(code, capsys.readouterr(), f"{path}: scenario 'tiny' is infeasible under halfstep", *expected)
    assert not out.exists()
