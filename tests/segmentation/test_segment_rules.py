"""Segmentation rules at their edges: on a threshold, ties, all accounts equal, core, mega, overrides."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from model.errors import ScenarioError
from model.segmentation.accounts import AccountTable
from model.segmentation.assignment import assign, compare, quantile_position
from model.segmentation.reading import read_accounts
from model.segmentation.rules import Rules, default_rules_path, load_rules, rules_from_dict

SHARES = "share_lt40,share_40_65,share_70_90,share_y,share_two_cabin"


def table(tmp_path: Path, rows: list[str], extra: str = "") -> AccountTable:
    """Rows of ``id,name,travellers,trips,spend_cny,months_observed[,extra columns]``."""
    head = "account_id,name,travellers,trips,spend_cny,months_observed" + (f",{extra}" if extra else "")
    p = tmp_path / "a.csv"
    p.write_text(head + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return read_accounts(p)


def spenders(tmp_path: Path, monthly: list[float], months: float = 1) -> AccountTable:
    return table(tmp_path, [f"A{i},n{i},1,1,{m * months!r},{months!r}" for i, m in enumerate(monthly)])


def rules(**over: Any) -> Rules:
    data: dict[str, Any] = {
        "rules": {"name": "test"},
        "star_levels": {"basis": "absolute", "thresholds": [1000.0, 2000.0]},
        "tiers": [{"name": "top", "template": "V5", "when": [{"min_star": 3}]}, {"name": "rest", "template": "V1"}],
        "estimation": {"bootstrap": 0},
    }
    data.update(over)
    return rules_from_dict(data, source="test-rules.toml")


def stars(tmp_path: Path, monthly: list[float], **star_levels: Any) -> list[int]:
    levels = {"thresholds": [1000.0, 2000.0], "basis": "absolute", **star_levels}
    r = rules(star_levels=levels, tiers=[{"name": "all", "template": "V1"}])
    return assign(spenders(tmp_path, monthly), r).star.tolist()


def test_an_account_exactly_on_an_absolute_threshold_reaches_it(tmp_path: Path) -> None:
    assert stars(tmp_path, [999.99, 1000.0, 1999.0, 2000.0, 2000.01]) == [1, 2, 2, 3, 3]


def test_on_a_relative_threshold_despite_the_last_bit_of_the_average(tmp_path: Path) -> None:
    monthly = [0.1, 0.2, 0.3]  # mean 0.19999999999999998 in floating point; the 0.2 account is on it
    assert sum(monthly) / 3 != 0.2
    assert stars(tmp_path, monthly, basis="relative", thresholds=[1.0]) == [1, 2, 2]


def test_all_accounts_equal(tmp_path: Path) -> None:
    monthly = [0.1] * 7  # their mean is not exactly 0.1 in floating point either
    # relative: every account is on the average, so it reaches 1× and 0.5×, not 2×
    assert stars(tmp_path, monthly, basis="relative", thresholds=[0.5, 1.0, 2.0]) == [3] * 7
    # quantile: every account has no account below it — position 0, the lowest level, all together
    assert stars(tmp_path, monthly, basis="quantile", thresholds=[0.2, 0.5, 0.8]) == [1] * 7
    # tags against the average: above and below hold for none, at_least and at_most for all
    tags = [
        {"name": f"t_{how}", "metric": "monthly_spend_cny", "compare": how, "threshold": 1.0}
        for how in ("above", "at_least", "below", "at_most")
    ]
    seg = assign(spenders(tmp_path, monthly), rules(tags=tags))
    assert [int(seg.tags[f"t_{h}"].sum()) for h in ("above", "at_least", "below", "at_most")] == [0, 7, 0, 7]


def test_quantile_ties_share_a_position(tmp_path: Path) -> None:
    assert quantile_position(np.array([3.0, 1.0, 2.0, 2.0, np.nan])).tolist()[:4] == [0.75, 0.0, 0.25, 0.25]
    assert stars(tmp_path, [1, 2, 3, 4], basis="quantile", thresholds=[0.5]) == [1, 1, 2, 2]
    assert stars(tmp_path, [1, 2, 2, 2], basis="quantile", thresholds=[0.5]) == [1, 1, 1, 1]
    assert stars(tmp_path, [1, 1, 1, 2], basis="quantile", thresholds=[0.5]) == [1, 1, 1, 2]


def test_comparisons_on_the_threshold_and_with_missing_values() -> None:
    x = np.array([0.99, 1.0, 1.0 + 1e-12, 1.01, np.nan])
    assert compare(x, 1.0, "above").tolist() == [False, False, False, True, False]
    assert compare(x, 1.0, "at_least").tolist() == [False, True, True, True, False]
    assert compare(x, 1.0, "below").tolist() == [True, False, False, False, False]
    assert compare(x, 1.0, "at_most").tolist() == [True, True, True, False, False]


def test_cabin_and_loyalty_tags_of_the_default_rules(tmp_path: Path) -> None:
    rows = [
        "A,a,2,4,4000,6,0.6,0.2,0,0.2,0",  # 4 trips/traveller/half-year, mostly cheap
        "B,b,2,2,4000,6,0,0,0.2,0.4,0.4",  # loyalty exactly on the average is neither high nor low
        "C,c,2,0,0,6,,,,,",  # sleeping: not enough data for cabin or loyalty tags
    ]
    t = table(tmp_path, [rows[0], rows[1], "C,c,0,0,0,6,,,,,"], extra=SHARES)
    seg = assign(t, load_rules())
    tags = {i: seg.tags_of(i) for i in range(3)}
    # trips per traveller per year: A 4, B 2; average (4+2)·2 / 4 = 3; B is below
    assert "high_loyalty" in tags[0] and "low_loyalty" in tags[1]
    assert "price_sensitive" in tags[0] and "price_sensitive" not in tags[1]
    assert {"high_cabin", "two_cabin"} <= set(tags[1])
    assert tags[2] == ["sleeping"]
    assert seg.star[2] == 1


def test_loyalty_exactly_on_the_average_gets_neither_tag(tmp_path: Path) -> None:
    t = table(tmp_path, ["A,a,2,4,100,6", "B,b,1,2,100,6", "C,c,1,1,100,6", "D,d,1,3,100,6"])
    seg = assign(t, load_rules())  # average = 10 trips / 5 travellers = 2 per half-year; A and B are on it
    for i in (0, 1):
        assert not {"high_loyalty", "low_loyalty"} & set(seg.tags_of(i))
    assert "low_loyalty" in seg.tags_of(2) and "high_loyalty" in seg.tags_of(3)
    assert any("no column for low_cabin_share" in n for n in seg.notes)  # cabin tags: not given, and said so


def test_core_accounts_take_ties_at_the_boundary(tmp_path: Path) -> None:
    t = spenders(tmp_path, [50, 30, 10, 10])
    assert assign(t, rules(importance={"core_spend_share": 0.8})).tags["core"].tolist() == [True, True, False, False]
    assert assign(t, rules(importance={"core_spend_share": 0.85})).tags["core"].tolist() == [True] * 4
    seg = assign(t, rules())
    assert np.allclose(seg.importance, [0.5, 0.3, 0.1, 0.1])


def test_tiers_take_the_first_condition_met_in_file_order(tmp_path: Path) -> None:
    t = table(
        tmp_path,
        ["G,g,1,1,3000,1,government", "E,e,1,1,3000,1,enterprise", "S,s,1,1,500,1,government"],
        extra="sector",
    )
    tiers = [
        {"name": "gp-top", "template": "V5", "when": [{"min_star": 3, "sectors": ["government"]}]},
        {"name": "top", "template": "V4", "when": [{"min_star": 3}, {"max_star": 1, "no_tags": ["core"]}]},
        {"name": "rest", "template": "V1"},
    ]
    seg = assign(t, rules(tiers=tiers))
    assert [seg.segments[k].name for k in seg.segment] == ["gp-top", "top", "top"]


def test_mega_accounts_become_segments_with_their_tiers_template(tmp_path: Path) -> None:
    t = table(
        tmp_path,
        [f"A{i},{'华为' if i < 2 else 'x'},1,1,{s},1" for i, s in enumerate([500, 400, 300, 5, 5, 5])],
    )
    seg = assign(t, rules(mega={"accounts": ["A3"], "spend_share_at_least": 0.2, "max_segments": 2}))
    mega = [s for s in seg.segments if s.mega_account]
    assert [(s.name, s.mega_account, s.template) for s in mega] == [("华为", "A0", "V1"), ("华为 (A1)", "A1", "V1")]
    assert seg.mega_left_in_tier == ["A2", "A3"]  # by spend; the cap of 2 is reached
    assert seg.tags["mega"].tolist() == [True, True, False, False, False, False]


def test_overrides_put_named_accounts_in_named_tiers(tmp_path: Path) -> None:
    seg = assign(spenders(tmp_path, [10, 10]), rules(overrides=[{"account": "A1", "tier": "top"}]))
    assert [seg.segments[k].name for k in seg.segment] == ["rest", "top"]
    assert seg.tags["override"].tolist() == [False, True]


def test_rules_naming_an_absent_account_are_an_error(tmp_path: Path) -> None:
    r = rules(overrides=[{"account": "B9", "tier": "top"}], mega={"accounts": ["Z"]})
    with pytest.raises(ScenarioError) as e:
        assign(spenders(tmp_path, [1]), r, "test-rules.toml")
    assert "overrides[0].account = 'B9': names no account" in str(e.value)
    assert "mega.accounts = 'Z': names no account" in str(e.value)


def test_the_shipped_rules_load() -> None:
    r = load_rules()
    assert r.levels == 6 and [t.name for t in r.tiers] == ["V5", "V4", "V3", "V2", "V1"]
    assert r.mega.spend_share_at_least == 0.02


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["star_levels"].update(tresholds=[1]),
            "star_levels.tresholds: unknown key; did you mean 'thresholds'?",
        ),
        (lambda d: d["star_levels"].update(thresholds=[1.0, 0.5]), "must be strictly ascending"),
        (lambda d: d["star_levels"].update(basis="quantile", thresholds=[0.5, 1.0]), "strictly between 0 and 1"),
        (lambda d: d["tiers"][1]["when"].append({"all_tags": ["two_cabn"]}), "names no tag; did you mean 'two_cabin'?"),
        (lambda d: d["tiers"][0]["when"].append({"min_star": 7}), "tiers.V5.when[1].min_star = 7: must be ≤ 6"),
        (lambda d: d["tiers"].pop(), "tiers.V2.when: the last tier must have no condition"),
        (lambda d: d["tiers"][2].pop("when"), "tiers.V3.when: only the last tier may have no condition"),
        (lambda d: d["tags"][0].update(compare="more"), "tags.price_sensitive.compare = 'more': must be one of"),
        (lambda d: d["tags"].append(dict(d["tags"][0])), "is defined twice"),
        (lambda d: d.update(overrides=[{"account": "A", "tier": "V6"}]), "overrides[0].tier = 'V6': names no tier"),
        (lambda d: d["scenario"].update(capacity_scale=-1), "must be 'need', 'trips' or a number > 0"),
        (lambda d: d["estimation"].update(fares="cabins"), "estimation.fares = 'cabins': must be one of"),
    ],
)
def test_a_bad_rules_file_names_the_key(change: Any, expected: str) -> None:
    data = tomllib.loads(default_rules_path().read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(ScenarioError) as e:
        rules_from_dict(data, source="r.toml")
    assert expected in str(e.value), str(e.value)
