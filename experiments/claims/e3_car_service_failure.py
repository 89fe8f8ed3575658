"""Experiment 3 — 易行 failure: allocating by tier only vs allocating aware of the segment that values no car service.

**Claim** (seed 000, SEEDS.md): free car service (易行) is valued by some clients and worth
nothing to others (companies that reimburse transport, leaders with an official car);
they need substitutes — "there is always one that fits you".

**Set-up.** ``scenarios/corporate_book.toml`` has two sibling tiers of the same rank: K3
(12 accounts) and K3-own-car (8 accounts), whose car-service value weight is 0 and whose
expectations lean to lounge and escort instead. Four plans are simulated in that true
scenario on common random numbers:

1. ``standard`` — the service table: 易行 to every K3 trip, own car or not;
2. ``tier only`` — ``halfstep`` planned on the book with K3 and K3-own-car merged into
   one tier (accounts pooled, expectations and value weights averaged by expected trips,
   which here is by accounts: the planner cannot tell the segments apart), the merged
   row then given to both tiers;
3. ``tier only, no 易行 for own-car`` — plan 2 with car service withdrawn from
   K3-own-car alone (the first fix: stop the waste, offer nothing in its place);
4. ``segment-aware`` — ``halfstep`` planned on the true book: the LP may give K3-own-car
   lounge and escort (substitutes) and K3 its own car-service level.

Contribution (the verdict's measure), net value, PV, cost and over-service come with paired
95% CIs against plan 2. The
car-service spend wasted on K3-own-car is the car service its flown trips were entitled
to times the unit cost (110 CNY): every CNY of it is wasted (weight 0). It is an upper
bound on what was spent when cars or the budget ran out (``failures_benefit`` counts
those; negligible for the LP plans). Its exact effect on cost is plan 3 − plan 2 for
K3-own-car (its PV does not change: car service is worth 0 to it, so its trips meet the
same choices).

**Sizes.** Reduced: 20 replications of the quarter (about 20 s on 2 workers).
Full: 100 replications.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from model.allocation.plan import Plan
from model.allocation.policies import make_plan
from model.allocation.value import value_tables
from model.report.views.style import bars_with_ci, figure_style, mean_err, png, subplots
from model.scenario.loading import load_scenario
from model.scenario.schema import Scenario
from model.stats import mean_ci, paired_ci

from ._variants import merge_tiers, transplant, with_levels
from .common import Context, Verdict, evaluate, fmt, paired, stat

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "corporate_book.toml"
SEGMENT, SIBLING, CAR = "K3-own-car", "K3", "car_service"
ARMS = {
    "standard": "standard (table)",
    "blind": "tier only",
    "withdrawn": "tier only, no 易行 for own-car",
    "aware": "segment-aware",
}
KPIS = ("contribution", "net_value", "perceived_value", "cost_total", "over_service_cost", "share_of_wallet")
COLORS = {"standard": "#55a868", "blind": "#8c8c8c", "withdrawn": "#ccb974", "aware": "#c44e52"}


def plans(root: Path = SCENARIO) -> tuple[Scenario, Scenario, dict[str, Plan]]:
    """The true book, the merged book the tier-only planner sees, and the four plans, all priced in the true book."""
    true = load_scenario(root)
    merged = merge_tiers(true, [SIBLING, SEGMENT], into=SIBLING)
    blind = transplant(make_plan(merged, "halfstep"), true, rows={SEGMENT: SIBLING})
    return (
        true,
        merged,
        {
            "standard": make_plan(true, "standard"),
            "blind": blind,
            "withdrawn": with_levels(blind, true, {(SEGMENT, CAR): 0.0}),
            "aware": make_plan(true, "halfstep"),
        },
    )


def main(ctx: Context) -> Verdict:
    reps = ctx.reps(20, 100)
    true, merged, arms = plans()
    seen = merged.tiers[merged.tier_names.index(SIBLING)]
    result = evaluate(true, arms, ctx, reps)
    unit_cost = next(d.unit_cost_cny for d in true.dimensions if d.name == CAR)

    overall = {a: {k: stat(result, a, k) for k in (*KPIS, "failures_benefit")} for a in arms}
    vs_blind = {a: {k: paired(result, a, result, "blind", k) for k in KPIS} for a in arms if a != "blind"}
    tiers = {
        a: {
            t: {
                k: stat(result, a, k, tier=t)
                for k in ("contribution", "net_value", "perceived_value_per_trip", "cost_total")
            }
            for t in (SIBLING, SEGMENT)
        }
        for a in arms
    }
    tier_diff = {
        t: {
            a: paired_ci(result.tier_values(a, t, "contribution"), result.tier_values("blind", t, "contribution"))
            for a in ("withdrawn", "aware")
        }
        for t in (SIBLING, SEGMENT)
    }
    flown = {a: result.tier_values(a, SEGMENT, "trips_flown") for a in arms}
    wasted = {
        a: mean_ci([arms[a].level(SEGMENT, CAR) * n * unit_cost for n in flown[a]], bounds=(0.0, float("inf")))
        for a in arms
    }
    withdraw_saving = paired_ci(
        result.tier_values("blind", SEGMENT, "cost_total"), result.tier_values("withdrawn", SEGMENT, "cost_total")
    )
    vt = value_tables(true)
    line = float(vt.satiation_level[true.tier_names.index(SEGMENT), true.dimension_names.index(CAR)])
    levels = {
        a: {
            t: {d: round(p.level(t, d), 3) for d in ("car_service", "escort", "lounge", "account_manager")}
            for t in (SIBLING, SEGMENT)
        }
        for a, p in arms.items()
    }

    (ctx.folder / "figure.png").write_bytes(_figure(overall, vs_blind, wasted, tier_diff, reps))

    c = vs_blind["aware"]["contribution"]
    c_w = vs_blind["withdrawn"]["contribution"]
    c_std = vs_blind["standard"]["contribution"]
    lo, hi = c["ci95"]
    word = "agrees" if lo is not None and lo > 0 else "disagrees" if hi is not None and hi < 0 else "partly agrees"
    text = (
        f"Simulated in the true corporate book ({reps} replications of a quarter, common random numbers). "
        f"Planning by tier only, the LP sees K3 and K3-own-car as one tier of {seen.accounts} accounts expecting car "
        f"service on {seen.expectation[CAR]:.2f} of trips and valuing it at {seen.value_weight_cny[CAR]:.0f} CNY "
        f"(the accounts' averages), and gives both tiers {levels['blind'][SIBLING]['car_service']:.2f}; aware of the segment, "
        f"it gives K3 {levels['aware'][SIBLING]['car_service']:.2f}, K3-own-car none, and K3-own-car more lounge "
        f"({levels['blind'][SEGMENT]['lounge']:.2f} → {levels['aware'][SEGMENT]['lounge']:.2f}) and escort "
        f"({levels['blind'][SEGMENT]['escort']:.2f} → {levels['aware'][SEGMENT]['escort']:.2f}): substitutes. "
        f"Segment-aware − tier only, CNY per quarter (paired 95% CIs): contribution {fmt(c)}, revenue "
        f"{fmt(paired(result, 'aware', result, 'blind', 'revenue'))}, net value {fmt(vs_blind['aware']['net_value'])}, "
        f"PV {fmt(vs_blind['aware']['perceived_value'])}, cost {fmt(vs_blind['aware']['cost_total'])}, over-service "
        f"cost {fmt(vs_blind['aware']['over_service_cost'])}; of the contribution gain, "
        f"K3 has {fmt(tier_diff[SIBLING]['aware'])} and K3-own-car {fmt(tier_diff[SEGMENT]['aware'])}. "
        f"Car service wasted on K3-own-car: {fmt(wasted['blind'])} CNY a quarter under the tier-only plan, "
        f"{fmt(wasted['standard'])} under the service table (an upper bound there: its cars and budget run out, "
        f"{fmt(overall['standard']['failures_benefit'])} benefit failures), none when aware. "
        f"Withdrawing 易行 from the segment alone saves {fmt(withdraw_saving)} CNY of its cost and changes "
        f"contribution by {fmt(c_w)}; the rest of the gain, {fmt(_minus(c, c_w))} (means), comes from substitutes "
        f"and from giving K3 its own car-service level. Service table − tier only: {fmt(c_std)}. "
        + _reading(word)
        + " "
        + (
            f"The service table makes more than either LP plan ({fmt(c_std)} over tier only against {fmt(c)} for "
            "segment-aware): it serves far above the plans' levels and the trips that wins pay more in the simulation "
            "than the plans' choice model expects (README, What the plan does not see); that is a finding about "
            "the plans, not about the segment. "
            if c_std["ci95"][0] is not None and c["ci95"][1] is not None and c_std["ci95"][0] > c["ci95"][1]
            else ""
        )
        + f"The over-service KPI sees the waste: besides spend above reference + hΔ it counts every use of a "
        f"dimension a segment values at 0, so all of the tier-only car level "
        f"({levels['blind'][SEGMENT]['car_service']:.2f}) given to K3-own-car is over-service, not only what lies "
        f"above its line r + hΔ ({line:.2f}: the competitor's 0.1 plus half a step); knowing the segment changes it by "
        f"{fmt(vs_blind['aware']['over_service_cost'])} CNY a quarter."
    )
    return Verdict(
        title="易行 failure: tier-only vs segment-aware allocation",
        claim="Car service (易行) is worth nothing to some clients (own cars, reimbursed transport); they need "
        "substitutes, and a tier-only allocation wastes it (seed 000).",
        verdict=word,
        text=text,
        numbers={
            "replications": reps,
            "arms": ARMS,
            "levels": levels,
            "kpis": overall,
            "paired_vs_tier_only": vs_blind,
            "tiers": tiers,
            "contribution_by_tier_vs_tier_only": tier_diff,
            "car_service_wasted_on_segment_cny": wasted,
            "segment_cost_saved_by_withdrawing_car_cny": withdraw_saving,
        },
    )


def _reading(word: str) -> str:
    if word == "agrees":
        return (
            "The model agrees with the document: 易行 given by tier is spent on clients who do not value it, and "
            "knowing the segment pays in contribution — by stopping the waste and by serving each segment what "
            "it values, which keeps its trips with us."
        )
    if word == "disagrees":
        return (
            "The model does not agree: knowing the segment costs contribution here — the substitutes cost more than "
            "the trips they win return, though 易行 given by tier is still spent on clients who do not value it."
        )
    return (
        "The model partly agrees: 易行 given by tier is spent on clients who do not value it, but the contribution "
        "gained by knowing the segment is not distinguishable from 0 at this size."
    )


def _minus(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {"mean": a["mean"] - b["mean"], "ci95": [None, None], "n": a["n"]}


def _figure(overall: dict, vs_blind: dict, wasted: dict, tier_diff: dict, reps: int) -> bytes:
    with figure_style(["易行", *ARMS.values()]):
        from matplotlib.patches import Patch

        fig, axes = subplots(1, 3, figsize=(13, 4.2))
        ax = axes[0]
        kpis = ["contribution", "net_value", "perceived_value", "cost_total"]
        for k, arm in enumerate(a for a in ARMS if a != "blind"):
            m = np.array([vs_blind[arm][kpi]["mean"] for kpi in kpis]) / 1000
            lo = np.array([vs_blind[arm][kpi]["ci95"][0] for kpi in kpis]) / 1000
            hi = np.array([vs_blind[arm][kpi]["ci95"][1] for kpi in kpis]) / 1000
            x = np.arange(len(kpis)) + (k - 1) * 0.27
            ax.bar(x, m, 0.27, yerr=[m - lo, hi - m], capsize=2, color=COLORS[arm], label=ARMS[arm])
        ax.set_xticks(range(len(kpis)), ["contribution", "net value", "PV", "cost"])
        ax.axhline(0, color="black", lw=0.6)
        ax.set_ylabel("thousand CNY per quarter, minus tier only")
        ax.set_title("Against the tier-only plan (paired 95% CI)")
        ax.legend(fontsize=7)

        ax = axes[1]
        series = {ARMS[a]: [tier_diff[t][a] for t in (SIBLING, SEGMENT)] for a in ("withdrawn", "aware")}
        bars_with_ci(ax, [SIBLING, SEGMENT], series, legend=False)
        for patch, arm in zip(ax.patches, [a for a in ("withdrawn", "aware") for _ in (0, 1)], strict=False):
            patch.set_color(COLORS[arm])
        ax.legend(handles=[Patch(color=COLORS[a], label=ARMS[a]) for a in ("withdrawn", "aware")], fontsize=7)
        ax.set_ylabel("contribution minus tier only, CNY per quarter")
        ax.set_title("By tier: where the gain comes from")

        ax = axes[2]
        names = list(ARMS)
        m, err = mean_err([wasted[a] for a in names])
        ax.bar(range(len(names)), m / 1000, yerr=err / 1000, capsize=2, color=[COLORS[a] for a in names])
        ax.set_xticks(range(len(names)), [ARMS[a].replace(", ", ",\n") for a in names], fontsize=7)
        ax.set_ylabel("thousand CNY per quarter")
        ax.set_title("易行 spend on K3-own-car (worth 0 to it)")
        fig.suptitle(f"Corporate book, {reps} replications: allocating by tier only vs knowing the own-car segment")
        fig.tight_layout()
        return png(fig)
