"""A corpus of bad scenarios: each must be refused with a message naming the offending key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from model.errors import ScenarioError
from model.scenario.loading import load_scenario, scenario_from_dict
from tests.helpers import build, tiny_dict

Mutate = Callable[[dict[str, Any]], None]


def _tier(i: int, **kw: Any) -> Mutate:
    return lambda d: d["tiers"][i].update(kw)


def _set(path: tuple, value: Any) -> Mutate:
    def f(d: dict[str, Any]) -> None:
        node = d
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value

    return f


def _del(path: tuple) -> Mutate:
    def f(d: dict[str, Any]) -> None:
        node = d
        for k in path[:-1]:
            node = node[k]
        del node[path[-1]]

    return f


# (id, mutation, text the message must contain: the key path, then the value or the rule)
CORPUS: list[tuple[str, Mutate, tuple[str, ...]]] = [
    ("unknown top-level table", _set(("tierz",), []), ("tierz: unknown key", "did you mean 'tiers'")),
    ("misspelled tier key", _tier(0, acounts=3), ("tiers.low.acounts: unknown key", "did you mean 'accounts'")),
    ("misspelled value key", _set(("value", "satiaton"), 0.5), ("value.satiaton: unknown key", "'satiation'")),
    ("NaN fare", _tier(0, fare_cny=float("nan")), ("tiers.low.fare_cny = nan", "finite")),
    (
        "infinite capacity",
        _set(("resources", 0, "daily_capacity"), float("inf")),
        ("resources.lounge.daily_capacity = inf", "finite"),
    ),
    ("negative infinity", _set(("flights", "base_fare_cny"), float("-inf")), ("flights.base_fare_cny = -inf",)),
    ("negative accounts", _tier(0, accounts=-1), ("tiers.low.accounts = -1", "≥ 0")),
    (
        "negative trip rate",
        _tier(1, trips_per_traveller_per_year=-2.0),
        ("tiers.high.trips_per_traveller_per_year = -2",),
    ),
    ("negative escort minutes", _tier(0, escort_minutes=-5), ("tiers.low.escort_minutes = -5",)),
    ("negative capacity", _set(("resources", 0, "daily_capacity"), -3), ("resources.lounge.daily_capacity = -3",)),
    (
        "negative wage",
        _set(("resources", 1, "wage_cny_per_hour"), -1),
        ("resources.escort_staff.wage_cny_per_hour = -1",),
    ),
    ("negative horizon", _set(("time", "horizon_days"), -30), ("time.horizon_days = -30",)),
    (
        "level above one",
        _set(("tiers", 0, "expectation", "lounge"), 1.5),
        ("tiers.low.expectation.lounge = 1.5", "[0, 1]"),
    ),
    ("negative level", _set(("tiers", 1, "standard", "lounge"), -0.1), ("tiers.high.standard.lounge = -0.1", "[0, 1]")),
    ("floor above one", _set(("tiers", 1, "floor"), {"escort": 2}), ("tiers.high.floor.escort = 2", "[0, 1]")),
    ("initial closeness above one", _tier(0, initial_closeness=1.2), ("tiers.low.initial_closeness = 1.2",)),
    ("text for a number", _tier(0, accounts="ten"), ("tiers.low.accounts = 'ten'", "whole number")),
    ("boolean for a number", _tier(0, accounts=True), ("tiers.low.accounts = true",)),
    ("list for a table", _set(("value",), [1, 2]), ("value",)),
    (
        "undefined dimension in expectation",
        _set(("tiers", 0, "expectation", "lounj"), 0.5),
        ("tiers.low.expectation.lounj", "did you mean 'lounge'"),
    ),
    (
        "undefined dimension in weight",
        _set(("tiers", 1, "value_weight_cny", "car"), 10),
        ("tiers.high.value_weight_cny.car", "names no dimension"),
    ),
    (
        "undefined resource",
        _set(("dimensions", 0, "resource"), "lounges"),
        ("dimensions.lounge.resource = 'lounges'", "did you mean 'lounge'"),
    ),
    ("duplicate tier", lambda d: d["tiers"].append(dict(d["tiers"][0])), ("tiers[2].name = 'low'", "duplicate")),
    (
        "duplicate dimension",
        lambda d: d["dimensions"].append(dict(d["dimensions"][0])),
        ("dimensions[2].name = 'lounge'", "duplicate"),
    ),
    (
        "duplicate resource",
        lambda d: d["resources"].append(dict(d["resources"][0])),
        ("resources[2].name = 'lounge'", "duplicate"),
    ),
    (
        "missing expectation for a dimension",
        _del(("tiers", 0, "expectation", "escort")),
        ("tiers.low.expectation", "escort"),
    ),
    ("missing required key", _del(("tiers", 1, "accounts")), ("tiers.high.accounts", "required")),
    ("unknown resource kind", _set(("resources", 0, "kind"), "bus"), ("resources.lounge.kind = 'bus'", "'benefit'")),
    ("unknown policy", _set(("allocator",), {"policy": "halfstepp"}), ("allocator.policy = 'halfstepp'", "halfstep")),
    ("unknown solver", _set(("allocator",), {"solver": "gurobi"}), ("allocator.solver = 'gurobi'", "highs")),
    (
        "staff roster of the wrong length",
        _set(("resources", 1, "staff_on_duty"), [1] * 23),
        ("resources.escort_staff.staff_on_duty", "24"),
    ),
    ("departure hour past midnight", _set(("flights", "departure_hours"), [8.0, 25.0]), ("flights.departure_hours",)),
    ("zero replications", _set(("simulation",), {"replications": 0}), ("simulation.replications = 0",)),
    ("fare and cabin mix both given", _tier(0, cabin_mix={"Y": 1.0}), ("tiers.low",)),
    (
        "season ending before it starts",
        _set(("seasons",), [{"name": "peak", "start_day": 20, "end_day": 10, "demand_multiplier": 2}]),
        ("seasons.peak",),
    ),
    (
        "break threshold above recovery",
        _set(("loyalty",), {"recovery_threshold": 0.3, "break_threshold": 0.5}),
        ("loyalty.break_threshold",),
    ),
    (
        "multi-flight hold on a benefit",
        _set(("dimensions", 0, "hold"), "multi"),
        ("dimensions.lounge.hold = 'multi'", "seat_holds"),
    ),
    (
        "nesting exemption of an unknown dimension",
        _tier(1, nesting_exempt=["lunge"]),
        ("tiers.high.nesting_exempt", "lunge"),
    ),
    ("empty tier name", _tier(0, name=""), ("tiers[0].name",)),
    ("bad start date", _set(("time", "start_date"), "2026-13-01"), ("time.start_date",)),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in CORPUS], ids=[c[0] for c in CORPUS])
def test_bad_scenario_is_refused_naming_the_key(mutate: Mutate, expected: tuple[str, ...]) -> None:
    data = tiny_dict()
    mutate(data)
    with pytest.raises(ScenarioError) as e:
        build(data)
    message = str(e.value)
    assert message.startswith("test.toml:")
    for text in expected:
        assert text in message, f"{text!r} not in:\n{message}"


def test_every_problem_is_reported_at_once() -> None:
    data = tiny_dict()
    data["tiers"][0]["accounts"] = -1
    data["tiers"][1]["fare_cny"] = float("nan")
    data["flights"]["seatz"] = 100
    with pytest.raises(ScenarioError) as e:
        build(data)
    assert len(e.value.problems) == 3
    assert "3 problems found" in str(e.value)


def test_the_tiny_scenario_itself_is_valid() -> None:
    assert build(tiny_dict()).tier_names == ["low", "high"]


def test_chinese_names_are_valid() -> None:
    data = tiny_dict()
    data["tiers"][0]["name"] = "金卡客户"
    data["dimensions"][0]["name"] = "贵宾室"
    for t in data["tiers"]:
        for table in ("expectation", "value_weight_cny", "standard"):
            if "lounge" in t.get(table, {}):
                t[table]["贵宾室"] = t[table].pop("lounge")
    s = build(data)
    assert s.tier_names[0] == "金卡客户" and s.dimension_names[0] == "贵宾室"


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_file_not_utf8(tmp_path) -> None:
    p = tmp_path / "gbk.toml"
    p.write_bytes('[scenario]\nname = "大客户"\n'.encode("gbk"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(p)


def test_toml_syntax_error_names_the_line(tmp_path) -> None:
    p = tmp_path / "broken.toml"
    p.write_text('[scenario]\nname = "x\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"not valid TOML.*line 2"):
        load_scenario(p)


def test_scenario_from_dict_names_its_source() -> None:
    with pytest.raises(ScenarioError, match=r"^mine\.toml:"):
        scenario_from_dict({"scenario": {"name": "x"}, "bogus": 1}, source="mine.toml")
