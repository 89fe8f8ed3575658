"""The simulator trip by trip, on trips written by hand: every number below is worked out on paper.

Seat holds (single and multi-flight, privacy seats, the hold limit per flight), full flights,
displacement of base passengers and its attribution, benefits under a day's capacity (with the
plan's expansion) and the budget, recovery offers, the airline choice at known probabilities,
escorts (unit costs, durations, replacing escorts, failures, the airports without escorts), the
accounts' outcomes, the day-by-day stage counts, a rolling plan's accounts carried from one
period to the next, and what must not change the result (how the trips are chunked).

The book is the tiny scenario (tests/helpers.py): tier ``low`` is accounts 0–9, ``high`` 10–14.
Unless a test says otherwise the lounge is valued at 0 and the escort planned at level 0, so a
trip's perceived value (PV) is its tier's escort shortfall, the same on every trip:
``low`` −λ·w·r = −2.25·100·0.1 = −22.5 CNY, ``high`` −2.25·300·0.4 = −270 CNY; and closeness does
not move (``closeness_rate`` 0), so every account stays in retention.
"""

from __future__ import annotations

import dataclasses
import gc
import math
from typing import NamedTuple

import numpy as np
import pytest

import model.simulation.simulator as simulator
from model.allocation.allocator import plan_from_levels
from model.allocation.value import value_tables
from model.randomness import streams
from model.simulation.loyalty import BROKEN, Accounts
from model.simulation.outcome import Outcome
from model.simulation.simulator import simulate
from model.simulation.trips import Trips, draw_base_demand, draw_trips
from tests.helpers import FINITE_KPIS, build, tiny_dict

LOW_PV, HIGH_PV = -22.5, -270.0
LEAD = 90.0  # minutes before departure a trip reaches the airport, unless its row says when


class Row(NamedTuple):
    """One trip written by hand."""

    account: int
    flight: int  # global flight index: day × flights a day + flight of the day
    arrival: float | None = None  # minutes from the start of the horizon; default LEAD before departure
    u_choice: float = 0.0  # 0: flown with us whenever p > 0
    u_need: float = 1.0  # 1: passes no escort airport
    fare: float = 1000.0
    minutes: float = 0.0  # escort duration (× each escort dimension's duration factor)


def _base(days: int = 1, **loyalty: float) -> dict:
    d = tiny_dict()
    d["time"] = {"horizon_days": days}
    d["loyalty"] = {"closeness_rate": 0.0, **loyalty}
    d["dimensions"][1]["unit_cost_cny"] = 20.0  # the escort's own cost per trip escorted
    for t in d["tiers"]:
        t["value_weight_cny"]["lounge"] = 0.0
    return d


def _add_dim(d: dict, name: str, resource: str, **spec: object) -> None:
    d["dimensions"].append({"name": name, "resource": resource, **spec})
    for t in d["tiers"]:
        t["expectation"][name] = 0.0
        t["value_weight_cny"][name] = 0.0


def _with_holds(d: dict, limit: int = 10, handling: float = 5.0) -> dict:
    """Dimensions 2 ``seat`` (a single hold) and 3 ``multi`` (multi-flight); ``high`` holds 3 flights with privacy."""
    d["resources"].append(
        {"name": "holds", "kind": "seat_holds", "hold_limit_per_flight": limit, "unit_cost_cny": handling}
    )
    _add_dim(d, "seat", "holds")
    _add_dim(d, "multi", "holds", hold="multi")
    d["tiers"][1]["departure_uncertainty_flights"] = 3
    d["tiers"][1]["privacy_seat"] = True
    return d


def _trips(s, rows: list[Row], *, travellers: bool = True) -> Trips:
    sizes = np.array([t.accounts for t in s.tiers])
    tier_of = np.repeat(np.arange(len(sizes)), sizes)
    hours = np.asarray(s.flights.departure_hours) * 60.0
    flight = np.array([r.flight for r in rows], dtype=np.int64)
    day = flight // len(hours)
    departure = day * 1440.0 + hours[flight % len(hours)]
    arrival = np.array([dep - LEAD if r.arrival is None else r.arrival for r, dep in zip(rows, departure, strict=True)])
    assert (np.diff(arrival) >= 0).all() and (arrival <= departure).all()
    factor = np.array([d.duration_factor if s.resource_of(d).kind == "escort" else 0.0 for d in s.dimensions])
    account = np.array([r.account for r in rows], dtype=np.int64)
    return Trips(
        tier=tier_of[account],
        account=account,
        day=day,
        flight=flight,
        departure=departure,
        arrival=arrival,
        fare=np.array([r.fare for r in rows], dtype=float),
        u_choice=np.array([r.u_choice for r in rows], dtype=float),
        u_need=np.array([r.u_need for r in rows], dtype=float),
        service_minutes=np.array([r.minutes for r in rows], dtype=float)[:, None] * factor[None, :],
        accounts_per_tier=sizes,
        traveller=account.copy() if travellers else None,
    )


