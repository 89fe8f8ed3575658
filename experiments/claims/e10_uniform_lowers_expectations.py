"""e10 — Does one agreement for all lower high-value clients' expectations, and what does restoring them cost?

**Claim** (seed 004): "水平一致的服务会降低高附加值用户对企业提供的服务水平的预期" — a uniform
service level lowers high-value clients' expectation of the service the firm offers.
e2 could not test it while expectations were fixed inputs; with expectations that move
it can.

**Design.** The shipped baseline with expectations that move: κ_up
(``expectations.adapt_up``) 0.3, κ_down (``expectations.adapt_down``) 0.1, no floor — the
README's example, clients getting used to more faster than they give it up; and κ_down 0.3
as a second setting (they give it up as fast). Two schedules of a rolling plan on the same
streams (quarter k of replication r is the same draw in both):

* **switch** — ``uniform`` (one level for all but the VIP-handling quotas, at the halfstep
  LP's spend) for 12 quarters, then ``halfstep`` for 12; the accounts keep what uniform
  taught them;
* **halfstep throughout** — ``halfstep`` for all 24 quarters.

Each quarter's plan is made from where the clients' expectations are (myopic). Measured,
per tier V4 and V5, with the value-weighted reference (the accounts' mean reference): its
drift under uniform (quarter 13's start against quarter 1's, a 95% interval over the
replications) and its gap to halfstep-throughout's (paired); after the switch, the quarters
until that gap comes within ``TOLERANCE`` (0.005, a tenth of the 0.05 grid step of a level)
and stays there, and the contribution the switched book gives up or gains meanwhile
(paired, switch − halfstep throughout). The claim agrees when V4's and V5's references
after 12 uniform quarters are significantly below both where they started and where
halfstep keeps them (κ_down 0.1); partly when only one tier drifts down, or they fall only
relative to halfstep; otherwise it disagrees.

**Size.** Reduced: 2 settings × 2 schedules × 24 quarters × 16 replications (about 3 minutes
on 2 workers). Full (``--full``): 100 replications (about 20 minutes).

**Outputs.** ``figure.png`` (V4's and V5's references by quarter under both schedules, the
switch marked; the gap after the switch; contribution by quarter and cumulated, paired),
``numbers.json``, ``verdict.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from model.report.views.style import figure_style, mean_err, png, subplots
from model.scenario.schema import Scenario
from model.stats import mean_ci, paired_ci

from ._schedules import Arm, by_period, play_arms, quarters_to_return
from .common import Context, Verdict, fmt, scenario_with

UNIFORM_QUARTERS = 12
AFTER_QUARTERS = 12
KAPPA_UP = 0.3
KAPPA_DOWNS = (0.1, 0.3)  # the first is the verdict's setting
TOP = ("V4", "V5")
TOLERANCE = 0.005
SWITCH, HALFSTEP = "switch", "halfstep throughout"
SCHEDULES = {
    SWITCH: ("uniform",) * UNIFORM_QUARTERS + ("halfstep",) * AFTER_QUARTERS,
    HALFSTEP: ("halfstep",) * (UNIFORM_QUARTERS + AFTER_QUARTERS),
}


def scenario_at(kappa_down: float) -> Scenario:
    return scenario_with(None, [f"expectations.adapt_up={KAPPA_UP}", f"expectations.adapt_down={kappa_down}"])


def main(ctx: Context) -> Verdict:
    reps = ctx.reps(16, 100)
    arms = [Arm((kd, name), scenario_at(kd), sched) for kd in KAPPA_DOWNS for name, sched in SCHEDULES.items()]
    runs = play_arms(ctx, arms, reps)
    tiers = arms[0].scenario.tier_names
    margin = arms[0].scenario.economics.incremental_margin
    results = {kd: analyse(runs[(kd, SWITCH)], runs[(kd, HALFSTEP)], tiers, margin) for kd in KAPPA_DOWNS}
    figure(ctx, results)
    return verdict(results, reps)


def references(runs: list, tier: int) -> np.ndarray:
    """A tier's value-weighted reference at the start of every quarter (replications × quarters)."""
    return by_period(runs, lambda o: o.dynamics["reference"][tier])


