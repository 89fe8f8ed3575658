"""What each account did in one replication — the raw material of *accounts worth developing* (seed 002).

Per account: trips requested and flown, revenue, the cost to serve it by resource, the
services its trips received (counts per dimension), its perceived value summed over its
requests, and its closeness and stage at the end of the horizon. The costs add up to the
tiers' costs of the same replication: benefits and escort dimensions at their unit costs
on the trips that received them (recovery offers included), seat holds at the handling
cost per seat held plus the displacement attributed by seats held — as the tiers' are.
Rostered escort staff and capacity expansions are the airline's, not an account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.allocation.resources import ResourceTables
    from model.scenario.schema import Scenario
    from model.simulation.trips import Trips

__all__ = ["SUMMED", "AccountOutcomes", "account_outcomes"]

#: The per-account quantities that add up (over periods, say); closeness and stage are states.
SUMMED = ("requested", "flown", "revenue", "cost_seat_holds", "cost_escort", "cost_benefits", "perceived_value")


@dataclass
class AccountOutcomes:
    """Arrays over the scenario's accounts (numbered tier by tier, in the order of the file)."""

    tier: np.ndarray  # (A,) tier index
    requested: np.ndarray  # (A,)
    flown: np.ndarray  # (A,)
    revenue: np.ndarray  # (A,) CNY
    cost_seat_holds: np.ndarray  # (A,) CNY
    cost_escort: np.ndarray  # (A,) CNY
    cost_benefits: np.ndarray  # (A,) CNY
    perceived_value: np.ndarray  # (A,) CNY, summed over the account's trips requested
    closeness: np.ndarray  # (A,) at the end of the horizon
    stage: np.ndarray  # (A,) 0 acquisition, 1 retention, 2 recovery, 3 broken — at the end
    delivered: np.ndarray  # (A, D) trips flown that received each dimension

    @property
    def cost(self) -> np.ndarray:
        return self.cost_seat_holds + self.cost_escort + self.cost_benefits


def account_outcomes(
    scenario: Scenario,
    tables: ResourceTables,
    trips: Trips,
    finished: tuple[list[int], list[int], list[int], list[int]],
    *,
    revenue: list[float],
    pv: list[float],
    held: list[int],
    bonus: list[float],
    hold_cost_per_seat: float,
    closeness: list[float],
    stage: list[int],
) -> AccountOutcomes:
    """Aggregate one replication's trips per account (``finished``: tier, delivered bits, skipped bits, account
    of every trip flown)."""
    A = int(trips.accounts_per_tier.sum())
    D = len(scenario.dimensions)
    tier = np.repeat(np.arange(len(trips.accounts_per_tier)), trips.accounts_per_tier)
    account = np.asarray(finished[3], dtype=np.int64)
    bits = np.asarray(finished[1], dtype=np.int64)
    delivered = np.zeros((A, D))
    for j in range(D):
        delivered[:, j] = np.bincount(account, weights=(bits >> j) & 1, minlength=A)
    kinds = np.array([scenario.resource_of(d).kind for d in scenario.dimensions])
    unit = np.array([d.unit_cost_cny for d in scenario.dimensions], dtype=float)
    escort_cost = delivered[:, kinds == "escort"] @ unit[kinds == "escort"]
    for j, r in tables.upgrades:  # a replacing escort's trips pay its unit cost in place of the replaced one's
        escort_cost -= delivered[:, j] * unit[r]
    return AccountOutcomes(
        tier=tier,
        requested=np.bincount(trips.account, minlength=A).astype(float),
        flown=np.bincount(account, minlength=A).astype(float),
        revenue=np.asarray(revenue, dtype=float),
        cost_seat_holds=np.asarray(held, dtype=float) * hold_cost_per_seat,
        cost_escort=escort_cost,
        cost_benefits=delivered[:, kinds == "benefit"] @ unit[kinds == "benefit"] + np.asarray(bonus, dtype=float),
        perceived_value=np.asarray(pv, dtype=float),
        closeness=np.asarray(closeness, dtype=float),
        stage=np.asarray(stage, dtype=np.int64),
        delivered=delivered,
    )
