"""What a segmentation reports: the book, how Pareto it is, star levels, tags, tiers and estimates.

Three forms of the same facts: a Markdown report for people, a JSON file for programs,
and a CSV with every account's star level, tags, importance and tier, so that a planner
can check any single assignment. :func:`print_segmentation` prints the headline tables.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from model.files import json_text
from model.segmentation.accounts import CABIN_BUCKETS
from model.segmentation.assignment import Segmentation
from model.segmentation.building import ScenarioBuild
from model.segmentation.fit import Estimate, TierFit

__all__ = ["Pareto", "assignments_csv", "pareto", "print_segmentation", "report_json", "report_markdown"]


@dataclass(frozen=True)
class Pareto:
    top_share_of_accounts: float  # the rules' pareto_account_share
    top_accounts: int
    top_spend_share: float  # spend share of those accounts
    core_accounts: int
    core_account_share: float  # share of accounts making the core spend share
    gini: float
    largest_spend_share: float


def pareto(seg: Segmentation) -> Pareto:
    """How concentrated the book's spend is (seed 003: 20% of clients bring 80% of profit)."""
    spend = np.sort(seg.table.spend_cny)[::-1]
    n, total = len(spend), spend.sum()
    share = seg.rules.importance.pareto_account_share
    top = max(1, math.ceil(share * n - 1e-9))
    ranked = np.arange(1, n + 1)
    gini = float(2 * (ranked * spend[::-1]).sum() / (n * total) - (n + 1) / n) if total > 0 else 0.0
    core = int(seg.tags["core"].sum())
    return Pareto(
        top_share_of_accounts=share,
        top_accounts=top,
        top_spend_share=float(spend[:top].sum() / total) if total > 0 else 0.0,
        core_accounts=core,
        core_account_share=core / n,
        gini=gini,
        largest_spend_share=float(spend[0] / total) if total > 0 else 0.0,
    )


def _num(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"


def _pct(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{100 * x:.1f}%"


def _est(e: Estimate | None, fmt: Any = _num) -> str:
    if e is None:
        return "—"
    if e.low is None or e.high is None:
        return fmt(e.value)
    return f"{fmt(e.value)} [{fmt(e.low)}, {fmt(e.high)}]"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(r) + " |" for r in rows), ""]


def _spend_share(seg: Segmentation, mask: np.ndarray) -> float:
    total = seg.table.spend_cny.sum()
    return float(seg.table.spend_cny[mask].sum() / total) if total > 0 else 0.0


