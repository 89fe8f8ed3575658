"""e5 — Escort staffing: staff on duty against waits, timeouts, PV and cost, with Erlang C drawn over the simulation.

**Claim** (seed 000; DESIGN.md, escort staff): V3 and above are escorted at every
touchpoint by an escort team; escorts are a queue — waits grow sharply as the staff near
full utilization (so the allocator plans them to 75% at most) — and one more escort is
worth hiring when the value it protects exceeds its wage.

**Design.** Two parts.

1. *The roster.* The baseline's escort roster (``resources.escort_staff.staff_on_duty``,
   18 staff-hours a day over 06:00–20:00) scaled ×0.5 … ×2 (whole staff, the total scaled),
   under ``standard`` (the service table: the same escort requests at every roster) and
   ``halfstep`` (the LP re-plans escort levels, and may buy agency staff-hours, to the
   staff it is given), as a grid experiment file (``e5_escort_staffing.toml``) on common
   random numbers. Timeouts exist because the baseline's patience is 20 minutes (an
   escort not started within it fails; an ASSUMPTION of the baseline, kept as shipped).
2. *Erlang C.* The simulated pool has priorities by tier, mixed escort durations, a roster
   that changes by the hour and arrivals bunched 60–120 minutes before seven departures,
   so Erlang C (M/M/c) cannot be laid over it directly. From the baseline under
   ``standard`` (tier trips flown as simulated, the table's escort levels, the escort
   need and durations) :func:`._erlang.escort_stream` gives the escort requests per staffed
   hour λ and their mean duration 1/μ (and the durations' squared CV); a stationary
   variant (:func:`._erlang.stationary_escort_scenario`: c staff around the clock, Poisson
   arrivals at that λ evenly over the day, exponential durations of that mean, no
   patience) is simulated for c = 1 … and its mean wait and P(wait) are drawn with
   Erlang C's, and with the Allen–Cunneen M/G/c correction (1 + c_s²)/2 for the baseline's
   duration mix. The baseline's rosters are drawn at their mean staff over 06:00–20:00.

**Size.** Reduced: roster ×0.5, 0.75, 1, 1.25, 1.5, 2 × 2 policies × 10 replications; the
stationary variant 1-year horizon × 10 replications per c (under a minute on 2 workers).
Full (``--full``): roster ×0.5 to ×2.5 by 0.125 × 40 replications; stationary 40 replications.

**Outputs.** ``figure.png``, ``numbers.json``, ``verdict.md``; the sweep store in ``store/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from model.allocation.policies import make_plan
from model.report.views.style import POLICY_COLORS, figure_style, mean_err, png, subplots
from model.scenario.loading import load_scenario
from model.scenario.schema import EscortResource, Scenario
from model.simulation.result import RunResult
from model.stats import mean_ci, paired_ci

from ._erlang import EscortStream, erlang_c, escort_stream, mmc_mean_wait, stationary_escort_scenario
from ._lever_sweeps import (
    LeverCurve,
    by_replication,
    lever_curve,
    lever_experiment,
    negated,
    plot_curve,
    run_at,
    sweep,
)
from .common import Context, Verdict, fmt, scenario_with

LEVER = "roster factor"
POLICIES = ("standard", "halfstep")
FULL_VALUES = {LEVER: [0.5 + 0.125 * k for k in range(17)]}
STATIONARY_DAYS = 365
ROSTER_KPIS = (
    "escort_wait_mean_minutes",
    "escort_wait_probability",
    "failures_escort",
    "escort_utilization",
    "perceived_value",
    "cost_escort",
    "cost_expansion",
    "net_value",
    "contribution",
)


def main(ctx: Context) -> Verdict:
    exp = lever_experiment(ctx, "e5_escort_staffing.toml", replications=40, values=FULL_VALUES)
    df = sweep(ctx, exp)
    factors = [float(pt.values[LEVER]) for pt in exp.points]
    base = load_scenario(None)
    mean_staff = [sum(_escorts(exp.scenario(pt)).staff_on_duty) / _staffed_hours(base) for pt in exp.points]
    roster = {
        (p, kpi): lever_curve(by_replication(df, kpi, LEVER, policy=p), kpi, maximize=kpi in ("net_value", "contribution"))
        for p in POLICIES
        for kpi in ROSTER_KPIS
    }
    paid = {p: lever_curve(_paid_net_value(exp, df, p), "net value, every rostered staff-hour paid") for p in POLICIES}
    reps = ctx.reps(10, 40)
    # the baseline as shipped, and with one more escort in the unstaffed hours its first and last travellers arrive in
    covered = scenario_with(base, [f"resources.escort_staff.staff_on_duty={_covered(base)}"])
    shipped, wider = run_at(ctx, [base, covered], ["standard"], reps)
    coverage = {
        "shipped": mean_ci(shipped.values("standard", "failures_escort")),
        "covered": mean_ci(wider.values("standard", "failures_escort")),
        "covered_minus_shipped": paired_ci(
            wider.values("standard", "failures_escort"), shipped.values("standard", "failures_escort")
        ),
        "roster": _covered(base),
    }
    top = factors[-1]
    more_staff = {
        kpi: paired_ci(*(by_replication(df, kpi, LEVER, policy="standard")[x].to_numpy() for x in (top, 1.0)))
        for kpi in ("perceived_value", "cost_escort", "failures_escort", "net_value")
    }
    stream, stationary = _stationary(ctx, base, shipped)
    staffing = Staffing(factors, mean_staff, roster, paid, stream, stationary, coverage, more_staff, exp.replications)
    figure(ctx, staffing)
    return verdict(staffing)


@dataclass(frozen=True)
class Staffing:
    """What the experiment measured: the roster curves, the escort stream and its stationary variant."""

    factors: list[float]
    mean_staff: list[float]  # mean staff on duty over the baseline's staffed hours, per roster
    roster: dict[tuple[str, str], LeverCurve]  # (policy, KPI) → curve along the roster factor
    paid: dict[str, LeverCurve]  # net value with every rostered staff-hour paid, per policy
    stream: EscortStream
    stationary: dict[str, Any]
    coverage: dict[str, Any]  # timeouts with the first and last waves covered
    more_staff: dict[str, dict[str, Any]]  # standard, largest roster − ×1, paired
    replications: int


def _escorts(scenario: Scenario) -> EscortResource:
    return next(r for r in scenario.resources if isinstance(r, EscortResource))


def _staffed_hours(scenario: Scenario) -> int:
    return int(np.count_nonzero(_escorts(scenario).staff_on_duty))


def _covered(scenario: Scenario) -> list[int]:
    """The roster with one escort in every unstaffed hour in which travellers reach the airport (first and last waves)."""
    roster = list(_escorts(scenario).staff_on_duty)
    lo, hi = scenario.flights.arrival_lead_minutes
    for h in scenario.flights.departure_hours:
        for minute in (h * 60 - hi, h * 60 - lo - 1e-9):
            hour = int(minute % 1440 // 60)
            roster[hour] = max(roster[hour], 1)
    return roster


def _paid_net_value(exp: Any, df: Any, policy: str) -> Any:
    """Net value by replication and roster if every rostered staff-hour were paid at the wage.

    The simulator pays escorts by the minute they spend escorting (and agency staff-hours
    at their expansion cost), so idle rostered hours cost nothing; paying them too subtracts
    (1 − utilization) × staffed hours × wage, the staffed hours including the agency hours
    the plan adds to the roster (whole hours a day, as the simulation adds them).
    """
    import pandas as pd

    nv = by_replication(df, "net_value", LEVER, policy=policy)
    util = by_replication(df, "escort_utilization", LEVER, policy=policy)
    wages = {}
    for pt in exp.points:
        s = exp.scenario(pt)
        esc = _escorts(s)
        k = [r.name for r in s.resources].index(esc.name)
        days = s.time.horizon_days
        per_day = sum(esc.staff_on_duty) + round(make_plan(s, policy).expansions[k] / days)
        wages[float(pt.values[LEVER])] = per_day * days * esc.wage_cny_per_hour
    return nv - (1.0 - util).mul(pd.Series(wages), axis=1)


def _stationary(ctx: Context, base: Scenario, run: RunResult) -> tuple[EscortStream, dict[str, Any]]:
    """The baseline's escort stream under the service table, and its stationary M/M/c variant for c = 1, 2, …"""
    flown = np.array([mean_ci(run.tier_values("standard", t, "trips_flown"))["mean"] for t in base.tier_names])
    stream = escort_stream(base, run.plans["standard"], flown)
    lam, mu = stream.rate_per_staffed_hour / 60.0, 1.0 / stream.mean_minutes  # per minute
    cs = list(range(max(1, int(np.floor(stream.offered_load)) + 1), int(np.ceil(stream.offered_load)) + 5))
    scenarios = [
        stationary_escort_scenario(c, stream.rate_per_staffed_hour, stream.mean_minutes, STATIONARY_DAYS) for c in cs
    ]
    runs: list[RunResult] = run_at(ctx, scenarios, ["standard"], run.replications)
    out = {
        "c": cs,
        "simulated_wait_minutes": [mean_ci(r.values("standard", "escort_wait_mean_minutes")) for r in runs],
        "simulated_wait_probability": [mean_ci(r.values("standard", "escort_wait_probability")) for r in runs],
        "simulated_utilization": [mean_ci(r.values("standard", "escort_utilization")) for r in runs],
        "erlang_c_wait_probability": [erlang_c(lam, mu, c) for c in cs],
        "erlang_c_wait_minutes": [mmc_mean_wait(lam, mu, c) for c in cs],
        "allen_cunneen_wait_minutes": [mmc_mean_wait(lam, mu, c) * (1.0 + stream.scv) / 2.0 for c in cs],
        "replications": run.replications,
        "days": STATIONARY_DAYS,
    }
    return stream, out


