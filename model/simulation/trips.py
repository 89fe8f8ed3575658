"""Realized demand: every trip of one replication, drawn in bulk with numpy.

DESIGN.md, *The simulator*. Traveller trip rates are gamma distributed around the tier's
mean (shape ``trip_rate_shape``), trips per traveller Poisson given the rate, days drawn
in proportion to the season multipliers, flights by their weights, airport arrival a
uniform lead before departure. Fares are the tier's, or drawn from its cabin mix.

The same draws serve every policy (common random numbers): what a policy changes is what
happens to a trip, never which trips are requested. The uniform number that decides the
airline choice is drawn here too, one per trip, so that policies differ only where their
decisions differ; so are the base passengers wanting each flight (:func:`draw_base_demand`).
Which services a trip gets is no draw: it is its account's quota (:mod:`model.simulation.loyalty`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.allocation.demand import base_load_multipliers, day_multipliers
from model.scenario.schema import Scenario

__all__ = ["Trips", "draw_base_demand", "draw_trips"]


@dataclass(frozen=True)
class Trips:
    """One replication's trip requests, sorted by airport arrival time (all arrays length N)."""

    tier: np.ndarray  # int, index into scenario.tiers
    account: np.ndarray  # int, global account index (tiers' accounts numbered in order)
    day: np.ndarray  # int, day of the horizon
    flight: np.ndarray  # int, global flight index: day × flights_per_day + flight of the day
    departure: np.ndarray  # float, minutes from the start of the horizon
    arrival: np.ndarray  # float, minutes: when the traveller reaches the airport
    fare: np.ndarray  # float, CNY
    u_choice: np.ndarray  # float in [0, 1): the airline choice
    u_need: np.ndarray  # float in [0, 1): the trip passes an airport with escorts when u < escort_need
    service_minutes: np.ndarray  # (N, D) escort durations per escort dimension (0 elsewhere)
    accounts_per_tier: np.ndarray  # (T,)
    traveller: np.ndarray | None = None  # int, global traveller index (for the single-trip share)

    def __len__(self) -> int:
        return len(self.tier)

    def requested_by_tier(self) -> np.ndarray:
        return np.bincount(self.tier, minlength=len(self.accounts_per_tier)).astype(float)


def _gamma_durations(rng: np.random.Generator, mean: np.ndarray, cv: float) -> np.ndarray:
    if cv == 0:
        return mean.astype(float)
    shape = 1.0 / cv**2
    return rng.gamma(shape, mean / shape)


def draw_trips(scenario: Scenario, rngs: dict[str, np.random.Generator]) -> Trips:
    """Draw every trip request of the horizon (uses the demand, choice, escort and fares streams)."""
    demand, fares_rng = rngs["demand"], rngs["fares"]
    days = scenario.time.horizon_days
    dm = day_multipliers(scenario)
    season_days = dm.sum()
    day_p = dm / season_days if season_days > 0 else np.full(days, 1.0 / days)
    f = scenario.flights
    n_flights = len(f.departure_hours)
    w = np.asarray(f.weights or [1.0] * n_flights, dtype=float)
    w = w / w.sum()
    hours = np.asarray(f.departure_hours, dtype=float)

    tiers, accounts, travellers = [], [], []
    first_account = first_traveller = 0
    for i, t in enumerate(scenario.tiers):
        n_trav = t.accounts * t.travellers_per_account
        mean = t.trips_per_traveller_per_year / 365.0 * season_days
        rates = demand.gamma(t.trip_rate_shape, mean / t.trip_rate_shape, size=n_trav) if n_trav else np.zeros(0)
        counts = demand.poisson(rates)
        traveller_account = first_account + np.arange(n_trav) // t.travellers_per_account
        accounts.append(np.repeat(traveller_account, counts))
        tiers.append(np.full(int(counts.sum()), i))
        travellers.append(np.repeat(first_traveller + np.arange(n_trav), counts))
        first_account += t.accounts
        first_traveller += n_trav
    tier = np.concatenate(tiers).astype(np.int64)
    account = np.concatenate(accounts).astype(np.int64)
    n = len(tier)
    day = demand.choice(days, size=n, p=day_p) if n else np.zeros(0, dtype=np.int64)
    fl = demand.choice(n_flights, size=n, p=w) if n else np.zeros(0, dtype=np.int64)
    departure = day * 1440.0 + hours[fl] * 60.0
    lo, hi = f.arrival_lead_minutes
    arrival = departure - demand.uniform(lo, hi, size=n)

    fare = np.empty(n)
    for i, t in enumerate(scenario.tiers):
        mask = tier == i
        if t.cabin_mix is None:
            fare[mask] = t.fare_cny
        else:
            cabins = list(t.cabin_mix)
            prices = np.array([scenario.cabins[c] for c in cabins])
            shares = np.array([t.cabin_mix[c] for c in cabins])
            fare[mask] = prices[fares_rng.choice(len(cabins), size=int(mask.sum()), p=shares / shares.sum())]

    D = len(scenario.dimensions)
    u_choice = rngs["choice"].random(n)
    esc = rngs["escort"]
    u_need = esc.random(n)
    service = np.zeros((n, D))
    cv = next((r.service_cv for r in scenario.resources if r.kind == "escort"), 1.0)
    base_minutes = np.array([t.escort_minutes for t in scenario.tiers])[tier] if n else np.zeros(0)
    for j, d in enumerate(scenario.dimensions):
        if scenario.resource_of(d).kind == "escort":
            service[:, j] = _gamma_durations(esc, base_minutes * d.duration_factor, cv)

    order = np.lexsort((account, arrival))
    return Trips(
        tier=tier[order],
        account=account[order],
        day=day[order],
        flight=(day * n_flights + fl)[order],
        departure=departure[order],
        arrival=arrival[order],
        fare=fare[order],
        u_choice=u_choice[order],
        u_need=u_need[order],
        service_minutes=service[order],
        accounts_per_tier=np.array([t.accounts for t in scenario.tiers]),
        traveller=np.concatenate(travellers).astype(np.int64)[order],
    )


def draw_base_demand(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Base (non-key-account) passengers wanting each flight (days × flights, whole seats)."""
    f = scenario.flights
    mean = base_load_multipliers(scenario)[:, None] * f.base_load_factor * f.seats
    mean = np.repeat(mean, len(f.departure_hours), axis=1)
    draw = rng.normal(mean, f.base_demand_cv * mean)
    return np.clip(np.rint(draw), 0, None).astype(np.int64).ravel()