def _run(
    s,
    levels,
    trips: list[Row] | Trips,
    base: dict[int, int] | None = None,
    *,
    expansions=None,
    accounts: Accounts | None = None,
) -> Outcome:
    plan = plan_from_levels(
        s, np.asarray(levels, dtype=float), policy="by hand", expansions=expansions, shadow_prices=(), binding=()
    )
    demand = np.zeros(s.time.horizon_days * len(s.flights.departure_hours), dtype=np.int64)
    for f, n in (base or {}).items():
        demand[f] = n
    if not isinstance(trips, Trips):
        trips = _trips(s, trips)
    o = simulate(s, plan, trips, demand, accounts)
    assert o.error is None
    for k in FINITE_KPIS:
        assert math.isfinite(o.kpis[k]), k
    return o


def _tier(o: Outcome, tier: str, kpi: str) -> float:
    return o.by_tier[tier][kpi]


# --- seat holds ---------------------------------------------------------------------------------


def test_a_single_hold_takes_one_seat_and_a_multi_flight_hold_the_tiers_adjacent_flights_with_privacy_seats():
    # two days of 3 flights (0–5); high holds 3 flights with a privacy seat; handling 5 CNY a held seat
    s = build(_with_holds(_base(days=2)))
    rows = [Row(10, 0), Row(0, 1), Row(11, 4), Row(10, 5)]
    single = _run(s, [[0, 0, 1, 0], [0, 0, 1, 0]], rows)
    # every trip one seat, on its own flight, whatever its tier's departure uncertainty
    assert single.kpis["held_seats"] == 4 and single.kpis["held_seats_used"] == 4
    assert single.kpis["cost_seat_holds"] == 4 * 5.0
    assert _tier(single, "low", "cost_total") == 5.0 and _tier(single, "high", "cost_total") == 15.0
    np.testing.assert_array_equal(single.accounts.cost_seat_holds[[0, 10, 11]], [5.0, 10.0, 5.0])

    multi = _run(s, [[0, 0, 1, 0], [0, 0, 0, 1]], rows)
    # account 10 on flight 0: flights 0, 1, 2 × 2 seats = 6; account 11 on flight 4: the horizon leaves
    # flights 4, 5 → 4; account 10 on flight 5, the last: 2; low's single hold: 1
    assert multi.kpis["held_seats"] == 13
    assert multi.kpis["held_seats_used"] == 4  # one seat of each hold is sat in
    assert multi.kpis["displaced_seats"] == 0  # no base passengers
    assert multi.kpis["cost_seat_holds"] == 13 * 5.0
    assert _tier(multi, "low", "cost_total") == 5.0 and _tier(multi, "high", "cost_total") == 60.0
    acc = multi.accounts
    np.testing.assert_array_equal(acc.cost_seat_holds[[0, 10, 11]], [5.0, 40.0, 20.0])
    assert acc.cost_seat_holds.sum() == 65.0  # nobody else held a seat
    # the trips themselves: every one flown, fares and PV by account
    assert multi.kpis["trips_flown"] == 4 and multi.kpis["revenue"] == 4000.0
    assert _tier(multi, "high", "revenue") == 3000.0
    np.testing.assert_array_equal(acc.revenue[[0, 10, 11]], [1000.0, 2000.0, 1000.0])
    np.testing.assert_array_equal(acc.flown[[0, 10, 11]], [1, 2, 1])
    assert acc.perceived_value[10] == pytest.approx(2 * HIGH_PV, abs=1e-9)
    assert multi.kpis["perceived_value"] == pytest.approx(LOW_PV + 3 * HIGH_PV, abs=1e-9)


def test_the_hold_limit_per_flight_refuses_holds_past_it_and_the_trip_flies_without():
    s = build(_with_holds(_base(), limit=2))
    o = _run(s, [[0, 0, 1, 0], [0, 0, 1, 0]], [Row(a, 0) for a in (0, 1, 2, 3)])
    assert o.kpis["held_seats"] == 2
    assert o.kpis["failures_seat_hold"] == 2 and _tier(o, "low", "failures_seat_hold") == 2
    assert o.kpis["trips_flown"] == 4  # the flight has free seats: a failed hold is not a refused trip
    assert o.kpis["cost_seat_holds"] == 2 * 5.0


def test_a_multi_flight_hold_skips_an_adjacent_flight_at_its_limit():
    # flights at 8, 9 and 10 h, at most 2 held seats each. Account 0 (a single hold) reaches the airport for
    # the 9:00 flight at 6:40, before account 10 (3 flights, 2 seats each) does for the 8:00 one at 6:50:
    # 8:00 takes 2, 9:00 (1 held) has no room for 2 more, 10:00 takes 2. Account 11 then finds 9:00 too full.
    d = _with_holds(_base(), limit=2)
    d["flights"]["departure_hours"] = [8.0, 9.0, 10.0]
    s = build(d)
    o = _run(
        s,
        [[0, 0, 1, 0], [0, 0, 0, 1]],
        [Row(0, 1, arrival=400.0), Row(10, 0, arrival=410.0), Row(11, 1, arrival=420.0)],
    )
    assert o.kpis["held_seats"] == 1 + 4
    assert o.kpis["failures_seat_hold"] == 1 and _tier(o, "high", "failures_seat_hold") == 1
    assert o.kpis["cost_seat_holds"] == 5 * 5.0