def analyse(switch: list, halfstep: list, tiers: list[str], margin: float) -> dict[str, Any]:
    """Drift under uniform, the gap to halfstep throughout, the return after the switch and its price."""
    q = UNIFORM_QUARTERS  # index of the first quarter after the switch
    out: dict[str, Any] = {"tiers": {t: {} for t in tiers}}
    for t in TOP:
        i = tiers.index(t)
        rs, rh = references(switch, i), references(halfstep, i)
        gap = rs - rh
        after = gap[:, q:]
        covers = [k for k in range(after.shape[1]) if _covers_zero(paired_ci(rs[:, q + k], rh[:, q + k]))]
        out["tiers"][t] |= {
            "start": float(rs[:, 0].mean()),
            "after_uniform": mean_ci(rs[:, q]),
            "drift": mean_ci(rs[:, q] - rs[:, 0]),
            "halfstep_at_switch": mean_ci(rh[:, q]),
            "gap_at_switch": paired_ci(rs[:, q], rh[:, q]),
            "gap_by_quarter": [paired_ci(rs[:, k], rh[:, k]) for k in range(rs.shape[1])],
            "switch_by_quarter": [mean_ci(rs[:, k]) for k in range(rs.shape[1])],
            "halfstep_by_quarter": [mean_ci(rh[:, k]) for k in range(rh.shape[1])],
            "quarters_to_return": quarters_to_return(after, TOLERANCE),
            "first_quarter_gap_not_significant": covers[0] if covers else None,
            "gap_last_quarter": paired_ci(rs[:, -1], rh[:, -1]),
        }
    for t in tiers:
        out["tiers"][t].update(
            {
                f"share_of_wallet_{name}": {
                    arm: mean_ci(_share(runs, t, part), bounds=(0.0, 1.0))
                    for arm, runs in ((SWITCH, switch), (HALFSTEP, halfstep))
                }
                | {"paired": paired_ci(_share(switch, t, part), _share(halfstep, t, part))}
                for name, part in (("uniform_phase", slice(0, q)), ("after_switch", slice(q, None)))
            }
            | {
                f"margin_less_cost_{name}": paired_ci(
                    _money(switch, t, part, margin), _money(halfstep, t, part, margin)
                )
                for name, part in (("uniform_phase", slice(0, q)), ("after_switch", slice(q, None)))
            }
        )
    cs = by_period(switch, lambda o: o.kpis["contribution"])
    ch = by_period(halfstep, lambda o: o.kpis["contribution"])
    d = cs - ch
    back = [out["tiers"][t]["quarters_to_return"] for t in TOP]
    n = None if any(b is None for b in back) else max(b for b in back)  # both tiers back
    out["return_quarters"] = n
    out["contribution"] = {
        "by_quarter": [paired_ci(cs[:, k], ch[:, k]) for k in range(cs.shape[1])],
        "cumulative": [mean_ci(x) for x in d.cumsum(axis=1).T],
        "uniform_phase": paired_ci(cs[:, :q].sum(axis=1), ch[:, :q].sum(axis=1)),
        "after_switch": paired_ci(cs[:, q:].sum(axis=1), ch[:, q:].sum(axis=1)),
        "until_returned": paired_ci(cs[:, q : q + n].sum(axis=1), ch[:, q : q + n].sum(axis=1)) if n else None,
        "all_quarters": paired_ci(cs.sum(axis=1), ch.sum(axis=1)),
        "halfstep_per_quarter": mean_ci(ch.mean(axis=1)),
    }
    return out


def _share(runs: list, tier: str, part: slice) -> np.ndarray:
    """A tier's share of wallet over the quarters ``part``: trips flown over trips requested, summed."""
    flown = by_period(runs, lambda o: o.by_tier[tier]["trips_flown"])[:, part].sum(axis=1)
    return flown / by_period(runs, lambda o: o.by_tier[tier]["trips_requested"])[:, part].sum(axis=1)


