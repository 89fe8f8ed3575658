"""A multi-period run's dynamics: per tier, the clients' reference, the plan's level and PV per trip over periods."""

from __future__ import annotations

import numpy as np

from model.report.views.page import para
from model.report.views.style import png, subplots
from model.simulation.result import RunResult

__all__ = ["dynamics_figure", "dynamics_html", "dynamics_means"]

ROWS = (
    ("reference", "clients' reference"),
    ("level", "plan's level"),
    ("pv_per_trip", "PV per trip, CNY"),
)


def dynamics_means(result: RunResult, policy: str) -> dict[str, np.ndarray]:
    """(periods, tiers) means over the replications of each dynamics series of one policy."""
    out = {}
    for key, _ in ROWS:
        per = []
        for k in range(result.periods):
            rows = [
                o.dynamics[key] for o in result.period_outcomes if o.policy == policy and o.period == k and o.dynamics
            ]
            per.append(
                np.nanmean(np.asarray(rows, dtype=float), axis=0)
                if rows
                else np.full(len(result.scenario.tiers), np.nan)
            )
        out[key] = np.asarray(per)
    return out


def dynamics_figure(result: RunResult) -> bytes:
    """Rows: reference, level, PV per trip; a column per policy; a line per tier over the periods."""
    from matplotlib.ticker import MaxNLocator

    pols = [p for p in result.policies if any(o.policy == p and o.dynamics for o in result.period_outcomes)]
    tiers = result.scenario.tier_names
    fig, axes = subplots(
        len(ROWS), len(pols), figsize=(3.2 * len(pols) + 1.0, 7.5), squeeze=False, sharey="row", layout="constrained"
    )
    x = np.arange(1, result.periods + 1)
    for c, p in enumerate(pols):
        means = dynamics_means(result, p)
        for r, (key, label) in enumerate(ROWS):
            ax = axes[r][c]
            for i, t in enumerate(tiers):
                ax.plot(x, means[key][:, i], marker="o", markersize=3, label=t, color=f"C{i}")
            if r == 0:
                ax.set_title(p)
            if c == 0:
                ax.set_ylabel(label)
            if r == len(ROWS) - 1:
                ax.set_xlabel("period")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0][-1].legend(fontsize="small", loc="best")
    fig.suptitle("Reference and level (value-weighted over the dimensions), PV per trip requested: per tier over the periods")
    return png(fig)


def dynamics_html(result: RunResult, summary: dict) -> str:
    """The dynamics section's text: how many periods, whether expectations move, first and last period."""
    e = result.scenario.expectations
    moving = e.adapt_up > 0 or e.adapt_down > 0
    how = (
        f"expectations move toward what each account experienced (κ_up {e.adapt_up:g}, κ_down {e.adapt_down:g} a "
        f"period, never below {e.floor_share:g} of the start)"
        if moving
        else "expectations stay where the scenario puts them (κ = 0)"
    )
    lines = []
    periods = summary.get("periods", [])
    if periods:
        first, last = periods[0]["policies"], periods[-1]["policies"]
        for p in result.policies:
            if p in first and p in last:
                a = first[p]["kpis"]["contribution"]["mean"]
                b = last[p]["kpis"]["contribution"]["mean"]
                lines.append(f"{p} {a:,.0f} → {b:,.0f}")
    return para(
        f"{result.periods} periods of {result.scenario.time.horizon_days} days, each planned again from where the "
        f"clients are; {how}. Contribution in the first period → the last: " + "; ".join(lines) + ". "
        "Period by period: periods.csv and summary.json (periods)."
    )
