"""e9 — Does the half step emerge? The best lead over 12 quarters when clients get used to what they get.

**Claim** (seed 000, 先): lead the client by half a step, not a full step. e1 finds the
half step in the model only where it is built into the clients' value function (the
satiation point h = 0.5). Here the value function has no half step (h = 1: the whole step
is valued fully, nothing past it) and the question is whether one appears from
expectations that move: a lead raises the reference the next quarter's plan must clear
(κ_up), so leading today costs tomorrow.

**Design.** The shipped baseline with ``value.satiation = 1``, the ``lead`` policy (the LP
with its cap ``y ≤ r + lead·Δ``, maximizing contribution) played for 12 quarters of a rolling
plan: at the start of each quarter it plans again from where its clients' expectations are
(myopic: each quarter's plan maximizes that quarter's contribution). Grid: lead × κ_up
(``expectations.adapt_up``), with κ_down (``expectations.adapt_down``) fixed at 0.1 and no
floor. κ_down is fixed because the question is about the cost of *raising* the bar: a plan
that leads (lead ≥ 0) delivers at or above the reference, so expectations fall only where a
plan or operations fall short; 0.1 is the slow, asymmetric forgetting the README's example
uses (clients get used to more faster than they give it up). Every (κ, lead) meets
replication r's quarter k on the same streams (they depend only on seed, replication and
quarter), so leads are compared replication by replication: for each κ, the best lead is
the one with the highest mean 12-quarter contribution (undiscounted), and the leads whose
paired 95% interval against it reaches 0 are "not significantly different" (per comparison,
not adjusted for multiplicity). The first quarter alone (the same in every κ: expectations
move only after it) gives the static best lead. "The half step emerges" at a κ when lead 0.5
is among the best and a full step is significantly worse (e1's rule); the claim agrees when
that holds at every κ_up > 0 and not at κ_up = 0.

The lead grid's plans are myopic. A forward-looking plan (``allocator.lookahead`` = k: the
sequence of k + 1-quarter LPs pricing, in contribution, the reference its levels leave over k
more quarters) is played at each κ_up ≥ κ_down: the uncapped plan (``unconstrained``, on
contribution like the lead grid) for the same 12 quarters on the same streams twice — myopic
and looking ``LOOKAHEAD`` quarters ahead, re-planning every quarter — and the two are compared
replication by replication (contribution, net value, the top tiers' bar); the first quarter's
planned lead per tier (value-weighted steps above the reference) is reported beside them.

**Size.** Reduced: κ_up 0, 0.2, 0.5 × leads 0, 0.25, 0.5, 0.75, 1, 1.5 × 8 replications of
12 quarters (144 twelve-quarter runs), and the looking-ahead comparison at κ_up 0.2 and 0.5
(32 runs; each quarter's plan a sequence of 5-quarter LPs): about 5 minutes on 2 workers.
Full (``--full``): κ_up 0, 0.1, 0.2, 0.3, 0.5 × leads 0 to 1.5 by 0.125 × 40 replications
(2,600 runs, and 480 looking ahead: about an hour).

**Outputs.** ``figure.png`` (12-quarter contribution against the lead per κ, the half step
marked; the paired difference from the best lead; the top tiers' references after 12
quarters by lead; the quarter-by-quarter difference a full step makes), ``numbers.json``,
``verdict.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model.allocation.policies import make_plan
from model.allocation.value import value_tables
from model.report.views.style import figure_style, mean_err, png, subplots
from model.scenario.schema import Scenario
from model.stats import mean_ci, paired_ci

from ._lever_sweeps import LeverCurve, lever_curve, plot_curve
from ._schedules import Arm, by_period, play_arms, totals
from .common import Context, Verdict, fmt, scenario_with

QUARTERS = 12
LOOKAHEAD = 4
KAPPA_DOWN = 0.1
HALF, FULL = 0.5, 1.0
REDUCED = {"kappa_up": (0.0, 0.2, 0.5), "leads": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5), "replications": 8}
FULL_SIZE = {"kappa_up": (0.0, 0.1, 0.2, 0.3, 0.5), "leads": tuple(x / 8 for x in range(13)), "replications": 40}
#: The top tiers, whose references the figure and numbers follow.
TOP = ("V4", "V5")


def scenario_at(kappa_up: float, lead: float) -> Scenario:
    """The baseline without a built-in half step (h = 1), expectations moving by κ_up and κ_down."""
    return scenario_with(
        None,
        [
            "value.satiation=1",
            f"expectations.adapt_up={kappa_up}",
            f"expectations.adapt_down={KAPPA_DOWN}",
            f"allocator.lead={lead}",
        ],
    )


def main(ctx: Context) -> Verdict:
    size = FULL_SIZE if ctx.full else REDUCED
    kappas, leads, reps = size["kappa_up"], size["leads"], size["replications"]
    arms = [Arm((k, x), scenario_at(k, x), ("lead",) * QUARTERS) for k in kappas for x in leads]
    looking = [
        Arm(("ahead", k, a), ahead_scenario(k, a), ("unconstrained",) * QUARTERS)
        for k in kappas
        if k >= KAPPA_DOWN
        for a in (0, LOOKAHEAD)
    ]
    runs = play_arms(ctx, [*arms, *looking], reps)
    tiers = arms[0].scenario.tier_names
    top = [tiers.index(t) for t in TOP]
    curves = {
        k: lever_curve(_table({x: totals(runs[(k, x)], "contribution") for x in leads}), "contribution") for k in kappas
    }
    first = lever_curve(
        _table({x: totals(runs[(kappas[0], x)], "contribution", slice(0, 1)) for x in leads}), "contribution"
    )
    per_lead = {(k, x): _per_lead(runs[(k, x)], top) for k in kappas for x in leads}
    full_minus_half = {
        k: [paired_ci(a, b) for a, b in zip(_quarterly(runs[(k, FULL)]).T, _quarterly(runs[(k, HALF)]).T, strict=True)]
        for k in kappas
        if FULL in leads and HALF in leads
    }
    ahead = planned_leads(kappas)
    played = {k: _looking_ahead(runs[("ahead", k, 0)], runs[("ahead", k, LOOKAHEAD)], top) for k in ahead}
    figure(ctx, kappas, leads, curves, per_lead, full_minus_half)
    return verdict(kappas, leads, reps, curves, first, per_lead, full_minus_half, ahead, played, tiers)


def ahead_scenario(kappa_up: float, ahead: int) -> Scenario:
    """The uncapped contribution plan's scenario at κ_up, myopic (0) or looking ``ahead`` quarters ahead."""
    return scenario_with(scenario_at(kappa_up, 1.5), [f"allocator.lookahead={ahead}"])