def test_base_passengers_book_first_so_a_flight_full_with_them_holds_and_key_accounts_refuses_the_next_trip():
    # 4 seats, 1 base passenger; high's trip holds a seat; two low trips take the last 2 free seats
    d = _with_holds(_base())
    d["flights"]["seats"] = 4
    s = build(d)
    rows = [Row(10, 0), Row(0, 0), Row(1, 0), Row(0, 0), Row(2, 0)]
    o = _run(s, [[0, 0, 0, 0], [0, 0, 1, 0]], rows, base={0: 1})
    assert o.kpis["trips_requested"] == 5
    assert o.kpis["trips_flown"] == 3 and o.kpis["trips_refused"] == 2
    assert _tier(o, "low", "trips_flown") == 2 and _tier(o, "low", "share_of_wallet") == 0.5
    assert o.kpis["revenue"] == 3000.0
    # the base passenger boards (4 − 1 held − 2 key-account seats = 1 free); nobody is displaced
    assert o.kpis["displaced_seats"] == 0
    assert o.kpis["key_account_revenue_share"] == pytest.approx(3000.0 / (3000.0 + 900.0), rel=1e-12)
    # a refused trip is still a request the client judged our offer on
    assert o.kpis["perceived_value"] == pytest.approx(4 * LOW_PV + HIGH_PV, abs=1e-9)
    acc = o.accounts
    np.testing.assert_allclose(acc.perceived_value[[0, 1, 2, 10]], [2 * LOW_PV, LOW_PV, LOW_PV, HIGH_PV], atol=1e-9)
    np.testing.assert_array_equal(acc.requested[[0, 1, 2]], [2, 1, 1])
    np.testing.assert_array_equal(acc.flown[[0, 1, 2]], [1, 1, 0])


# --- displacement ----------------------------------------------------------------------------------


def test_unused_held_seats_displace_the_base_passengers_they_turned_away():
    # 10 seats; flights 1 and 2 have 9 base passengers each; margin 0.5. A low trip (no hold) takes a free
    # seat on flight 1, then account 10 holds flights 1–2 (2 seats each), then flight 2 (2 more seats).
    #   flight 1: held 2 (1 used), 1 key-account seat: 7 base board, 8 would have without the unused
    #             held seat → 1 displaced;
    #   flight 2: held 4 (1 used): 6 board, 9 would have → 3 displaced.
    d = _with_holds(_base())
    d["flights"]["seats"] = 10
    d["economics"] = {"incremental_margin": 0.5}
    s = build(d)
    o = _run(s, [[0, 0, 0, 0], [0, 0, 0, 1]], [Row(0, 1), Row(10, 1), Row(10, 2)], base={1: 9, 2: 9})
    assert o.kpis["held_seats"] == 6 and o.kpis["held_seats_used"] == 2
    assert o.kpis["displaced_seats"] == 4
    displacement = 4 * 900 * 0.5  # the base fare's contribution at the margin
    assert o.kpis["cost_seat_holds"] == pytest.approx(6 * 5.0 + displacement, rel=1e-12)
    assert _tier(o, "high", "cost_total") == pytest.approx(30.0 + displacement, rel=1e-12)
    assert _tier(o, "low", "cost_total") == 0.0
    assert o.accounts.cost_seat_holds[10] == pytest.approx(30.0 + displacement, rel=1e-12)
    boarded = 7 + 6
    assert o.kpis["key_account_revenue_share"] == pytest.approx(3000.0 / (3000.0 + boarded * 900.0), rel=1e-12)


def test_displacement_is_shared_among_tiers_and_accounts_by_the_seats_they_held():
    # 10 seats, 10 base passengers on each of 3 flights, margin 0.5. Account 0 holds 2 seats on flight 0
    # (both used: nothing displaced); account 10 holds flights 1 and 2 with privacy (4 seats, 1 used):
    # flight 1 displaces 1, flight 2 displaces 2 — 3 seats, 1350 CNY, shared 2 : 4 by seats held.
    d = _with_holds(_base())
    d["flights"]["seats"] = 10
    d["economics"] = {"incremental_margin": 0.5}
    s = build(d)
    o = _run(s, [[0, 0, 1, 0], [0, 0, 0, 1]], [Row(0, 0), Row(0, 0), Row(10, 1)], base={0: 10, 1: 10, 2: 10})
    assert o.kpis["displaced_seats"] == 3 and o.kpis["held_seats"] == 6
    low, high = 2 * 5.0 + 1350.0 * 2 / 6, 4 * 5.0 + 1350.0 * 4 / 6
    assert _tier(o, "low", "cost_total") == pytest.approx(low, rel=1e-12)
    assert _tier(o, "high", "cost_total") == pytest.approx(high, rel=1e-12)
    assert o.kpis["cost_seat_holds"] == pytest.approx(low + high, rel=1e-12)
    np.testing.assert_allclose(o.accounts.cost_seat_holds[[0, 10]], [low, high], rtol=1e-12)
    assert o.accounts.cost_seat_holds.sum() == pytest.approx(low + high, rel=1e-12)
    assert o.kpis["key_account_revenue_share"] == pytest.approx(3000.0 / (3000.0 + 24 * 900.0), rel=1e-12)