def _money(runs: list, tier: str, part: slice, margin: float) -> np.ndarray:
    """A tier's margin on its revenue less its cost to serve over the quarters ``part`` (the roster is the book's)."""
    return by_period(runs, lambda o: margin * o.by_tier[tier]["revenue"] - o.by_tier[tier]["cost_total"])[:, part].sum(
        axis=1
    )


def _covers_zero(d: dict[str, Any]) -> bool:
    lo, hi = d["ci95"]
    return lo is None or lo <= 0.0 <= hi


def _below(d: dict[str, Any], than: float = 0.0) -> bool:
    """The interval lies wholly below ``than``."""
    hi = d["ci95"][1]
    return hi is not None and hi < than


def classify(result: dict[str, Any]) -> str:
    """'agrees': V4 and V5 significantly below their start and below halfstep's after the uniform quarters;
    'partly agrees': one tier drifts down, or both fall only relative to halfstep; else 'disagrees'."""
    tiers = result["tiers"]
    drift = [_below(tiers[t]["drift"]) for t in TOP]
    gap = [_below(tiers[t]["gap_at_switch"]) for t in TOP]
    if all(drift) and all(gap):
        return "agrees"
    if any(drift) or all(gap):
        return "partly agrees"
    return "disagrees"


def figure(ctx: Context, results: dict[float, dict[str, Any]]) -> None:
    main_kd = KAPPA_DOWNS[0]
    r = results[main_kd]
    quarters = np.arange(1, UNIFORM_QUARTERS + AFTER_QUARTERS + 1)
    colors = {"V4": "tab:blue", "V5": "tab:red"}
    with figure_style():
        fig, axes = subplots(2, 2, figsize=(12, 8.5))
        ax = axes[0, 0]
        for t in TOP:
            for key, ls, name in (
                ("switch_by_quarter", "-", "uniform → halfstep"),
                ("halfstep_by_quarter", "--", "halfstep"),
            ):
                m, err = mean_err(r["tiers"][t][key])
                ax.plot(quarters, m, ls=ls, color=colors[t], label=f"{t}, {name}")
                ax.fill_between(quarters, m - err[0], m + err[1], color=colors[t], alpha=0.12, lw=0)
        ax.axvline(UNIFORM_QUARTERS + 0.5, color="grey", lw=1, ls=":", label="switch to halfstep")
        ax.set(
            xlabel="quarter",
            ylabel="reference (value-weighted level)",
            title=f"the top tiers' references (κ_up {KAPPA_UP:g}, κ_down {main_kd:g}), 95% CIs",
        )
        ax.legend(fontsize=7)
        ax = axes[0, 1]
        for t in TOP:
            m, err = mean_err(r["tiers"][t]["gap_by_quarter"])
            ax.errorbar(quarters, m, yerr=err, marker="o", ms=3, capsize=2, color=colors[t], label=t)
        ax.axhspan(-TOLERANCE, TOLERANCE, color="grey", alpha=0.2, lw=0, label=f"±{TOLERANCE:g}")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(UNIFORM_QUARTERS + 0.5, color="grey", lw=1, ls=":")
        ax.set(
            xlabel="quarter",
            ylabel="reference, switch − halfstep throughout (paired)",
            title="how far below halfstep's the references are",
        )
        ax.legend(fontsize=7)
        ax = axes[1, 0]
        m, err = mean_err(r["contribution"]["by_quarter"])
        ax.errorbar(quarters, m / 1e3, yerr=err / 1e3, marker="o", ms=3, capsize=2, color="black")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(UNIFORM_QUARTERS + 0.5, color="grey", lw=1, ls=":")
        ax.set(
            xlabel="quarter",
            ylabel="contribution, switch − halfstep throughout (paired), k CNY",
            title=f"contribution quarter by quarter (κ_down {main_kd:g})",
        )
        ax = axes[1, 1]
        for kd, c in zip(KAPPA_DOWNS, ("black", "tab:purple"), strict=False):
            m, err = mean_err(results[kd]["contribution"]["cumulative"])
            ax.plot(quarters, m / 1e6, color=c, label=f"κ_down = {kd:g}")
            ax.fill_between(quarters, (m - err[0]) / 1e6, (m + err[1]) / 1e6, color=c, alpha=0.15, lw=0)
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(UNIFORM_QUARTERS + 0.5, color="grey", lw=1, ls=":")
        ax.set(
            xlabel="quarter",
            ylabel="cumulative contribution difference, M CNY",
            title="switch − halfstep throughout, cumulated, 95% CIs",
        )
        ax.legend(fontsize=7)
        fig.suptitle(
            f"e10 — {UNIFORM_QUARTERS} quarters of one agreement for all, then halfstep, against halfstep throughout",
            fontsize=11,
        )
        fig.tight_layout()
        (ctx.folder / "figure.png").write_bytes(png(fig))


