"""The run's figures (PNG), as the report shows them — DESIGN.md, *What a run reports*.

    plans.png         each plan as a heatmap: level per tier × dimension
    kpis.png          headline KPIs per policy, mean and 95% CI
    tiers.png         PV per trip requested and cost, per tier
    plan_gap.png      PV per trip requested, simulated − planned, per tier and policy with a plan
    over_service.png  over-service cost by dimension
    failures.png      service failures by kind and by tier
    escort.png        escort utilization and waits by hour of day
    holds.png         seat holds: held, used by key accounts, displaced base passengers
    stages.png        accounts by loyalty stage over the horizon, and by tier at its end

Means and intervals come from the summary (or, for arrays the summary does not hold, from
the outcomes with the same Student-t interval). Styling and fonts: :mod:`model.report.views.style`;
each figure is drawn inside :func:`~model.report.views.style.figure_style` (:func:`render_figures`).
"""

from __future__ import annotations

import warnings

import numpy as np

from model.report.views.dynamics import dynamics_figure
from model.report.views.style import POLICY_COLORS, bars_with_ci, figure_style, mean_err, png, subplots, tick_label
from model.simulation.loyalty import STAGES
from model.simulation.result import RunResult
from model.stats import mean_ci

__all__ = ["render_figures"]

_NONNEG = (0.0, float("inf"))  # costs and counts: their intervals are cut at 0

_KPI_PANELS = (
    ("contribution", "Contribution, CNY\n(margin × revenue − cost − roster)"),
    ("perceived_value_per_trip", "PV per trip requested, CNY"),
    ("revenue", "Revenue, CNY"),
    ("cost_total", "Cost, CNY"),
    ("over_service_cost", "Over-service cost, CNY"),
    ("share_of_wallet", "Share of wallet"),
    ("key_account_revenue_share", "Key-account revenue share"),
    ("churned_accounts", "Accounts churned"),
)


def _simulated(result: RunResult) -> list[str]:
    """Policies that have at least one outcome (every policy is simulated, clairvoyant included)."""
    return [p for p in result.policies if result.of(p)]


def plans_figure(result: RunResult) -> bytes:
    plans = list(result.plans.values())
    # one plan a row, sized so the page shows it at full size: cell labels stay readable (8 pt)
    cols, rows = 1, len(plans)
    tiers, dims = plans[0].tiers, plans[0].dimensions
    fig, axes = subplots(
        rows,
        cols,
        figsize=(min(0.6 * len(dims) + 2.5, 10.5), (0.3 * len(tiers) + 1.6) * rows),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.ravel()[len(plans) :]:
        ax.set_visible(False)
    for ax, plan in zip(axes.ravel(), plans, strict=False):
        im = ax.imshow(plan.levels, vmin=0, vmax=1, cmap="Blues", aspect="auto")
        ax.set_xticks(range(len(dims)), dims, rotation=60, ha="right")
        ax.set_yticks(range(len(tiers)), tiers)
        ax.grid(False)
        for (i, j), v in np.ndenumerate(plan.levels):
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=8, color="white" if v > 0.6 else "black")
        ax.set_title(f"{plan.policy} (plan's net value {plan.total_net_value:,.0f} CNY)")
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.6, label="level: share of trips served")
    fig.suptitle("Allocation plans: level per tier × dimension")
    return png(fig)


def kpis_figure(result: RunResult, summary: dict) -> bytes:
    fig, axes = subplots(2, 4, figsize=(13, 6))
    for ax, (kpi, title) in zip(axes.ravel(), _KPI_PANELS, strict=True):
        stats = [summary["policies"][p]["kpis"][kpi] for p in result.policies]
        m, err = mean_err(stats)
        ax.bar(
            result.policies, m, yerr=err, capsize=4, color=[POLICY_COLORS.get(p, "#4c72b0") for p in result.policies]
        )
        ax.set_title(title)
        ax.tick_params(axis="x", rotation=30)
    title = f"Mean and 95% CI over {result.replications} replications"
    if "clairvoyant" in result.policies:
        title += " (clairvoyant: a reference, not a bound — planned with each replication's realized requests)"
    fig.suptitle(title)
    fig.tight_layout()
    return png(fig)


