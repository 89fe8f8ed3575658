"""What one replication of one policy produced: the KPIs of DESIGN.md, *What a run reports*.

:class:`Tally` accumulates per tier while the simulation runs; :class:`Outcome` is the
finished, plain-data record (KPIs, KPIs by tier, and the profiles the report draws:
escort use by hour, accounts by stage per day and by tier at the end). Money is CNY over the horizon unless a
name says "per trip".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.allocation.plan import Plan
    from model.allocation.resources import ResourceTables
    from model.allocation.value import ValueTables
    from model.scenario.schema import Scenario
    from model.simulation.account_outcomes import AccountOutcomes
    from model.simulation.escort import EscortPool
    from model.simulation.trips import Trips

__all__ = ["Outcome", "Tally", "single_trip_share"]


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


@dataclass
class Outcome:
    """One replication of one policy: plain numbers, ready for CSV and JSON."""

    policy: str
    replication: int
    kpis: dict[str, float]
    by_tier: dict[str, dict[str, float]]
    escort_busy_by_hour: np.ndarray = field(default_factory=lambda: np.zeros(24))
    escort_staffed_by_hour: np.ndarray = field(default_factory=lambda: np.zeros(24))
    escort_wait_by_hour: np.ndarray = field(default_factory=lambda: np.full(24, np.nan))
    stages: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    #: accounts per tier in each stage (acquisition, retention, recovery, broken) at the end of the horizon
    stages_by_tier: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    over_service_by_dimension: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: per account: trips, revenue, cost to serve by resource, PV, closeness, stage (accounts.csv)
    accounts: AccountOutcomes | None = None
    error: str | None = None
    #: the period of a multi-period run (0 in a single-period run)
    period: int = 0
    #: multi-period runs: per tier, the accounts' mean reference and the plan's level (value-weighted over the
    #: dimensions), and PV per trip requested — {"reference": [...], "level": [...], "pv_per_trip": [...]}
    dynamics: dict[str, list[float]] | None = None


class Tally:
    """Per-tier accumulators of one replication (arrays of length T unless noted)."""

    def __init__(self, tiers: int, dims: int, days: int) -> None:
        z = lambda: np.zeros(tiers)  # noqa: E731
        self.requested, self.flown, self.lost_choice, self.lost_broken, self.refused = z(), z(), z(), z(), z()
        self.revenue, self.pv = z(), z()
        self.cost_seat_holds, self.cost_escort, self.cost_benefits = z(), z(), z()
        self.failures_seat_hold, self.failures_escort, self.failures_benefit = z(), z(), z()
        self.held_seats = z()
        self.delivered = np.zeros((tiers, dims))
        self.applicable = np.zeros((tiers, dims))
        self.stages = np.zeros((days, 4))
        self.stages_by_tier = np.zeros((tiers, 4))  # at the end of the horizon
        self.churned_by_tier = z()  # breaks per tier

    def outcome(
        self,
        *,
        scenario: Scenario,
        plan: Plan,
        tables: tuple[ValueTables, ResourceTables],
        pool: EscortPool | None,
        base_revenue: float,
        displaced_seats: int,
        held_seats: int,
        held_used: int,
        breaks: int,
        single_trip_share: float = float("nan"),
        accounts: AccountOutcomes | None = None,
    ) -> Outcome:
        vt, rt = tables
        share = np.divide(self.delivered, self.applicable, out=np.zeros_like(self.delivered), where=self.applicable > 0)
        # spend above r + hΔ, and all spend on a dimension the tier values at 0
        beyond = np.where(vt.weight > 0, np.maximum(share - vt.satiation_level, 0.0), share)
        over_td = self.flown[:, None] * rt.unit_cost * beyond
        over = over_td.sum(axis=1)
        cost_tier = self.cost_seat_holds + self.cost_escort + self.cost_benefits
        margin = scenario.economics.incremental_margin
        expansion = {kind: 0.0 for kind in ("seat_holds", "escort", "benefit")}
        for k, kind in enumerate(rt.kinds):
            if plan.expansions[k] > 0:
                expansion[kind] += float(plan.expansions[k] * rt.expansion_cost[k])
        cost_expansion = sum(expansion.values())
        cost_total = float(cost_tier.sum()) + cost_expansion
        pv_total = float(self.pv.sum())
        flown, requested = float(self.flown.sum()), float(self.requested.sum())
        revenue = float(self.revenue.sum())
        # every rostered staff-hour at the wage: the roster is a fixed cost, paid busy or not (staff-hours the
        # plan added are an expansion, in cost_total at their expansion cost)
        cost_roster = rt.roster_cost
        kpis = {
            # the airline's money (DESIGN.md, *What a run reports*): the margin on the fares of trips flown, less
            # service cost (expansions included) and the escort roster
            "contribution": margin * revenue - cost_total - cost_roster,
            # PV − cost: the clients' value net of cost, not money
            "net_value": pv_total - cost_total,
            "perceived_value": pv_total,
            "perceived_value_per_trip": _ratio(pv_total, requested),
            "cost_total": cost_total,
            "cost_seat_holds": float(self.cost_seat_holds.sum()) + expansion["seat_holds"],
            "cost_escort": float(self.cost_escort.sum()) + expansion["escort"],
            "cost_benefits": float(self.cost_benefits.sum()) + expansion["benefit"],
            "cost_expansion": cost_expansion,
            "over_service_cost": float(over.sum()),
            "failures_seat_hold": float(self.failures_seat_hold.sum()),
            "failures_escort": float(self.failures_escort.sum()),
            "failures_benefit": float(self.failures_benefit.sum()),
            "trips_requested": requested,
            "trips_flown": flown,
            "trips_lost_to_competitor": float(self.lost_choice.sum() + self.lost_broken.sum()),
            "trips_refused": float(self.refused.sum()),
            "share_of_wallet": _ratio(flown, requested),
            "revenue": revenue,
            "key_account_revenue_share": _ratio(revenue, revenue + base_revenue),
            "churned_accounts": float(breaks),
            "cost_escort_roster": cost_roster,
            "escort_utilization": pool.utilization() if pool is not None else float("nan"),
            "escort_wait_mean_minutes": pool.wait_mean() if pool is not None else float("nan"),
            "escort_wait_probability": pool.wait_probability() if pool is not None else float("nan"),
            "held_seats": float(held_seats),
            "held_seats_used": float(held_used),
            "displaced_seats": float(displaced_seats),
            "key_account_fare_mean": _ratio(revenue, flown),
            "single_trip_share": single_trip_share,
        }
        by_tier = {}
        for i, name in enumerate(plan.tiers):
            by_tier[name] = {
                # as the plan's: margin × revenue − the tier's service cost (expansions and the roster are shared,
                # not attributed to tiers): the total is the tiers' sum less those shared costs
                "contribution": float(margin * self.revenue[i] - cost_tier[i]),
                "net_value": float(self.pv[i] - cost_tier[i]),
                "perceived_value": float(self.pv[i]),
                "perceived_value_per_trip": _ratio(self.pv[i], self.requested[i]),
                "cost_total": float(cost_tier[i]),
                "over_service_cost": float(over[i]),
                "trips_requested": float(self.requested[i]),
                "trips_flown": float(self.flown[i]),
                "share_of_wallet": _ratio(self.flown[i], self.requested[i]),
                "revenue": float(self.revenue[i]),
                "failures_seat_hold": float(self.failures_seat_hold[i]),
                "failures_escort": float(self.failures_escort[i]),
                "failures_benefit": float(self.failures_benefit[i]),
                "churned_accounts": float(self.churned_by_tier[i]),
            }
        out = Outcome(
            policy=plan.policy,
            replication=-1,
            kpis=kpis,
            by_tier=by_tier,
            stages=self.stages.copy(),
            stages_by_tier=np.array(self.stages_by_tier, dtype=float),
            over_service_by_dimension=over_td.sum(axis=0),
            accounts=accounts,
        )
        if pool is not None:
            out.escort_busy_by_hour = pool.busy_minutes_by_hour()
            out.escort_staffed_by_hour = pool.staffed_minutes_by_hour()
            out.escort_wait_by_hour = pool.wait_by_hour()
        return out


def single_trip_share(trips: Trips, flew: list[int]) -> float:
    """Of the travellers who flew with us at least once in the horizon, the share who flew once."""
    if trips.traveller is None or not flew:
        return float("nan")
    per_traveller = np.bincount(np.asarray(flew, dtype=np.int64))
    flyers = np.count_nonzero(per_traveller)
    return float(np.count_nonzero(per_traveller == 1) / flyers)
