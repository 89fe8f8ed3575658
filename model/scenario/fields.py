"""The field types of the file schemas: units and bounds every table shares — DESIGN.md, *Concepts*.

A level is a share in [0, 1]; counts, rates, capacities, money and durations are never
negative; names are not empty. Each bound is a validator of its own, so a message can say
what a key allows (:mod:`model.scenario.problems` words each one). :class:`Strict` is the
base of every table. The scenario (:mod:`model.scenario.schema` and :mod:`model.scenario.supply`)
is built from these, and so are the other files' schemas: experiment files, calibration targets,
segmentation rules.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

__all__ = ["Count", "Level", "Name", "NonNeg", "Positive", "PositiveInt", "PositiveLevel", "Strict"]


def _level(x: float) -> float:
    if not 0.0 <= x <= 1.0:
        raise PydanticCustomError("level", "must be a level in [0, 1]")
    return x


def _nonneg(x: float) -> float:
    if x < 0:
        raise PydanticCustomError(
            "nonneg", "must be ≥ 0 (counts, rates, capacities, money and durations cannot be negative)"
        )
    return x


def _positive(x: float) -> float:
    if not x > 0:
        raise PydanticCustomError("positive", "must be > 0")
    return x


def _name(x: str) -> str:
    if not x.strip():
        raise PydanticCustomError("name", "must be a non-empty name")
    return x


Level = Annotated[float, AfterValidator(_level)]
NonNeg = Annotated[float, AfterValidator(_nonneg)]
Positive = Annotated[float, AfterValidator(_positive)]
Count = Annotated[int, AfterValidator(_nonneg)]
PositiveInt = Annotated[int, AfterValidator(_positive)]
Name = Annotated[str, AfterValidator(_name)]
#: A level above 0: a step, a smoothing weight, a utilization cap.
PositiveLevel = Annotated[Level, AfterValidator(_positive)]


class Strict(BaseModel):
    """Base for every scenario table: unknown keys, coercions, NaN and ±inf are refused."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)
