"""Seat-hold sizing: EMSR-b against published worked examples and Littlewood's rule."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.allocation.holds import (
    emsr_b_classes,
    hold_limit_per_flight,
    protection_levels,
    seats_held_per_trip,
    sellout_probability,
)
from model.scenario.loading import load_scenario
from tests.helpers import build, tiny_dict


def test_emsr_b_matches_fiig_et_al_2010_example():
    # Fiig, Isler, Hopperstad & Belobaba (2010), six classes; published protection levels
    # 20, 35, 54, 80, 117 (rounded to whole seats).
    fares = [1200, 1000, 800, 600, 400, 200]
    means = [31.2, 10.9, 14.8, 19.9, 26.9, 36.3]
    sds = [11.2, 6.6, 7.7, 8.9, 10.4, 12.0]
    y = protection_levels(fares, means, sds)
    assert np.round(y).tolist() == [20, 35, 54, 80, 117]


def test_emsr_b_matches_talluri_van_ryzin_example():
    # Talluri & van Ryzin (2004), Example 2.4 (four classes): EMSR-b protection levels
    # 16.7, 50.9, 83.1 (to one decimal).
    y = protection_levels([1050, 567, 534, 520], [17.3, 45.1, 39.6, 34.0], [5.8, 15.0, 13.2, 11.3])
    assert y == pytest.approx([16.7, 50.9, 83.1], abs=0.06)


@given(
    p1=st.floats(200, 5000),
    ratio=st.floats(0.05, 0.95),
    mu=st.floats(1, 200),
    cv=st.floats(0.05, 1.0),
)
def test_two_classes_reduce_to_littlewoods_rule(p1, ratio, mu, cv):
    # Littlewood: protect y with p1 · P(D1 > y) = p2 (tolerance 1e-9 relative).
    p2, sd = p1 * ratio, mu * cv
    (y,) = protection_levels([p1, p2], [mu, 10.0], [sd, 3.0])
    expected = max(0.0, NormalDist(mu, sd).inv_cdf(1 - p2 / p1))
    assert y == pytest.approx(expected, rel=1e-9, abs=1e-9)
    if y > 0:
        assert p1 * (1 - NormalDist(mu, sd).cdf(y)) == pytest.approx(p2, rel=1e-6)


def test_protection_grows_with_the_protected_classes():
    y = protection_levels([900, 700, 500, 300], [20, 20, 20, 20], [5, 5, 5, 5])
    assert np.all(np.diff(y) > 0)


def test_equal_fares_protect_nothing():
    assert protection_levels([500, 500], [20, 20], [5, 5]).tolist() == [0.0]


@pytest.mark.parametrize(
    ("values", "means", "stds", "match"),
    [
        ([100, 200], [1, 1], [1, 1], "descending"),
        ([200], [1], [1], "at least 2"),
        ([200, 100], [1], [1, 1], "same length"),
        ([200, 100], [-1, 1], [1, 1], "≥ 0"),
    ],
)
def test_bad_input_is_refused(values, means, stds, match):
    with pytest.raises(ValueError, match=match):
        protection_levels(values, means, stds)


def test_multi_flight_hold_counts_flights_and_privacy_seat():
    s = load_scenario()
    held = seats_held_per_trip(s)
    j = s.dimension_names.index("multi_flight_hold")
    v5 = s.tier_names.index("V5")
    assert held[v5, j] == 3 * 2  # three adjacent flights, a privacy seat on each
    assert held[v5, s.dimension_names.index("seat_reservation")] == 1
    assert held[v5, s.dimension_names.index("lounge")] == 0


def test_sellout_probability_rises_with_load():
    d = tiny_dict()
    low = sellout_probability(build(d))
    d["flights"]["base_load_factor"] = 0.97
    high = sellout_probability(build(d))
    assert 0 <= low < high <= 1


def test_emsr_b_hold_limit_in_a_scenario():
    d = tiny_dict()
    d["resources"].append({"name": "holds", "kind": "seat_holds", "hold_limit_per_flight": "emsr-b"})
    d["dimensions"].append({"name": "reserved_seat", "resource": "holds"})
    for t in d["tiers"]:
        t["accounts"] *= 20  # a few held seats per flight and day
        t["expectation"]["reserved_seat"] = 0.8
        t["value_weight_cny"]["reserved_seat"] = 50
    s = build(d)
    limit = hold_limit_per_flight(s, s.resource("holds"))
    assert limit >= 1  # key-account fares (1,000 and 1,500 CNY) beat the 900 CNY base fare
    d["flights"]["base_fare_cny"] = 2000  # now no key-account class is worth protecting
    s = build(d)
    assert hold_limit_per_flight(s, s.resource("holds")) == 0


def test_emsr_b_classes_are_the_tiers_worth_more_than_a_base_passenger():
    d = tiny_dict()
    d["resources"].append({"name": "holds", "kind": "seat_holds", "hold_limit_per_flight": "emsr-b"})
    d["dimensions"].append({"name": "reserved_seat", "resource": "holds"})
    for t in d["tiers"]:
        t["accounts"] *= 20
        t["expectation"]["reserved_seat"] = 0.8
        t["value_weight_cny"]["reserved_seat"] = 50
    s = build(d)
    classes = emsr_b_classes(s)
    assert classes is not None
    assert classes.names == ("high", "low", "base")  # fares 1,500 and 1,000 CNY beat the 900 CNY base fare
    assert classes.values.tolist() == [1500.0, 1000.0, 900.0]
    assert np.allclose(classes.stds[:2] ** 2, classes.means[:2])  # Poisson spread of hold demand
    assert classes.means[2] == 0.7 * 150  # base passengers: base load × seats
    assert hold_limit_per_flight(s, s.resource("holds")) == math.ceil(classes.protection_levels()[-1])
    d["flights"]["base_fare_cny"] = 2000
    assert emsr_b_classes(build(d)) is None
