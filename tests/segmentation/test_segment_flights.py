"""``[scenario] flights``: a base whose flights are the book's own schedule keeps them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

import model
from model.scenario.loading import load_scenario
from model.segmentation.rules import default_rules_path
from model.segmentation.synthetic import synth_book


def _segmented(tmp_path: Path, flights: str):
    rules = tomllib.loads(default_rules_path().read_text(encoding="utf-8"))
    rules["scenario"]["flights"] = flights
    rules["estimation"]["bootstrap"] = 0
    path = tmp_path / f"rules-{flights}.toml"
    path.write_bytes(tomli_w.dumps(rules).encode())
    return model.segment(synth_book(1500, seed=2), rules=path).build


def test_kept_flights_keep_seats_and_hold_limits_while_other_capacities_grow(tmp_path: Path) -> None:
    base = load_scenario()
    scaled, kept = _segmented(tmp_path, "scale"), _segmented(tmp_path, "keep")
    assert scaled.capacity_scale == kept.capacity_scale and scaled.capacity_scale["trips"] > 1.5
    assert scaled.scenario.flights.seats > base.flights.seats
    assert kept.scenario.flights.seats == base.flights.seats
    assert kept.scenario.flights.departure_hours == base.flights.departure_hours

    def holds(s):
        return next(r.hold_limit_per_flight for r in s.resources if r.kind == "seat_holds")

    assert holds(kept.scenario) == holds(base) < holds(scaled.scenario)

    def staff(s):
        return sum(next(r.staff_on_duty for r in s.resources if r.kind == "escort"))

    assert staff(kept.scenario) == staff(scaled.scenario) > staff(base)
    assert kept.scenario.budget.benefits_cny == scaled.scenario.budget.benefits_cny
