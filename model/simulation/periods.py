"""Multi-period runs: a rolling plan over periods of the scenario's horizon — DESIGN.md, *Expectations that move*.

Each replication plays every policy through ``periods`` periods (12 quarters, say). At the
start of a period the policy plans again from where its clients are: each tier's
expectation is the mean of its accounts' expectations (which move toward what each account
experienced when ``expectations.adapt_up``/``adapt_down`` are set), and the accounts carry
over what they experienced, their closeness and their stage. Period k of replication r
draws its trips from the streams of (seed, r, k) — the same for every policy: common random
numbers across policies, period by period; period 0's are a single-period run's, so a run
with one period is that run, number for number.

A replication's outcome over the periods (what ``outcomes.csv`` and the summary hold) is the
sum of the periods' money, trips, failures and churn; PV per trip requested, share of wallet
and fare per trip are recomputed from the sums; the other rates are means over the periods.
The periods themselves are kept (``RunResult.period_outcomes``, ``periods.csv``).

A schedule of policies, one per period, plays one book of accounts through them
(:func:`play_schedule`): a switch from ``uniform`` to ``halfstep`` after 12 quarters, the
accounts carrying over what the first policy taught them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from model.allocation.plan import Plan
from model.allocation.policies import make_plan
from model.allocation.value import value_tables
from model.randomness import streams
from model.scenario.schema import Scenario
from model.simulation.account_outcomes import SUMMED, AccountOutcomes
from model.simulation.clairvoyant import clairvoyant_plan
from model.simulation.loyalty import Accounts
from model.simulation.outcome import Outcome
from model.simulation.simulator import simulate
from model.simulation.trips import draw_base_demand, draw_trips

__all__ = ["combine_periods", "period_scenario", "play_schedule", "replicate_periods", "schedule_label"]

#: KPIs recomputed from sums over the periods: KPI → (numerator, denominator).
RATIOS = {
    "perceived_value_per_trip": ("perceived_value", "trips_requested"),
    "share_of_wallet": ("trips_flown", "trips_requested"),
    "key_account_fare_mean": ("revenue", "trips_flown"),
}
#: KPIs that are means over the periods (rates and shares of a period); every other KPI is a sum.
MEANS = frozenset(
    {
        "key_account_revenue_share",
        "escort_utilization",
        "escort_wait_mean_minutes",
        "escort_wait_probability",
        "single_trip_share",
    }
)


def period_scenario(scenario: Scenario, accounts: Accounts | None) -> Scenario:
    """The scenario a period plans with: each tier's expectation the mean of its accounts' (when they move)."""
    if accounts is None or not accounts.expectation:
        return scenario
    exp = np.asarray(accounts.expectation, dtype=float)
    tiers = []
    for i, t in enumerate(scenario.tiers):
        rows = exp[accounts.tier == i]
        if len(rows) == 0:
            tiers.append(t)
            continue
        mean = rows.mean(axis=0)
        tiers.append(
            t.model_copy(update={"expectation": dict(zip(scenario.dimension_names, mean.tolist(), strict=True))})
        )
    return scenario.model_copy(update={"tiers": tiers})


def _dynamics(scenario: Scenario, accounts: Accounts, plan: Plan, outcome: Outcome) -> dict[str, list[float]]:
    """Per tier, value-weighted over the dimensions: the accounts' mean reference and the plan's level; and PV per trip."""
    vt = value_tables(scenario)
    w = vt.weight
    total = np.where(w.sum(axis=1) > 0, w.sum(axis=1), 1.0)
    if accounts.expectation:
        comp = np.asarray([d.competitor_level for d in scenario.dimensions])
        per_account = np.maximum(np.asarray(accounts.expectation), comp[None, :])
        reference = np.array([per_account[accounts.tier == i].mean(axis=0) for i in range(len(scenario.tiers))])
    else:
        reference = vt.reference
    return {
        "reference": ((w * reference).sum(axis=1) / total).tolist(),
        "level": ((w * plan.levels).sum(axis=1) / total).tolist(),
        "pv_per_trip": [outcome.by_tier[t]["perceived_value_per_trip"] for t in scenario.tier_names],
    }


def replicate_periods(
    scenario: Scenario,
    plans: dict[str, Plan],
    policies: tuple[str, ...],
    seed: int,
    replication: int,
    periods: int,
    *,
    point: int | None = None,
    draws: list | None = None,
) -> list[Outcome]:
    """Every policy through ``periods`` periods of one replication; one outcome per policy and period.

    ``plans`` are the policies' first-period plans (made once for every replication); a later
    period plans again only when its clients' expectations have moved. ``draws`` keeps each
    period's trips and base demand for the next policy (common random numbers).
    """
    draws = [] if draws is None else draws
    out: list[Outcome] = []
    for policy in policies:
        out += play_schedule(
            scenario, plans, [policy] * periods, seed, replication, label=policy, point=point, draws=draws
        )
    return out


def schedule_label(schedule: Sequence[str]) -> str:
    """A schedule as text, runs of one policy counted: ``uniform×12 → halfstep×12``."""
    runs = [(p, len(list(g))) for p, g in itertools.groupby(schedule)]
    return " → ".join(f"{p}×{n}" for p, n in runs)


def play_schedule(
    scenario: Scenario,
    plans: dict[str, Plan],
    schedule: Sequence[str],
    seed: int,
    replication: int,
    *,
    label: str | None = None,
    point: int | None = None,
    draws: list | None = None,
) -> list[Outcome]:
    """One replication of one book of accounts played through a schedule of policies, one per period.

    Period k is planned by ``schedule[k]`` from where the clients are (:func:`period_scenario`)
    and played on the streams of (seed, replication, k), as in :func:`replicate_periods`; the
    accounts carry their experience, expectations, closeness and stage across a change of
    policy, so a schedule ``[uniform] * 12 + [halfstep] * 12`` is a switch after 12 periods.
    ``plans`` holds the plan of every policy of the schedule made under ``scenario`` (used
    while the expectations have not moved). Every outcome is labelled ``label`` (default:
    :func:`schedule_label`), its ``period`` k.
    """
    label = schedule_label(schedule) if label is None else label
    minutes = scenario.time.horizon_days * 1440.0
    draws = [] if draws is None else draws
    out: list[Outcome] = []
    accounts: Accounts | None = None
    for k, policy in enumerate(schedule):
        s_k = period_scenario(scenario, accounts)
        if k == len(draws):
            rngs = streams(seed, replication, point=point, period=k)
            draws.append((draw_trips(scenario, rngs), draw_base_demand(scenario, rngs["base"])))
        trips, base = draws[k]
        if policy == "clairvoyant":
            plan = clairvoyant_plan(s_k, trips)
        elif s_k is scenario:
            plan = plans[policy]
        else:
            plan = make_plan(s_k, policy)
        if accounts is None:
            accounts = Accounts(s_k, plan.levels, value_tables(s_k))
        else:
            accounts.shift_clock(minutes)
        o = simulate(s_k, plan, trips, base, accounts)
        o.policy, o.replication, o.period = label, replication, k
        o.dynamics = _dynamics(s_k, accounts, plan, o)
        accounts.adapt()
        out.append(o)
    return out


def _combine(values: list[dict[str, float]]) -> dict[str, float]:
    out = {}
    for key in values[0]:
        xs = np.array([v[key] for v in values], dtype=float)
        out[key] = float(np.nanmean(xs)) if key in MEANS else float(xs.sum())
    for key, (num, den) in RATIOS.items():
        if key in out and num in out and den in out:
            out[key] = out[num] / out[den] if out[den] else float("nan")
    return out


def _combine_accounts(parts: list[AccountOutcomes | None]) -> AccountOutcomes | None:
    if any(p is None for p in parts):
        return None
    first, last = parts[0], parts[-1]
    total = {k: sum(getattr(p, k) for p in parts) for k in (*SUMMED, "delivered")}
    return AccountOutcomes(tier=first.tier, closeness=last.closeness, stage=last.stage, **total)


def _nanmean_rows(rows: list[np.ndarray]) -> np.ndarray:
    """Column means ignoring NaN; NaN where a column has no number (an hour nobody arrived in)."""
    x = np.asarray(rows, dtype=float)
    count = np.sum(~np.isnan(x), axis=0)
    total = np.nansum(x, axis=0)
    return np.divide(total, count, out=np.full(x.shape[1], np.nan), where=count > 0)


def combine_periods(outcomes: list[Outcome]) -> Outcome:
    """One replication of one policy over all its periods (see the module's note on how KPIs combine)."""
    if len(outcomes) == 1:
        return outcomes[0]
    failed = next((o for o in outcomes if o.error is not None), None)
    if failed is not None:
        return failed
    first, last = outcomes[0], outcomes[-1]
    return Outcome(
        policy=first.policy,
        replication=first.replication,
        kpis=_combine([o.kpis for o in outcomes]),
        by_tier={t: _combine([o.by_tier[t] for o in outcomes]) for t in first.by_tier},
        escort_busy_by_hour=sum(o.escort_busy_by_hour for o in outcomes),
        escort_staffed_by_hour=sum(o.escort_staffed_by_hour for o in outcomes),
        escort_wait_by_hour=_nanmean_rows([o.escort_wait_by_hour for o in outcomes]),
        stages=np.concatenate([o.stages for o in outcomes]),
        stages_by_tier=last.stages_by_tier,
        over_service_by_dimension=sum(o.over_service_by_dimension for o in outcomes),
        accounts=_combine_accounts([o.accounts for o in outcomes]),
    )
