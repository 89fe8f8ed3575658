"""What-if overrides: ``--set KEY=VALUE`` applied to a scenario's data before validation.

Key paths are those of the scenario file and of its error messages: tables by key, named
list entries (tiers, dimensions, resources, seasons) by name, others by index —
``budget.benefits_cny``, ``tiers.V3.accounts``, ``resources.escort_staff.staff_on_duty``,
``tiers.V5.expectation.lounge``. A value is read as TOML (``20``, ``0.5``, ``"emsr-b"``,
``[1, 2]``, ``true``); bare words are text. Relative forms scale the current number, or
every number of a list: ``+20%``, ``-10%``, ``*1.5``; whole numbers stay whole (rounded; a list
of whole numbers keeps its total scaled, e.g. a staff roster of 21 staff-hours +20% → 25).
The overridden data is then validated like the file itself.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Sequence
from typing import Any

from model.errors import Problem, ScenarioError

__all__ = ["apply_overrides", "parse_override"]

_NAMED = ("tiers", "dimensions", "resources", "seasons")
_RELATIVE = re.compile(r"^\s*(?:([+-]\d+(?:\.\d+)?)%|\*\s*(\d+(?:\.\d+)?))\s*$")


def parse_override(text: str) -> tuple[str, str]:
    """Split ``KEY=VALUE``; raise ScenarioError when there is no ``=`` or no key."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError(
            "--set", [Problem("--set", "must look like KEY=VALUE, e.g. budget.benefits_cny=200000", text)]
        )
    return key.strip(), value.strip()


def _value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _scale(current: Any, factor: float, path: str, raw: str) -> Any:
    if isinstance(current, bool) or not isinstance(current, int | float | list):
        raise ScenarioError("--set", [Problem(path, "a relative value needs a number or a list of numbers here", raw)])
    if isinstance(current, list):
        if current and all(isinstance(x, int) and not isinstance(x, bool) for x in current):
            return _scale_whole(current, factor)
        return [_scale(x, factor, path, raw) for x in current]
    scaled = current * factor
    return round(scaled) if isinstance(current, int) else scaled


def _scale_whole(values: list[int], factor: float) -> list[int]:
    """Scale whole numbers so that their total scales too (largest remainders get the rounding)."""
    exact = [v * factor for v in values]
    out = [int(x // 1) for x in exact]
    short = round(sum(exact)) - sum(out)
    for i in sorted(range(len(values)), key=lambda i: (-(exact[i] - out[i]), i))[: max(short, 0)]:
        out[i] += 1
    return out


def _child(node: Any, part: str, path: str) -> tuple[Any, Any]:
    """The container key/index of ``part`` inside ``node`` (raises when absent)."""
    if isinstance(node, dict):
        if part in node:
            return node, part
        hint = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.6)
        extra = f"; did you mean '{hint[0]}'?" if hint else f" (present here: {', '.join(map(str, node)) or 'nothing'})"
        raise ScenarioError("--set", [Problem(path, f"no such key in the scenario{extra}", has_value=False)])
    if isinstance(node, list):
        names = [x.get("name") for x in node if isinstance(x, dict)]
        if part in names:
            return node, names.index(part)
        if part.isdigit() and int(part) < len(node):
            return node, int(part)
        hint = difflib.get_close_matches(part, [n for n in names if n], n=1, cutoff=0.6)
        extra = f"; did you mean '{hint[0]}'?" if hint else f" (entries: {', '.join(n for n in names if n)})"
        raise ScenarioError("--set", [Problem(path, f"names no entry{extra}", has_value=False)])
    raise ScenarioError("--set", [Problem(path, "goes below a plain value", has_value=False)])


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``data`` with every ``KEY=VALUE`` applied in order."""
    out = copy.deepcopy(data)
    for text in overrides:
        key, raw = parse_override(text)
        parts = key.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            path = ".".join(parts[: i + 1])
            if isinstance(node, dict) and part not in node:
                node[part] = {}  # a table the file leaves to defaults; validation names unknown keys
            container, k = _child(node, part, path)
            node = container[k]
        last = parts[-1]
        rel = _RELATIVE.match(raw)
        if rel:
            container, k = _child(node, last, key)
            factor = 1 + float(rel.group(1)) / 100 if rel.group(1) else float(rel.group(2))
            container[k] = _scale(container[k], factor, key, raw)
        elif isinstance(node, dict):
            node[last] = _value(raw)  # new keys are allowed: validation names unknown ones
        else:
            container, k = _child(node, last, key)
            container[k] = _value(raw)
    return out
