"""The experiment file's schema — README, *Sweeps*: what an experiment may say, with types and defaults.

Loading and validating a file against it, and generating its points, is :mod:`model.sweep.experiment`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from model.scenario.loading import BASELINE
from model.scenario.schema import POLICIES, Name, PositiveInt, Strict
from model.simulation.kpis import KPIS

__all__ = [
    "DESIGNS",
    "AnalysisSpec",
    "DesignSpec",
    "ExperimentFile",
    "ExperimentSpec",
    "KeyedParameter",
    "KpiName",
    "ParameterSpec",
    "PolicyName",
    "Value",
]

#: Design kinds: explicit points, a full factorial, or samples of parameter ranges.
DESIGNS = ("list", "grid", "lhs", "sobol", "morris")

PolicyName = Literal[POLICIES]  # type: ignore[valid-type]
KpiName = Literal[KPIS]  # type: ignore[valid-type]
Value = bool | int | float | str


class ExperimentSpec(Strict):
    name: Name = Field(description="Experiment name, shown in reports.")
    description: str = Field("", description="Free text: the question the experiment answers.")
    scenario: str = Field(
        BASELINE, description="Base scenario: a TOML path relative to the experiment file, or 'baseline'."
    )
    policies: list[PolicyName] = Field(min_length=1, description="Policies run at every point.")
    replications: PositiveInt = Field(5, description="Replications of every point and policy.")
    periods: PositiveInt = Field(
        1,
        description="Periods of the scenario's horizon every replication plays (a rolling plan, as `halfstep run "
        "--periods`); a KPI is then its value over all periods.",
    )
    seed: Annotated[int, Field(ge=0)] = Field(20171001, description="Root seed (design sampling and simulation).")
    kpis: list[KpiName] = Field(default_factory=lambda: list(KPIS), description="KPIs kept in the store.")
    common_random_numbers: Literal["policies", "points"] = Field(
        "policies",
        description="policies: streams from (seed, point, replication), shared by the policies of a point; "
        "points: from (seed, replication), shared by every point too (paired comparisons of levers across points).",
    )
    output: str | None = Field(
        None, description="Output folder, relative to the experiment file (default: '<file stem>.sweep')."
    )


class DesignSpec(Strict):
    kind: Literal[DESIGNS] = Field(description="list, grid, lhs, sobol or morris.")  # type: ignore[valid-type]
    points: PositiveInt | None = Field(
        None,
        description="lhs: points; sobol: base samples N (a power of 2; N·(D+2) points); morris: trajectories r (r·(D+1) points).",
    )
    levels: PositiveInt = Field(4, description="morris: grid levels of each parameter (even).")


class KeyedParameter(Strict):
    """A parameter set through ``--set`` key paths (experiments and calibrations alike)."""

    name: Name = Field(description="Parameter name, used in tables and figures.")
    key: str | None = Field(None, description="Scenario key path, as in --set (give key or keys).")
    keys: list[str] | None = Field(None, min_length=1, description="Several key paths that take the same value.")
    scale: bool = Field(False, description="The value is a factor on the base scenario's number(s): KEY=*value.")

    @property
    def key_paths(self) -> list[str]:
        return [self.key] if self.key is not None else list(self.keys or [])


class ParameterSpec(KeyedParameter):
    values: list[Value] | None = Field(None, min_length=1, description="list and grid designs: the values.")
    range: list[float] | None = Field(
        None, min_length=2, max_length=2, description="lhs, sobol and morris designs: [low, high]."
    )
    integer: bool = Field(False, description="Sampled values are rounded to whole numbers.")


class AnalysisSpec(Strict):
    kpis: list[KpiName] | None = Field(None, description="KPIs analyze reports (default: the first kept KPI).")
    bins: PositiveInt = Field(5, description="Bins of a continuous parameter in the KPI-vs-parameter tables.")


class ExperimentFile(Strict):
    experiment: ExperimentSpec
    design: DesignSpec
    parameters: list[ParameterSpec] = Field(min_length=1)
    analysis: AnalysisSpec = AnalysisSpec()
