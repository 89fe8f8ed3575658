"""A run's result: the plans, one outcome per policy × replication, timings — DESIGN.md, *What a run reports*."""

from __future__ import annotations

from dataclasses import dataclass, field

from model.allocation.plan import Plan
from model.scenario.schema import Scenario
from model.simulation.outcome import Outcome
from model.simulation.summary import kpi_values, summarize

__all__ = ["RunResult"]


@dataclass
class RunResult:
    """Everything a run produced: the plans, one outcome per policy × replication, timings."""

    scenario: Scenario
    policies: tuple[str, ...]
    replications: int
    seed: int
    plans: dict[str, Plan]
    outcomes: list[Outcome]
    timings: dict[str, float] = field(default_factory=dict)
    workers: int = 1
    #: periods of a rolling plan (1: a single-period run); ``outcomes`` then hold each replication over all
    #: periods and ``period_outcomes`` one outcome per policy × replication × period
    periods: int = 1
    period_outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> dict:
        """Means with 95% CIs per policy and tier, the paired differences and the plan gap (see :mod:`model.simulation.summary`);
        with periods, ``periods``: the same per period (KPIs and paired differences)."""
        out = summarize(
            self.outcomes,
            policies=self.policies,
            replications=self.replications,
            tiers=self.scenario.tier_names,
            scenario=self.scenario.scenario.name,
            seed=self.seed,
            plans=self.plans if self.periods == 1 else {},
        )
        if self.periods > 1:
            out["periods"] = [
                summarize(
                    [o for o in self.period_outcomes if o.period == k],
                    policies=self.policies,
                    replications=self.replications,
                    tiers=self.scenario.tier_names,
                    scenario=self.scenario.scenario.name,
                    seed=self.seed,
                    plans={},
                )
                for k in range(self.periods)
            ]
            out["periods_count"] = self.periods
        return out

    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]

    def of(self, policy: str) -> list[Outcome]:
        """The successful outcomes of one policy, in replication order."""
        return [o for o in self.outcomes if o.policy == policy and o.error is None]

    def values(self, policy: str, kpi: str) -> list[float]:
        """One KPI of a policy by replication; NaN where the replication failed (keeps pairs aligned)."""
        return kpi_values(self.outcomes, policy, kpi, self.replications)

    def tier_values(self, policy: str, tier: str, kpi: str) -> list[float]:
        return kpi_values(self.outcomes, policy, kpi, self.replications, tier=tier)