def tier_figure(result: RunResult, summary: dict) -> bytes:
    tiers = result.scenario.tier_names
    fig, axes = subplots(1, 2, figsize=(11, 3.6))
    for ax, kpi, title in zip(
        axes,
        ("perceived_value_per_trip", "cost_total"),
        ("PV per trip requested, CNY", "Cost over the horizon, CNY"),
        strict=True,
    ):
        series = {p: [summary["policies"][p]["by_tier"][t][kpi] for t in tiers] for p in result.policies}
        bars_with_ci(ax, tiers, series, legend=ax is axes[0])
        ax.set_title(title)
    return png(fig)


def plan_gap_figure(result: RunResult, summary: dict) -> bytes:
    """Per tier, one bar per policy with a plan: PV per trip requested, simulated − planned, with its 95% CI."""
    tiers = result.scenario.tier_names
    gaps = summary["plan_gap"]
    pols = [p for p in result.policies if p in gaps]
    fig, ax = subplots(figsize=(min(max(6.0, 0.5 * len(tiers) * max(len(pols), 1) + 2), 12.0), 3.6))
    bars_with_ci(ax, tiers, {p: [gaps[p]["by_tier"][t]["perceived_value_per_trip"] for t in tiers] for p in pols})
    ax.set_ylabel("simulated − planned, CNY")
    ax.set_title("PV per trip requested: simulated − planned, CNY (mean and 95% CI; 0 = as planned)")
    return png(fig)


def over_service_figure(result: RunResult) -> bytes:
    dims = result.scenario.dimension_names
    fig, ax = subplots(figsize=(max(6.0, 0.9 * len(dims) + 2), 3.6))
    series = {
        p: [mean_ci([o.over_service_by_dimension[j] for o in result.of(p)], bounds=_NONNEG) for j in range(len(dims))]
        for p in _simulated(result)
    }
    bars_with_ci(ax, dims, series)
    ax.tick_params(axis="x", rotation=30)
    ax.set_title("Over-service cost by dimension (above r + hΔ, or valued at 0), CNY — mean and 95% CI")
    return png(fig)


def failures_figure(result: RunResult, summary: dict) -> bytes:
    pols = _simulated(result)
    kinds = ("failures_seat_hold", "failures_escort", "failures_benefit")
    tiers = result.scenario.tier_names
    fig, axes = subplots(1, 2, figsize=(11, 3.6))
    bars_with_ci(
        axes[0],
        ["seat hold", "escort", "benefit"],
        {p: [summary["policies"][p]["kpis"][k] for k in kinds] for p in pols},
    )
    axes[0].set_title("Service failures by kind (promised, not delivered)")
    by_tier = {
        p: [mean_ci([sum(o.by_tier[t][k] for k in kinds) for o in result.of(p)], bounds=_NONNEG) for t in tiers]
        for p in pols
    }
    bars_with_ci(axes[1], tiers, by_tier, legend=False)
    axes[1].set_title("Service failures by tier (all kinds)")
    return png(fig)


def holds_figure(result: RunResult, summary: dict) -> bytes:
    pols = _simulated(result)
    kpis = ("held_seats", "held_seats_used", "displaced_seats", "failures_seat_hold")
    labels = ("seats held", "held seats used", "base passengers displaced", "hold failures")
    fig, ax = subplots(figsize=(9, 3.6))
    bars_with_ci(ax, labels, {p: [summary["policies"][p]["kpis"][k] for k in kpis] for p in pols})
    ax.set_title("Seat holds over the horizon — mean and 95% CI")
    return png(fig)