def _looking_ahead(myopic: list, ahead: list, top: list[int]) -> dict[str, Any]:
    """12 quarters of the uncapped contribution plan looking ahead against myopic, paired by replication."""

    def bar(runs: list) -> np.ndarray:
        return by_period(runs, lambda o: float(np.mean([o.dynamics["reference"][i] for i in top])))[:, -1]

    out: dict[str, Any] = {}
    for kpi in ("contribution", "net_value", "perceived_value", "cost_total"):
        a, m = totals(ahead, kpi), totals(myopic, kpi)
        out[kpi] = {"myopic": mean_ci(m), "ahead": mean_ci(a), "ahead_minus_myopic": paired_ci(a, m)}
    out["top_reference_last_quarter"] = {
        "myopic": mean_ci(bar(myopic), bounds=(0.0, 1.0)),
        "ahead": mean_ci(bar(ahead), bounds=(0.0, 1.0)),
        "ahead_minus_myopic": paired_ci(bar(ahead), bar(myopic)),
    }
    return out


def planned_leads(kappas: tuple) -> dict[float, dict[int, list[float]]]:
    """Per κ_up ≥ κ_down: the first quarter's lead of the uncapped contribution plan, myopic (0) and looking ahead,
    per tier in steps above the reference (value-weighted over the dimensions the tier values)."""
    out: dict[float, dict[int, list[float]]] = {}
    for k in kappas:
        if k < KAPPA_DOWN:
            continue
        out[k] = {}
        for ahead in (0, LOOKAHEAD):
            s = ahead_scenario(k, ahead)
            vt = value_tables(s)
            steps = (make_plan(s, "unconstrained").levels - vt.reference) / vt.step
            out[k][ahead] = ((vt.weight * steps).sum(axis=1) / vt.weight.sum(axis=1)).tolist()
    return out


def _table(values: dict[float, np.ndarray]) -> pd.DataFrame:
    """Replications × leads, as :func:`lever_curve` reads it."""
    return pd.DataFrame({x: np.asarray(v, dtype=float) for x, v in values.items()}).sort_index(axis=1)


def _quarterly(runs: list) -> np.ndarray:
    return by_period(runs, lambda o: o.kpis["contribution"])


