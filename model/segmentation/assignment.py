"""Segmentation (分): accounts → star levels, segment tags, importance, tiers.

SEEDS.md 分 and DESIGN.md (client data produces scenarios). :func:`assign` applies a
rule set (:mod:`model.segmentation.rules`) to an account table (:mod:`model.segmentation.accounts`):

- every metric is a per-account ratio ``num / den`` (trips per traveller = annualized
  trips / travellers, a cabin share = bucket trips / trips …); its **all-client average**
  is the pooled ratio ``Σnum / Σden`` — for per-account totals such as monthly spend
  (``den = 1``) that is the mean over accounts. An account whose ``den`` is 0 has no value
  (a sleeping account has no cabin shares) and meets no threshold on that metric.
- a threshold is ``absolute``, ``relative`` (× the average) or ``quantile``. A value
  exactly on a threshold reaches it (``at_least``), with a relative tolerance of 1e-9 so
  that an average of equal numbers, off in its last bit, still counts as equal. For a
  quantile q an account's position is the share of accounts with a strictly smaller
  value: ties share a position, so equal accounts always land together, and when all
  accounts are equal all sit at position 0, the lowest level.
- star level = 1 + the number of star thresholds reached; tags by their rules; ``core``
  accounts are the largest by spend that together make the core share (ties at the
  boundary all count); ``sleeping`` accounts have no trips.
- tiers: the first tier (in file order) with a condition the account meets; overrides
  then put named accounts in named tiers; mega accounts become tiers of their own, with
  the template of the tier they would have had.

Estimation, the scenario and the report are in :mod:`model.segmentation.fit`,
:mod:`model.segmentation.building` and :mod:`model.segmentation.views.report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.errors import Problem, ScenarioError
from model.segmentation.accounts import CABIN_BUCKETS, AccountTable
from model.segmentation.rules import BUILTIN_TAGS, METRICS, Condition, Rules

__all__ = ["REL_TOL", "Segment", "Segmentation", "assign", "compare", "metric", "quantile_position"]

#: Relative tolerance of "exactly on a threshold".
REL_TOL = 1e-9
_LOW_BUCKETS = [CABIN_BUCKETS.index(b) for b in ("lt40", "40_65", "70_90")]  # seed 000: 中低舱, mid and low cabins


@dataclass(frozen=True)
class Segment:
    """A tier of the written scenario: a rules tier, or a mega account's own segment."""

    name: str
    template: str  # the base scenario's tier it takes its service promise from
    mega_account: str | None = None


@dataclass(frozen=True)
class Segmentation:
    """Every account's star level, tags, importance and segment (arrays of length n)."""

    table: AccountTable
    rules: Rules
    star: np.ndarray
    tags: dict[str, np.ndarray]
    importance: np.ndarray
    segment: np.ndarray  # index into segments
    segments: list[Segment]
    averages: dict[str, float]
    star_thresholds: list[float]  # in the star metric's unit (absolute and relative bases)
    mega_left_in_tier: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def accounts_in(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.segment == k)

    def tags_of(self, i: int) -> list[str]:
        return [name for name, mask in self.tags.items() if mask[i]]


