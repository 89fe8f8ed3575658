"""Property: one random mutation of the baseline either loads, or is refused naming the key it broke.

A mutation — drop a key, rename a key, replace a value by one of another type, NaN, a
negative number, a huge number (1e308), an empty string or an empty list — at a random key
path of ``model/data/baseline.toml``. Validation must then either accept the data (the
mutation was harmless: a dropped key with a default, a negative intercept) or raise a
:class:`ScenarioError` whose text names the mutated key path (or, for a dropped or renamed
key, its parent: "tiers.V1.expectation: missing dimensions …") and shows no pydantic
internals — never any other exception.
"""

from __future__ import annotations

import copy
import math
import tomllib
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from model.errors import ScenarioError
from model.scenario.loading import baseline_path, scenario_from_dict
from model.scenario.problems import key_path
from tests.helpers import PYDANTIC_INTERNALS

BASE: dict[str, Any] = tomllib.loads(baseline_path().read_text(encoding="utf-8"))


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of the data: table keys and list indices, depth first."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    out: list[tuple] = []
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


PATHS = _paths(BASE)
KEYS = [p for p in PATHS if isinstance(p[-1], str)]  # table keys: what can be dropped or renamed

#: Values of another type than the one found (TOML's types: text, integer, float, boolean, array, table).
OTHER_TYPES: list[Any] = ["x", 7, 2.5, True, [1, 2], {"k": 1}]

MUTATIONS = ("drop", "rename", "retype", "nan", "negative", "huge", "empty string", "empty list")


def _node(data: Any, path: tuple) -> Any:
    for k in path:
        data = data[k]
    return data


def _type(value: Any) -> type:
    return bool if isinstance(value, bool) else float if isinstance(value, int | float) else type(value)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, tuple, Any]:
    kind = draw(st.sampled_from(MUTATIONS))
    path = draw(st.sampled_from(KEYS if kind in ("drop", "rename") else PATHS))
    extra: Any = None
    if kind == "rename":
        key = path[-1]
        typo = st.sampled_from([key + "s", key[:-1], key.upper(), key.replace("_", "-"), "_" + key])
        extra = draw((typo | st.text(min_size=1, max_size=12)).filter(lambda k: k not in _node(BASE, path[:-1])))
    elif kind == "retype":
        current = _node(BASE, path)
        extra = draw(st.sampled_from([v for v in OTHER_TYPES if _type(v) is not _type(current)]))
    return kind, path, extra


def mutate(kind: str, path: tuple, extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    parent, last = _node(data, path[:-1]), path[-1]
    current = parent[last]
    if kind == "drop":
        del parent[last]
    elif kind == "rename":
        parent[extra] = parent.pop(last)
    elif kind == "retype":
        parent[last] = copy.deepcopy(extra)
    elif kind == "nan":
        parent[last] = math.nan
    elif kind == "negative":
        number = isinstance(current, int | float) and not isinstance(current, bool)
        parent[last] = -abs(current) if number and current else -1
    elif kind == "huge":
        parent[last] = 1e308
    elif kind == "empty string":
        parent[last] = ""
    else:
        parent[last] = []
    return data


def named_paths(kind: str, path: tuple, extra: Any, data: dict[str, Any]) -> set[str]:
    """How a message may name the mutated place: the path (entries by name or by index), the new key, the parent.

    The parent is the place of a dropped or renamed key ("tiers.V1.expectation: missing
    dimensions …") and of a list's entry when the rule is the list's
    ("flights.arrival_lead_minutes = [1e+308, 120.0]: must be [min, max] with min ≤ max").
    """
    places = [path]
    if kind == "rename":
        places.append((*path[:-1], extra))
    if (kind in ("drop", "rename") or isinstance(path[-1], int)) and len(path) > 1:
        places.append(path[:-1])  # a dropped key, or a list entry that the list's own rule names
    return {key_path(p, d) for p in places for d in (data, BASE)}


def check(kind: str, path: tuple, extra: Any) -> None:
    data = mutate(kind, path, extra)
    try:
        scenario_from_dict(data, source="mutated.toml")
    except ScenarioError as e:
        text = str(e)
        names = named_paths(kind, path, extra, data)
        assert any(f": {name}" in text for name in names), f"{kind} {path} {extra!r}: none of {names} in:\n{text}"
        leaked = [word for word in PYDANTIC_INTERNALS if word in text and word not in str(extra)]  # not the new key
        assert not leaked, f"pydantic internals {leaked} in:\n{text}"


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutations())
@example(("huge", ("flights", "arrival_lead_minutes", 0), None))  # found: the list's rule names the list
@example(("retype", ("resources", 0, "hold_limit_per_flight"), "x"))  # was: ."function-after[_nonneg(), int]"
@example(("retype", ("resources", 0, "kind"), 7))  # the tag of a tagged union: named as written
def test_a_mutated_baseline_loads_or_names_the_mutated_key(mutation: tuple[str, tuple, Any]) -> None:
    check(*mutation)


@pytest.mark.parametrize("kind", MUTATIONS)
def test_every_kind_of_mutation_is_tried_on_a_tier_level(kind: str) -> None:
    path = ("tiers", 2, "expectation", "escort") if kind not in ("drop", "rename") else ("tiers", 2, "accounts")
    extra = {"rename": "acounts", "retype": "high"}.get(kind)
    check(kind, path, extra)
