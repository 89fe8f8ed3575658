"""Accounts worth developing (seed 002): per account, what it brings and what it costs to serve.

``accounts.csv`` in a run folder has one row per policy × account, each number a mean over
the replications that finished (contribution with its 95% interval): trips requested and
flown, revenue, the cost to serve by resource, contribution (the incremental margin ×
revenue − cost to serve; the escort roster and capacity expansions are the airline's, not
an account's), PV per trip requested, closeness and the most frequent stage at the end of
the horizon (with the share of replications in which the account broke).

An account whose cost to serve exceeds the margin on its fares **loses money**. For each,
``fix`` says what would make it pay, before its travellers respond to the change: the
dimensions to stop giving it, costliest first, until the margin covers the rest — or the
tier below whose levels would, served at which the account pays. Both use the plan's unit
costs on the account's own trips flown.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from scipy import stats

from model.allocation.resources import resource_tables
from model.errors import RunFolderError
from model.simulation.account_outcomes import SUMMED
from model.simulation.loyalty import STAGES
from model.simulation.result import RunResult

__all__ = ["ACCOUNT_COLUMNS", "account_frame", "account_rows", "accounts_csv", "read_accounts_table"]

ACCOUNT_COLUMNS = (
    "policy",
    "account",
    "tier",
    "trips_requested",
    "trips_flown",
    "revenue",
    "cost_seat_holds",
    "cost_escort",
    "cost_benefits",
    "cost_to_serve",
    "contribution",
    "contribution_ci_low",
    "contribution_ci_high",
    "perceived_value_per_trip",
    "closeness",
    "stage",
    "broken_share",
    "fix",
)


def _fix(
    contribution: float,
    margin_revenue: float,
    cost_by_dim: np.ndarray,
    dims: tuple[str, ...],
    below: list[tuple[str, float]],
) -> str:
    """What would make a losing account pay: dimensions to stop, costliest first; or a lower tier's levels."""
    if contribution >= 0:
        return ""
    order = np.argsort(-cost_by_dim, kind="stable")
    cost = float(cost_by_dim.sum())
    dropped = []
    for j in order:
        if cost_by_dim[j] <= 0 or margin_revenue >= cost:
            break
        cost -= float(cost_by_dim[j])
        dropped.append(f"{dims[j]} ({cost_by_dim[j]:,.0f} CNY)")
    parts = []
    if margin_revenue >= cost and dropped:
        parts.append("pays without " + ", ".join(dropped))
    elif dropped:
        parts.append("does not pay even without any service")
    served = next((f"or served at {name}'s levels (cost {c:,.0f} CNY)" for name, c in below if c <= margin_revenue), "")
    if served:
        parts.append(served)
    return "; ".join(parts)


def account_rows(result: RunResult) -> list[dict[str, object]]:
    """The rows of ``accounts.csv`` (every policy with outcomes that carry accounts)."""
    s = result.scenario
    rt = resource_tables(s)
    margin = s.economics.incremental_margin
    tiers = s.tier_names
    dims = tuple(s.dimension_names)
    levels = {name: plan.levels for name, plan in result.plans.items()}
    rows: list[dict[str, object]] = []
    for policy in result.policies:
        outs = [o for o in result.of(policy) if o.error is None and o.accounts is not None]
        if not outs:
            continue
        acc = [o.accounts for o in outs]
        tier = acc[0].tier
        mean = {k: np.mean([getattr(a, k) for a in acc], axis=0) for k in (*SUMMED, "closeness")}
        contribution = np.array([margin * a.revenue - a.cost for a in acc])  # (R, A)
        c_mean = contribution.mean(axis=0)
        if len(acc) > 1:
            half = stats.t.ppf(0.975, len(acc) - 1) * contribution.std(axis=0, ddof=1) / np.sqrt(len(acc))
        else:
            half = np.full(len(c_mean), np.nan)
        stages = np.array([a.stage for a in acc])  # (R, A)
        modal = np.array([np.bincount(stages[:, i], minlength=len(STAGES)).argmax() for i in range(stages.shape[1])])
        broken = (stages == STAGES.index("broken")).mean(axis=0)
        delivered = np.mean([a.delivered for a in acc], axis=0)  # (A, D)
        cost_by_dim = delivered * rt.unit_cost[tier]
        plan_levels = levels.get(policy)
        within = np.zeros(len(tier), dtype=np.int64)
        for i in range(1, len(tier)):
            within[i] = within[i - 1] + 1 if tier[i] == tier[i - 1] else 0
        for a in range(len(tier)):
            t = int(tier[a])
            below = []
            if plan_levels is not None:
                for u in range(t - 1, -1, -1):  # the tiers listed before it, nearest first
                    below.append((tiers[u], float(mean["flown"][a] * (rt.unit_cost[t] * plan_levels[u]).sum())))
            cost = mean["cost_seat_holds"][a] + mean["cost_escort"][a] + mean["cost_benefits"][a]
            rows.append(
                {
                    "policy": policy,
                    "account": f"{tiers[t]}-{within[a] + 1}",
                    "tier": tiers[t],
                    "trips_requested": mean["requested"][a],
                    "trips_flown": mean["flown"][a],
                    "revenue": mean["revenue"][a],
                    "cost_seat_holds": mean["cost_seat_holds"][a],
                    "cost_escort": mean["cost_escort"][a],
                    "cost_benefits": mean["cost_benefits"][a],
                    "cost_to_serve": cost,
                    "contribution": c_mean[a],
                    "contribution_ci_low": c_mean[a] - half[a],
                    "contribution_ci_high": c_mean[a] + half[a],
                    "perceived_value_per_trip": mean["perceived_value"][a] / mean["requested"][a]
                    if mean["requested"][a] > 0
                    else float("nan"),
                    "closeness": mean["closeness"][a],
                    "stage": STAGES[int(modal[a])],
                    "broken_share": float(broken[a]),
                    "fix": _fix(float(c_mean[a]), margin * float(mean["revenue"][a]), cost_by_dim[a], dims, below),
                }
            )
    return rows


def account_frame(result: RunResult):  # -> pandas.DataFrame
    """:func:`account_rows` as a DataFrame with the columns of ``accounts.csv``."""
    import pandas as pd

    return pd.DataFrame(account_rows(result), columns=list(ACCOUNT_COLUMNS))


def accounts_csv(frame) -> str:  # frame: pandas.DataFrame
    """``accounts.csv``: every number as Python writes a float (never rounded)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ACCOUNT_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in frame.to_dict("records"):
        w.writerow({k: (repr(float(v)) if isinstance(v, float | np.floating) else v) for k, v in row.items()})
    return buf.getvalue()


def read_accounts_table(run: str | Path):  # -> pandas.DataFrame
    """``accounts.csv`` of a run folder as a pandas DataFrame (a clear error if the folder has none)."""
    import pandas as pd

    folder = Path(run)
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: no such run folder")
    path = folder / "accounts.csv"
    if not path.is_file():
        raise RunFolderError(
            f"{folder} has no accounts.csv: give a run folder written by 'halfstep run' (a run made before "
            "accounts.csv existed has none: run it again)"
        )
    # text columns as text: a large book's "fix" column is empty for thousands of rows before its first sentence
    text = {"policy": str, "account": str, "tier": str, "stage": str, "fix": str}
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""], dtype=text, low_memory=False)
