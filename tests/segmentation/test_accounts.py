"""The account table: its format, what a good file gives, and a clear error for every bad one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.segmentation.accounts import columns_reference, write_accounts
from model.segmentation.reading import AccountsError, read_accounts
from model.segmentation.synthetic import synth_book
from tests.helpers import ROOT

HEADER = "account_id,name,travellers,trips,spend_cny,months_observed"


def write(tmp_path: Path, text: str, name: str = "a.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def error_of(path: Path, **kw: bool) -> str:
    with pytest.raises(AccountsError) as e:
        read_accounts(path, **kw)
    return str(e.value)


def test_a_minimal_table_reads_with_optional_columns_absent(tmp_path: Path) -> None:
    p = write(tmp_path, f"{HEADER}\nA1,深圳市财政局,3,5,6000,6\nA2,,0,0,0,6\n")
    t = read_accounts(p)
    assert t.account_id == ["A1", "A2"] and t.name == ["深圳市财政局", ""]
    assert t.display_name(1) == "A2"
    assert t.trips.tolist() == [5, 0] and t.spend_cny.tolist() == [6000, 0]
    assert t.cabin_shares is None and t.sector is None and t.single_trip_travellers is None
    assert t.line.tolist() == [2, 3]
    assert t.columns == HEADER.split(",")


def test_bom_aliases_rounded_shares_and_blank_lines(tmp_path: Path) -> None:
    head = "account_id,name,sector,agreement,travellers,trips,spend_cny,months_observed,share_lt40,share_40_65,share_70_90,share_y,share_two_cabin"
    rows = [
        "G1,深圳市教育局,政府,三方,2,3,3600,6,0.333,0.333,0.333,0,0",
        "",
        "E1,华安实业,enterprise,,1,1,900,3,0,1,0,0,0",
    ]
    t = read_accounts(write(tmp_path, "\ufeff" + head + "\n" + "\n".join(rows) + "\n"))
    assert t.sector == ["government", "enterprise"] and t.agreement == ["three-party", ""]
    assert t.blank_lines == 1 and t.line.tolist() == [2, 4]
    assert t.cabin_shares is not None
    assert np.allclose(t.cabin_shares.sum(axis=1), 1.0)  # 0.999 in the file, renormalized


def test_synthetic_table_survives_a_write_read_round_trip(tmp_path: Path) -> None:
    book = synth_book(200, seed=3)
    back = read_accounts(write(tmp_path, write_accounts(book)))
    assert back.account_id == book.account_id and back.name == book.name and back.sector == book.sector
    for col in ("travellers", "trips", "spend_cny", "months_observed", "single_trip_travellers"):
        assert np.array_equal(getattr(back, col), getattr(book, col)), col
    assert np.allclose(back.cabin_shares, book.cabin_shares, atol=1e-6, equal_nan=True)
    assert np.allclose(back.ff_member_share, book.ff_member_share, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty; expected a header line"),
        ("\n\n", "is empty"),
        (f"{HEADER}\n", "has a header but no account rows"),
        ("account_id,name,trips,spend_cny,months_observed\nA,a,1,1,6\n", "missing required column travellers"),
        (f"{HEADER},trip_count\nA,a,1,1,1,6,1\n", "header, column 7 = 'trip_count': unknown column"),
        (f"{HEADER},tripps\n", "did you mean 'trips'?"),
        (f"{HEADER},travellers\n", "header, column 7 = 'travellers': duplicate column name"),
        (f"{HEADER},share_y\nA,a,1,1,1,6,1\n", "cabin-share columns come as a set of five; missing share_lt40"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error_of(write(tmp_path, text))


def test_a_wrong_encoding_is_named_with_its_line_and_a_hint(tmp_path: Path) -> None:
    p = write(tmp_path, f"{HEADER}\nA1,深圳市财政局,3,5,6000,6\n", encoding="gb18030")
    msg = error_of(p)
    assert "is not UTF-8 text (line 2" in msg and "GBK/GB18030" in msg and "CSV UTF-8" in msg


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("A1,a,3,five,6000,6", "row 2, trips = 'five': must be a number"),
        ('A1,a,3,5,"6,000",6', "row 2, spend_cny = '6,000': must be a number (plain digits: no thousands separators"),
        ("A1,a,-3,5,6000,6", "row 2, travellers = '-3': must be ≥ 0"),
        ("A1,a,3,5,nan,6", "row 2, spend_cny = 'nan': must be a finite number"),
        ("A1,a,2.5,5,6000,6", "row 2, travellers = '2.5': must be a whole number"),
        ("A1,a,3,5,6000,0", "row 2, months_observed = '0': must be > 0"),
        ("A1,a,3,,6000,6", "row 2, trips = '': is empty; the column is required"),
        (",a,3,5,6000,6", "row 2, account_id = '': is empty"),
        ("A1,a,3,5,6000", "row 2: has 5 fields; the header has 6"),
        ("A1,a,6,5,6000,6", "row 2, trips = '5': is below travellers (6)"),
        ("A1,a,0,0,500,6", "row 2, spend_cny = '500': is positive but the account has no trips"),
        ("A1,a,2,0,0,6", "row 2, travellers = '2': must be 0 exactly when trips is 0"),
    ],
)
def test_a_bad_value_is_named_by_row_column_and_value(tmp_path: Path, row: str, expected: str) -> None:
    msg = error_of(write(tmp_path, f"{HEADER}\n{row}\n"))
    assert expected in msg, msg
    assert "--skip-bad-rows" in msg


def test_optional_columns_are_checked_too(tmp_path: Path) -> None:
    head = f"{HEADER},sector,single_trip_travellers,ff_member_share"
    rows = [
        "A1,a,3,4,100,6,city,1,0.5",  # unknown sector
        "A2,a,3,4,100,6,enterprise,3,0.5",  # 3 singles + 0 others = 3 trips, not 4
        "A3,a,3,4,100,6,enterprise,2,1.5",  # share above 1
        "A4,a,3,4,100,6,enterprise,,0.5",  # singles missing
    ]
    msg = error_of(write(tmp_path, head + "\n" + "\n".join(rows) + "\n"))
    assert "row 2, sector = 'city': must be one of government" in msg
    assert "row 3, single_trip_travellers = '3': is impossible with 3 travellers and 4 trips" in msg
    assert "row 4, ff_member_share = '1.5': must be a share in [0, 1]" in msg
    assert "row 5, single_trip_travellers = '': is empty" in msg


def test_cabin_shares_must_sum_to_one(tmp_path: Path) -> None:
    head = f"{HEADER},share_lt40,share_40_65,share_70_90,share_y,share_two_cabin"
    msg = error_of(write(tmp_path, f"{head}\nA1,a,1,2,100,6,0.5,0.5,0.5,0,0\n"))
    assert "row 2, share_*: the five cabin shares sum to 1.5" in msg


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    msg = error_of(write(tmp_path, f"{HEADER}\nA1,a,1,1,1,6\nA2,b,1,1,1,6\nA1,c,1,1,1,6\n"))
    assert "row 4, account_id = 'A1': duplicate id: line 2 has it too" in msg


def test_skip_bad_rows_counts_every_skipped_row_by_reason(tmp_path: Path) -> None:
    rows = ["A1,a,1,1,100,6", "A2,a,x,1,100,6", "A3,a,1,-1,100,6", "A1,a,1,1,100,6", "A4,a,y,z,100,6", "A5,a,2,3,300,6"]
    t = read_accounts(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"), skip_bad_rows=True)
    assert t.account_id == ["A1", "A5"]
    assert t.rows_skipped == 4
    assert t.skipped == {
        "duplicate account_id (first row kept)": 1,
        "negative trips": 1,
        "non-numeric travellers": 2,
        "non-numeric trips": 1,
    }


def test_a_file_of_only_bad_rows_is_refused_even_when_skipping(tmp_path: Path) -> None:
    msg = error_of(write(tmp_path, f"{HEADER}\nA1,a,x,1,1,6\n"), skip_bad_rows=True)
    assert "no usable account rows" in msg


def test_many_problems_are_listed_up_to_a_limit(tmp_path: Path) -> None:
    rows = "\n".join(f"A{i},a,x,1,1,6" for i in range(50))
    msg = error_of(write(tmp_path, f"{HEADER}\n{rows}\n"))
    assert "50 problems found" in msg and "… and 30 more" in msg and "(50 rows affected" in msg


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert "file not found" in error_of(tmp_path / "nope.csv")


def test_readme_lists_every_column() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert columns_reference() in readme, "paste model.segmentation.accounts.columns_reference() into README's account-table section"