def _inside(stat: dict[str, Any], theory: float) -> bool:
    lo, hi = stat["ci95"]
    return lo is not None and lo <= theory <= hi


def figure(ctx: Context, r: Staffing) -> None:
    factors, mean_staff, roster, paid, stream, st = r.factors, r.mean_staff, r.roster, r.paid, r.stream, r.stationary
    with figure_style():
        fig, axes = subplots(2, 3, figsize=(15, 8.5))
        cs = np.array(st["c"])
        for ax, kind in zip(axes[0, :2], ("probability", "minutes"), strict=True):
            sim = st[f"simulated_wait_{kind}"]
            m, err = mean_err(sim)
            ax.errorbar(cs, m, yerr=err, fmt="o", capsize=3, color="black", label="stationary variant, simulated")
            ax.plot(cs, st[f"erlang_c_wait_{kind}"], "s", mfc="none", color="tab:red", ms=8, label="Erlang C (M/M/c)")
            if kind == "minutes":
                ax.plot(
                    cs,
                    st["allen_cunneen_wait_minutes"],
                    "d",
                    mfc="none",
                    color="tab:purple",
                    label="M/G/c, Allen–Cunneen",
                )
                ax.set_yscale("log")
            for p in POLICIES:
                curve = roster[(p, f"escort_wait_{'probability' if kind == 'probability' else 'mean_minutes'}")]
                plot_curve(ax, mean_staff, curve.stats, color=POLICY_COLORS[p], ls="--", label=f"baseline roster, {p}")
            ax.plot(cs, st[f"erlang_c_wait_{kind}"], color="tab:red", lw=0.8, alpha=0.6)
            ax.set(
                xlabel="staff on duty c (baseline: mean over 06:00–20:00)",
                ylabel="P(wait > 0)" if kind == "probability" else "mean wait, minutes (log)",
                title=f"escort {'wait probability' if kind == 'probability' else 'mean wait'}: "
                f"a = {stream.offered_load:.2f} Erlang",
            )
            ax.legend(fontsize=7)
        panels = (
            (axes[0, 2], "failures_escort", "escorts timed out (patience 20 min)"),
            (axes[1, 0], "perceived_value", "perceived value, CNY"),
            (axes[1, 1], "cost_escort", "escort cost (minutes escorting + agency), CNY"),
            (axes[1, 2], "net_value", "net value, CNY"),
        )
        for ax, kpi, label in panels:
            for p in POLICIES:
                c = roster[(p, kpi)]
                plot_curve(ax, factors, c.stats, color=POLICY_COLORS[p], label=p)
                if kpi == "net_value":
                    ax.plot(c.best, c.stats[c.x.index(c.best)]["mean"], "*", ms=12, color=POLICY_COLORS[p])
                    q = paid[p]
                    plot_curve(
                        ax, factors, q.stats, color=POLICY_COLORS[p], ls="--", label=f"{p}, every rostered hour paid"
                    )
                    ax.plot(q.best, q.stats[q.x.index(q.best)]["mean"], "*", ms=12, color=POLICY_COLORS[p])
            ax.axvline(1.0, color="grey", lw=0.8, ls=":")
            ax.set(
                xlabel="roster × factor (baseline = 1)",
                ylabel=label,
                title=label.split(",")[0] + " (★ best)" * (kpi == "net_value"),
            )
            ax.legend(fontsize=7)
        fig.suptitle("e5 — escort staffing: the roster, and the queue against Erlang C", fontsize=11)
        fig.tight_layout(rect=(0, 0, 1, 0.97))
        (ctx.folder / "figure.png").write_bytes(png(fig))


