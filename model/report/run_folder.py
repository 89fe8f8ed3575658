"""The run folder's format, written and read — DESIGN.md, *What a run reports*.

    scenario.toml         the resolved scenario (every default filled in)
    manifest.json         versions, seed, replications, policies, solver, timings, command
    plans/<policy>.csv    one plan per policy (and plans/<policy>.json)
    outcomes.csv          one row per policy × replication
    outcomes_by_tier.csv  one row per policy × replication × tier
    summary.json          means and 95% CIs; paired differences
    report.md             the report (Markdown, figures linked)
    report.html           the report as one self-contained page (figures embedded)
    figures/*.png         the figures

This module makes the text of the data files and reads a folder back
(:func:`load_run`); :func:`model.report.publish.write_run` writes the whole folder,
reports and figures included, through a staging folder renamed into place when complete.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from model.errors import RunFolderError
from model.scenario.loading import read_toml, scenario_origin
from model.scenario.schema import Scenario
from model.simulation.kpis import KPIS, TIER_KPIS
from model.simulation.result import RunResult
from model.version import NUMBER_PACKAGES, versions

__all__ = ["RunRecord", "load_run", "manifest", "outcomes_by_tier_csv", "outcomes_csv", "resolved_toml"]

# the manifest also names matplotlib, which draws the figures
RUN_PACKAGES = (*NUMBER_PACKAGES[:5], "matplotlib", NUMBER_PACKAGES[5])


def resolved_toml(scenario: Scenario) -> str:
    data = scenario.model_dump(mode="json", exclude_none=True)
    return "# The scenario as this run used it, every default filled in.\n" + tomli_w.dumps(data)


def manifest(result: RunResult, command: list[str] | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "scenario": result.scenario.scenario.name,
        "versions": versions(RUN_PACKAGES),
        "seed": result.seed,
        "replications": result.replications,
        "periods": result.periods,
        "policies": list(result.policies),
        "workers": result.workers,
        "solver": result.scenario.allocator.solver,
        "timings_seconds": {k: round(v, 4) for k, v in result.timings.items()},
        "failed_runs": len(result.failed()),
        "command": command if command is not None else sys.argv,
        "source": scenario_origin(result.scenario),  # the scenario file and --set overrides (None: built in code)
        **(extra or {}),
    }


def _fmt(x: float) -> str:
    return "" if not math.isfinite(x) else repr(float(x))


def outcomes_csv(result: RunResult) -> str:
    """One row per policy × replication: status, then every KPI."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", "replication", "status", *KPIS])
    for o in result.outcomes:
        status = "ok" if o.error is None else "failed: " + o.error.strip().splitlines()[-1]
        w.writerow([o.policy, o.replication, status, *(_fmt(o.kpis[k]) for k in KPIS)])
    return buf.getvalue()


def outcomes_by_tier_csv(result: RunResult) -> str:
    """One row per policy × replication × tier."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", "replication", "tier", *TIER_KPIS])
    for o in result.outcomes:
        for t, row in o.by_tier.items():
            w.writerow([o.policy, o.replication, t, *(_fmt(row[k]) for k in TIER_KPIS)])
    return buf.getvalue()


#: The KPIs of ``periods.csv``, for all tiers and per tier.
PERIOD_KPIS = (
    "contribution",
    "perceived_value_per_trip",
    "revenue",
    "cost_total",
    "trips_requested",
    "trips_flown",
    "share_of_wallet",
    "churned_accounts",
)


def periods_csv(result: RunResult) -> str:
    """A multi-period run, period by period: one row per policy × replication × period × tier ("all" first),
    with the tier's mean reference and planned level (value-weighted over the dimensions)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", "replication", "period", "tier", *PERIOD_KPIS, "reference", "level"])
    margin = result.scenario.economics.incremental_margin
    for o in result.period_outcomes:
        w.writerow([o.policy, o.replication, o.period, "all", *(_fmt(o.kpis[k]) for k in PERIOD_KPIS), "", ""])
        for i, (t, row) in enumerate(o.by_tier.items()):
            d = o.dynamics or {}
            extra = [_fmt(d["reference"][i]), _fmt(d["level"][i])] if d else ["", ""]
            # a tier's contribution: the margin on its revenue less its service cost
            values = {**row, "contribution": margin * row["revenue"] - row["cost_total"]}
            w.writerow([o.policy, o.replication, o.period, t, *(_fmt(values[k]) for k in PERIOD_KPIS), *extra])
    return buf.getvalue()


@dataclass
class RunRecord:
    """What a run folder holds, read back: enough to compare it with another."""

    path: Path
    label: str
    scenario: dict[str, Any]  # the resolved scenario as plain data
    manifest: dict[str, Any]
    values: dict[tuple[str, str], list[float]]  # (policy, kpi) → value per replication (NaN = failed)
    plans: dict[str, dict[str, Any]]  # policy → plan.json
    # a multi-period run: (policy, kpi, period) → value per replication, from periods.csv (empty otherwise)
    period_values: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)

    @property
    def periods(self) -> int:
        return int(self.manifest.get("periods", 1))

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def replications(self) -> int:
        return int(self.manifest["replications"])

    @property
    def policies(self) -> list[str]:
        return list(self.manifest["policies"])

    @property
    def tiers(self) -> list[str]:
        return [t["name"] for t in self.scenario["tiers"]]

    @property
    def dimensions(self) -> list[str]:
        return [d["name"] for d in self.scenario["dimensions"]]


def _need(folder: Path, name: str) -> Path:
    p = folder / name
    if not p.is_file():
        raise RunFolderError(f"{folder} is not a halfstep run folder: {name} is missing (make one with 'halfstep run')")
    return p


def _float(text: str) -> float:
    return float(text) if text else math.nan


def load_run(folder: str | Path, label: str | None = None) -> RunRecord:
    """Read a run folder written by ``halfstep run`` (or raise RunFolderError naming what is missing)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: no such run folder")
    manifest = json.loads(_need(folder, "manifest.json").read_text(encoding="utf-8"))
    scenario = read_toml(_need(folder, "scenario.toml"))
    values: dict[tuple[str, str], list[float]] = {}
    reps = int(manifest["replications"])
    with _need(folder, "outcomes.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            p, r = row["policy"], int(row["replication"])
            for k in KPIS:
                values.setdefault((p, k), [math.nan] * reps)[r] = _float(row.get(k) or "")
            if "contribution" not in row and "profit" in row:  # a folder written before profit became contribution
                roster = _float(row.get("cost_escort_roster") or "")
                values[(p, "contribution")][r] = _float(row["profit"]) - (roster if math.isfinite(roster) else 0.0)
    plans = {}
    for p in manifest["policies"]:
        pj = folder / "plans" / f"{p}.json"
        if pj.is_file():
            plans[p] = json.loads(pj.read_text(encoding="utf-8"))
    period_values: dict[tuple[str, str, int], list[float]] = {}
    if (folder / "periods.csv").is_file():
        with (folder / "periods.csv").open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if row["tier"] != "all":
                    continue
                p, r, k = row["policy"], int(row["replication"]), int(row["period"])
                for kpi in PERIOD_KPIS:
                    period_values.setdefault((p, kpi, k), [math.nan] * reps)[r] = _float(row.get(kpi) or "")
    return RunRecord(folder, label or folder.name, scenario, manifest, values, plans, period_values)