def _per_lead(runs: list, top: list[int]) -> dict[str, Any]:
    """One (κ, lead) over 12 quarters: PV per trip and share of wallet (from the sums), the top tiers' references."""
    pv, trips, flown = (totals(runs, k) for k in ("perceived_value", "trips_requested", "trips_flown"))
    ref = by_period(runs, lambda o: float(np.mean([o.dynamics["reference"][i] for i in top])))
    return {
        "perceived_value_per_trip": mean_ci(pv / trips),
        "share_of_wallet": mean_ci(flown / trips, bounds=(0.0, 1.0)),
        "top_reference_first_quarter": float(ref[:, 0].mean()),
        "top_reference_last_quarter": mean_ci(ref[:, -1]),
        "top_reference_by_quarter": ref.mean(axis=0).tolist(),
        "contribution_by_quarter": _quarterly(runs).mean(axis=0).tolist(),
    }


def emerges(curve: LeverCurve) -> bool:
    """The half step among the best leads and a full step significantly worse (e1's rule)."""
    return HALF in curve.near and FULL not in curve.near


def classify(curves: dict[float, LeverCurve]) -> str:
    """'agrees' when the half step emerges at every κ_up > 0 and not without moving expectations (κ_up = 0);
    'partly agrees' when it emerges somewhere, or the best lead falls with κ_up; otherwise 'disagrees'."""
    static = curves[min(curves)]
    moving = [c for k, c in curves.items() if k > 0]
    if all(emerges(c) for c in moving) and not emerges(static):
        return "agrees"
    if any(emerges(c) for c in curves.values()) or curves[max(curves)].best < static.best:
        return "partly agrees"
    return "disagrees"


def figure(ctx: Context, kappas: tuple, leads: tuple, curves: dict, per_lead: dict, full_minus_half: dict) -> None:
    from matplotlib import colormaps

    colors = dict(zip(kappas, colormaps["viridis"](np.linspace(0.1, 0.8, len(kappas))), strict=True))
    with figure_style():
        fig, axes = subplots(2, 2, figsize=(12, 8.5))
        ax = axes[0, 0]
        for k in kappas:
            c = curves[k]
            plot_curve(
                ax,
                c.x,
                [dict(s, mean=s["mean"] / 1e6, ci95=[v / 1e6 for v in s["ci95"]]) for s in c.stats],
                color=colors[k],
                label=f"κ_up = {k:g}",
            )
            best = c.stats[c.x.index(c.best)]["mean"] / 1e6
            ax.plot([c.best], [best], "*", ms=12, color=colors[k], mec="black", mew=0.5)
        ax.axvline(HALF, color="grey", lw=1, ls=":", label="half a step (Δ/2)")
        ax.set(
            xlabel="lead cap (steps above the reference)",
            ylabel="contribution over 12 quarters, M CNY",
            title="12-quarter contribution by lead (★ best), 95% CIs",
        )
        ax.legend(fontsize=7)
        ax = axes[0, 1]
        for j, k in enumerate(kappas):
            c = curves[k]
            m, err = mean_err([c.diffs[x] for x in c.x])
            xs = np.array(c.x) + (j - (len(kappas) - 1) / 2) * 0.02
            ax.errorbar(
                xs, m / 1e3, yerr=err / 1e3, marker="o", ms=3, capsize=2, color=colors[k], label=f"κ_up = {k:g}"
            )
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(HALF, color="grey", lw=1, ls=":")
        ax.set(
            xlabel="lead cap (steps)",
            ylabel="contribution − best lead's (paired), k CNY",
            title="distance from the best lead, 95% CIs",
        )
        ax.legend(fontsize=7)
        ax = axes[1, 0]
        for k in kappas:
            stats = [per_lead[(k, x)]["top_reference_last_quarter"] for x in leads]
            plot_curve(ax, leads, stats, color=colors[k], label=f"κ_up = {k:g}")
        ax.axhline(
            per_lead[(kappas[0], leads[0])]["top_reference_first_quarter"],
            color="black",
            lw=0.6,
            ls="--",
            label="at the start",
        )
        ax.axvline(HALF, color="grey", lw=1, ls=":")
        ax.set(
            xlabel="lead cap (steps)",
            ylabel=f"reference of {' and '.join(TOP)} (value-weighted level)",
            title="the bar the top tiers hold in quarter 12",
        )
        ax.legend(fontsize=7)
        ax = axes[1, 1]
        for j, k in enumerate(kappas):
            if k not in full_minus_half:
                continue
            m, err = mean_err(full_minus_half[k])
            q = np.arange(1, QUARTERS + 1) + (j - (len(kappas) - 1) / 2) * 0.12
            ax.errorbar(q, m / 1e3, yerr=err / 1e3, marker="o", ms=3, capsize=2, color=colors[k], label=f"κ_up = {k:g}")
        ax.axhline(0, color="black", lw=0.6)
        ax.set(
            xlabel="quarter",
            ylabel="contribution, lead 1 − lead 0.5 (paired), k CNY",
            title="a full step against half a step, quarter by quarter",
        )
        ax.legend(fontsize=7)
        fig.suptitle(
            f"e9 — does the half step emerge? The `lead` policy over {QUARTERS} quarters, no built-in satiation "
            f"(h = 1), κ_down = {KAPPA_DOWN:g}",
            fontsize=11,
        )
        fig.tight_layout()
        (ctx.folder / "figure.png").write_bytes(png(fig))


