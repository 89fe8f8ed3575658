"""Experiment files: a base scenario, parameters to vary, policies and replications — DESIGN.md, *The pipeline*.

An experiment is a TOML file (README, *Sweeps*) validated at the door like a scenario:
unknown keys, wrong types and inconsistent designs are reported together, each with its
key path and what is allowed. Every generated parameter point is then applied to the
base scenario with the ``--set`` key paths of :mod:`model.scenario.overrides` and validated as a
scenario *before* anything runs, so a sweep never fails on its 400th point for a typo.

A parameter names one key path (``key``) or several that take the same value (``keys``,
e.g. the trip dispersion of every tier). With ``scale = true`` the value is a factor on
the base scenario's number (or every number of a list: a staff roster), written as the
override ``KEY=*factor``. The design — ``list``, ``grid``, ``lhs``, ``sobol``, ``morris`` —
is sampled by :mod:`model.sweep.design`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w
from pydantic import ValidationError

from model.errors import Problem, ScenarioError
from model.scenario.loading import BASELINE, baseline_path, read_toml, scenario_from_dict
from model.scenario.overrides import apply_overrides
from model.scenario.problems import key_path, problems_from_validation
from model.scenario.schema import Scenario
from model.sweep.design import design_values
from model.sweep.spec import DESIGNS, ExperimentFile, KeyedParameter, ParameterSpec, Value

__all__ = [
    "DESIGNS",
    "Experiment",
    "ExperimentFile",
    "KeyedParameter",
    "ParameterSpec",
    "Point",
    "load_experiment",
    "point_overrides",
    "scenario_at",
]

#: At most this many point problems are listed; the rest are counted.
_MAX_LISTED = 20


@dataclass(frozen=True)
class Point:
    """One parameter point: its number, the value of each parameter, and the overrides that make it."""

    index: int
    values: dict[str, Value]
    overrides: tuple[str, ...]

    def label(self) -> str:
        return f"point {self.index} (" + ", ".join(f"{k} = {_short(v)}" for k, v in self.values.items()) + ")"


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: the file, the base scenario's data, and every point (all validated)."""

    path: Path
    sha256: str
    spec: ExperimentFile
    base_source: str
    base_data: dict[str, Any]
    base_sha256: str
    points: tuple[Point, ...]
    output: Path

    @property
    def parameters(self) -> list[ParameterSpec]:
        return self.spec.parameters

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(self.spec.experiment.policies)

    @property
    def kpis(self) -> tuple[str, ...]:
        return tuple(self.spec.experiment.kpis)

    @property
    def periods(self) -> int:
        return self.spec.experiment.periods

    @property
    def replications(self) -> int:
        return self.spec.experiment.replications

    @property
    def seed(self) -> int:
        return self.spec.experiment.seed

    def stream_point(self, point: int) -> int | None:
        """The point's part of the streams' spawn key: None when every point shares the replication's streams."""
        return None if self.spec.experiment.common_random_numbers == "points" else point

    @property
    def store_path(self) -> Path:
        return self.output / "sweep.sqlite"

    def scenario(self, point: Point) -> Scenario:
        return scenario_at(self.base_data, point.overrides, self.base_source)


def load_experiment(path: str | Path, output: str | Path | None = None) -> Experiment:
    """Read, validate and expand an experiment file; ``output`` overrides the file's output folder."""

    path = Path(path)
    data = read_toml(path)  # names the file when it is missing or not TOML
    raw = path.read_bytes()
    source = str(path)
    try:
        spec = ExperimentFile.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(source, problems_from_validation(e, data, ExperimentFile)) from None
    problems = _consistency_problems(spec, data)
    if problems:
        raise ScenarioError(source, problems)
    base = spec.experiment.scenario
    base_path = baseline_path() if base == BASELINE else (path.parent / base)
    try:
        base_data = read_toml(base_path)
    except ScenarioError as e:  # name the key that points at the file, and the file
        problems = [Problem("experiment.scenario", f"{base_path}: {p.message}", base) for p in e.problems]
        raise ScenarioError(source, problems) from None
    base_source = BASELINE if base == BASELINE else str(base_path)
    points = [
        Point(i, values, point_overrides(spec.parameters, values))
        for i, values in enumerate(design_values(spec, source))
    ]
    _validate_points(points, base_data, source)
    out = Path(output) if output is not None else path.parent / (spec.experiment.output or f"{path.stem}.sweep")
    out = Path(os.path.normpath(out))  # experiments/../runs/x → runs/x
    return Experiment(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        spec=spec,
        base_source=base_source,
        base_data=base_data,
        base_sha256=hashlib.sha256(base_path.read_bytes()).hexdigest(),
        points=tuple(points),
        output=out,
    )


def point_overrides(parameters: Sequence[KeyedParameter], values: Mapping[str, Value]) -> tuple[str, ...]:
    """The ``--set`` overrides of one point: every key path of every parameter."""
    out = []
    for p in parameters:
        v = values[p.name]
        text = f"*{_positional(float(v))}" if p.scale else _toml_value(v)
        out.extend(f"{k}={text}" for k in p.key_paths)
    return tuple(out)