def escort_figure(result: RunResult) -> bytes:
    fig, axes = subplots(1, 2, figsize=(11, 3.4))
    hours = np.arange(24)
    for p in _simulated(result):
        outs = result.of(p)
        busy = np.mean([o.escort_busy_by_hour for o in outs], axis=0)
        staffed = outs[0].escort_staffed_by_hour
        util = np.divide(busy, staffed, out=np.full(24, np.nan), where=staffed > 0)
        axes[0].plot(hours, util, marker="o", ms=3, label=p, color=POLICY_COLORS.get(p))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            wait = np.nanmean([o.escort_wait_by_hour for o in outs], axis=0)
        axes[1].plot(hours, wait, marker="o", ms=3, label=p, color=POLICY_COLORS.get(p))
    axes[0].set_title("Escort utilization by hour of day (busy / staffed)")
    axes[1].set_title("Mean escort wait by hour of arrival, minutes")
    for ax in axes:
        ax.set_xticks(range(0, 24, 2))
        ax.set_xlabel("hour")
    axes[0].legend(fontsize=7)
    return png(fig)


def stages_figure(result: RunResult) -> bytes:
    """Per policy: accounts by loyalty stage over the horizon (top) and by tier on the latest day (bottom)."""
    pols = _simulated(result)
    tiers = result.scenario.tier_names
    n = max(len(pols), 1)
    fig, axes = subplots(
        2,
        n,
        figsize=(max(3.2 * n, 0.4 * len(tiers) * n + 2.0), 6.4),
        squeeze=False,
        sharey="row",
        layout="constrained",
    )
    colors = [f"C{k}" for k in range(len(STAGES))]
    for ax, p in zip(axes[0], pols, strict=False):
        st = np.mean([o.stages for o in result.of(p)], axis=0)
        ax.stackplot(np.arange(len(st)), st.T, labels=STAGES, colors=colors)
        ax.set_title(p)
        ax.set_xlabel("day")
    for ax, p in zip(axes[1], pols, strict=False):
        by_tier = np.mean([o.stages_by_tier for o in result.of(p)], axis=0)  # (tiers, stages)
        x = np.arange(len(tiers))
        bottom = np.zeros(len(tiers))
        for k, stage in enumerate(STAGES):
            ax.bar(x, by_tier[:, k], bottom=bottom, color=colors[k], label=stage)
            bottom += by_tier[:, k]
        ax.set_xticks(x, [tick_label(t) for t in tiers])
        ax.set_title(f"{p}: by tier, end of horizon")
    axes[0][0].set_ylabel("accounts")
    axes[1][0].set_ylabel("accounts")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle("Accounts by loyalty stage: over the horizon, and by tier on the latest day (mean over replications)")
    return png(fig)


def render_figures(result: RunResult, summary: dict) -> dict[str, bytes]:
    """Every figure of a run, as PNG bytes by file name (figures with nothing to show are left out).

    Drawn in :func:`~model.report.views.style.figure_style`: matplotlib's global settings are left as they were.
    """
    figs: dict[str, bytes] = {}
    with figure_style([*result.scenario.tier_names, *result.scenario.dimension_names]):
        if result.plans:
            figs["plans.png"] = plans_figure(result)
        figs["kpis.png"] = kpis_figure(result, summary)
        figs["tiers.png"] = tier_figure(result, summary)
        if any(result.of(p) for p in summary.get("plan_gap", {})):
            figs["plan_gap.png"] = plan_gap_figure(result, summary)
        if _simulated(result):
            figs["over_service.png"] = over_service_figure(result)
            figs["failures.png"] = failures_figure(result, summary)
            figs["escort.png"] = escort_figure(result)
            figs["holds.png"] = holds_figure(result, summary)
            figs["stages.png"] = stages_figure(result)
        if result.periods > 1 and result.period_outcomes:
            figs["dynamics.png"] = dynamics_figure(result)
    return figs
