"""The run's HTML report (``report.html``): one self-contained page a planner reads top to bottom.

Headline first (which policy has the highest contribution, by how much, how sure, and which
decision that supports), then the plans, KPIs with error bars, tiers, whether the plan holds
(simulated − planned), over-service, failures, escorts, seat holds, loyalty stages, shadow
prices, the scenario's key parameters and a methods note. Figures are embedded
(:mod:`model.report.views.page`), so the file can be mailed or opened offline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from model.report.views.accounts import accounts_html
from model.report.views.dynamics import dynamics_html
from model.report.views.format import (
    GAP_LABELS,
    fmt_ci,
    fmt_gap,
    gap_policies,
    headline,
    kpi_label,
    methods_text,
    plan_gap_sentence,
    unplanned_note,
)
from model.report.views.page import figure, page, para, table
from model.scenario.schema import Scenario
from model.simulation.kpis import HEADLINE_KPIS, REPORT_KPIS
from model.simulation.result import RunResult
from model.simulation.summary import GAP_KPIS

__all__ = ["report_html"]

#: Figure file → caption, in page order.
_CAPTIONS = {
    "plans.png": "Each policy's plan: the level (share of trips served) per tier and dimension.",
    "kpis.png": "Headline KPIs per policy, contribution (the airline's money) first and the clients' PV per trip "
    "requested beside it: mean and 95% CI over replications.",
    "tiers.png": "Perceived value per trip requested and cost, per tier (mean and 95% CI).",
    "plan_gap.png": "PV per trip requested, simulated − planned, per tier: mean and 95% CI over replications "
    "(0 = as planned).",
    "over_service.png": "Over-service cost by dimension: money spent on service beyond what clients notice (r + hΔ).",
    "failures.png": "Service promised but not delivered, by kind and by tier.",
    "escort.png": "Escort staff utilization by hour of day and mean wait by hour of arrival.",
    "holds.png": "Seat holds: seats held, held seats used by key-account travellers, base passengers displaced.",
    "stages.png": "Accounts by loyalty stage over the horizon (mean over replications).",
    "dynamics.png": "Per tier over the periods: the clients' reference and the plan's level (value-weighted over the "
    "dimensions) and PV per trip requested (means over replications).",
}


def _section(title: str, *parts: str) -> str:
    return f"<section><h2>{title}</h2>" + "".join(parts) + "</section>"


def _fig(figures: dict[str, bytes], name: str) -> str:
    return figure(figures[name], name.removesuffix(".png"), _CAPTIONS[name]) if name in figures else ""


def _plan_gap(result: RunResult, summary: dict[str, Any], figures: dict[str, bytes]) -> str:
    """'Does the plan hold?': simulated − planned per policy and tier, with the plan's own numbers beside."""
    pols = gap_policies(result, summary)
    if not pols:
        return _section("Does the plan hold?", para(plan_gap_sentence(result, summary)))
    rows = []
    for p in pols:
        gap = summary["plan_gap"][p]
        for t in [*gap["by_tier"], None]:
            got = gap["total"] if t is None else gap["by_tier"][t]
            planned = gap["planned"]["total"] if t is None else gap["planned"]["by_tier"][t]
            row: list[str] = [p, "all tiers" if t is None else t]
            for k in GAP_KPIS:
                row += [fmt_ci({"mean": planned[k], "ci95": [None, None]}, k), fmt_gap(got[k], k)]
            rows.append(row)
    header = ["policy", "tier", *(f"{GAP_LABELS[k]}: {x}" for k in GAP_KPIS for x in ("planned", "gap"))]
    note = unplanned_note(result, summary)
    return _section(
        "Does the plan hold?",
        para(
            "Each plan promises PV per trip requested, trips flown and a cost per tier; the gap is the simulation's "
            "value minus the plan's, replication by replication, mean [95% CI]. An interval that excludes 0 says the "
            "plan's promise does not hold in the simulation (above 0: it under-promised; below: it over-promised). "
            "Over all tiers, PV per trip requested also moves with the mix of tiers among the trips requested, and "
            "the cost includes capacity expansions on both sides."
        ),
        para(plan_gap_sentence(result, summary)),
        table(header, rows),
        para(note, "small") if note else "",
        _fig(figures, "plan_gap.png"),
    )


def _shadow_prices(result: RunResult) -> str:
    plans = [p for p in result.plans.values() if p.shadow_prices]
    if not plans:
        return para("No plan has a constraint with a shadow price.")
    names = list(dict.fromkeys(sp.constraint for p in plans for sp in p.shadow_prices))
    units = {sp.constraint: sp.unit for p in plans for sp in p.shadow_prices}
    rows = []
    for c in names:
        cells = []
        for p in plans:
            sp = next((x for x in p.shadow_prices if x.constraint == c), None)
            cells.append("—" if sp is None else f"{sp.value_cny:,.2f} ({'binding' if sp.binding else 'slack'})")
        rows.append([c, units[c], *cells])
    lead = next((p for p in plans if p.policy == "halfstep"), plans[0])
    said = [f"{sp.sentence(lead.objective)}." for sp in lead.shadow_prices if sp.binding and sp.value_cny > 0]
    words = (
        para(f"Under {lead.policy} (maximizing {lead.objective}): " + " ".join(s[0].upper() + s[1:] for s in said))
        if said
        else para(f"Under {lead.policy} no capacity or budget binds: one more unit of any adds nothing.")
    )
    return (
        words
        + para(
            "What one more unit of each constrained resource is worth, in CNY of the plan's objective "
            "(the LP's shadow price; 0 where the resource is not binding)."
        )
        + table(["constraint", "unit", *(p.policy for p in plans)], rows)
    )