def metric(table: AccountTable, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(num, den)`` of a metric per account, or None when the table lacks its column."""
    t = table
    ones = np.ones(len(t))
    if name == "monthly_spend_cny":
        return t.spend_cny / t.months_observed, ones
    if name in ("spend_cny", "trips", "travellers"):
        return getattr(t, name).astype(float), ones
    if name == "trips_per_traveller":
        return t.trips * 12.0 / t.months_observed, t.travellers
    if name == "average_fare_cny":
        return t.spend_cny, t.trips
    if name == "importance":
        total = t.spend_cny.sum()
        return (t.spend_cny / total if total > 0 else np.zeros(len(t))), ones
    if name == "ff_member_share":
        return None if t.ff_member_share is None else (t.travellers * np.nan_to_num(t.ff_member_share), t.travellers)
    if name == "single_trip_rate":
        return None if t.single_trip_travellers is None else (t.single_trip_travellers, t.travellers)
    if t.cabin_shares is None:
        return None
    shares = np.nan_to_num(t.cabin_shares)
    cols = {"low_cabin_share": _LOW_BUCKETS, "high_cabin_share": [CABIN_BUCKETS.index("y")]}
    cols["two_cabin_share"] = [CABIN_BUCKETS.index("two_cabin")]
    return t.trips * shares[:, cols[name]].sum(axis=1), t.trips


def _values(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-account values (NaN where den is 0) and the all-client average Σnum/Σden."""
    ok = den > 0
    values = np.full(len(num), np.nan)
    values[ok] = num[ok] / den[ok]
    average = float(num[ok].sum() / den[ok].sum()) if ok.any() else float("nan")
    return values, average


def quantile_position(values: np.ndarray) -> np.ndarray:
    """Share of accounts (with a value) whose value is strictly smaller; NaN stays NaN."""
    ok = ~np.isnan(values)
    pos = np.full(len(values), np.nan)
    if ok.any():
        srt = np.sort(values[ok])
        pos[ok] = np.searchsorted(srt, values[ok], side="left") / len(srt)
    return pos


def compare(x: np.ndarray, threshold: float, how: str) -> np.ndarray:
    """``x`` against a threshold with the tolerance of "exactly on it"; NaN never meets it."""
    tol = REL_TOL * abs(threshold)
    with np.errstate(invalid="ignore"):
        if how == "above":
            return x > threshold + tol
        if how == "at_least":
            return x >= threshold - tol
        if how == "below":
            return x < threshold - tol
        if how == "at_most":
            return x <= threshold + tol
    raise ValueError(f"unknown comparison {how!r}")


def _against(values: np.ndarray, average: float, basis: str, threshold: float, how: str) -> np.ndarray:
    if basis == "quantile":
        return compare(quantile_position(values), threshold, how)
    return compare(values, threshold * average if basis == "relative" else threshold, how)


def assign(table: AccountTable, rules: Rules, rules_source: str = "<rules>") -> Segmentation:
    """Apply a rule set to an account table (see the module docstring for the semantics)."""
    n = len(table)
    notes: list[str] = []
    averages: dict[str, float] = {}
    values: dict[str, np.ndarray] = {}
    for name in METRICS:
        m = metric(table, name)
        if m is not None:
            values[name], averages[name] = _values(*m)

    sl = rules.star_levels
    if sl.metric not in values:
        raise ScenarioError(
            rules_source, [Problem("star_levels.metric", f"needs a column {table.source} does not have", sl.metric)]
        )
    star = np.ones(n, dtype=np.int64)
    for t in sl.thresholds:
        star += _against(values[sl.metric], averages[sl.metric], sl.basis, t, "at_least")
    scale = averages[sl.metric] if sl.basis == "relative" else 1.0
    star_thresholds = [] if sl.basis == "quantile" else [t * scale for t in sl.thresholds]

    tags: dict[str, np.ndarray] = {}
    for g in rules.tags:
        if g.metric not in values:
            notes.append(f"tag {g.name} not given: the table has no column for {g.metric}")
            tags[g.name] = np.zeros(n, dtype=bool)
            continue
        tags[g.name] = _against(values[g.metric], averages[g.metric], g.basis, g.threshold, g.compare)
    importance = values["importance"]
    tags["core"] = _core(table.spend_cny, rules.importance.core_spend_share)
    tags["sleeping"] = table.trips == 0

    index = {aid: i for i, aid in enumerate(table.account_id)}
    problems = [
        Problem(f"{where}", f"names no account of {table.source}", aid)
        for where, aid in [(f"overrides[{j}].account", o.account) for j, o in enumerate(rules.overrides)]
        + [("mega.accounts", a) for a in rules.mega.accounts]
        if aid not in index
    ]
    if problems:
        raise ScenarioError(rules_source, problems)

    sector = np.asarray(table.sector if table.sector is not None else [""] * n)
    if table.sector is None and any(c.sectors for t in rules.tiers for c in t.when):
        notes.append("conditions on sectors met by no account: the table has no sector column")
    tier = np.full(n, -1)
    for k, rule in enumerate(rules.tiers):
        meets = np.ones(n, dtype=bool) if not rule.when else np.zeros(n, dtype=bool)
        for c in rule.when:
            meets |= _meets(c, star, tags, sector)
        tier[(tier < 0) & meets] = k
    tags["override"] = np.zeros(n, dtype=bool)
    by_name = {t.name: k for k, t in enumerate(rules.tiers)}
    for o in rules.overrides:
        tier[index[o.account]] = by_name[o.tier]
        tags["override"][index[o.account]] = True

    segments = [Segment(t.name, t.template) for t in rules.tiers]
    segment = tier.copy()
    mega, beyond = _mega(table, rules, importance, index)
    tags["mega"] = np.zeros(n, dtype=bool)
    used = {s.name for s in segments}
    for i in mega:
        home = segments[tier[i]]
        name = _segment_name(table, i, used)
        used.add(name)
        segments.append(Segment(name, home.template, mega_account=table.account_id[i]))
        segment[i] = len(segments) - 1
        tags["mega"][i] = True
    return Segmentation(
        table=table,
        rules=rules,
        star=star,
        tags={k: tags[k] for k in [*(g.name for g in rules.tags), *BUILTIN_TAGS]},
        importance=importance,
        segment=segment,
        segments=segments,
        averages=averages,
        star_thresholds=star_thresholds,
        mega_left_in_tier=[table.account_id[i] for i in beyond],
        notes=notes,
    )


def _meets(c: Condition, star: np.ndarray, tags: dict[str, np.ndarray], sector: np.ndarray) -> np.ndarray:
    ok = star >= c.min_star
    if c.max_star is not None:
        ok &= star <= c.max_star
    for t in c.all_tags:
        ok &= tags[t]
    if c.any_tags:
        ok &= np.logical_or.reduce([tags[t] for t in c.any_tags])
    for t in c.no_tags:
        ok &= ~tags[t]
    if c.sectors:
        ok &= np.isin(sector, c.sectors)
    return ok


def _core(spend: np.ndarray, share: float) -> np.ndarray:
    """The largest accounts that together make ``share`` of spend; ties with the last one count too."""
    total = spend.sum()
    if total <= 0:
        return np.zeros(len(spend), dtype=bool)
    ordered = np.sort(spend)[::-1]
    cumulative = np.cumsum(ordered) / total
    last = int(np.argmax(cumulative >= share * (1 - REL_TOL)))
    return (spend >= ordered[last]) & (spend > 0)


def _mega(
    table: AccountTable, rules: Rules, importance: np.ndarray, index: dict[str, int]
) -> tuple[list[int], list[int]]:
    """Mega accounts, largest first, split into those that get a segment and those beyond ``max_segments``."""
    m = rules.mega
    chosen = {index[a] for a in m.accounts}
    if m.spend_share_at_least is not None:
        chosen |= set(
            np.flatnonzero(compare(importance, m.spend_share_at_least, "at_least") & (importance > 0)).tolist()
        )
    ordered = sorted(chosen, key=lambda i: (-table.spend_cny[i], table.account_id[i]))
    return ordered[: m.max_segments], ordered[m.max_segments :]


def _segment_name(table: AccountTable, i: int, used: set[str]) -> str:
    name = table.display_name(i)
    return name if name not in used else f"{name} ({table.account_id[i]})"
