"""Terminal output: the scenario summary and the plan, as tables and plain sentences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console
from rich.table import Table

from model.allocation.demand import expected_requests, expected_trips
from model.allocation.plan import Plan
from model.allocation.resources import resource_tables
from model.scenario.schema import Scenario

__all__ = ["print_plan", "scenario_summary"]


def _money(x: float) -> str:
    return f"{x:,.0f}"


def scenario_summary(s: Scenario) -> str:
    """A few lines a user can check at a glance."""
    rt = resource_tables(s)
    n_req, n = expected_requests(s), expected_trips(s)
    lines = [
        f"scenario   {s.scenario.name}",
        f"horizon    {s.time.horizon_days} days, {len(s.seasons)} season(s), {len(s.flights.departure_hours)} flights a day",
        f"tiers      {len(s.tiers)}: " + ", ".join(f"{t.name} ({t.accounts} accounts)" for t in s.tiers),
        f"trips      {n_req.sum():,.0f} requested, {n.sum():,.0f} expected with us at reference",
        f"dimensions {len(s.dimensions)}: " + ", ".join(s.dimension_names),
    ]
    for k, name in enumerate(rt.names):
        cap = "unlimited" if not np.isfinite(rt.capacity[k]) else f"{rt.capacity[k]:,.0f} {rt.unit(k)}"
        lines.append(f"resource   {name} ({rt.kinds[k]}): {cap}")
    budget = "unlimited" if not np.isfinite(rt.budget) else f"{rt.budget:,.0f} CNY"
    lines.append(f"budget     benefits {budget}")
    lines.append(
        f"allocator  {s.allocator.policy} with {s.allocator.solver}; simulation {s.simulation.replications} replications, seed {s.simulation.seed}"
    )
    return "\n".join(lines)


def print_plan(console: Console, p: Plan, overrides: Sequence[str] = ()) -> None:
    """Levels, per-tier value and cost, resource use and shadow prices in plain words (and the what-ifs applied)."""
    lead = "" if p.lead is None else f", lead {p.lead:g} step"
    lps = ""
    if p.objective == "contribution" and p.iterations > 1:
        lps = f", {p.iterations} LPs, {'converged' if p.converged else 'NOT converged'}"
    console.print(
        f"[bold]{p.scenario}[/bold] — policy [bold]{p.policy}[/bold]{lead}, maximizing {p.objective} "
        f"({p.solver}: {p.status}{lps}, {p.build_seconds + p.solve_seconds:.2f} s)"
    )
    if np.isfinite(p.expected_contribution):
        console.print(
            f"expected contribution {p.expected_contribution:,.0f} CNY over the horizon "
            f"(margin on {p.expected_trips.sum():,.0f} trips flown, less service {p.total_cost:,.0f} "
            f"and the escort roster {p.roster_cost:,.0f})",
            markup=False,
        )
    if overrides:
        console.print("what-if: " + ", ".join(overrides), markup=False)

    levels = Table(title="Levels (share of trips served)", title_justify="left")
    levels.add_column("dimension")
    for t in p.tiers:
        levels.add_column(t, justify="right")
    for j, d in enumerate(p.dimensions):
        levels.add_row(d, *(f"{p.levels[i, j]:.2f}" for i in range(len(p.tiers))))
    console.print(levels)

    tiers = Table(
        title="Per tier, over the horizon (CNY): PV counts every trip requested, revenue and cost every trip "
        "flown; contribution = margin × revenue − cost (the total less expansions; the roster apart)",
        title_justify="left",
    )
    for col in (
        "tier",
        "requested",
        "flown",
        "PV/request",
        "cost/flown",
        "revenue",
        "cost",
        "contribution",
        "over-service",
    ):
        tiers.add_column(col, justify="left" if col == "tier" else "right")
    for i, t in enumerate(p.tiers):
        tiers.add_row(
            t,
            f"{p.expected_requests[i]:,.0f}",
            f"{p.expected_trips[i]:,.0f}",
            f"{p.pv_per_trip[i]:,.1f}",
            f"{p.cost_per_trip[i]:,.1f}",
            _money(np.nan if p.revenue is None else p.revenue[i]),
            _money(p.cost[i]),
            _money(p.contribution[i]),
            _money(p.over_service_cost[i]),
        )
    tiers.add_row(
        "total",
        f"{p.expected_requests.sum():,.0f}",
        f"{p.expected_trips.sum():,.0f}",
        "",
        "",
        _money(np.nan if p.revenue is None else p.revenue.sum()),
        _money(p.total_cost),
        _money(p.contribution.sum() - p.expansion_cost),
        _money(p.over_service_cost.sum()),
        style="bold",
    )
    console.print(tiers)

    res = Table(title="Resources", title_justify="left")
    for col in ("resource", "used", "capacity", "expansion"):
        res.add_column(col, justify="left" if col == "resource" else "right")
    for k, r in enumerate(p.resources):
        cap = "unlimited" if not np.isfinite(p.capacity[k]) else f"{p.capacity[k]:,.0f}"
        res.add_row(r, f"{p.resource_use[k]:,.0f}", cap, f"{p.expansions[k]:,.0f}")
    console.print(res)

    if p.shadow_prices:
        console.print("[bold]Shadow prices[/bold] — what one more unit is worth:")
        for s in p.shadow_prices:
            console.print(f"  {s.constraint}: {s.sentence(p.objective)}", markup=False)
    if p.binding:
        console.print("Binding: " + "; ".join(p.binding), markup=False)
    for note in p.notes:
        console.print(f"[yellow]note[/yellow]: {note}")