def test_a_flight_the_key_accounts_overfill_boards_no_base_passenger_and_displaces_none():
    # 4 seats, 1 base passenger: three low trips take the 3 free seats, then two high trips hold seats (the
    # hold limit, not the seats left, bounds holds): no seat is left for the base passenger and no held
    # seat went unused — neither count may go below 0
    d = _with_holds(_base())
    d["flights"]["seats"] = 4
    s = build(d)
    rows = [Row(0, 0), Row(1, 0), Row(2, 0), Row(10, 0), Row(11, 0)]
    o = _run(s, [[0, 0, 0, 0], [0, 0, 1, 0]], rows, base={0: 1})
    assert o.kpis["trips_flown"] == 5
    assert o.kpis["displaced_seats"] == 0
    assert o.kpis["key_account_revenue_share"] == 1.0  # no base revenue
    assert o.kpis["cost_seat_holds"] == 2 * 5.0


# --- benefits -------------------------------------------------------------------------------------


def _with_cars(d: dict) -> dict:
    """A second benefit, a car at 30 CNY a use without a daily capacity (dimension 2)."""
    d["resources"].append({"name": "cars", "kind": "benefit"})
    _add_dim(d, "car", "cars", unit_cost_cny=30.0)
    return d


def test_the_plans_expansion_adds_to_each_days_capacity_to_the_last_day_and_a_refused_benefit_leaves_the_next():
    # 3 days, 4 trips a day, each entitled to the lounge (2 a day + 3 added over the horizon: 3 a day,
    # 10 CNY each) and a car (no daily limit)
    d = _with_cars(_base(days=3))
    d["resources"][0].update(daily_capacity=2, expansion_cost_cny=10.0)
    s = build(d)
    rows = [Row(a, 3 * day) for day in range(3) for a in range(4)]
    o = _run(s, [[1, 0, 1], [1, 0, 1]], rows, expansions=[3.0, 0.0, 0.0])
    assert o.kpis["failures_benefit"] == 3  # the 4th lounge of each day, the last day included
    assert _tier(o, "low", "cost_total") == 9 * 50.0 + 12 * 30.0  # every car, though the lounge was full
    assert o.kpis["cost_expansion"] == 30.0
    assert o.kpis["cost_benefits"] == 9 * 50.0 + 12 * 30.0 + 30.0


@pytest.mark.parametrize(
    ("capacity", "budget", "uses"),
    [
        (None, 149.5, 2),  # a third use would spend 150: 0.5 CNY over the budget is over it
        (None, 150.0 - 1e-9, 3),  # within the 1e-9 CNY tolerance of the budget (sums of floats)
        (3.0 - 1e-9, None, 3),  # a capacity a rounding error short of 3 (2 + an LP's 0.999999999 added) gives 3
    ],
)
def test_budget_and_capacity_to_the_cny_and_the_use(capacity, budget, uses):
    d = _base()
    d["resources"][0]["daily_capacity"] = capacity
    if capacity is None:
        d["resources"][0].pop("daily_capacity")
    if budget is not None:
        d["budget"] = {"benefits_cny": budget}
    s = build(d)
    o = _run(s, [[1, 0], [1, 0]], [Row(a, 0) for a in range(5)])
    assert o.kpis["cost_benefits"] == uses * 50.0
    assert o.kpis["failures_benefit"] == 5 - uses


@pytest.mark.parametrize(
    ("budget", "offer", "given"),
    [
        (80.0, 40.0, 2),  # exactly two offers
        (80.0 - 1e-9, 40.0, 2),  # within the tolerance
        (100.0, 33.5, 2),  # a third would spend 100.5
    ],
)
def test_recovery_offers_stop_where_the_budget_would_be_crossed_and_count_for_their_account(budget, offer, given):
    # low's accounts start (and stay) in recovery: closeness 0.3, between the break (0.2) and recovery (0.4) thresholds
    d = _base()
    d["loyalty"]["recovery_offer_cny"] = offer
    d["budget"] = {"benefits_cny": budget}
    d["tiers"][0]["initial_closeness"] = 0.3
    s = build(d)
    o = _run(s, [[0, 0], [0, 0]], [Row(0, 0), Row(0, 0), Row(0, 0), Row(1, 0)])
    assert o.kpis["cost_benefits"] == pytest.approx(given * offer, rel=1e-12)
    assert o.kpis["failures_benefit"] == 4 - given
    # the first two trips are account 0's: its offers, in its cost and in the PV of its trips
    assert o.accounts.cost_benefits[0] == pytest.approx(2 * offer, rel=1e-12)
    assert o.accounts.perceived_value[0] == pytest.approx(3 * LOW_PV + 2 * offer, rel=1e-12)
    assert o.kpis["perceived_value"] == pytest.approx(4 * LOW_PV + given * offer, rel=1e-12)