def report_markdown(
    seg: Segmentation,
    fits: list[TierFit],
    fares: dict[str, Estimate] | None,
    build: ScenarioBuild,
    scenario_file: str,
    rules_source: str,
) -> str:
    t, r = seg.table, seg.rules
    p = pareto(seg)
    active = t.trips > 0
    out = [
        f"# Segmentation of {t.source}",
        "",
        f"Rules: **{r.rules.name}** ({rules_source}). Scenario written: `{scenario_file}` — run it with `halfstep run {scenario_file}`.",
        "",
        "## The book",
        "",
        *_table(
            [
                "accounts",
                "with trips",
                "sleeping (no trips)",
                "travellers who flew",
                "trips",
                "spend (CNY)",
                "months observed",
            ],
            [
                [
                    f"{len(t):,}",
                    f"{int(active.sum()):,}",
                    f"{int((~active).sum()):,}",
                    f"{t.travellers.sum():,.0f}",
                    f"{t.trips.sum():,.0f}",
                    f"{t.spend_cny.sum():,.0f}",
                    f"{t.months_observed.min():g}–{t.months_observed.max():g}",
                ]
            ],
        ),
    ]
    if t.rows_skipped or t.blank_lines:
        out += [
            f"Rows left out: **{t.rows_skipped}** (with --skip-bad-rows); blank lines ignored: {t.blank_lines}.",
            "",
        ]
        out += _table(["reason", "rows"], [[k, str(v)] for k, v in t.skipped.items()])
    else:
        out += ["Every row of the file was used.", ""]
    out += ["All-client averages (Σ numerator / Σ denominator over the accounts; per account for totals):", ""]
    out += _table(["metric", "average"], [[k, _num(v)] for k, v in seg.averages.items()])

    out += [
        "## How Pareto is the book?",
        "",
        f"- The top {_pct(p.top_share_of_accounts)} of accounts ({p.top_accounts:,}) make **{_pct(p.top_spend_share)}** of spend (seed 003: 20% of clients, 80% of profit).",
        f"- **{_pct(p.core_account_share)}** of accounts ({p.core_accounts:,}, tagged `core`) make {_pct(r.importance.core_spend_share)} of spend.",
        f"- Gini coefficient of spend: {p.gini:.3f}; the largest account makes {_pct(p.largest_spend_share)} (its importance index).",
        "",
        f"## Star levels ({r.star_levels.metric}, {r.star_levels.basis} thresholds)",
        "",
    ]
    values = seg.table.spend_cny / seg.table.months_observed if r.star_levels.metric == "monthly_spend_cny" else None
    rows = []
    for level in range(1, r.levels + 1):
        mask = seg.star == level
        start = (
            "—"
            if level == 1
            else (
                _num(seg.star_thresholds[level - 2])
                if seg.star_thresholds
                else f"q {r.star_levels.thresholds[level - 2]:g}"
            )
        )
        span = f"{_num(values[mask].min())}–{_num(values[mask].max())}" if values is not None and mask.any() else "—"
        rows.append([str(level), start, span, f"{int(mask.sum()):,}", _pct(_spend_share(seg, mask))])
    out += _table(["star", "from", "range in the book", "accounts", "spend share"], rows)

    out += ["## Tags", ""]
    rules_of = {
        g.name: f"{g.metric} {g.compare} {g.threshold:g}" + (" × average" if g.basis == "relative" else f" ({g.basis})")
        for g in r.tags
    }
    rules_of |= {
        "core": f"largest accounts making {_pct(r.importance.core_spend_share)} of spend",
        "sleeping": "no trips in the window",
    }
    rules_of |= {"mega": "a segment of its own", "override": "tier set by the rules' overrides"}
    out += _table(
        ["tag", "rule", "accounts", "spend share"],
        [[k, rules_of[k], f"{int(m.sum()):,}", _pct(_spend_share(seg, m))] for k, m in seg.tags.items()],
    )
    out += [f"- {note}" for note in seg.notes] + ([""] if seg.notes else [])

    out += ["## Tiers", "", "Counts and spend per tier (mega accounts are tiers of their own):", ""]
    out += _table([*_COUNT_HEADS, "government"], [[*_count_row(f), _pct(f.government_share)] for f in fits])
    out += ["Estimates, with 95% bootstrap intervals [low, high] where the tier has enough accounts:", ""]
    out += _table(
        [
            "tier",
            "travellers/account",
            "trips/traveller/year",
            "gamma shape k",
            "k status",
            "single-trip rate",
            "fare (CNY)",
            "ff members",
            "interval",
        ],
        [
            [
                f.segment.name,
                _est(f.travellers_per_account),
                _est(f.trips_per_traveller_per_year),
                _est(f.trip_rate_shape),
                f.shape_status,
                _est(f.single_trip_rate, _pct),
                _est(f.fare_cny),
                _est(f.ff_member_share, _pct),
                f.interval,
            ]
            for f in fits
            if f.active
        ],
    )
    if fares is not None:
        out += ["Cabin mix (share of trips) per tier:", ""]
        out += _table(
            ["tier", *CABIN_BUCKETS],
            [
                [f.segment.name, *(_est(f.cabin_mix[b], _pct) for b in CABIN_BUCKETS)]
                for f in fits
                if f.active and f.cabin_mix
            ],
        )
        out += [
            "Bucket fares fitted to the whole book (CNY), and each tier's fare implied by its mix against its observed average:",
            "",
        ]
        out += _table(["bucket", *CABIN_BUCKETS], [["fare", *(_est(fares[b]) for b in CABIN_BUCKETS)]])
        out += _table(
            ["tier", "observed fare", "mix × bucket fares", "gap"],
            [_fare_gap(f, fares) for f in fits if f.active and f.cabin_mix],
        )

    b = build
    out += [
        "## The scenario written",
        "",
        f"- Base: '{b.base_name}' ({b.base_source}): resources, dimensions, value, choice, loyalty, budget and each tier's service promise (its template).",
        f"- From the accounts: each tier's accounts with trips, travellers per account, trip rate, gamma shape and {'cabin mix (with the fitted bucket fares as [cabins])' if b.fares == 'cabin_mix' else 'average fare'}.",
        f"- Expected trip requests over the {b.scenario.time.horizon_days}-day horizon: {b.expected_requests:,.0f} (base scenario: {b.base_expected_requests:,.0f}).",
        f"- Capacities grown from the base ({_SCALE_RULE.get(r.scenario.capacity_scale, 'a factor set by the rules')}): "
        + ", ".join(f"{k} × {v:.3g}" for k, v in b.capacity_scale.items())
        + " (seats per flight × the trips factor; hold limits, escort staff on duty, benefit capacities and expansion limits × their resource's).",
        "- Travellers per account are rounded to whole travellers; the trip rate is adjusted so that the tier's expected trips stay as estimated.",
    ]
    if b.left_out:
        out += [f"- Left out (no account with trips): {', '.join(b.left_out)}."]
    out += [f"- {note}" for note in b.notes]
    if seg.mega_left_in_tier:
        out += [f"- Mega accounts beyond max_segments, left in their tier: {', '.join(seg.mega_left_in_tier)}."]
    out += ["", *_METHODS]
    return "\n".join(out) + "\n"


_SCALE_RULE = {
    "need": "each by the ratio of its expected need at the reference, the budget by expected benefit spend at the reference",
    "trips": "all by the ratio of expected trips",
}


_COUNT_HEADS = ("tier", "template", "accounts", "with trips", "spend share", "trips share")


