"""What the claim experiments share: sizes, output folders, evaluation on common random numbers, verdicts."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.allocation.plan import Plan
from model.scenario.loading import load_scenario, scenario_from_dict
from model.scenario.overrides import apply_overrides
from model.scenario.schema import Scenario
from model.simulation.kpis import kpi_bounds
from model.simulation.replications import run_plans
from model.simulation.result import RunResult
from model.stats import mean_ci, paired_ci

__all__ = ["Context", "Verdict", "evaluate", "fmt", "paired", "parse_args", "scenario_with", "stat"]

RESULTS = Path(__file__).parent / "results"


@dataclass
class Context:
    """How one experiment runs: its size, workers, seed and output folder."""

    name: str
    size: str = "reduced"  # or "full"
    workers: int = 2
    seed: int = 20171001
    out: Path = field(default_factory=lambda: RESULTS)

    @property
    def full(self) -> bool:
        return self.size == "full"

    def reps(self, reduced: int, full: int) -> int:
        return full if self.full else reduced

    @property
    def folder(self) -> Path:
        path = self.out / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass
class Verdict:
    """The experiment's answer: the document's claim, what the model says, and the numbers behind it."""

    title: str
    claim: str
    verdict: str  # "agrees", "partly agrees", "disagrees" or "cannot test"
    text: str  # plain sentences: where the model agrees, where not, and why
    numbers: dict[str, Any] = field(default_factory=dict)

    def markdown(self, figure: str = "figure.png") -> str:
        return (
            f"### {self.title}\n\n**Claim.** {self.claim}\n\n**Verdict: {self.verdict}.** {self.text}\n\n"
            f"![{self.title}]({figure})\n"
        )

    def write(self, ctx: Context) -> None:
        (ctx.folder / "verdict.md").write_text(self.markdown(), encoding="utf-8")
        data = {"title": self.title, "size": ctx.size, "seed": ctx.seed, "verdict": self.verdict, **self.numbers}
        (ctx.folder / "numbers.json").write_text(
            json.dumps(_clean(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


def scenario_with(base: Scenario | str | None, overrides: Sequence[str]) -> Scenario:
    """A scenario with ``--set``-style overrides applied and validated (``base`` None: the baseline)."""
    s = base if isinstance(base, Scenario) else load_scenario(base)
    if not overrides:
        return s
    data = s.model_dump(mode="json", exclude_none=True)
    return scenario_from_dict(apply_overrides(data, overrides), source=f"{s.scenario.name} with {' '.join(overrides)}")


def evaluate(
    scenario: Scenario, plans: dict[str, Plan], ctx: Context, replications: int, clairvoyant: bool = False
) -> RunResult:
    """Simulate the plans (made under any scenario with the same tiers and dimensions) in ``scenario``.

    With ``clairvoyant``, the clairvoyant reference (not a bound: a plan made from each replication's
    realized requests, simulated on the same draws) is added under that label.
    """
    return run_plans(
        scenario, plans, replications=replications, seed=ctx.seed, workers=ctx.workers, clairvoyant=clairvoyant
    )


def stat(result: RunResult, policy: str, kpi: str, tier: str | None = None) -> dict[str, Any]:
    """Mean and 95% CI of a KPI (of one tier, when given) over the result's replications."""
    values = result.values(policy, kpi) if tier is None else result.tier_values(policy, tier, kpi)
    return mean_ci(values, bounds=kpi_bounds(kpi))


def paired(a: RunResult, pa: str, b: RunResult, pb: str, kpi: str) -> dict[str, Any]:
    """Paired difference a − b of one KPI; valid when both results share seed and replications."""
    return paired_ci(a.values(pa, kpi), b.values(pb, kpi))


def fmt(s: dict[str, Any], digits: int = 0) -> str:
    """'mean [lo, hi]' for text."""
    if s["mean"] is None:
        return "n/a"
    lo, hi = s["ci95"]
    if lo is None:
        return f"{s['mean']:,.{digits}f}"
    return f"{s['mean']:,.{digits}f} [{lo:,.{digits}f}, {hi:,.{digits}f}]"


def parse_args(argv: Sequence[str] | None, names: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    p = argparse.ArgumentParser(prog="python -m experiments.claims", description=__doc__)
    p.add_argument("--full", action="store_true", help="the documented full size (slow), not the reduced one")
    p.add_argument("--workers", type=int, default=2, help="worker processes (results do not depend on it)")
    p.add_argument("--only", default="", help="comma-separated experiments, e.g. e1,e5 (default: all)")
    p.add_argument("--out", type=Path, default=RESULTS, help="results folder (default: experiments/claims/results)")
    args = p.parse_args(argv)
    chosen = [n for n in names if not args.only or n.split("_")[0] in args.only.split(",") or n in args.only.split(",")]
    if args.only and not chosen:
        p.error(f"--only {args.only!r} names no experiment; experiments are {', '.join(names)}")
    return args, chosen
