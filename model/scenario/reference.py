"""The scenario reference, generated from the schema so that docs and code cannot drift."""

from __future__ import annotations

import typing

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from model.scenario.schema import Scenario
from model.scenario.supply import BenefitResource, EscortResource, SeatHoldResource

__all__ = ["scenario_reference"]


def _type_name(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(names)) + (" (optional)" if type(None) in args else "")
    if origin is typing.Literal:
        return " / ".join(f"'{a}'" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"table of {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    return {float: "number", int: "integer", str: "text", bool: "true/false"}.get(annotation, str(annotation))  # type: ignore[call-overload]


def _default(field: FieldInfo) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
    if isinstance(value, BaseModel):
        return "—"
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{value}`" if value not in ([], {}) else "empty"


def _table(title: str, model: type[BaseModel]) -> list[str]:
    rows = [f"**`{title}`**", "", "| key | type | default | meaning |", "| --- | --- | --- | --- |"]
    for name, field in model.model_fields.items():
        desc = (field.description or "").replace("|", "\\|")
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            continue
        rows.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {desc} |")
    return [*rows, ""]


def scenario_reference() -> str:
    """Markdown tables of every scenario key: type, default and meaning (with its unit)."""
    parts: list[str] = []
    for name, field in Scenario.model_fields.items():
        ann = field.annotation
        args = typing.get_args(ann)
        if name == "resources":
            for m in (SeatHoldResource, EscortResource, BenefitResource):
                kind = typing.get_args(m.model_fields["kind"].annotation)[0]
                parts += _table(f"[[resources]] kind = '{kind}'", m)
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            parts += _table(f"[{name}]", ann)
        elif args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            parts += _table(f"[[{name}]]", args[0])
        else:
            parts += [f"**`{name}`** — {field.description}", ""]
    return "\n".join(parts).rstrip() + "\n"
