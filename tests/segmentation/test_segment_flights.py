"""``[scenario] flights`` and ``travellers_per_unit``: how a segmentation sizes the written scenario."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

import model
from model.scenario.loading import load_scenario
from model.segmentation.rules import default_rules_path
from model.segmentation.synthetic import synth_book


def _segmented(tmp_path: Path, flights: str = "scale", per_unit: int | None = None):
    rules = tomllib.loads(default_rules_path().read_text(encoding="utf-8"))
    rules["scenario"]["flights"] = flights
    if per_unit is not None:
        rules["scenario"]["travellers_per_unit"] = per_unit
    rules["estimation"]["bootstrap"] = 0
    path = tmp_path / f"rules-{flights}-{per_unit}.toml"
    path.write_bytes(tomli_w.dumps(rules).encode())
    return model.segment(synth_book(1500, seed=2), rules=path).build


def test_kept_flights_keep_their_seats_while_hold_limits_and_other_capacities_grow(tmp_path: Path) -> None:
    base = load_scenario()
    scaled, kept = _segmented(tmp_path, "scale"), _segmented(tmp_path, "keep")
    assert scaled.capacity_scale == kept.capacity_scale and scaled.capacity_scale["trips"] > 1.5
    assert scaled.scenario.flights.seats > base.flights.seats
    assert kept.scenario.flights.seats == base.flights.seats
    assert kept.scenario.flights.departure_hours == base.flights.departure_hours

    def holds(s):
        return next(r.hold_limit_per_flight for r in s.resources if r.kind == "seat_holds")

    # the same departures carry the grown need for holds: the limit grows as with scaled flights
    assert holds(base) < holds(kept.scenario) == holds(scaled.scenario) <= kept.scenario.flights.seats

    def staff(s):
        return sum(next(r.staff_on_duty for r in s.resources if r.kind == "escort"))

    assert staff(kept.scenario) == staff(scaled.scenario) > staff(base)
    assert kept.scenario.budget.benefits_cny == scaled.scenario.budget.benefits_cny


def test_accounts_larger_than_a_loyalty_unit_are_split_keeping_travellers_and_trips(tmp_path: Path) -> None:
    whole, split = _segmented(tmp_path), _segmented(tmp_path, per_unit=30)
    assert [t.name for t in whole.scenario.tiers] == [t.name for t in split.scenario.tiers]
    some_split = False
    for w, s in zip(whole.scenario.tiers, split.scenario.tiers, strict=True):
        units = -(-w.travellers_per_account // 30)
        assert s.travellers_per_account <= 30
        assert s.accounts == w.accounts * units
        some_split |= units > 1
        # travellers and expected trips of the tier are kept (travellers to the rounding of a unit)
        assert abs(s.accounts * s.travellers_per_account - w.accounts * w.travellers_per_account) <= s.accounts / 2 + 1
        trips = lambda t: t.accounts * t.travellers_per_account * t.trips_per_traveller_per_year  # noqa: E731
        assert abs(trips(s) - trips(w)) <= 1e-3 * trips(w)
    assert some_split
    assert any("loyalty units" in n for n in split.notes)