# --- the airline choice ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intercept", "flies", "lost"),
    [
        (-1.0, 0.2689, 0.2690),  # p = logistic(−1) = 1 / (1 + e) = 0.268941…
        (0.0, 0.4999999, 0.5),  # p = 1/2; u is uniform on [0, 1): flown when u < p
        (-800.0, None, 0.0),  # p = 0 (e^−800 underflows): never flown, not even at u = 0
    ],
)
def test_a_trip_flies_with_us_when_its_uniform_is_below_the_choice_probability(intercept, flies, lost):
    # p = logistic(β0), with β_PV = β_c = 0
    d = _base()
    d["choice"] = {"intercept": intercept, "value_per_cny": 0.0, "closeness": 0.0}
    s = build(d)
    rows = [Row(0, 0, u_choice=lost), Row(0, 0, u_choice=lost)]
    if flies is not None:
        rows.append(Row(1, 0, u_choice=flies))
    o = _run(s, [[0, 0], [0, 0]], rows)
    assert o.kpis["trips_lost_to_competitor"] == 2
    assert o.kpis["trips_flown"] == (flies is not None)
    # a trip lost still counts the client's judgement of our offer, for its account
    assert o.accounts.perceived_value[0] == pytest.approx(2 * LOW_PV, abs=1e-9)
    assert o.kpis["perceived_value"] == pytest.approx(len(rows) * LOW_PV, abs=1e-9)


@pytest.mark.parametrize("logit", [0.9, -0.9, 0.0])
def test_the_choice_is_decided_as_the_accounts_choice_probability_to_the_last_bit(logit):
    # p = logistic(β0) computed as 1 / (1 + e^−x) for x ≥ 0 and e^x / (1 + e^x) below (no overflow either way);
    # at x = 0.9 the other form is one unit in the last place off (0.710949502625004 against …0039), enough to
    # decide a trip whose u is p itself. The simulator decides as Accounts.choice_probability says, to the bit.
    d = _base()
    d["choice"] = {"intercept": logit, "value_per_cny": 0.0, "closeness": 0.0}
    s = build(d)
    p = 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else math.exp(logit) / (1.0 + math.exp(logit))
    accounts = Accounts(s, np.zeros((2, 2)), value_tables(s))
    assert accounts.choice_probability(0) == p
    below = math.nextafter(p, 0.0)
    o = _run(s, [[0, 0], [0, 0]], [Row(0, 0, u_choice=p), Row(1, 0, u_choice=below)])
    # u = p is lost; the float just below p flies
    assert o.kpis["trips_lost_to_competitor"] == 1 and o.kpis["trips_flown"] == 1
    np.testing.assert_array_equal(o.accounts.flown[:2], [0, 1])
    assert accounts.flies_with_us(0, below) and not accounts.flies_with_us(0, p)


def test_a_broken_account_flies_with_the_competitor_and_still_judges_our_offer():
    d = _base()
    d["tiers"][0]["initial_closeness"] = 0.1  # below the break threshold: broken from the start, for 60 days
    s = build(d)
    o = _run(s, [[0, 0], [0, 0]], [Row(0, 0), Row(0, 1), Row(10, 1)])
    assert o.kpis["trips_lost_to_competitor"] == 2 and o.kpis["trips_flown"] == 1
    assert o.kpis["churned_accounts"] == 0  # broken before the horizon: not this horizon's churn
    assert o.accounts.perceived_value[0] == pytest.approx(2 * LOW_PV, abs=1e-9)
    assert o.kpis["perceived_value"] == pytest.approx(2 * LOW_PV + HIGH_PV, abs=1e-9)


# --- escorts --------------------------------------------------------------------------------------


def _escorts(d: dict) -> dict:
    d["resources"][1]["staff_on_duty"] = [5] * 24  # no queue
    return d


def test_an_escort_costs_its_dimensions_unit_costs_and_keeps_staff_busy_for_their_summed_durations():
    # escort (20 CNY, 20 minutes) and porter (7 CNY, 0.75 × 20 = 15 minutes); low gets the escort, high both.
    # The 8:00 travellers reach the airport at 6:30, on two days.
    d = _escorts(_base(days=2))
    _add_dim(d, "porter", "escort_staff", unit_cost_cny=7.0, duration_factor=0.75)
    s = build(d)
    rows = [Row(0, 0, u_need=0.0, minutes=20.0), Row(10, 0, u_need=0.0, minutes=20.0)]
    rows += [Row(0, 3, u_need=0.0, minutes=20.0), Row(10, 3, u_need=0.0, minutes=20.0)]
    o = _run(s, [[0, 1, 0], [0, 1, 1]], rows)
    assert o.kpis["failures_escort"] == 0
    assert _tier(o, "low", "cost_total") == 2 * 20.0
    assert _tier(o, "high", "cost_total") == 2 * 27.0
    assert o.kpis["cost_escort"] == 94.0
    # low 6:30–6:50, high 6:30–7:05, each day
    busy = o.escort_busy_by_hour
    assert busy[6] == pytest.approx(2 * (20 + 30), abs=1e-9) and busy[7] == pytest.approx(2 * 5, abs=1e-9)
    assert busy.sum() == pytest.approx(2 * (20 + 35), abs=1e-9)
    np.testing.assert_array_equal(o.accounts.delivered[[0, 10]], [[0, 2, 0], [0, 2, 2]])


