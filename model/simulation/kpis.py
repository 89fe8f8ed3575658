"""The KPIs a run reports, by name and in order — DESIGN.md, *What a run reports*.

One place for every list: what each outcome records (:data:`KPIS`, :data:`TIER_KPIS`) and
which of them the terminal, the reports and a comparison show.
"""

from __future__ import annotations

__all__ = ["COMPARE_KPIS", "HEADLINE_KPIS", "KPIS", "REPORT_KPIS", "TIER_KPIS", "kpi_bounds"]

#: Every KPI of an outcome, in report order: the airline's contribution first (the headline), then the clients'
#: perceived value. ``net_value`` (PV − cost) is the clients' value net of cost, not money.
KPIS = (
    "contribution",
    "net_value",
    "perceived_value",
    "perceived_value_per_trip",
    "cost_total",
    "cost_seat_holds",
    "cost_escort",
    "cost_benefits",
    "cost_expansion",
    "cost_escort_roster",
    "over_service_cost",
    "failures_seat_hold",
    "failures_escort",
    "failures_benefit",
    "trips_requested",
    "trips_flown",
    "trips_lost_to_competitor",
    "trips_refused",
    "share_of_wallet",
    "revenue",
    "key_account_revenue_share",
    "churned_accounts",
    "escort_utilization",
    "escort_wait_mean_minutes",
    "escort_wait_probability",
    "held_seats",
    "held_seats_used",
    "displaced_seats",
    "key_account_fare_mean",
    "single_trip_share",
)

#: KPIs reported per tier; a tier's contribution is before the shared costs (the roster, expansions).
TIER_KPIS = (
    "contribution",
    "net_value",
    "perceived_value",
    "perceived_value_per_trip",
    "cost_total",
    "over_service_cost",
    "trips_requested",
    "trips_flown",
    "share_of_wallet",
    "revenue",
    "failures_seat_hold",
    "failures_escort",
    "failures_benefit",
    "churned_accounts",
)


#: KPIs in the terminal table and the paired differences: contribution (the airline's money) and what it is made of,
#: then the clients' measure (PV per trip requested) and what explains both.
HEADLINE_KPIS = (
    "contribution",
    "perceived_value_per_trip",
    "revenue",
    "cost_total",
    "cost_escort_roster",
    "over_service_cost",
    "share_of_wallet",
    "key_account_revenue_share",
    "failures_escort",
    "churned_accounts",
)


#: KPIs in the reports' full table; ``net_value`` (PV − cost, not money) is shown here only.
REPORT_KPIS = (
    *HEADLINE_KPIS,
    "cost_seat_holds",
    "cost_escort",
    "cost_benefits",
    "failures_seat_hold",
    "failures_benefit",
    "trips_flown",
    "escort_utilization",
    "escort_wait_mean_minutes",
    "held_seats_used",
    "displaced_seats",
    "net_value",
)


#: KPIs the comparison reports, in order.
COMPARE_KPIS = (
    *HEADLINE_KPIS,
    "failures_seat_hold",
    "failures_benefit",
    "escort_utilization",
    "escort_wait_mean_minutes",
    "displaced_seats",
)


#: KPIs that are shares or rates: between 0 and 1.
_UNIT = frozenset(
    {
        "share_of_wallet",
        "key_account_revenue_share",
        "escort_utilization",
        "escort_wait_probability",
        "single_trip_share",
    }
)
#: KPIs that can be negative: contribution and values. Every other KPI (counts, costs, trips, seats, fares, minutes) is ≥ 0.
_SIGNED = frozenset({"contribution", "net_value", "perceived_value", "perceived_value_per_trip"})


def kpi_bounds(kpi: str) -> tuple[float, float]:
    """The range a KPI can take (its confidence intervals are cut at it)."""
    if kpi in _UNIT:
        return (0.0, 1.0)
    if kpi in _SIGNED:
        return (-float("inf"), float("inf"))
    return (0.0, float("inf"))