def scenario_at(base_data: dict[str, Any], overrides: tuple[str, ...], source: str = "<scenario>") -> Scenario:
    """The validated scenario of a point: the base data with the point's overrides applied."""
    return scenario_from_dict(apply_overrides(base_data, overrides), source=source)


def experiment_json(spec: ExperimentFile) -> str:
    """The validated experiment as JSON (kept in the store's meta table); ``periods`` only when more than 1,
    so that a store made before experiments had periods still resumes."""
    data = spec.model_dump()
    if data["experiment"].get("periods") == 1:
        del data["experiment"]["periods"]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


# --- checks -------------------------------------------------------------------------------


def _consistency_problems(spec: ExperimentFile, data: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    kind = spec.design.kind
    sampled = kind in ("lhs", "sobol", "morris")
    seen: set[str] = set()
    for i, p in enumerate(spec.parameters):
        where = key_path(("parameters", i), data)
        if p.name in seen:
            out.append(Problem(f"{where}.name", "duplicate name: every parameter needs its own name", p.name))
        seen.add(p.name)
        out.extend(key_problems(p, where))
        if sampled:
            if p.range is None:
                out.append(Problem(f"{where}.range", f"is required by a {kind} design: [low, high]", has_value=False))
            elif not p.range[0] < p.range[1]:
                out.append(Problem(f"{where}.range", "must be [low, high] with low < high", p.range))
            if p.values is not None:
                out.append(
                    Problem(f"{where}.values", f"is for list and grid designs; a {kind} design uses range", p.values)
                )
        else:
            if p.values is None:
                out.append(Problem(f"{where}.values", f"is required by a {kind} design", has_value=False))
            if p.range is not None:
                out.append(
                    Problem(
                        f"{where}.range", f"is for lhs, sobol and morris designs; a {kind} design uses values", p.range
                    )
                )
        if p.scale and p.integer:
            out.append(
                Problem(f"{where}.integer", "a scale factor cannot be whole-numbered; drop integer or scale", True)
            )
        if p.scale and p.values and any(isinstance(v, bool) or not isinstance(v, int | float) for v in p.values):
            out.append(Problem(f"{where}.values", "scale factors must be numbers", p.values))
    if kind == "list":
        lengths = {p.name: len(p.values) for p in spec.parameters if p.values is not None}
        if len(set(lengths.values())) > 1:
            out.append(
                Problem(
                    "parameters", f"a list design needs as many values for every parameter ({lengths})", has_value=False
                )
            )
    if sampled and spec.design.points is None:
        out.append(Problem("design.points", f"is required by a {kind} design", has_value=False))
    if kind == "sobol" and spec.design.points and spec.design.points & (spec.design.points - 1):
        out.append(
            Problem("design.points", "must be a power of 2 for a Sobol sequence (e.g. 64, 128)", spec.design.points)
        )
    if kind == "morris" and spec.design.levels % 2:
        out.append(
            Problem("design.levels", "must be even (Morris grids have an even number of levels)", spec.design.levels)
        )
    e = spec.experiment
    for field, names in (("policies", e.policies), ("kpis", e.kpis)):
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            out.append(Problem(f"experiment.{field}", f"names {', '.join(dup)} twice", names))
    for k in spec.analysis.kpis or []:
        if k not in e.kpis:
            out.append(Problem("analysis.kpis", f"is not kept by the sweep (experiment.kpis: {', '.join(e.kpis)})", k))
    return out


def key_problems(p: KeyedParameter, where: str) -> list[Problem]:
    """A parameter names its key path(s) once: key or keys."""
    if (p.key is None) == (p.keys is None):
        return [Problem(where, "give exactly one of key or keys", has_value=False)]
    return []


def _validate_points(points: list[Point], base_data: dict[str, Any], source: str) -> None:
    """Every point as a scenario; problems name the point, its values and the key."""
    problems: list[Problem] = []
    failed = 0
    for pt in points:
        try:
            scenario_at(base_data, pt.overrides, source)
        except ScenarioError as e:
            failed += 1
            problems.extend(Problem(f"{pt.label()}: {p.path}", p.message, p.value, p.has_value) for p in e.problems)
    if problems:
        shown = problems[:_MAX_LISTED]
        if len(problems) > _MAX_LISTED:
            shown.append(Problem("", f"… and {len(problems) - _MAX_LISTED} more problems", has_value=False))
        shown.append(Problem("", f"{failed} of {len(points)} points are not valid scenarios", has_value=False))
        raise ScenarioError(source, shown)


def _toml_value(v: Value) -> str:
    return tomli_w.dumps({"v": v}).strip()[len("v = ") :]


def _positional(x: float) -> str:
    # the relative form of --set takes plain decimals (``*1.25``), never an exponent
    return np.format_float_positional(x, trim="-")


def _short(v: Value) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