def _parameters(s: Scenario, overrides: Sequence[str]) -> str:
    v, a = s.value, s.allocator
    general = [
        ["horizon", f"{s.time.horizon_days} days"],
        ["loss aversion λ / satiation h / weak value ρ", f"{v.loss_aversion} / {v.satiation} / {v.weak_value}"],
        ["lead of the 'lead' policy", f"{a.lead} steps"],
        ["nesting", "on" if a.nesting else "off"],
        ["solver", a.solver],
        ["benefit budget", "unlimited" if s.budget.benefits_cny is None else f"{s.budget.benefits_cny:,.0f} CNY"],
        ["flights per day × seats", f"{len(s.flights.departure_hours)} × {s.flights.seats}"],
        ["base load factor", f"{s.flights.base_load_factor:.0%}"],
        ["incremental margin", f"{s.economics.incremental_margin:.0%}"],
        ["seasons", ", ".join(x.name for x in s.seasons) or "none"],
        ["what-if overrides (--set)", " ".join(overrides) or "none"],
    ]
    res_rows = []
    for r in s.resources:
        if r.kind == "escort":
            cap = f"{sum(r.staff_on_duty)} staff-hours per day, max utilization {r.max_utilization:.0%}"
        elif r.kind == "seat_holds":
            cap = f"hold limit per flight: {r.hold_limit_per_flight}"
        else:
            cap = "unlimited" if r.daily_capacity is None else f"{r.daily_capacity:,.0f} uses per day"
        res_rows.append([r.name, r.kind, cap])
    tier_rows = [
        [
            t.name,
            t.accounts,
            t.travellers_per_account,
            f"{t.trips_per_traveller_per_year:g}",
            f"{t.trip_rate_shape:g}",
            f"{s.tier_fare_cny(t):,.0f}",
            f"{t.escort_need:.0%}",
        ]
        for t in s.tiers
    ]
    return (
        table(["parameter", "value"], general)
        + table(["resource", "kind", "capacity"], res_rows)
        + table(
            [
                "tier",
                "accounts",
                "travellers / account",
                "trips / traveller / year",
                "trip-rate shape k",
                "fare, CNY",
                "escort need",
            ],
            tier_rows,
        )
        + para("Every value is in the run folder's scenario.toml, as the run used it.", "small")
    )


def report_html(
    result: RunResult,
    summary: dict[str, Any],
    figures: dict[str, bytes],
    overrides: Sequence[str] = (),
    accounts: Any = None,
) -> str:
    """The whole report as one HTML document (``accounts``: the rows of accounts.csv as a DataFrame, if made)."""
    s = result.scenario
    pols = result.policies
    kpi_table = table(
        ["KPI", *pols],
        ([kpi_label(k), *(fmt_ci(summary["policies"][p]["kpis"][k], k) for p in pols)] for k in REPORT_KPIS),
    )
    pairs = list(summary["paired"])
    paired = (
        table(["KPI", *pairs], ([k, *(fmt_ci(summary["paired"][q][k], k) for q in pairs)] for k in HEADLINE_KPIS))
        if pairs
        else ""
    )
    tier_rows = []
    for t in s.tier_names:
        row: list[str] = [t]
        for p in pols:
            bt = summary["policies"][p]["by_tier"][t]
            row += [fmt_ci(bt["perceived_value_per_trip"], "pv"), fmt_ci(bt["cost_total"], "cost")]
        tier_rows.append(row)
    failed = result.failed()
    failed_rows = [[o.policy, o.replication, (o.error or "").strip().splitlines()[-1]] for o in failed]
    sections = [
        f"<h1>{html.escape(s.scenario.name)} — halfstep run</h1>",
        para(
            f"{len(pols)} policies × {result.replications} replications, seed {result.seed}"
            + (f"; what-if: {' '.join(overrides)}" if overrides else ""),
            "small",
        ),
        para(headline(result, summary), "lead"),
        para(f"{len(failed)} policy × replication runs failed and are left out of the means.", "warn")
        if failed
        else "",
        _section("Plans", _fig(figures, "plans.png")),
        _section("KPIs per policy (mean [95% CI])", kpi_table, _fig(figures, "kpis.png")),
        _section(
            "Paired differences (common random numbers)",
            para("Each column is one policy minus another, replication by replication; mean [95% CI]."),
            paired,
        )
        if pairs
        else "",
        _section(
            "Per tier: PV per trip requested and cost (CNY)",
            table(["tier", *(f"{p} {x}" for p in pols for x in ("PV/trip", "cost"))], tier_rows),
            _fig(figures, "tiers.png"),
        ),
        _plan_gap(result, summary, figures),
        _section("Over-service", _fig(figures, "over_service.png")),
        _section(
            "Failures",
            _fig(figures, "failures.png"),
            table(["policy", "replication", "error"], failed_rows) if failed_rows else para("No replication failed."),
        ),
        _section("Escort staff", _fig(figures, "escort.png")),
        _section("Seat holds and displacement", _fig(figures, "holds.png")),
        _section("Loyalty stages", _fig(figures, "stages.png")),
        *([_section("Accounts worth developing", accounts_html(accounts))] if accounts is not None and len(accounts) else []),
        *(
            [_section("Dynamics", dynamics_html(result, summary), _fig(figures, "dynamics.png"))]
            if result.periods > 1
            else []
        ),
        _section("What one more unit is worth", _shadow_prices(result)),
        _section("Key parameters", _parameters(s, overrides)),
        _section("Methods", para(methods_text(result))),
    ]
    return page(f"{s.scenario.name} — halfstep run", sections)