def test_a_replacing_escort_is_paid_and_timed_in_place_of_the_one_it_replaces_pair_by_pair():
    # senior (50 CNY, 3 × 20 minutes) replaces escort (20 CNY); porter_plus (11 CNY, 2 × 20) replaces porter (7 CNY,
    # 0.75 × 20). Low is entitled to senior only, high to porter_plus only.
    d = _escorts(_base())
    _add_dim(d, "senior", "escort_staff", unit_cost_cny=50.0, duration_factor=3.0, replaces="escort")
    _add_dim(d, "porter", "escort_staff", unit_cost_cny=7.0, duration_factor=0.75)
    _add_dim(d, "porter_plus", "escort_staff", unit_cost_cny=11.0, duration_factor=2.0, replaces="porter")
    s = build(d)
    rows = [Row(0, 0, u_need=0.0, minutes=20.0), Row(10, 0, u_need=0.0, minutes=20.0)]
    o = _run(s, [[0, 0, 1, 0, 0], [0, 0, 0, 0, 1]], rows)
    assert _tier(o, "low", "cost_total") == 50.0  # not 50 + 20, and no porter
    assert _tier(o, "high", "cost_total") == 11.0
    assert o.escort_busy_by_hour.sum() == pytest.approx(60.0 + 40.0, abs=1e-9)
    # each gets the one it replaces, and nothing of the other pair
    np.testing.assert_array_equal(o.accounts.delivered[[0, 10]], [[0, 1, 1, 0, 0], [0, 0, 0, 1, 1]])


def test_escorts_not_started_before_the_departure_fail_and_cost_nothing():
    # one escort on duty, busy 6:00–9:20 with account 0 (flight 12:00); accounts 1 and 2 (flight 8:00) wait
    # until their departure and fail
    d = _base()
    d["resources"][1]["staff_on_duty"] = [1] * 24
    s = build(d)
    rows = [
        Row(0, 1, arrival=360.0, u_need=0.0, minutes=200.0),
        Row(1, 0, arrival=370.0, u_need=0.0, minutes=30.0),
        Row(2, 0, arrival=380.0, u_need=0.0, minutes=30.0),
    ]
    o = _run(s, [[0, 1], [0, 1]], rows)
    assert o.kpis["failures_escort"] == 2 and _tier(o, "low", "failures_escort") == 2
    assert o.kpis["cost_escort"] == 20.0
    assert o.kpis["trips_flown"] == 3
    np.testing.assert_array_equal(o.accounts.delivered[:3, 1], [1, 0, 0])


def test_a_tier_that_passes_no_escort_airport_gets_no_escort_whatever_its_draw():
    # high's escort_need is 0: a trip passes an escort airport when u_need < 0, never (not even at u = 0)
    d = _escorts(_base())
    d["tiers"][1]["escort_need"] = 0.0
    s = build(d)
    o = _run(s, [[0, 1], [0, 1]], [Row(0, 0, u_need=0.0, minutes=20.0), Row(10, 0, u_need=0.0, minutes=20.0)])
    assert _tier(o, "high", "cost_total") == 0.0 and _tier(o, "low", "cost_total") == 20.0
    assert o.escort_busy_by_hour.sum() == pytest.approx(20.0, abs=1e-9)
    assert o.kpis["failures_escort"] == 0


def test_the_delivered_level_is_measured_on_the_trips_a_dimension_applies_to():
    # low values the escort at 0 (all its escort spend is over-service) and half its trips pass an escort
    # airport; the plan gives the escort at level 1, and every trip that passes an airport gets it. Delivered
    # as planned, the over-service per trip flown is the plan's: the unit cost of the level, 20 CNY.
    d = _escorts(_base())
    d["tiers"][0]["escort_need"] = 0.5
    d["tiers"][0]["value_weight_cny"]["escort"] = 0.0
    s = build(d)
    rows = [Row(a, 0, u_need=u, minutes=20.0) for a, u in ((0, 0.2), (1, 0.7), (2, 0.2), (3, 0.7))]
    levels = [[0, 1], [0, 0]]
    o = _run(s, levels, rows)
    assert _tier(o, "low", "cost_total") == 2 * 20.0  # two escorts
    plan = plan_from_levels(s, np.asarray(levels, dtype=float), policy="by hand", shadow_prices=(), binding=())
    assert plan.over_service_cost[0] / plan.expected_trips[0] == pytest.approx(20.0, rel=1e-12)
    assert _tier(o, "low", "over_service_cost") == pytest.approx(4 * 20.0, rel=1e-12)
    np.testing.assert_allclose(o.over_service_by_dimension, [0.0, 80.0], rtol=1e-12)


