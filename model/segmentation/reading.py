"""Reading an account table (:mod:`model.segmentation.accounts`) and validating it at the door.

A file that cannot be read as a table — its encoding, an empty file, missing, unknown or
duplicated columns — is an :class:`AccountsError` naming what is wrong; so is every bad
row (non-numeric, negative or fractional counts, shares out of range, impossible
counts, duplicate ids), by row, column and value, unless ``skip_bad_rows`` is asked for,
in which case bad rows are left out and counted by reason in
:attr:`~model.segmentation.accounts.AccountTable.skipped` — never dropped silently.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from model.errors import HalfstepError, Problem
from model.segmentation.accounts import AGREEMENTS, COLUMNS, COUNT_COLUMNS, SECTORS, SHARE_COLUMNS, AccountTable

__all__ = ["AccountsError", "read_accounts"]

#: Cabin shares are rounded in the planner's file; a row's five may miss 1 by this much.
SHARE_SUM_TOLERANCE = 0.01
#: Problems listed in an error message before the rest are only counted.
MAX_LISTED = 20


class AccountsError(HalfstepError):
    """An account table that cannot be used: names the file, row, column, value and what is allowed."""

    def __init__(self, source: str, problems: list[Problem], hint: str = ""):
        self.source = source
        self.problems = problems
        shown = [p.render(source) for p in problems[:MAX_LISTED]]
        more = len(problems) - len(shown)
        head = f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''} found"
        lines = [head, *("  - " + s for s in shown)]
        if more:
            lines.append(f"  … and {more} more")
        if hint:
            lines.append(hint)
        super().__init__("\n".join(lines))


_KNOWN = {c.name for c in COLUMNS}


def read_accounts(path: str | Path, *, skip_bad_rows: bool = False) -> AccountTable:
    """Read and validate an account table (see :data:`COLUMNS`); raise :class:`AccountsError` if unusable."""
    source = str(path)
    text = _decode(Path(path), source)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _header(reader, source)
    width = len(header)
    values: dict[str, list] = {c: [] for c in header}
    lines: list[int] = []
    problems: list[Problem] = []
    reasons: Counter[str] = Counter()
    bad_rows = 0
    blank = 0
    first_line_of: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            blank += 1
            continue
        row_problems = _row_problems(row, header, width, line)
        if not row_problems:
            parsed = dict(zip(header, row, strict=True))
            aid = parsed["account_id"].strip()
            if aid in first_line_of:
                row_problems = [
                    (
                        Problem(f"row {line}, account_id", f"duplicate id: line {first_line_of[aid]} has it too", aid),
                        "duplicate account_id (first row kept)",
                    )
                ]
            else:
                first_line_of[aid] = line
        if row_problems:
            problems.extend(p for p, _ in row_problems)
            bad_rows += 1
            reasons.update({reason for _, reason in row_problems})
            continue
        for c in header:
            values[c].append(_parse(c, parsed[c]))
        lines.append(line)
    if not lines and not problems:
        raise AccountsError(source, [Problem("", "has a header but no account rows", has_value=False)])
    if problems and not skip_bad_rows:
        hint = f"({bad_rows} row{'s' if bad_rows != 1 else ''} affected; fix them, or pass --skip-bad-rows to leave them out — they are then counted in the report)"
        raise AccountsError(source, problems, hint)
    if not lines:
        raise AccountsError(source, [Problem("", "no usable account rows: every row has a problem", has_value=False)])
    return _table(source, values, lines, dict(sorted(reasons.items())), bad_rows, blank)


def _decode(path: Path, source: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AccountsError(source, [Problem("", "file not found", has_value=False)]) from None
    except OSError as e:
        raise AccountsError(source, [Problem("", f"cannot be read ({e.strerror})", has_value=False)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        guess = ""
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            guess = " It looks like UTF-16 (Excel's 'Unicode Text')."
        else:
            try:
                raw.decode("gb18030")
                guess = " It looks like GBK/GB18030 (a common Chinese Windows encoding)."
            except UnicodeDecodeError:
                pass
        msg = f"is not UTF-8 text (line {line}, byte {e.start}).{guess} Save it as UTF-8 (Excel: 'CSV UTF-8')"
        raise AccountsError(source, [Problem("", msg, has_value=False)]) from None
    if not text.strip():
        expected = ", ".join(c.name for c in COLUMNS if c.required)
        raise AccountsError(
            source, [Problem("", f"is empty; expected a header line with at least: {expected}", has_value=False)]
        )
    return text


_SEPARATORS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))


def _header(reader: Iterator[list[str]], source: str) -> list[str]:
    header = next(([cell.strip() for cell in row] for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise AccountsError(source, [Problem("", "has no header line (only empty fields)", has_value=False)])
    problems: list[Problem] = []
    known = [c.name for c in COLUMNS]
    separator = next((name for sep, name in _SEPARATORS if len(header) == 1 and sep in header[0]), None)
    if separator is not None:
        msg = (
            f"is a single column: the file looks separated by {separator}, not commas; save it as CSV (comma-separated)"
        )
        raise AccountsError(source, [Problem("header", msg, header[0])])
    seen: set[str] = set()
    for i, name in enumerate(header, start=1):
        if name in seen:
            problems.append(Problem(f"header, column {i}", "duplicate column name", name))
        seen.add(name)
        if name not in _KNOWN:
            guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            problems.append(Problem(f"header, column {i}", f"unknown column{hint} (columns: {', '.join(known)})", name))
    missing = [c.name for c in COLUMNS if c.required and c.name not in seen]
    if missing:
        problems.append(
            Problem(
                "header",
                f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                has_value=False,
            )
        )
    shares = [c for c in SHARE_COLUMNS if c in seen]
    if shares and len(shares) < len(SHARE_COLUMNS):
        absent = [c for c in SHARE_COLUMNS if c not in seen]
        problems.append(
            Problem(
                "header", f"cabin-share columns come as a set of five; missing {', '.join(absent)}", has_value=False
            )
        )
    if problems:
        raise AccountsError(source, problems)
    return header


def _row_problems(row: list[str], header: list[str], width: int, line: int) -> list[tuple[Problem, str]]:
    """Every problem of one row, each with a short reason for the skipped-rows count."""
    if len(row) != width:
        return [
            (
                Problem(f"row {line}", f"has {len(row)} fields; the header has {width}", has_value=False),
                "wrong number of fields",
            )
        ]
    cells = dict(zip(header, row, strict=True))
    out: list[tuple[Problem, str]] = []

    def bad(column: str, message: str, reason: str) -> None:
        out.append((Problem(f"row {line}, {column}", message, cells[column].strip()), f"{reason} {column}"))

    if not cells["account_id"].strip():
        bad("account_id", "is empty; every account needs an id", "empty")
    for choice, allowed in (("sector", SECTORS), ("agreement", AGREEMENTS)):
        if choice in cells and cells[choice].strip() and _canonical(cells[choice], allowed) is None:
            spellings = ", ".join(s for group in allowed.values() for s in group)
            bad(choice, f"must be one of {spellings} (or empty)", "unknown")
    numbers: dict[str, float] = {}
    for c in header:
        if c in ("account_id", "name", "sector", "industry", "agreement"):
            continue
        text = cells[c].strip()
        if not text:
            continue  # emptiness is checked below, where it depends on the row's trips
        try:
            x = float(text)
        except ValueError:
            bad(c, "must be a number (plain digits: no thousands separators, units or %)", "non-numeric")
            continue
        if not math.isfinite(x):
            bad(c, "must be a finite number", "non-numeric")
        elif x < 0:
            bad(c, "must be ≥ 0", "negative")
        elif c in COUNT_COLUMNS and x != int(x):
            bad(c, "must be a whole number", "fractional")
        elif (c in SHARE_COLUMNS or c == "ff_member_share") and x > 1:
            bad(c, "must be a share in [0, 1]", "share above 1")
        elif c == "months_observed" and x == 0:
            bad(c, "must be > 0", "zero")
        else:
            numbers[c] = x
    if out:
        return out
    for c in ("travellers", "trips", "spend_cny", "months_observed"):
        if c not in numbers:
            bad(c, "is empty; the column is required", "empty")
    if out:
        return out
    trips, travellers = numbers["trips"], numbers["travellers"]
    if trips < travellers:
        bad(
            "trips", f"is below travellers ({travellers:g}): every traveller counted flew at least once", "inconsistent"
        )
    if (trips == 0) != (travellers == 0):
        bad("travellers", f"must be 0 exactly when trips is 0 (trips = {trips:g})", "inconsistent")
    if trips == 0 and numbers["spend_cny"] > 0:
        bad("spend_cny", "is positive but the account has no trips", "inconsistent")
    if "single_trip_travellers" in cells:
        single = numbers.get("single_trip_travellers")
        if single is None and travellers > 0:
            bad(
                "single_trip_travellers",
                "is empty; once the column is present every row with travellers needs it",
                "empty",
            )
        elif single is not None and (
            single > travellers
            or trips < single + 2 * (travellers - single)
            or (single == travellers and trips != single)
        ):
            bad(
                "single_trip_travellers",
                f"is impossible with {travellers:g} travellers and {trips:g} trips (each other traveller flew at least twice)",
                "inconsistent",
            )
    if "ff_member_share" in cells and "ff_member_share" not in numbers and travellers > 0:
        bad("ff_member_share", "is empty; once the column is present every row with travellers needs it", "empty")
    if SHARE_COLUMNS[0] in cells and trips > 0:
        missing = [c for c in SHARE_COLUMNS if c not in numbers]
        if missing:
            bad(missing[0], "is empty; an account with trips needs all five cabin shares (0 where none)", "empty")
        else:
            total = sum(numbers[c] for c in SHARE_COLUMNS)
            if abs(total - 1) > SHARE_SUM_TOLERANCE:
                out.append(
                    (
                        Problem(
                            f"row {line}, share_*",
                            f"the five cabin shares sum to {total:.4g}; they must sum to 1 (± {SHARE_SUM_TOLERANCE})",
                            has_value=False,
                        ),
                        "cabin shares not summing to 1",
                    )
                )
    return out


def _canonical(text: str, allowed: dict[str, tuple[str, ...]]) -> str | None:
    t = text.strip().lower()
    return next((canon for canon, spellings in allowed.items() if t in spellings), None)


def _parse(column: str, text: str) -> object:
    text = text.strip()
    if column in ("account_id", "name", "industry"):
        return text
    if column == "sector":
        return _canonical(text, SECTORS) if text else ""
    if column == "agreement":
        return _canonical(text, AGREEMENTS) if text else ""
    return float(text) if text else math.nan


def _table(
    source: str, values: dict[str, list], lines: list[int], skipped: dict[str, int], bad_rows: int, blank: int
) -> AccountTable:
    def num(c: str) -> np.ndarray | None:
        return np.asarray(values[c], dtype=float) if c in values else None

    def text(c: str) -> list[str] | None:
        return list(values[c]) if c in values else None

    trips = np.asarray(values["trips"], dtype=float)
    shares = None
    if SHARE_COLUMNS[0] in values:
        shares = np.column_stack([np.asarray(values[c], dtype=float) for c in SHARE_COLUMNS])
        shares[trips == 0] = np.nan
        shares = shares / shares.sum(axis=1, keepdims=True)  # rounding in the file: the five sum to 1 here
    single = num("single_trip_travellers")
    ff = num("ff_member_share")
    return AccountTable(
        source=source,
        account_id=list(values["account_id"]),
        name=list(values["name"]),
        sector=text("sector"),
        industry=text("industry"),
        agreement=text("agreement"),
        travellers=np.asarray(values["travellers"], dtype=float),
        trips=trips,
        spend_cny=np.asarray(values["spend_cny"], dtype=float),
        months_observed=np.asarray(values["months_observed"], dtype=float),
        single_trip_travellers=None if single is None else np.nan_to_num(single),
        cabin_shares=shares,
        ff_member_share=ff,
        line=np.asarray(lines, dtype=np.int64),
        skipped=skipped,
        rows_skipped=bad_rows,
        blank_lines=blank,
    )
