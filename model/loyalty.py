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

from .scenario import Scenario
from .value import ValueTables

__all__ = ["ACQUISITION", "BROKEN", "RECOVERY", "RETENTION", "STAGES", "Accounts"]

ACQUISITION, RETENTION, RECOVERY, BROKEN = 0, 1, 2, 3
STAGES = ("acquisition", "retention", "recovery", "broken")


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class Accounts:
    """The state of every account of a scenario during one replication."""

    def __init__(self, scenario: Scenario, levels: np.ndarray, tables: ValueTables) -> None:
        self.loyalty = scenario.loyalty
        self.choice = scenario.choice
        self.tier = np.repeat(np.arange(len(scenario.tiers)), [t.accounts for t in scenario.tiers])
        self.closeness = np.repeat([t.initial_closeness for t in scenario.tiers], [t.accounts for t in scenario.tiers])
        self.closeness = self.closeness.astype(float).tolist()
        self.stage = [RETENTION] * len(self.tier)
        self.trips_in_stage = [0] * len(self.tier)
        self.broken_until = [0.0] * len(self.tier)
        self.breaks = 0
        self.experienced = levels[self.tier].astype(float)  # (A, D)
        self._t = tables
        self._lam, self._h, self._rho = tables.spec.loss_aversion, tables.spec.satiation, tables.spec.weak_value
        self.pv = [self.value_of(int(t), self.experienced[a]) for a, t in enumerate(self.tier)]
        for a in range(len(self.tier)):
            self._restage(a)
        self.breaks = 0  # accounts broken at day 0 are not churn of this horizon

    def value_of(self, tier: int, levels: np.ndarray) -> float:
        """PV per trip (CNY) of a tier's client at the given experienced levels."""
        r, step, w = self._t.reference[tier], self._t.step[tier], self._t.weight[tier]
        x = levels - r
        hs = self._h * step
        gain = np.minimum(np.maximum(x, 0.0), hs) + self._rho * np.clip(x - hs, 0.0, step - hs)
        return float(w @ np.where(x < 0.0, self._lam * x, gain))

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
        alpha = self.loyalty.experience_smoothing
        e = self.experienced[a]
        e[applicable] += alpha * (delivered[applicable] - e[applicable])
        pv = self.value_of(int(self.tier[a]), e)
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