def test_the_trips_that_reach_the_airport_at_the_horizons_start_are_escorted_before_the_night_roster_applies():
    # nobody on duty 0:00–6:00 (escort.py: every slot is free at time 0 until the roster applies; the first
    # trips' requests come first). The traveller at 0:00 is escorted at once; the one at 0:10 waits until 6:00.
    s = build(_base())
    rows = [Row(0, 0, arrival=0.0, u_need=0.0, minutes=30.0), Row(1, 0, arrival=10.0, u_need=0.0, minutes=30.0)]
    o = _run(s, [[0, 1], [0, 1]], rows)
    assert o.kpis["failures_escort"] == 0
    assert o.kpis["escort_wait_mean_minutes"] == pytest.approx((0.0 + 350.0) / 2, abs=1e-9)
    assert o.kpis["escort_wait_probability"] == 0.5


# --- a book without escorts; a tier that flies nothing -----------------------------------------------------


def test_a_book_without_escorts_whose_top_tier_flies_nothing_reports_zeros_for_it():
    tiers = []
    for name, accounts, intercept in (("low", 2, 0.0), ("mid", 2, 0.0), ("top", 2, -800.0)):
        tiers.append(
            {
                "name": name,
                "accounts": accounts,
                "travellers_per_account": 1,
                "trips_per_traveller_per_year": 4,
                "fare_cny": 1000,
                "choice_intercept": intercept,  # top: p = 0
                "expectation": {"lounge": 0.2},
                "value_weight_cny": {"lounge": 0.0},
            }
        )
    d = tiny_dict(
        resources=[{"name": "lounge", "kind": "benefit"}],
        dimensions=[{"name": "lounge", "resource": "lounge", "unit_cost_cny": 50}],
        tiers=tiers,
        time={"horizon_days": 1},
    )
    s = build(d)
    # every trip passes an airport (u_need 0 < escort_need 1), and the book has no escorts
    o = _run(s, [[1], [1], [1]], [Row(0, 0, u_need=0.0), Row(2, 0, u_need=0.0), Row(4, 0, u_need=0.0)])
    assert o.kpis["trips_flown"] == 2 and o.kpis["cost_benefits"] == 100.0
    assert _tier(o, "top", "trips_requested") == 1 and _tier(o, "top", "trips_flown") == 0
    # the lounge is valued at 0: every use is over-service
    assert [_tier(o, t, "over_service_cost") for t in ("low", "mid", "top")] == [50.0, 50.0, 0.0]
    assert o.kpis["cost_escort"] == 0.0 and math.isnan(o.kpis["escort_utilization"])


# --- loyalty over the horizon ------------------------------------------------------------------------


def test_the_stage_count_of_a_day_is_taken_at_its_start_before_its_trips():
    # every trip lost to the choice breaks its account (closeness moves all the way to the competitor's
    # target, logistic(−5 + …) < 0.2). Account 0 breaks at 0:00.5 on day 0, account 1 at 0:00 of day 1 — with
    # nothing else due in between (the roster never changes), the day's start and the trip fall at one instant.
    s = build(_escorts(_base(days=3, closeness_rate=1.0, closeness_intercept=-5.0)))
    rows = [Row(0, 0, arrival=0.5, u_choice=0.999), Row(1, 3, arrival=1440.0, u_choice=0.999)]
    o = _run(s, [[0, 0], [0, 0]], rows)
    # acquisition, retention, recovery, broken
    np.testing.assert_array_equal(o.stages, [[0, 15, 0, 0], [0, 14, 0, 1], [0, 13, 0, 2]])
    assert o.kpis["churned_accounts"] == 2
    np.testing.assert_array_equal(o.stages_by_tier, [[0, 8, 0, 2], [0, 5, 0, 0]])


def test_a_rolling_plans_accounts_carry_their_state_into_the_next_period_and_take_its_plan():
    # period 1 (no lounge): account 0's trip is lost to the choice and the account breaks (60 days). Period 2,
    # 3 days on, with the lounge at level 1: account 0 is still broken; account 1 flies and gets the lounge.
    s = build(_base(days=3, closeness_rate=1.0, closeness_intercept=-5.0))
    none, lounge = np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 0.0]])
    accounts = Accounts(s, none, value_tables(s))
    first = _run(s, none, [Row(0, 0, u_choice=0.999)], accounts=accounts)
    assert first.kpis["churned_accounts"] == 1 and accounts.stage[0] == BROKEN
    accounts.shift_clock(3 * 1440.0)
    second = _run(s, lounge, [Row(0, 0), Row(1, 0)], accounts=accounts)
    assert second.kpis["trips_requested"] == 2
    assert second.kpis["trips_lost_to_competitor"] == 1 and second.kpis["trips_flown"] == 1
    assert second.kpis["cost_benefits"] == 50.0
    assert accounts.stage[0] == BROKEN and second.accounts.stage[0] == BROKEN
    assert second.accounts.flown[1] == 1 and second.accounts.delivered[1, 0] == 1


