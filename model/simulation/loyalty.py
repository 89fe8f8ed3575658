"""Accounts' memory and loyalty — DESIGN.md, *Experienced level* and *Loyalty* (seed 003).

Every account carries, per dimension, an experienced level: the exponential moving
average (weight α per trip) of whether its trips received the service, started at the
plan's level. Its perceived value is u of the experienced levels (so failures and
variability cost value: u is concave). After each trip flown with us its closeness moves
a share κ toward ``logistic(a + b·PV)``; the stage follows closeness:

    acquisition ──(acquisition_trips flown)──▶ retention ◀──▶ recovery (closeness < recovery threshold)
         ▲                                                         │
         └──(re-acquisition delay)── broken ◀──(closeness < break threshold)

A broken account flies no trip with us until the delay has passed, then restarts at
acquisition with the recovery threshold's closeness. A trip is flown with us with
probability ``logistic(β₀ + β_PV·PV + β_c·closeness)``.
"""

from __future__ import annotations

import math

import numpy as np

from model.allocation.value import ValueTables
from model.scenario.schema import Scenario

__all__ = ["ACQUISITION", "BROKEN", "RECOVERY", "RETENTION", "STAGES", "Accounts"]

ACQUISITION, RETENTION, RECOVERY, BROKEN = 0, 1, 2, 3
STAGES = ("acquisition", "retention", "recovery", "broken")


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class Accounts:
    """The state of every account of a scenario during one replication.

    The state is kept in plain Python lists: one trip touches one account's handful of
    numbers, and list arithmetic on Python floats costs a fraction of numpy's per-call
    overhead on arrays of a dozen elements. The arithmetic is the value function's
    (:func:`model.allocation.value.utility`), operation for operation, summed dimension by dimension.
    """

    def __init__(self, scenario: Scenario, levels: np.ndarray, tables: ValueTables) -> None:
        self.loyalty = scenario.loyalty
        self.choice = scenario.choice
        sizes = [t.accounts for t in scenario.tiers]
        self.tier = np.repeat(np.arange(len(scenario.tiers)), sizes)
        self._tier = self.tier.tolist()
        self.closeness = np.repeat([t.initial_closeness for t in scenario.tiers], sizes).astype(float).tolist()
        self.stage = [RETENTION] * len(self.tier)
        self.trips_in_stage = [0] * len(self.tier)
        self.broken_until = [0.0] * len(self.tier)
        self.breaks = 0
        self.experienced = np.asarray(levels, dtype=float)[self.tier].tolist()  # (A, D) nested lists
        self._t = tables
        spec = tables.spec
        self._lam, self._h, self._rho = spec.loss_aversion, spec.satiation, spec.weak_value
        hs = self._h * tables.step
        # per tier and dimension: (bit, reference, hΔ, width of the weak step Δ − hΔ, weight)
        bits = [1 << j for j in range(tables.reference.shape[1])]
        self._tables = [
            tuple(zip(bits, *rows, strict=True))
            for rows in zip(
                tables.reference.tolist(), hs.tolist(), (tables.step - hs).tolist(), tables.weight.tolist(), strict=True
            )
        ]
        self._all = sum(bits)
        # A dimension the plan gives a tier at level 0 is never delivered to its trips, so its
        # experienced level stays 0.0 and its PV term is a constant: such entries become
        # (bit, None, …, term) and the trip's pass adds the term without recomputing it.
        levels = np.asarray(levels, dtype=float)
        self._never = [sum(b for b, lv in zip(bits, row, strict=True) if lv == 0.0) for row in levels.tolist()]
        self._fast = [
            tuple(
                (b, None, 0.0, 0.0, self._update(tab[j : j + 1], [0.0], 0, self._all)) if never & b else tab[j]
                for j, b in enumerate(bits)
            )
            for tab, never in zip(self._tables, self._never, strict=True)
        ]
        self.pv = [
            self._update(self._tables[t], e, 0, self._all) for t, e in zip(self._tier, self.experienced, strict=True)
        ]
        for a in range(len(self.tier)):
            self._restage(a)
        self.breaks = 0  # accounts broken at day 0 are not churn of this horizon

    def _update(self, table: tuple, e: list[float], delivered: int, skipped: int) -> float:
        """Move the experienced levels ``e`` (in place) toward the trip's deliveries; return PV.

        One pass over the dimensions of a tier's ``table``: ``e ← e + α·(delivered − e)``
        where the dimension applied to the trip, then ``w·u(e − r)`` summed in dimension order.
        """
        alpha, lam, rho = self.loyalty.experience_smoothing, self._lam, self._rho
        pv = 0.0
        j = 0
        for b, r, hs, weak, w in table:
            if r is None:  # never delivered: w is the constant term
                pv += w
                j += 1
                continue
            x = e[j]
            if not skipped & b:
                x = x + alpha * ((1.0 if delivered & b else 0.0) - x)
                e[j] = x
            j += 1
            x -= r
            if x < 0.0:
                pv += w * (lam * x)
            else:
                gain = x if x < hs else hs
                y = x - hs
                if y > 0.0:
                    gain += rho * (y if y < weak else weak)
                pv += w * gain
        return pv

    def value_of(self, tier: int, levels: np.ndarray) -> float:
        """PV per trip (CNY) of a tier's client at the given experienced levels."""
        return self._update(self._tables[tier], np.asarray(levels, dtype=float).tolist(), 0, self._all)

    def available(self, a: int, now: float) -> bool:
        """False while the account is broken and within the re-acquisition delay."""
        if self.stage[a] != BROKEN:
            return True
        if now < self.broken_until[a]:
            return False
        self.stage[a] = ACQUISITION
        self.trips_in_stage[a] = 0
        self.closeness[a] = max(self.closeness[a], self.loyalty.recovery_threshold)
        return True

    def flies_with_us(self, a: int, u: float) -> bool:
        c = self.choice
        p = _logistic(c.intercept + c.value_per_cny * self.pv[a] + c.closeness * self.closeness[a])
        return u < p

    def in_recovery(self, a: int) -> bool:
        return self.stage[a] == RECOVERY

    def after_trip(self, a: int, delivered: np.ndarray, applicable: np.ndarray, now: float, bonus: float) -> float:
        """Update the account after a trip flown with us; return the trip's PV (CNY)."""
        got = sum(1 << j for j, d in enumerate(np.asarray(delivered).tolist()) if d)
        skip = sum(1 << j for j, ok in enumerate(np.asarray(applicable).tolist()) if not ok)
        return self.after_trip_bits(a, got, skip, now, bonus)

    def after_trip_bits(self, a: int, delivered: int, skipped: int, now: float, bonus: float) -> float:
        """:meth:`after_trip` with bit masks: bit j of ``delivered`` set if dimension j was
        delivered, of ``skipped`` if it did not apply to the trip (its level is left alone)."""
        t = self._tier[a]
        table = self._fast[t] if not delivered & self._never[t] else self._tables[t]
        pv = self._update(table, self.experienced[a], delivered, skipped)
        self.pv[a] = pv
        trip_pv = pv + bonus
        lo = self.loyalty
        target = _logistic(lo.closeness_intercept + lo.closeness_value_per_cny * trip_pv)
        self.closeness[a] += lo.closeness_rate * (target - self.closeness[a])
        self.trips_in_stage[a] += 1
        self._restage(a, now)
        return trip_pv

    def _restage(self, a: int, now: float = 0.0) -> None:
        lo, c = self.loyalty, self.closeness[a]
        if c < lo.break_threshold:
            self.stage[a] = BROKEN
            self.broken_until[a] = now + lo.reacquisition_delay_days * 1440.0
            self.breaks += 1
            self.trips_in_stage[a] = 0
        elif self.stage[a] == ACQUISITION:
            if self.trips_in_stage[a] >= lo.acquisition_trips:
                self.stage[a] = RECOVERY if c < lo.recovery_threshold else RETENTION
        elif c < lo.recovery_threshold:
            self.stage[a] = RECOVERY
        else:
            self.stage[a] = RETENTION

    def stage_counts(self) -> np.ndarray:
        """Accounts in each stage (acquisition, retention, recovery, broken)."""
        return np.bincount(np.asarray(self.stage), minlength=4)