def _near(curve: LeverCurve) -> str:
    return ", ".join(f"{x:g}" for x in curve.near)


def verdict(
    kappas: tuple,
    leads: tuple,
    reps: int,
    curves: dict,
    first: LeverCurve,
    per_lead: dict,
    full_minus_half: dict,
    ahead: dict[float, dict[int, list[float]]],
    played: dict[float, dict[str, Any]],
    tiers: list[str],
) -> Verdict:
    word = classify(curves)
    by_kappa = "; ".join(
        f"κ_up = {k:g}: best lead {curves[k].best:g} (not significantly different: {_near(curves[k])}; "
        f"half a step {fmt(curves[k].diffs[HALF])}, a full step {fmt(curves[k].diffs[FULL])} CNY from it)"
        for k in kappas
    )
    where = [k for k in kappas if emerges(curves[k])]
    kmax, k0 = max(kappas), min(kappas)

    def ref(k: float, x: float) -> str:
        return fmt(per_lead[(k, x)]["top_reference_last_quarter"], 3)

    start = per_lead[(k0, leads[0])]["top_reference_first_quarter"]
    fm = full_minus_half.get(kmax, [])
    c0, cmax = curves[k0], curves[kmax]
    half_k, full_k = per_lead[(kmax, HALF)], per_lead[(kmax, FULL)]
    bests = [c.best for c in curves.values()]
    if all(b > first.best for b in bests):
        moves = "higher at every κ_up"
    elif all(b < first.best for b in bests):
        moves = "lower at every κ_up"
    elif all(b == first.best for b in bests):
        moves = "the same at every κ_up"
    else:
        moves = "higher at some κ_up, not at others"
    lower = sum(a["mean"] < b["mean"] for a, b in zip(cmax.stats, c0.stats, strict=True))
    costs = "every lead" if lower == len(leads) else f"{lower} of the {len(leads)} leads"
    grows = bool(fm) and fm[-1]["mean"] > fm[0]["mean"]
    v5 = TOP[-1]
    top_i = tiers.index(v5)
    ahead_text = "; ".join(
        f"κ_up = {k:g}: {v[0][top_i]:.2f} of a step myopic, {v[LOOKAHEAD][top_i]:.2f} looking {LOOKAHEAD} quarters ahead"
        for k, v in ahead.items()
    )
    brings = (
        f", and bring the half step out at {', '.join(f'κ_up = {k:g}' for k in where)}"
        if where
        else ", but they do not bring the half step out of the myopic plan"
    )
    less = bool(ahead) and all(v[LOOKAHEAD][top_i] < v[0][top_i] for v in ahead.values())
    text = (
        f"With no half step in the value function (h = 1), the `lead` policy played {QUARTERS} quarters of a myopic "
        f"rolling plan ({reps} paired replications per point, κ_down = {KAPPA_DOWN:g}). In the first quarter alone "
        f"the best lead is {first.best:g} (not significantly different: {_near(first)}; half a step "
        f"{fmt(first.diffs[HALF])} CNY from it, a full step {fmt(first.diffs[FULL])}). Over {QUARTERS} quarters: "
        f"{by_kappa}. The half step emerges (half a step among the best, a full step significantly worse) at "
        f"{', '.join(f'κ_up = {k:g}' for k in where) or 'no κ_up in the grid'}; against the single quarter's {first.best:g}, "
        f"the best lead over {QUARTERS} quarters is {moves}.\n\n"
        f"Why. Expectations follow experience: a quarter served above an account's expectation lifts it by κ_up of "
        f"the gap, and the next quarter's plan starts from the higher bar. A full step lifts the top tiers' bar "
        f"more than half a step does — {' and '.join(TOP)} (value-weighted, {start:.3f} at the start) stand in "
        f"quarter {QUARTERS} at {ref(kmax, HALF)} with half a step and {ref(kmax, FULL)} with a full step when "
        f"κ_up = {kmax:g} ({ref(k0, HALF)} and {ref(k0, FULL)} when κ_up = {k0:g}) — and the same service then "
        f"counts for less: PV per trip requested over the {QUARTERS} quarters is "
        f"{fmt(half_k['perceived_value_per_trip'], 1)} CNY with half a step and "
        f"{fmt(full_k['perceived_value_per_trip'], 1)} with a full step (κ_up = {kmax:g}). The clients fly "
        f"{'more' if full_k['share_of_wallet']['mean'] > half_k['share_of_wallet']['mean'] else 'no more'} with us "
        f"under the full step (share of wallet {fmt(half_k['share_of_wallet'], 3)} against "
        f"{fmt(full_k['share_of_wallet'], 3)}): in this model a client judges the competitor's offer against the "
        f"same reference, and where we are above the bar and the competitor below it, a higher bar takes from our "
        f"offer its gain (1 per unit) but adds to the competitor's shortfall (λ = 2.25 per unit) — raising "
        f"expectations widens the gap the competitor must close. A full step against half a step, κ_up = {kmax:g}: "
        f"{fmt(fm[0]) if fm else 'n/a'} CNY in the first quarter, {fmt(fm[-1]) if fm else 'n/a'} in the last"
        f"{' — the difference grows as the bar rises' if grows else ''}. Expectations that move cost {costs} "
        f"(12-quarter contribution at half a step {fmt(c0.stats[c0.x.index(HALF)])} CNY with κ_up = {k0:g}, "
        f"{fmt(cmax.stats[cmax.x.index(HALF)])} with κ_up = {kmax:g}){brings}. Each quarter's LP does not see the bar it raises; the best lead here is the best "
        f"*cap* on a myopic planner. A plan that looks ahead (`allocator.lookahead`, on contribution, uncapped) "
        f"leads {v5} in the first quarter by: {ahead_text or 'not computed'} — "
        f"{'looking ahead, the plan leads less' if less else 'looking ahead does not lower its lead'}. Played for "
        f"{QUARTERS} quarters on the same streams, looking ahead against myopic (paired): "
        + "; ".join(
            f"κ_up = {k:g}: contribution {fmt(v['contribution']['ahead_minus_myopic'])} CNY, net value "
            f"{fmt(v['net_value']['ahead_minus_myopic'])}, {' and '.join(TOP)}'s bar in quarter {QUARTERS} "
            f"{fmt(v['top_reference_last_quarter']['ahead'], 3)} against {fmt(v['top_reference_last_quarter']['myopic'], 3)}"
            for k, v in played.items()
        )
        + (
            ". The plan that looks ahead prices the bar it raises in contribution; the planner's model is the "
            "tier's, not the accounts' (each account's reference moves with what it experiences, breaks included), "
            "and its sequence of LPs is a local method."
            if played
            else "."
        )
    )
    numbers = {
        "quarters": QUARTERS,
        "replications_per_point": reps,
        "satiation_h": 1.0,
        "kappa_down": KAPPA_DOWN,
        "myopic": True,
        "lookahead_quarters": LOOKAHEAD,
        "first_quarter_lead_of_the_uncapped_contribution_plan_by_tier": {
            str(k): {"myopic": v[0], f"lookahead_{LOOKAHEAD}": v[LOOKAHEAD]} for k, v in ahead.items()
        },
        "first_quarter_contribution": first.to_dict(),
        "contribution_12_quarters_by_kappa_up": [{"kappa_up": k, **curves[k].to_dict()} for k in kappas],
        "half_step_emerges_at_kappa_up": where,
        "by_kappa_and_lead": [{"kappa_up": k, "lead": x, **per_lead[(k, x)]} for k in kappas for x in leads],
        "full_minus_half_step_by_quarter": {str(k): v for k, v in full_minus_half.items()},
        "uncapped_contribution_plan_12_quarters_looking_ahead_vs_myopic": {str(k): v for k, v in played.items()},
    }
    return Verdict(
        title="Does the half step emerge?",
        claim="Lead the client by half a step, not a full step (seed 000, 先) — tested here with no half step in the "
        "clients' value function (h = 1): does it appear when expectations follow experience over 12 quarters?",
        verdict=word,
        text=text,
        numbers=numbers,
    )
