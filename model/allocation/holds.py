"""Seat holds: protection levels (EMSR-b), sell-out odds and the displacement cost of holds.

DESIGN.md, *Resources* (seat holds). A held seat that is released late may go unsold: its
displacement cost is the base fare's contribution (× ``economics.incremental_margin``) times
the chance that it would have sold. V4/V5 holds cover
several adjacent flights (the leader's departure is uncertain) and keep the neighbouring
seat empty, so one trip can hold ``k·(1 + privacy)`` seats, ``k − 1 + privacy`` of which
are never flown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from model.allocation.demand import base_load_multipliers, expected_trips
from model.scenario.schema import Scenario
from model.scenario.supply import SeatHoldResource

__all__ = [
    "FareClasses",
    "emsr_b_classes",
    "hold_limit_per_flight",
    "protection_levels",
    "seats_held_per_trip",
    "sellout_probability",
]


def protection_levels(values: Sequence[float], means: Sequence[float], stds: Sequence[float]) -> np.ndarray:
    """Nested protection levels by EMSR-b for normally distributed demand.

    ``values`` are the classes' fares in descending order; the result has one entry per
    class but the last: ``y[j]`` is the number of seats to protect for classes ``0..j``
    together against class ``j + 1`` (Belobaba's EMSR-b: the protected classes are pooled
    into one with their demand-weighted average fare and the summed mean and variance;
    ``y[j] = μ + σ·Φ⁻¹(1 − p[j+1] / p̄)``, floored at 0).
    """
    p = np.asarray(values, dtype=float)
    mu = np.asarray(means, dtype=float)
    sd = np.asarray(stds, dtype=float)
    if not (p.ndim == mu.ndim == sd.ndim == 1 and len(p) == len(mu) == len(sd)):
        raise ValueError("values, means and stds must be 1-D sequences of the same length")
    if len(p) < 2:
        raise ValueError(f"EMSR-b needs at least 2 classes, got {len(p)}")
    if np.any(np.diff(p) > 0):
        raise ValueError(f"values must be in descending order, got {p.tolist()}")
    if np.any(mu < 0) or np.any(sd < 0) or np.any(p < 0):
        raise ValueError("values, means and stds must be ≥ 0")
    out = np.zeros(len(p) - 1)
    for j in range(len(p) - 1):
        m = mu[: j + 1].sum()
        if m <= 0:
            continue
        pbar = float(p[: j + 1] @ mu[: j + 1]) / m
        s = math.sqrt(float((sd[: j + 1] ** 2).sum()))
        ratio = p[j + 1] / pbar if pbar > 0 else 1.0
        if ratio >= 1.0:
            continue  # the next class is worth as much: protect nothing
        out[j] = max(0.0, m + s * NormalDist().inv_cdf(1.0 - ratio)) if s > 0 else m
    return out


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _normal_sf(z: np.ndarray) -> np.ndarray:
    """P(Z > z) for a standard normal Z (scipy.stats costs a second to import)."""
    return 0.5 * _erfc(np.asarray(z, dtype=float) / math.sqrt(2.0)).astype(float)


def seats_held_per_trip(scenario: Scenario) -> np.ndarray:
    """Seat-flights one trip holds, per tier × dimension (0 for other dimensions)."""
    out = np.zeros((len(scenario.tiers), len(scenario.dimensions)))
    for j, d in enumerate(scenario.dimensions):
        if scenario.resource_of(d).kind != "seat_holds":
            continue
        for i, t in enumerate(scenario.tiers):
            out[i, j] = t.departure_uncertainty_flights * (1 + t.privacy_seat) if d.hold == "multi" else 1.0
    return out


def _flight_weights(scenario: Scenario) -> np.ndarray:
    w = np.asarray(scenario.flights.weights or [1.0] * len(scenario.flights.departure_hours), dtype=float)
    return w / w.sum()


def sellout_probability(scenario: Scenario) -> float:
    """Chance that a seat released late on a flight would have sold (averaged over days and flights).

    Base demand of a flight is normal with mean ``base_load_factor · seats`` (times the
    season's multiplier) and the scenario's CV; the expected key-account passengers of the
    flight take seats first.
    """
    f = scenario.flights
    days = scenario.time.horizon_days
    ka_per_day = expected_trips(scenario).sum() / days
    weights = _flight_weights(scenario)
    base = base_load_multipliers(scenario)[:, None] * f.base_load_factor * f.seats
    room = f.seats - ka_per_day * weights[None, :]
    sd = np.maximum(f.base_demand_cv * base, 1e-9)
    p = _normal_sf((room - 0.5 - base) / sd)
    return float((p * weights[None, :]).sum(axis=1).mean())


@dataclass(frozen=True)
class FareClasses:
    """The fare classes EMSR-b sizes seat holds with, by fare descending; the last is base passengers.

    Means and standard deviations are seats a day on the busiest flight.
    """

    names: tuple[str, ...]
    values: np.ndarray
    means: np.ndarray
    stds: np.ndarray

    def protection_levels(self) -> np.ndarray:
        """Nested protection levels (EMSR-b); the last protects every key-account class against base passengers."""
        return protection_levels(self.values, self.means, self.stds)


def emsr_b_classes(scenario: Scenario) -> FareClasses | None:
    """The classes of ``hold_limit_per_flight = "emsr-b"``; None when no tier is worth more than a base passenger.

    Every tier whose fare beats the base fare is a class: its fare, and a per-flight hold
    demand with Poisson spread if every trip held seats up to the tier's reference level
    (its largest hold dimension, on the busiest flight). Base passengers are the last class.
    """
    from model.allocation.value import value_tables  # local: the value tables need the scenario only

    days = scenario.time.horizon_days
    r = value_tables(scenario).reference
    held = seats_held_per_trip(scenario)
    n = expected_trips(scenario)
    mean = (n[:, None] * r * held).max(axis=1) * _flight_weights(scenario).max() / days
    fares = np.array([scenario.tier_fare_cny(t) for t in scenario.tiers])
    base_fare = scenario.flights.base_fare_cny
    keep = [i for i in np.argsort(-fares, kind="stable") if fares[i] > base_fare and mean[i] > 0]
    if not keep:
        return None
    base_mean = scenario.flights.base_load_factor * scenario.flights.seats
    return FareClasses(
        names=(*(scenario.tiers[i].name for i in keep), "base"),
        values=np.array([*fares[keep], base_fare], dtype=float),
        means=np.array([*mean[keep], base_mean], dtype=float),
        stds=np.array([*np.sqrt(mean[keep]), scenario.flights.base_demand_cv * base_mean], dtype=float),
    )


def hold_limit_per_flight(scenario: Scenario, resource: SeatHoldResource) -> int:
    """Seats that may be held on one flight: the scenario's number, or EMSR-b's when asked.

    With ``hold_limit_per_flight = "emsr-b"`` every tier is a fare class competing with
    base passengers at the base fare (:func:`emsr_b_classes`); the limit is the protection
    level of all key-account classes together, rounded up.
    """
    if resource.hold_limit_per_flight != "emsr-b":
        return int(resource.hold_limit_per_flight)
    classes = emsr_b_classes(scenario)
    if classes is None:
        return 0  # no key-account class is worth more than a base passenger
    return math.ceil(classes.protection_levels()[-1])