def _returned(n: int | None) -> str:
    if n is None:
        return f"not within the {AFTER_QUARTERS} quarters after the switch"
    return "at once" if n == 0 else f"after {n} quarter{'s' if n != 1 else ''}"


def _sign(d: dict[str, Any]) -> int:
    lo, hi = d["ci95"]
    return 0 if lo is None or lo <= 0.0 <= hi else 1 if lo > 0 else -1


def why(r: dict[str, Any]) -> str:
    """The mechanism, in the run's numbers."""
    v4, v5 = (r["tiers"][t] for t in TOP)
    q = UNIFORM_QUARTERS
    peak = max(s["mean"] for s in v4["switch_by_quarter"][: q + 1])
    first_v4 = (
        f" {TOP[0]}'s first rises (to {peak:.3f}: uniform gives it more than it expected on some dimensions, and "
        f"clients get used to more faster than they give it up) and then falls."
        if peak > v4["start"] + TOLERANCE
        else ""
    )
    sw_last, hs_last = v5["switch_by_quarter"][-1], v5["halfstep_by_quarter"][-1]
    c = r["contribution"]
    sign = _sign(c["after_switch"])
    share = v5["share_of_wallet_uniform_phase"]
    money_t = {t: x["margin_less_cost_uniform_phase"] for t, x in r["tiers"].items()}
    gain = [t for t, d in money_t.items() if _sign(d) > 0]
    lose = [t for t, d in money_t.items() if _sign(d) < 0]
    split = (
        f" The book's gain is {', '.join(gain)}'s; {', '.join(lose)} give{'s' if len(lose) == 1 else ''} margin up."
        if gain and lose
        else ""
    )
    by_tier = "; ".join(
        f"{t} {fmt(x['margin_less_cost_uniform_phase'])}"
        for t, x in r["tiers"].items()
        if "margin_less_cost_uniform_phase" in x
    )
    if sign > 0:
        money = (
            f"Restoring costs no contribution here; it is the other way round: the switched book makes "
            f"{fmt(c['after_switch'])} CNY more than halfstep throughout over the {AFTER_QUARTERS} quarters after the "
            f"switch, and {fmt(c['uniform_phase'])} more during the uniform ones. "
        )
    elif sign < 0:
        money = f"Restoring costs {fmt(c['after_switch'])} CNY over the {AFTER_QUARTERS} quarters after the switch. "
    else:
        money = (
            f"The switched book's contribution after the switch is not distinguishable from halfstep "
            f"throughout's ({fmt(c['after_switch'])} CNY). "
        )
    return (
        "Why. Expectations follow experience: at the end of every quarter an account's expectation on each "
        "dimension moves toward the level it received — up by κ_up of the gap, down by κ_down — and its reference "
        f"is the higher of that and the competitor's offer. One level for all gives {TOP[1]} less than it expects "
        f"on the dimensions it values most, so its bar comes down quarter by quarter toward what uniform gives it."
        f"{first_v4} After the switch halfstep plans every quarter from where the clients are — half a step above "
        f"the lowered bar, within the spend its LP finds worth it — so it does not lift the bar back: {TOP[1]}'s "
        f"reference is {fmt(sw_last, 3)} in quarter {q + AFTER_QUARTERS}, where halfstep throughout holds it at "
        f"{fmt(hs_last, 3)}. {money}By tier, margin on revenue less cost to serve over the uniform quarters, switch − "
        f"halfstep throughout: {by_tier} CNY. {TOP[1]} flies {fmt(share[SWITCH], 3)} of its trips with us over the "
        f"uniform quarters against {fmt(share[HALFSTEP], 3)} under halfstep throughout (paired "
        f"{fmt(share['paired'], 3)}).{split} The expectation the document warns about "
        f"does fall; what it would cost — a competitor who answers, clients who leave for one that serves them "
        f"better — is not in the model."
    )


