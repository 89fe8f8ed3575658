"""The account table: the planner's CSV of key accounts — its columns and its in-memory form.

One row per account, UTF-8 (a byte-order mark is accepted), comma-separated, a header
line naming the columns (any order). :data:`COLUMNS` declares every column — its unit,
whether it is required, what it means — and the README's column table is generated from
it (:func:`columns_reference`), so the two cannot drift apart. Reading and validating a
file is :mod:`model.segmentation.reading`.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "AGREEMENTS",
    "CABIN_BUCKETS",
    "COLUMNS",
    "SECTORS",
    "AccountTable",
    "Column",
    "columns_reference",
    "write_accounts",
]


@dataclass(frozen=True)
class Column:
    name: str
    unit: str
    required: bool
    meaning: str


#: Fare buckets of the cabin-share columns, as seed 000 reports them (share of the account's trips).
CABIN_BUCKETS = ("lt40", "40_65", "70_90", "y", "two_cabin")
_BUCKET_MEANING = {
    "lt40": "economy below 40% of the full Y fare",
    "40_65": "economy at 40–65% of the Y fare",
    "70_90": "economy from 70% of the Y fare up to (not including) full fare",
    "y": "full-fare economy (Y)",
    "two_cabin": "first or business class (两舱)",
}

COLUMNS: tuple[Column, ...] = (
    Column("account_id", "text", True, "Unique account identifier."),
    Column("name", "text", True, "Account name, any Unicode (e.g. 深圳市财政局); may be empty (the id is shown)."),
    Column("sector", "government / enterprise", False, "Government (GP, 政府) or enterprise (企业) client."),
    Column("industry", "text", False, "Industry, free text (reported, not used by the default rules)."),
    Column(
        "agreement",
        "two-party / three-party / service-cooperation / product-specific / corporate-card",
        False,
        "Agreement mode (seed 003's five modes); three-party = through a travel-management company.",
    ),
    Column("travellers", "persons", True, "Distinct travellers who flew at least once in the window."),
    Column("trips", "trips", True, "Trips (flown segments) in the window."),
    Column("spend_cny", "CNY", True, "Ticket spend in the window."),
    Column("months_observed", "months", True, "Length of the observation window (> 0; 6 for seed 004's star levels)."),
    Column(
        "single_trip_travellers",
        "persons",
        False,
        "Travellers who flew exactly once in the window; identifies the trip-rate dispersion.",
    ),
    *(
        Column(
            f"share_{b}",
            "share of trips",
            False,
            _BUCKET_MEANING[b][0].upper() + _BUCKET_MEANING[b][1:] + "; the five come as a set.",
        )
        for b in CABIN_BUCKETS
    ),
    Column("ff_member_share", "share of travellers", False, "Travellers who are frequent-flyer members."),
)
SHARE_COLUMNS = tuple(f"share_{b}" for b in CABIN_BUCKETS)
COUNT_COLUMNS = ("travellers", "trips", "single_trip_travellers")

#: Accepted spellings of a sector and of an agreement mode (canonical value first).
SECTORS = {"government": ("government", "gp", "政府"), "enterprise": ("enterprise", "企业")}
AGREEMENTS = {
    "two-party": ("two-party", "两方"),
    "three-party": ("three-party", "三方"),
    "service-cooperation": ("service-cooperation", "服务合作"),
    "product-specific": ("product-specific", "特定产品"),
    "corporate-card": ("corporate-card", "公司卡"),
}


@dataclass(frozen=True)
class AccountTable:
    """The accounts of one table, column by column (arrays of length n, one entry per account).

    Optional columns the file does not have are ``None``; cabin shares of accounts without
    trips are NaN. ``line`` is each account's line in the file; ``skipped`` counts rows
    left out by reason (only with ``skip_bad_rows``).
    """

    source: str
    account_id: list[str]
    name: list[str]
    sector: list[str] | None
    industry: list[str] | None
    agreement: list[str] | None
    travellers: np.ndarray
    trips: np.ndarray
    spend_cny: np.ndarray
    months_observed: np.ndarray
    single_trip_travellers: np.ndarray | None
    cabin_shares: np.ndarray | None  # (n, len(CABIN_BUCKETS)), rows sum to 1 where trips > 0
    ff_member_share: np.ndarray | None
    line: np.ndarray
    skipped: dict[str, int] = field(default_factory=dict)  # rows left out, by reason (a row may have several)
    rows_skipped: int = 0
    blank_lines: int = 0

    def __len__(self) -> int:
        return len(self.account_id)

    @property
    def columns(self) -> list[str]:
        """The columns this table has (optional ones only when present)."""
        present = {
            "sector": self.sector is not None,
            "industry": self.industry is not None,
            "agreement": self.agreement is not None,
            "single_trip_travellers": self.single_trip_travellers is not None,
            "ff_member_share": self.ff_member_share is not None,
            **{c: self.cabin_shares is not None for c in SHARE_COLUMNS},
        }
        return [c.name for c in COLUMNS if present.get(c.name, True)]

    def display_name(self, i: int) -> str:
        return self.name[i] or self.account_id[i]


# --- writing and documentation ---------------------------------------------------------------


def write_accounts(table: AccountTable) -> str:
    """The table as CSV text in the documented format (the columns it has, UTF-8 without BOM)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = table.columns
    w.writerow(cols)
    for i in range(len(table)):
        w.writerow([_cell(table, c, i) for c in cols])
    return buf.getvalue()


def _cell(t: AccountTable, column: str, i: int) -> str:
    if column in ("account_id", "name", "sector", "industry", "agreement"):
        return getattr(t, column)[i]
    if column in SHARE_COLUMNS:
        assert t.cabin_shares is not None
        x = t.cabin_shares[i, SHARE_COLUMNS.index(column)]
        return "" if math.isnan(x) else f"{x:.6f}"
    x = float(getattr(t, column)[i])
    if math.isnan(x):
        return ""
    if column in COUNT_COLUMNS:
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".") if column == "ff_member_share" else f"{x:.2f}".removesuffix(".00")


def columns_reference() -> str:
    """The column table of the README (Markdown)."""
    rows = ["| column | unit | required | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{c.name}` | {c.unit} | {'yes' if c.required else 'no'} | {c.meaning} |" for c in COLUMNS]
    return "\n".join(rows)
