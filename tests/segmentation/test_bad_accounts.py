"""Bad account tables, each a small edit of one ``halfstep synth-accounts --n 50`` wrote, refused by ``segment``.

Every case: exit status 2, no traceback, a message naming the file, the row (or header) and
column, and the offending value — and no scenario written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import assert_refused, cli


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> str:
    """The text of a valid 50-account table."""
    path = tmp_path_factory.mktemp("accounts") / "accounts.csv"
    assert cli("synth-accounts", "--n", "50", "--seed", "0", "--out", str(path)) == 0
    return path.read_text(encoding="utf-8")


Edit = Callable[[str], str]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def cell(line: int, column: str, value: str, **more: str) -> Edit:
    """Set ``column`` (and ``more`` columns) on the row at file line ``line`` (the header is line 1)."""

    def f(text: str) -> str:
        rows = _rows(text)
        names = [name.lstrip("\ufeff") for name in rows[0]]  # the table starts with a byte-order mark
        for c, v in {column: value, **more}.items():
            rows[line - 1][names.index(c)] = v
        return _csv(rows)

    return f


def drop_column(column: str) -> Edit:
    def f(text: str) -> str:
        rows = _rows(text)
        i = [name.lstrip("\ufeff") for name in rows[0]].index(column)
        return _csv([r[:i] + r[i + 1 :] for r in rows])

    return f


def header(old: str, new: str) -> Edit:
    return lambda text: text.replace(old, new, 1)


# (id, edit of the table, texts the message must hold besides "<file>: ")
CASES: list[tuple[str, Edit, tuple[str, ...]]] = [
    # columns
    ("missing column", drop_column("trips"), ("header: missing required column trips",)),
    (
        "two missing columns",
        lambda t: drop_column("spend_cny")(drop_column("travellers")(t)),
        ("header: missing required columns travellers, spend_cny",),
    ),
    (
        "misspelled column",
        header("spend_cny", "spend"),
        (
            "header, column 8 = 'spend': unknown column; did you mean 'spend_cny'?",
            "header: missing required column spend_cny",
        ),
    ),
    ("duplicate column", header("months_observed", "trips"), ("header, column 9 = 'trips': duplicate column name",)),
    (
        "incomplete cabin shares",
        drop_column("share_y"),
        ("header: cabin-share columns come as a set of five; missing share_y",),
    ),
    # values
    ("non-numeric count", cell(3, "trips", "five"), ("row 3, trips = 'five': must be a number",)),
    (
        "thousands separator",
        cell(3, "spend_cny", "16,377"),
        ("row 3, spend_cny = '16,377': must be a number (plain digits: no thousands separators",),
    ),
    ("a unit in a number", cell(2, "spend_cny", "16377 CNY"), ("row 2, spend_cny = '16377 CNY': must be a number",)),
    ("negative spend", cell(4, "spend_cny", "-50"), ("row 4, spend_cny = '-50': must be ≥ 0",)),
    ("negative travellers", cell(2, "travellers", "-12"), ("row 2, travellers = '-12': must be ≥ 0",)),
    ("NaN spend", cell(4, "spend_cny", "nan"), ("row 4, spend_cny = 'nan': must be a finite number",)),
    ("infinite trips", cell(2, "trips", "inf"), ("row 2, trips = 'inf': must be a finite number",)),
    ("fractional count", cell(5, "travellers", "2.5"), ("row 5, travellers = '2.5': must be a whole number",)),
    ("zero months observed", cell(2, "months_observed", "0"), ("row 2, months_observed = '0': must be > 0",)),
    ("share above one", cell(2, "share_y", "1.5"), ("row 2, share_y = '1.5': must be a share in [0, 1]",)),
    (
        "member share above one",
        cell(3, "ff_member_share", "2"),
        ("row 3, ff_member_share = '2': must be a share in [0, 1]",),
    ),
    ("empty spend", cell(2, "spend_cny", ""), ("row 2, spend_cny = '': is empty; the column is required",)),
    (
        "unknown sector",
        cell(4, "sector", "military"),
        ("row 4, sector = 'military': must be one of government, gp, 政府, enterprise, 企业 (or empty)",),
    ),
    (
        "unknown agreement",
        cell(4, "agreement", "four-party"),
        ("row 4, agreement = 'four-party': must be one of two-party,",),
    ),
    # rows
    (
        "duplicate account id",
        cell(4, "account_id", "A00001"),
        ("row 4, account_id = 'A00001': duplicate id: line 2 has it too",),
    ),
    ("empty account id", cell(4, "account_id", " "), ("row 4, account_id = '': is empty; every account needs an id",)),
    (
        "fewer trips than travellers",
        cell(2, "travellers", "20", trips="13"),
        ("row 2, trips = '13': is below travellers (20)",),
    ),
    (
        "spend without trips",
        cell(4, "trips", "0", travellers="0", single_trip_travellers="0", spend_cny="1500"),
        ("row 4, spend_cny = '1500': is positive but the account has no trips",),
    ),
    ("short row", lambda t: t + "A99999,深圳市某局\n", ("row 52: has 2 fields; the header has 16",)),
    # not a table
    ("empty file", lambda t: "", ("is empty; expected a header line with at least: account_id, name,",)),
    ("header only", lambda t: t.splitlines(keepends=True)[0], ("has a header but no account rows",)),
    (
        "semicolons",
        lambda t: t.replace(",", ";"),
        ("header = 'account_id;name;sector;", "the file looks separated by semicolons, not commas"),
    ),
    (
        "tabs",
        lambda t: t.replace(",", "\t"),
        ("header = 'account_id\\tname\\tsector", "the file looks separated by tabs, not commas"),
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_account_table_is_refused_naming_row_column_and_value(
    tmp_path: Path, capsys, table: str, edit: Edit, expected
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text(edit(table), encoding="utf-8")
    out = tmp_path / "book.toml"
    capsys.readouterr()
    assert_refused(cli("segment", str(path), "--out", str(out)), capsys.readouterr(), f"{path}: ", *expected)
    assert not out.exists()


# (id, the file's bytes from the table's text, texts the message must hold besides "<file>: ")
ENCODINGS: list[tuple[str, Callable[[str], bytes], tuple[str, ...]]] = [
    (
        "GBK",
        lambda t: t.lstrip("\ufeff").encode("gb18030"),
        ("is not UTF-8 text (line 2,", "It looks like GBK/GB18030", "'CSV UTF-8'"),
    ),
    (
        "UTF-16",
        lambda t: t.lstrip("\ufeff").encode("utf-16"),
        ("is not UTF-8 text (line 1, byte 0). It looks like UTF-16",),
    ),
    (
        "Latin-1",
        lambda t: "account_id,name,travellers,trips,spend_cny,months_observed\nA1,Café Müller,1,1,900,6\n".encode(
            "latin-1"
        ),
        ("is not UTF-8 text (line 2,",),
    ),
]


@pytest.mark.parametrize(("encode", "expected"), [c[1:] for c in ENCODINGS], ids=[c[0] for c in ENCODINGS])
def test_an_account_table_in_another_encoding_is_refused_saying_so(
    tmp_path: Path, capsys, table: str, encode, expected
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(encode(table))
    capsys.readouterr()
    code = cli("segment", str(path), "--out", str(tmp_path / "book.toml"))
    assert_refused(code, capsys.readouterr(), f"{path}: ", *expected)


def test_a_folder_or_a_missing_file_is_named(tmp_path: Path, capsys) -> None:
    out = tmp_path / "book.toml"
    assert_refused(cli("segment", str(tmp_path), "--out", str(out)), capsys.readouterr(), f"{tmp_path}: cannot be read")
    missing = tmp_path / "accounts.csv"
    assert_refused(cli("segment", str(missing), "--out", str(out)), capsys.readouterr(), f"{missing}: file not found")
