"""Problems in a file's structure, in the user's words — pydantic's errors as key paths, values and what is allowed.

Any file schema (scenario, experiment, targets, segmentation rules) is validated by pydantic;
:func:`problems_from_validation` turns each error into a :class:`~model.errors.Problem`
naming the key path as the file writes it (``tiers.V3.expectation.lounge``), the value, and
what the schema allows there — never pydantic's own type names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic.fields import FieldInfo

from model.errors import Problem
from model.scenario import fields, schema
from model.scenario.schema import Scenario

__all__ = [
    "RENAMED_KPIS",
    "RENAMED_POLICIES",
    "key_path",
    "problems_from_validation",
    "quote_key",
    "renamed_kpi",
    "renamed_policy",
]

#: Policy names that were renamed, and their new names (DESIGN.md, *Policies*).
RENAMED_POLICIES = {"hindsight": "clairvoyant"}

_RENAMED_WHY = {"clairvoyant": "a reference, not a bound: the allocator given the realized requests, simulated"}


def renamed_policy(value: Any, allowed: Sequence[str] = schema.POLICIES) -> str | None:
    """What to say of a policy name that was renamed (``None`` for any other value).

    "'hindsight' was renamed 'clairvoyant' (a reference, …)"; where the new name is not
    allowed either (a plan's policy: clairvoyant has one plan per replication), the
    allowed names follow.
    """
    if not isinstance(value, str) or value not in RENAMED_POLICIES:
        return None
    new = RENAMED_POLICIES[value]
    text = f"'{value}' was renamed '{new}' ({_RENAMED_WHY[new]})"
    if new not in allowed:
        text += f"; {new} has no plan of its own (one per replication, made in a run), so here it must be one of "
        text += ", ".join(f"'{a}'" for a in allowed)
    return text


#: KPI names that were renamed, and their new names (DESIGN.md, *What a run reports*).
RENAMED_KPIS = {"profit": "contribution"}

_RENAMED_KPI_WHY = {
    "contribution": "the airline's money: margin × revenue − service cost − escort roster; profit did not subtract "
    "the roster"
}

#: Outcome KPIs any list of KPI names allows: a Literal holding them is a KPI name (not, say, an allocator objective).
_KPI_MARKERS = frozenset({"revenue", "cost_total", "trips_flown"})


def renamed_kpi(value: Any, allowed: Sequence[str]) -> str | None:
    """What to say of a KPI name that was renamed, where ``allowed`` are KPI names (``None`` otherwise).

    "'profit' was renamed 'contribution' (the airline's money: …)".
    """
    if not isinstance(value, str) or value not in RENAMED_KPIS or not _KPI_MARKERS <= set(allowed):
        return None
    new = RENAMED_KPIS[value]
    return f"'{value}' was renamed '{new}' ({_RENAMED_KPI_WHY[new]})"


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
    """One :class:`Problem` per pydantic error, with key paths and allowed values (any file schema ``root``).

    The failed members of a union (``hold_limit_per_flight``: a whole number or ``"emsr-b"``)
    become one problem saying what the union allows; no pydantic type name reaches a message.
    """
    out: list[Problem] = []
    for err in error.errors():
        problem = _problem_from_pydantic(err, data, root)
        if problem not in out:
            out.append(problem)
    return out


def _problem_from_pydantic(
    err: Mapping[str, Any], data: Mapping[str, Any], root: type[BaseModel] = Scenario
) -> Problem:
    loc, union = _schema_loc(tuple(err["loc"]), data, root)
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if union is not None:  # no member of a union took the value: say what the union allows
        value = _value_at(loc, data, value)
        return Problem(key_path(loc, data), "must be " + _describe(union) + _guess(value, _literals(union)), value)
    as_key = bool(loc) and loc[-1] == "[key]"  # a table's key, rather than its value, is wrong
    if as_key:
        loc = loc[:-1]
    path = key_path(loc, data)
    if kind == "extra_forbidden":
        return _unknown_key(loc, data, root)
    if kind == "missing":
        return Problem(path, "is required", has_value=False)
    if kind in ("level", "nonneg", "positive", "name"):
        message = err["msg"]
    elif kind == "literal_error":
        allowed = _literals(_annotation_at(loc, data, root)) or re.findall(r"'([^']*)'", str(ctx.get("expected")))
        message = renamed_policy(value, allowed) if set(allowed) & set(schema.PLAN_POLICIES) else None
        message = message or renamed_kpi(value, allowed)
        message = message or f"must be one of {ctx.get('expected')}" + _guess(value, allowed)
    elif kind == "union_tag_invalid":  # the value as written (pydantic's tag is its text)
        tag = _value_at((*loc, "kind"), data, ctx.get("tag"))
        expected = str(ctx.get("expected_tags"))
        return Problem(
            path + ".kind", f"must be one of {expected}" + _guess(tag, re.findall(r"'([^']*)'", expected)), tag
        )
    elif kind == "union_tag_not_found":
        return Problem(path + ".kind", f"is required: one of {_resource_kinds()}", has_value=False)
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        message = f"must be {sign} {next(iter(ctx.values()))}"
    elif kind in ("too_short", "too_long"):
        n = len(value) if isinstance(value, Sequence) else "?"
        want = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        more = "at least" if kind == "too_short" else "at most"
        message = f"has {n} items; must have {more} {want}"
    else:
        message = _MESSAGES.get(kind) or _plain(err["msg"])
    if as_key:
        message = "the key " + message
    return Problem(path, message, value)


def _plain(msg: str) -> str:
    """pydantic's wording of an error kind without a message of ours: "Input should be …" → "must be …"."""
    msg = re.sub(r"^(Value|Assertion) error, ", "", msg)
    return re.sub(r"^Input should (be|have)\b", r"must \1", msg)


def _guess(value: Any, allowed: Sequence[str]) -> str:
    """The hint "; did you mean 'x'?" for a text close to one of ``allowed``."""
    if not isinstance(value, str) or not allowed:
        return ""
    guess = difflib.get_close_matches(value, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{guess[0]}'?" if guess and guess[0] != value else ""


def _resource_kinds() -> str:
    return "'seat_holds', 'escort' or 'benefit'"


# --- the schema behind a location ----------------------------------------------------------
#
# pydantic's error locations are the data's keys and indices, with one addition: inside a
# union, the tag of the member that failed ("seat_holds" for a resource of that kind,
# "function-after[_nonneg(), int]" or "literal['emsr-b']" for a plain union). Walking the
# location through the schema alongside the data tells the two apart.


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under Annotated[...] and X | None, and the metadata (bounds, validators) found on the way."""
    metadata: list[Any] = []
    while True:
        if get_origin(annotation) is Annotated:
            annotation, *more = get_args(annotation)
            metadata.extend(more)
        elif _is_union(annotation) and len(_members(annotation)) == 1:
            annotation = _members(annotation)[0]
        else:
            return annotation, metadata


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, UnionType)


def _members(annotation: Any) -> list[Any]:
    """A union's members other than None (TOML has no null)."""
    return [a for a in get_args(annotation) if a is not type(None)] if _is_union(annotation) else []


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _member_for(members: Sequence[Any], node: Any, tag: Any = None) -> Any:
    """The member of a tagged union of tables that ``tag`` (or the table's ``kind``) selects."""
    wanted = tag if tag is not None else (node.get("kind") if isinstance(node, Mapping) else None)
    for m in members:
        field = _unwrap(m)[0].model_fields.get("kind")
        if field is not None and wanted in _literals(field.annotation):
            return m
    return None


def _step(annotation: Any, item: Any, node: Any) -> Any:
    """The type one key or index below ``annotation`` (None where the schema has no such place)."""
    base = _unwrap(annotation)[0]
    members = _members(base)
    if members and all(_is_model(_unwrap(m)[0]) for m in members):
        base = _unwrap(_member_for(members, node))[0]
    if _is_model(base):
        field = base.model_fields.get(item) if isinstance(item, str) else None
        if field is None:
            return None
        return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    origin, args = get_origin(base), get_args(base)
    if origin in (list, tuple) and isinstance(item, int):
        return args[0] if args else Any
    if origin is dict and isinstance(item, str):
        return (args[0] if item == "[key]" else args[1]) if args else Any
    return None


def _schema_loc(loc: tuple, data: Mapping[str, Any], root: type[BaseModel]) -> tuple[tuple, Any]:
    """``loc`` without union tags; and the union's type when the error is one of its failed members."""
    out: list[Any] = []
    annotation: Any = root
    node: Any = data
    for i, item in enumerate(loc):
        if annotation is None:
            out.extend(loc[i:])
            break
        members = _members(_unwrap(annotation)[0])
        is_key = isinstance(node, Mapping) and item in node
        if members and isinstance(item, str) and not is_key:
            if all(_is_model(_unwrap(m)[0]) for m in members):  # a tagged union of tables: skip the tag
                annotation = _member_for(members, node, item) or _member_for(members, node)
                continue
            return tuple(out), annotation  # a union of plain types: the problem is the union's
        annotation = _step(annotation, item, node)
        out.append(item)
        node = _child(node, item)
    return tuple(out), None


def _annotation_at(loc: Sequence[Any], data: Mapping[str, Any], root: type[BaseModel]) -> Any:
    annotation: Any = root
    node: Any = data
    for item in loc:
        annotation = _step(annotation, item, node)
        if annotation is None:
            return None
        node = _child(node, item)
    return annotation


def _value_at(loc: Sequence[Any], data: Mapping[str, Any], default: Any) -> Any:
    node: Any = data
    for item in loc:
        if not (isinstance(node, Mapping) and item in node) and not (
            isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node)
        ):
            return default
        node = node[item]
    return node


def _literals(annotation: Any) -> list[str]:
    """The text values a Literal (or a union holding Literals) allows."""
    if annotation is None:
        return []
    base = _unwrap(annotation)[0]
    if get_origin(base) is Literal:
        return [a for a in get_args(base) if isinstance(a, str)]
    return [x for m in _members(base) for x in _literals(m)]


_TYPE_WORDS = {int: "a whole number", float: "a number", str: "a text string", bool: "true or false"}


def _describe(annotation: Any) -> str:
    """What a type allows, in the words of the messages: "a whole number ≥ 0 or 'emsr-b'"."""
    base, metadata = _unwrap(annotation)
    members = _members(base)
    if members:
        parts = [_describe(m) for m in members]
        return ", ".join(parts[:-1]) + " or " + parts[-1]
    if get_origin(base) is Literal:
        return " or ".join(repr(a) for a in get_args(base))
    if get_origin(base) in (list, tuple):
        return "a list [...]"
    if get_origin(base) is dict or _is_model(base):
        return "a table"
    words = _TYPE_WORDS.get(base, "a value")
    bounds = [b for m in metadata for b in _bounds(m)]
    return " ".join([words, *bounds])


_VALIDATOR_WORDS = {
    fields._nonneg: "≥ 0",
    fields._positive: "> 0",
    fields._level: "in [0, 1]",
    fields._name: "(not empty)",
}
_BOUND_SIGNS = ((Ge, "ge", "≥"), (Gt, "gt", ">"), (Le, "le", "≤"), (Lt, "lt", "<"))


def _bounds(metadata: Any) -> list[str]:
    """The rules a piece of Annotated metadata adds: "≥ 0", "in [0, 1]"…"""
    if isinstance(metadata, AfterValidator):
        word = _VALIDATOR_WORDS.get(metadata.func)  # type: ignore[arg-type]
        return [word] if word else []
    if isinstance(metadata, FieldInfo):
        return [b for m in metadata.metadata for b in _bounds(m)]
    return [f"{sign} {getattr(metadata, attr)}" for cls, attr, sign in _BOUND_SIGNS if isinstance(metadata, cls)]


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
            parts.append(f".{quote_key(name)}" if name is not None else f"[{item}]")
        else:
            parts.append(f".{quote_key(str(item))}")
        node = _child(node, item)
    return "".join(parts).lstrip(".")


def quote_key(key: str) -> str:
    """A key as a key path writes it: bare when it can be, else in double quotes (``tiers."my tier"``)."""
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
    annotation = _annotation_at(parent_loc, data, root) if parent_loc else root
    base = _unwrap(annotation)[0] if annotation is not None else None
    members = _members(base)
    if members and all(_is_model(_unwrap(m)[0]) for m in members):
        member = _member_for(members, _value_at(parent_loc, data, None))
        base = _unwrap(member)[0] if member is not None else None
    return list(base.model_fields) if _is_model(base) else []