def _count_row(f: TierFit) -> list[str]:
    s = f.segment
    return [s.name, s.template, f"{f.accounts:,}", f"{f.active:,}", _pct(f.spend_share), _pct(f.trips_share)]


def _fare_gap(f: TierFit, fares: dict[str, Estimate]) -> list[str]:
    assert f.cabin_mix is not None
    implied = math.fsum(f.cabin_mix[b].value * fares[b].value for b in CABIN_BUCKETS if math.isfinite(fares[b].value))
    return [f.segment.name, _num(f.fare_cny.value), _num(implied), _pct(implied / f.fare_cny.value - 1)]


_METHODS = [
    "## Methods",
    "",
    "- Travellers who flew, their trips and those who flew once are zero-truncated counts of a gamma-Poisson (negative binomial) traveller: "
    "the tier's trip rate μ and gamma shape k solve E[trips | travellers] and E[single-trip travellers | travellers] summed over its accounts, "
    "each with its own window; travellers per account count everyone who could fly (flying travellers / (1 − P(no trip))).",
    "- k is identified by the single-trip share; when the mean trips per flying traveller is close to 1 the share hardly moves with k and its interval is wide. "
    "`k status` says whether k was fitted, assumed (no single_trip_travellers column), or at a bound (0.01 or 100 = Poisson).",
    "- Intervals: 95% percentiles of a bootstrap that resamples the tier's accounts. Fares are Σspend / Σtrips; the cabin mix is trip-weighted; "
    "bucket fares are a non-negative least-squares fit of spend on bucket trips over the book, weighted by 1 / trips.",
    "- Tiers are chosen by realized spend, so their estimates describe the accounts as selected: a tier picked for high spend in the window "
    "contains accounts that had a busy window, and may fly somewhat less in the next (regression to the mean).",
]


def assignments_csv(seg: Segmentation) -> str:
    """One row per account: its line in the file, tier, star level, tags, importance and monthly spend."""
    t = seg.table
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["account_id", "name", "line", "tier", "template", "star", "tags", "importance", "monthly_spend_cny"])
    for i in range(len(t)):
        s = seg.segments[seg.segment[i]]
        w.writerow(
            [
                t.account_id[i],
                t.name[i],
                int(t.line[i]),
                s.name,
                s.template,
                int(seg.star[i]),
                ";".join(seg.tags_of(i)),
                f"{seg.importance[i]:.6g}",
                f"{t.spend_cny[i] / t.months_observed[i]:.2f}",
            ]
        )
    return buf.getvalue()


def report_json(seg: Segmentation, fits: list[TierFit], fares: dict[str, Estimate] | None, build: ScenarioBuild) -> str:
    t = seg.table

    doc = {
        "source": t.source,
        "rules": seg.rules.rules.name,
        "accounts": len(t),
        "rows_skipped": t.rows_skipped,
        "skipped_by_reason": t.skipped,
        "blank_lines": t.blank_lines,
        "averages": seg.averages,
        "pareto": asdict(pareto(seg)),
        "star_counts": {str(k): int((seg.star == k).sum()) for k in range(1, seg.rules.levels + 1)},
        "tag_counts": {k: int(m.sum()) for k, m in seg.tags.items()},
        "tiers": [asdict(f) for f in fits],
        "bucket_fares": None if fares is None else {k: asdict(v) for k, v in fares.items()},
        "scenario": {
            "base": build.base_source,
            "capacity_scale": build.capacity_scale,
            "fares": build.fares,
            "left_out": build.left_out,
        },
    }
    return json_text(doc)  # the project's JSON writer: NaN (undefined) becomes null


def print_segmentation(console: Console, seg: Segmentation, fits: list[TierFit]) -> None:
    p = pareto(seg)
    t = seg.table
    console.print(
        f"[bold]{t.source}[/bold]: {len(t):,} accounts, {int((t.trips > 0).sum()):,} with trips"
        + (f"; {t.rows_skipped} rows left out" if t.rows_skipped else "")
    )
    console.print(
        f"Pareto: the top {_pct(p.top_share_of_accounts)} of accounts make {_pct(p.top_spend_share)} of spend; "
        f"{_pct(p.core_account_share)} of accounts make {_pct(seg.rules.importance.core_spend_share)} (Gini {p.gini:.2f})"
    )
    counts = Table(title="Tiers", title_justify="left")
    for head in _COUNT_HEADS:
        counts.add_column(head, justify="left" if head in ("tier", "template") else "right")
    for f in fits:
        counts.add_row(*_count_row(f))
    console.print(counts)
    est = Table(title="Estimates [95% bootstrap interval]", title_justify="left")
    for head in ("tier", "travellers/account", "trips/traveller/year", "gamma shape k", "fare CNY"):
        est.add_column(head, justify="left" if head == "tier" else "right")
    for f in fits:
        if f.active:
            cells = (f.travellers_per_account, f.trips_per_traveller_per_year, f.trip_rate_shape, f.fare_cny)
            est.add_row(f.segment.name, *(_est(e, _short) for e in cells))
    console.print(est)


def _short(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"