# --- the accounts' outcomes --------------------------------------------------------------------------------


def test_every_account_reports_its_requests_revenue_costs_pv_and_closeness():
    d = _with_cars(_base(days=2))
    for t, closeness in zip(d["tiers"], (0.55, 0.75), strict=True):
        t["initial_closeness"] = closeness
    s = build(d)
    rows = [Row(0, 0, fare=800.0), Row(10, 0, fare=2000.0), Row(0, 3, fare=1200.0), Row(3, 4, u_choice=0.99999)]
    o = _run(s, [[1, 0, 0], [0, 0, 1]], rows)
    acc = o.accounts
    assert len(acc.tier) == 15
    np.testing.assert_array_equal(acc.requested[[0, 3, 10]], [2, 1, 1])
    np.testing.assert_array_equal(acc.flown[[0, 3, 10]], [2, 0, 1])
    np.testing.assert_array_equal(acc.revenue[[0, 3, 10]], [2000.0, 0.0, 2000.0])
    assert acc.revenue.sum() == o.kpis["revenue"] == 4000.0
    assert _tier(o, "low", "revenue") == 2000.0
    np.testing.assert_array_equal(acc.cost_benefits[[0, 10]], [100.0, 30.0])
    np.testing.assert_allclose(acc.perceived_value[[0, 3, 10]], [2 * LOW_PV, LOW_PV, HIGH_PV], atol=1e-9)
    assert acc.perceived_value.sum() == pytest.approx(o.kpis["perceived_value"], abs=1e-9)
    np.testing.assert_array_equal(acc.closeness, [0.55] * 10 + [0.75] * 5)  # closeness_rate 0: as they started
    assert (acc.cost_seat_holds == 0).all() and (acc.cost_escort == 0).all()


def test_the_single_trip_share_is_over_the_travellers_who_flew_with_us():
    s = build(_base())
    # travellers 0 (twice), 1 and 2 fly; 3's trip is lost: 2 of 3 flyers flew once
    rows = [Row(0, 0), Row(1, 0), Row(0, 1), Row(2, 1), Row(3, 2, u_choice=0.99999)]
    o = _run(s, [[0, 0], [0, 0]], rows)
    assert o.kpis["single_trip_share"] == pytest.approx(2 / 3, rel=1e-12)


def test_trips_without_travellers_simulate_the_same_and_have_no_single_trip_share():
    # Trips.traveller is optional (only the single-trip share needs it)
    d = _base(days=2)
    s = build(d)
    rows = [Row(a % 15, f) for f in range(6) for a in range(f, f + 4)]
    levels = [[1, 0], [1, 0]]
    with_ = _run(s, levels, _trips(s, rows))
    without = _run(s, levels, _trips(s, rows, travellers=False))
    assert math.isnan(without.kpis["single_trip_share"])
    assert not math.isnan(with_.kpis["single_trip_share"])
    for k, v in with_.kpis.items():
        if k != "single_trip_share":
            assert v == without.kpis[k] or (math.isnan(v) and math.isnan(without.kpis[k])), k


def test_trips_whose_arrays_disagree_in_length_are_refused_not_cut_short():
    s = build(_base())
    trips = _trips(s, [Row(0, 0), Row(1, 0), Row(2, 1)])
    short = dataclasses.replace(trips, fare=trips.fare[:2])
    plan = plan_from_levels(s, np.zeros((2, 2)), policy="by hand", shadow_prices=(), binding=())
    with pytest.raises(ValueError, match="zip"):
        simulate(s, plan, short, np.zeros(3, dtype=np.int64))


# --- what must not change the result ---------------------------------------------------------------------


def test_how_the_trips_are_chunked_changes_nothing(monkeypatch):
    s = build(tiny_dict())
    rngs = streams(4, 0)
    trips, base = draw_trips(s, rngs), draw_base_demand(s, rngs["base"])
    assert len(trips) > 20
    levels = np.array([[0.5, 0.3], [1.0, 1.0]])
    whole = _run(s, levels, trips, dict(enumerate(base.tolist())))
    monkeypatch.setattr(simulator, "CHUNK", 7)  # a few trips at a time, the last chunk short
    chunked = _run(s, levels, trips, dict(enumerate(base.tolist())))
    assert whole.kpis["trips_flown"] > 0 and whole.kpis["trips_requested"] == len(trips)
    for k, v in whole.kpis.items():
        assert v == chunked.kpis[k] or (math.isnan(v) and math.isnan(chunked.kpis[k])), k
    assert whole.by_tier == chunked.by_tier
    np.testing.assert_array_equal(whole.stages, chunked.stages)
    for field in ("requested", "flown", "revenue", "perceived_value", "delivered", "closeness"):
        np.testing.assert_array_equal(getattr(whole.accounts, field), getattr(chunked.accounts, field), err_msg=field)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_the_caller_had_it(enabled):
    s = build(_base())
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        _run(s, [[0, 0], [0, 0]], [Row(0, 0)])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
