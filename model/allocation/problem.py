"""The planning problem: every table a plan reads from a scenario, derived once.

DESIGN.md, *The allocator*. A plan needs the value tables (reference, step, weight), the
resource tables (capacity, use, unit cost), the expected demand (trips requested m and
flown n per tier), the nesting pairs and the floors closed under nesting. The allocator,
the policies and the diagnosis all read them from one :class:`PlanningProblem`, built
once per scenario (and once more only when the demand changes, as for ``clairvoyant``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from model.allocation.demand import expected_requests, expected_trips
from model.allocation.nesting import effective_floors, nesting_arrays
from model.allocation.resources import ResourceTables, resource_tables
from model.allocation.value import ValueTables, value_tables
from model.scenario.schema import Scenario

__all__ = ["PlanningProblem", "planning_problem", "unprofitable_tiers"]


@dataclass(frozen=True)
class PlanningProblem:
    """A scenario's planning tables: value, resources, expected demand, nesting and floors."""

    scenario: Scenario
    values: ValueTables
    resources: ResourceTables
    trips: np.ndarray  # (T,) n[t]: expected trips flown with us (they use resources and cost money)
    requests: np.ndarray  # (T,) m[t]: expected trips requested (each perceives the offer)
    nesting: tuple[np.ndarray, np.ndarray, np.ndarray]  # (lower tier, higher tier, dimension) of each pair
    floors: np.ndarray  # (T, D) floors closed under nesting: the lowest levels any plan may take
    box: tuple[np.ndarray, np.ndarray] | None = None  # (T, D) lower and upper levels of a trust region, if any

    @property
    def nesting_pairs(self) -> list[tuple[int, int, int]]:
        """(lower tier, higher tier, dimension) triples the nesting constraint binds."""
        return list(zip(*(x.tolist() for x in self.nesting), strict=True))

    def with_demand(self, trips: np.ndarray | None = None, requests: np.ndarray | None = None) -> PlanningProblem:
        """The same problem with other expected trips flown and/or requested (the tables are kept)."""
        return replace(
            self,
            trips=self.trips if trips is None else np.asarray(trips, dtype=float),
            requests=self.requests if requests is None else np.asarray(requests, dtype=float),
        )


def planning_problem(
    scenario: Scenario | PlanningProblem, *, n: np.ndarray | None = None, m: np.ndarray | None = None
) -> PlanningProblem:
    """The problem of a scenario (a problem is passed through); ``n`` and ``m`` override the expected demand."""
    if isinstance(scenario, PlanningProblem):
        return scenario if n is None and m is None else scenario.with_demand(n, m)
    nesting = nesting_arrays(scenario)
    problem = PlanningProblem(
        scenario=scenario,
        values=value_tables(scenario),
        resources=resource_tables(scenario),
        trips=expected_trips(scenario) if n is None else np.asarray(n, dtype=float),
        requests=expected_requests(scenario) if m is None else np.asarray(m, dtype=float),
        nesting=nesting,
        floors=effective_floors(scenario, nesting),
    )
    for text in unprofitable_tiers(problem):
        warnings.warn(text, stacklevel=2)
    return problem


def unprofitable_tiers(problem: PlanningProblem) -> list[str]:
    """A sentence for each tier whose service at its expectation costs more a trip than the trip contributes.

    Contribution per trip is the fare × ``economics.incremental_margin``; the cost is every
    dimension's unit cost at the tier's reference level (DESIGN.md, *Economics*). Such a tier
    loses money on every trip served as it expects: worth knowing before a plan is trusted.
    """
    s = problem.scenario
    margin = s.economics.incremental_margin
    cost = (problem.resources.unit_cost * problem.values.reference).sum(axis=1)
    out = []
    for i, t in enumerate(s.tiers):
        contribution = margin * s.tier_fare_cny(t)
        if cost[i] > contribution:
            out.append(
                f"tier {t.name}: service at its expectation costs {cost[i]:,.0f} CNY a trip, more than the "
                f"{contribution:,.0f} CNY a trip contributes ({margin:g} × fare {s.tier_fare_cny(t):,.0f}); "
                "every trip served as it expects loses money"
            )
    return out
