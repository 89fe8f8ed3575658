"""The KPIs a run reports, by name and in order — DESIGN.md, *What a run reports*.

One place for every list: what each outcome records (:data:`KPIS`, :data:`TIER_KPIS`) and
which of them the terminal, the reports and a comparison show.
"""

from __future__ import annotations

__all__ = ["COMPARE_KPIS", "HEADLINE_KPIS", "KPIS", "REPORT_KPIS", "TIER_KPIS", "kpi_bounds"]

#: Every KPI of an outcome, in report order.
KPIS = (
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
    "profit",
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

#: KPIs reported per tier.
TIER_KPIS = (
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


#: KPIs in the terminal table and the report's first table.
HEADLINE_KPIS = (
    "net_value",
    "perceived_value_per_trip",
    "cost_total",
    "over_service_cost",
    "profit",
    "share_of_wallet",
    "key_account_revenue_share",
    "failures_escort",
    "churned_accounts",
)


#: KPIs in the reports' full table.
REPORT_KPIS = (
    *HEADLINE_KPIS,
    "cost_seat_holds",
    "cost_escort",
    "cost_escort_roster",
    "cost_benefits",
    "failures_seat_hold",
    "failures_benefit",
    "trips_flown",
    "revenue",
    "escort_utilization",
    "escort_wait_mean_minutes",
    "held_seats_used",
    "displaced_seats",
)


#: KPIs the comparison reports, in order.
COMPARE_KPIS = (
    *HEADLINE_KPIS,
    "failures_seat_hold",
    "failures_benefit",
    "escort_utilization",
    "escort_wait_mean_minutes",
    "cost_escort_roster",
    "displaced_seats",
)


#: KPIs that are shares or rates: between 0 and 1.
_UNIT = frozenset(
    {"share_of_wallet", "key_account_revenue_share", "escort_utilization", "escort_wait_probability", "single_trip_share"}
)
#: KPIs that can be negative: values and profit. Every other KPI (counts, costs, trips, seats, fares, minutes) is ≥ 0.
_SIGNED = frozenset({"net_value", "perceived_value", "perceived_value_per_trip", "profit"})


def kpi_bounds(kpi: str) -> tuple[float, float]:
    """The range a KPI can take (its confidence intervals are cut at it)."""
    if kpi in _UNIT:
        return (0.0, 1.0)
    if kpi in _SIGNED:
        return (-float("inf"), float("inf"))
    return (0.0, float("inf"))