def verdict(r: Staffing) -> Verdict:
    factors, mean_staff, roster, paid, stream, st = r.factors, r.mean_staff, r.roster, r.paid, r.stream, r.stationary
    coverage, more_staff, replications = r.coverage, r.more_staff, r.replications
    cs = st["c"]
    inside_p = [
        _inside(s, t) for s, t in zip(st["simulated_wait_probability"], st["erlang_c_wait_probability"], strict=True)
    ]
    inside_w = [_inside(s, t) for s, t in zip(st["simulated_wait_minutes"], st["erlang_c_wait_minutes"], strict=True)]
    theory_ok = all(inside_p) and all(inside_w)
    misses = [c for c, a, b in zip(cs, inside_p, inside_w, strict=True) if not (a and b)]
    i1 = factors.index(1.0)
    std_nv, hs_nv = roster[("standard", "net_value")], roster[("halfstep", "net_value")]
    timeouts = roster[("standard", "failures_escort")]
    wait = roster[("standard", "escort_wait_mean_minutes")]
    util = roster[("standard", "escort_utilization")]
    requests = stream.requests_per_day * 91  # the baseline's quarter
    timeout_share = timeouts.stats[i1]["mean"] / requests
    per_c = "; ".join(
        f"c = {c}: P(wait) {fmt(p, 3)} vs {tp:.3f}, wait {fmt(w, 1)} vs {tw:.1f} min"
        for c, p, tp, w, tw in zip(
            cs,
            st["simulated_wait_probability"],
            st["erlang_c_wait_probability"],
            st["simulated_wait_minutes"],
            st["erlang_c_wait_minutes"],
            strict=True,
        )
    )
    gain, spend = more_staff["perceived_value"]["mean"], more_staff["cost_escort"]["mean"]
    worth = (
        "the value the extra staff protect does not cover the time they spend escorting, let alone their idle hours"
        if gain < spend
        else "the value the extra staff protect covers the time they spend escorting"
        + ("" if paid["standard"].best >= factors[-1] else ", not their idle hours")
    )
    if not theory_ok:
        word = "disagrees"
    elif timeout_share > 0.05:
        word = "partly agrees"
    else:
        word = "agrees"
    text = (
        f"The baseline's escort stream under the service table: {stream.requests_per_day:.2f} requests a day "
        f"(V3 escorts; V4/V5 escort and senior escort together), {stream.mean_minutes:.0f} minutes on average "
        f"(squared CV {stream.scv:.2f}), over {stream.staffed_hours} staffed hours: λ = "
        f"{stream.rate_per_staffed_hour:.3f} an hour and an offered load a = {stream.offered_load:.2f} Erlang against "
        f"{stream.staff_hours_per_day / stream.staffed_hours:.2f} staff on duty on average. In the stationary "
        f"variant ({st['days']} days × {st['replications']} replications per c) the simulated queue "
        + ("matches Erlang C at every c: " if theory_ok else f"departs from Erlang C at c = {misses}: ")
        + f"simulated [95% CI] vs theory, {per_c}.\n\n"
        f"The baseline is far from that stationary queue. At its roster (×1) escorts wait "
        f"{fmt(wait.stats[i1], 1)} minutes on average and {fmt(timeouts.stats[i1])} a quarter time out (patience 20 "
        f"minutes; {timeout_share:.0%} of the requests) at a utilization of only {fmt(util.stats[i1], 2)}, far below "
        f"the 75% the allocator plans to: requests come in waves 60–120 minutes before each departure, V4/V5 escorts "
        f"take two to three hours and hold a staff member through the next wave, and the first and last waves reach "
        f"the airport before 06:00 and after 20:00, when nobody is on duty. The roster ×{factors[-1]:g} "
        f"still has {fmt(timeouts.stats[-1])} timeouts (×{factors[0]:g}: {fmt(timeouts.stats[0])}); one escort in each "
        f"unstaffed hour of the first and last waves (2 staff-hours a day) changes them by "
        f"{fmt(coverage['covered_minus_shipped'])} — when staff are on duty matters as much as how many. (The "
        f"baseline's mean waits look short next to Erlang C's because a request that times out counts only its 20 "
        f"minutes.)\n\n"
        f"Is one more escort worth it? The simulator pays escorts by the minute they escort, so idle rostered hours "
        f"cost nothing and net value is highest at roster ×{std_nv.best:g} under the service table (not "
        f"significantly different: {std_nv.span()}) and ×{hs_nv.best:g} under halfstep ({hs_nv.span()}; the LP "
        f"re-plans escort levels and buys agency staff-hours to the staff it has). Paying every rostered hour at "
        f"the wage, the best rosters are ×{paid['standard'].best:g} ({paid['standard'].span()}) and "
        f"×{paid['halfstep'].best:g} ({paid['halfstep'].span()}). Under the service table, going from ×1 to "
        f"×{factors[-1]:g} prevents {fmt(negated(more_staff['failures_escort']))} timeouts and changes PV by "
        f"{fmt(more_staff['perceived_value'])} CNY and the escort cost by {fmt(more_staff['cost_escort'])} CNY "
        f"(the escorts that no longer fail are paid for): {worth} ({replications} paired replications per roster)."
    )
    numbers = {
        "escort_stream_standard": stream.to_dict(),
        "stationary_variant": st,
        "erlang_c_inside_simulated_ci": {"wait_probability": inside_p, "mean_wait": inside_w},
        "timeout_share_of_requests_at_roster_x1": timeout_share,
        "coverage_of_first_and_last_waves": coverage,
        "standard_roster_top_minus_x1": more_staff,
        "roster": {
            "factors": factors,
            "mean_staff_06_to_20": mean_staff,
            **{f"{p}.{kpi}": roster[(p, kpi)].to_dict() for p in POLICIES for kpi in ROSTER_KPIS},
            **{f"{p}.net_value_every_rostered_hour_paid": paid[p].to_dict() for p in POLICIES},
        },
    }
    return Verdict(
        title="Escort staffing and Erlang C",
        claim="Escorts for V3 and above at every touchpoint need a staffed escort team (seed 000); the escort pool is "
        "a queue whose waits explode near full utilization, so it is planned to 75% at most, and one more escort "
        "is worth its wage when it protects enough value (DESIGN.md, escort staff).",
        verdict=word,
        text=text,
        numbers=numbers,
    )