def verdict(results: dict[float, dict[str, Any]], reps: int) -> Verdict:
    kd = KAPPA_DOWNS[0]
    r = results[kd]
    word = classify(r)

    def tier_text(res: dict[str, Any], t: str) -> str:
        x = res["tiers"][t]
        return (
            f"{t} from {x['start']:.3f} to {fmt(x['after_uniform'], 3)} (drift {fmt(x['drift'], 3)}; halfstep "
            f"throughout keeps it at {fmt(x['halfstep_at_switch'], 3)}, a gap of {fmt(x['gap_at_switch'], 3)})"
        )

    def back_text(res: dict[str, Any], t: str) -> str:
        x = res["tiers"][t]
        sig = x["first_quarter_gap_not_significant"]
        when = (
            f"first not significant in quarter {UNIFORM_QUARTERS + 1 + sig}"
            if sig is not None
            else "significant in every quarter after the switch"
        )
        return (
            f"{t} {_returned(x['quarters_to_return'])} (the paired gap {when}; "
            f"{fmt(x['gap_last_quarter'], 3)} in quarter {UNIFORM_QUARTERS + AFTER_QUARTERS})"
        )

    c = r["contribution"]
    until = (
        f"; over the {r['return_quarters']} quarters until both are back, {fmt(c['until_returned'])} CNY"
        if c["until_returned"]
        else ""
    )
    other = results[KAPPA_DOWNS[1]]
    text = (
        f"With κ_up = {KAPPA_UP:g} and κ_down = {kd:g} ({reps} replications, each schedule on the same streams), "
        f"{UNIFORM_QUARTERS} quarters of one agreement for all move the value-weighted references of "
        f"{tier_text(r, TOP[0])} and of {tier_text(r, TOP[1])}. After the switch to halfstep, back within "
        f"{TOLERANCE:g} of halfstep-throughout's reference: {back_text(r, TOP[0])}; {back_text(r, TOP[1])}. "
        f"Contribution, switch − halfstep throughout: {fmt(c['uniform_phase'])} CNY over the {UNIFORM_QUARTERS} "
        f"uniform quarters, {fmt(c['after_switch'])} over the {AFTER_QUARTERS} after the switch{until}; halfstep "
        f"makes {fmt(c['halfstep_per_quarter'])} CNY a quarter. With κ_down = {KAPPA_DOWNS[1]:g} (clients give up "
        f"service as fast as they get used to it): {tier_text(other, TOP[0])}; {tier_text(other, TOP[1])}; back "
        f"{_returned(other['return_quarters'])}; contribution {fmt(other['contribution']['uniform_phase'])} CNY over "
        f"the uniform quarters and {fmt(other['contribution']['after_switch'])} after the switch.\n\n" + why(r)
    )
    numbers = {
        "replications": reps,
        "kappa_up": KAPPA_UP,
        "kappa_down_settings": list(KAPPA_DOWNS),
        "uniform_quarters": UNIFORM_QUARTERS,
        "quarters_after_switch": AFTER_QUARTERS,
        "tolerance": TOLERANCE,
        "by_kappa_down": {str(k): v for k, v in results.items()},
    }
    return Verdict(
        title="A uniform service level lowers high-value clients' expectations",
        claim="水平一致的服务会降低高附加值用户对企业提供的服务水平的预期 — one service level for all lowers "
        "high-value clients' expectation of the service the firm offers (seed 004); and what restoring it costs.",
        verdict=word,
        text=text,
        numbers=numbers,
    )
