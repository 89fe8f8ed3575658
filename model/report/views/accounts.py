"""The accounts worth developing, as a terminal table and as a report section (seed 002)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from model.report.views.page import para, table

__all__ = ["accounts_html", "accounts_markdown", "print_accounts", "select_accounts"]


def select_accounts(
    df: Any, policy: str | None = None, top: int | None = None, losing: bool = False, tier: str | None = None
) -> Any:
    """The rows of one policy (halfstep if it ran, else the first), filtered: best contribution first, or, of the
    losing accounts, the one that loses most first (so ``top`` gives the worst)."""
    policies = list(dict.fromkeys(df["policy"]))
    if policy is None:
        policy = "halfstep" if "halfstep" in policies else policies[0]
    rows = df[df["policy"] == policy]
    if tier is not None:
        rows = rows[rows["tier"].astype(str) == tier]
    if losing:
        rows = rows[rows["contribution"] < 0]
    rows = rows.sort_values("contribution", ascending=losing, kind="stable")
    return rows.head(top) if top is not None else rows


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _cells(r: Any) -> list[str]:
    """account, tier, trips flown, revenue, cost to serve, contribution, PV per trip, stage."""
    return [
        r.account,
        str(r.tier),
        f"{r.trips_flown:,.1f}",
        _money(r.revenue),
        _money(r.cost_to_serve),
        _money(r.contribution),
        f"{r.perceived_value_per_trip:,.1f}",
        r.stage,
    ]


def print_accounts(console: Console, rows: Any, policy: str, losing: bool) -> None:
    """Accounts by contribution, with what each costs to serve and, for a losing one, what would make it pay."""
    if losing and rows.empty:
        console.print(f"No account loses money under {policy}: every one's margin covers its cost to serve.")
        return
    kind = "losing accounts" if losing else "accounts"
    t = Table(
        title=f"{kind} under {policy}, {'most lost first' if losing else 'by contribution'} "
        "(CNY over the horizon; mean of the replications)",
        title_justify="left",
    )
    for col in ("account", "tier", "flown", "revenue", "cost to serve", "contribution", "95% CI", "PV/trip", "stage"):
        t.add_column(col, justify="left" if col in ("account", "tier", "stage") else "right")
    for r in rows.itertuples(index=False):
        cells = _cells(r)
        t.add_row(*cells[:6], f"[{_money(r.contribution_ci_low)}, {_money(r.contribution_ci_high)}]", *cells[6:])
    console.print(t)
    fixes = [(r.account, r.fix) for r in rows.itertuples(index=False) if isinstance(r.fix, str) and r.fix]
    if fixes:
        console.print("What would make each losing account pay (before its travellers respond):")
    for account, fix in fixes:
        console.print(f"  {account}: {fix}", markup=False)


def _losing_sentence(rows: Any, policy: str) -> str:
    losing = rows[rows["contribution"] < 0]
    if losing.empty:
        return f"No account loses money under {policy}: every account's margin covers its cost to serve."
    worst = ", ".join(f"{r.account} ({_money(r.contribution)} CNY: {r.fix})" for r in losing.head(10).itertuples())
    return (
        f"{len(losing)} of {len(rows)} accounts lose money under {policy} — their cost to serve exceeds the margin "
        f"on their fares; what would make each pay, before its travellers respond: {worst}."
    )


def accounts_markdown(df: Any, top: int = 10) -> list[str]:
    rows = select_accounts(df)
    policy = str(rows["policy"].iloc[0]) if len(rows) else "halfstep"
    lines = ["", f"## Accounts worth developing ({policy})", "", _losing_sentence(rows, policy), ""]
    lines += [
        "| account | tier | trips flown | revenue | cost to serve | contribution | PV per trip |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows.head(top).itertuples():
        lines.append(
            f"| {r.account} | {r.tier} | {r.trips_flown:,.1f} | {_money(r.revenue)} | {_money(r.cost_to_serve)} | "
            f"{_money(r.contribution)} | {r.perceived_value_per_trip:,.1f} |"
        )
    lines += ["", "Every account and policy: `accounts.csv`; `halfstep accounts RUN --losing` lists the losing ones."]
    return lines


def accounts_html(df: Any, top: int = 10) -> str:
    rows = select_accounts(df)
    policy = str(rows["policy"].iloc[0]) if len(rows) else "halfstep"
    body = [_cells(r) for r in rows.head(top).itertuples()]
    return para(
        f"The {top} accounts that bring {policy} the most contribution (margin × revenue − cost to serve; the "
        "escort roster and expansions are the airline's, not an account's). " + _losing_sentence(rows, policy)
    ) + table(
        ["account", "tier", "trips flown", "revenue", "cost to serve", "contribution", "PV per trip", "stage"], body
    )
