"""Accounts' memory and loyalty — DESIGN.md, *Experienced level* and *Loyalty* (seed 003).

A level is a *quota* (DESIGN.md, *Delivery and experience*): an account entitled to a
dimension at level y gets it on a trip when its delivered share so far would otherwise
fall behind y — ``delivered < y·(trips + 1)`` — so over any run of trips it receives a
share y, deterministically; what varies is operations (no held seat, an escort timeout,
a day's capacity or the budget gone), and a failed delivery is made up on a later trip.

Every account carries, per dimension, an experienced level: by default the share of its
last W trips that received the service (``experience = "window"``; the window starts
filled at the plan's level, so a plan delivered as planned is experienced exactly), or
the exponential moving average with weight α (``"moving_average"``). Its perceived value
is u of the experienced levels. A trip is flown with us with probability

    p = logistic(β0[t] + β_PV·(PV_us − PV_comp[t]) + β_c·closeness)

(DESIGN.md, *Choice and loyalty*): β0[t] the tier's ``choice_intercept`` (default
``choice.intercept``), PV_comp[t] ≤ 0 the competitor's offer judged against the same
reference (:func:`model.allocation.value.competitor_value`) — the allocator's
:func:`~model.allocation.demand.reference_share` is this p at PV_us = 0 and initial closeness.

Closeness moves a share κ after every trip *requested*: flown with us toward
``logistic(a + b·PV_us)`` (the trip's PV), flown with the competitor by choice toward
``logistic(a + b·PV_comp[t])``; a broken account's trips leave it alone. The stage follows
closeness after every such trip:

    acquisition ──(acquisition_trips flown)──▶ retention ◀──▶ recovery (closeness < recovery threshold)
         ▲                                                         │
         └──(re-acquisition delay)── broken ◀──(closeness < break threshold)

An account whose closeness falls below the break threshold defects: it is broken and
counted as churned (:attr:`Accounts.breaks`, by tier :attr:`Accounts.breaks_by_tier`), flies
no trip with us until the delay has passed, then restarts at acquisition with the recovery
threshold's closeness.
"""

from __future__ import annotations

import math

import numpy as np

from model.allocation.demand import choice_intercepts
from model.allocation.value import ValueTables, competitor_value
from model.scenario.schema import Scenario

__all__ = ["ACQUISITION", "BROKEN", "RECOVERY", "RETENTION", "STAGES", "Accounts"]

ACQUISITION, RETENTION, RECOVERY, BROKEN = 0, 1, 2, 3
STAGES = ("acquisition", "retention", "recovery", "broken")


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _quota_past(y: float, trips: int) -> tuple[int, int]:
    """The quota's own pattern over ``trips`` trips at level ``y``: the deliveries as bits (latest lowest), and their count."""
    bits = got = 0
    for k in range(trips):
        hit = y >= 1.0 or (y > 0.0 and got < y * (k + 1) - 1e-9)
        got += hit
        bits = (bits << 1) | hit
    return bits, got


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
        self.breaks_by_tier = [0] * len(scenario.tiers)
        self._W = W = scenario.loyalty.experience_window_trips
        self._window = scenario.loyalty.experience == "window"
        plan = np.asarray(levels, dtype=float)
        self.experienced = plan[self.tier].tolist()  # (A, D) nested lists
        # Every account starts as if its last W trips had been served to the plan: the quota's
        # counts and the experience window hold W trips of the quota's own pattern, so a plan
        # delivered as planned is experienced at its level from the first trip on (exactly for
        # levels on a 1/W grid), and the first trips carry no start-up noise.
        D = tables.reference.shape[1]
        past = [[_quota_past(y, W) for y in row] for row in plan.tolist()]  # per tier and dimension: (bits, count)
        self._hist = [[h for h, _ in past[t]] for t in self._tier] if self._window else []
        self._seen = [[W] * D for _ in self._tier] if self._window else []
        # expectations that move (DESIGN.md): per account and dimension, only when the scenario lets them
        e = scenario.expectations
        self._adaptive = e.adapt_up > 0.0 or e.adapt_down > 0.0
        self._adapt = (e.adapt_up, e.adapt_down, e.floor_share)
        exp = np.array([[t.expectation[d] for d in scenario.dimension_names] for t in scenario.tiers], dtype=float)
        self.expectation = exp[self.tier].tolist() if self._adaptive else []
        self._initial_expectation = [row[:] for row in self.expectation]
        self._competitor_level = [d.competitor_level for d in scenario.dimensions]
        self.set_plan(scenario, levels, tables)
        for a in range(len(self.tier)):
            self._restage(a)
        self.breaks = 0  # accounts broken at day 0 are not churn of this horizon
        self.breaks_by_tier = [0] * len(scenario.tiers)

    def set_plan(self, scenario: Scenario, levels: np.ndarray, tables: ValueTables) -> None:
        """Take a (new) plan: its quotas, the tiers' value tables and the choice model at them.

        At the start of a replication every account is as if served to the plan; at the start of
        a later period (a rolling plan) the accounts keep what they experienced, their closeness,
        stage and expectations, and only the quotas start afresh at the new plan's pattern.
        """
        # the choice logit per tier: β0[t] − β_PV·PV_comp[t], so p = logistic(offset + β_PV·PV_us + β_c·closeness)
        self.pv_comp = competitor_value(scenario, tables).tolist()
        b_pv = scenario.choice.value_per_cny
        self.choice_offset = [
            b0 + b_pv * (0.0 - pc) for b0, pc in zip(choice_intercepts(scenario).tolist(), self.pv_comp, strict=True)
        ]
        lo = scenario.loyalty
        # closeness target of a trip flown with the competitor (by choice), per tier
        self.competitor_target = [
            _logistic(lo.closeness_intercept + lo.closeness_value_per_cny * pc) for pc in self.pv_comp
        ]
        self._t = tables
        D = tables.reference.shape[1]
        plan = np.asarray(levels, dtype=float)
        # quota: per tier the bits always given (level 1) and the fractional levels (bit, dimension, y)
        self._always = [sum(1 << j for j, y in enumerate(row) if y >= 1.0) for row in plan.tolist()]
        self._fractional = [tuple((1 << j, j, y) for j, y in enumerate(row) if 0.0 < y < 1.0) for row in plan.tolist()]
        W = self._W
        self._full = (1 << W) - 1
        past = [[_quota_past(y, W) for y in row] for row in plan.tolist()]  # per tier and dimension: (bits, count)
        self._trips = [[W] * D for _ in self._tier]  # per account and dimension: trips it applied to
        self._got = [[c for _, c in past[t]] for t in self._tier]  # … and trips that received it
        self._plan = plan.tolist()
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
        self._never = [sum(b for b, lv in zip(bits, row, strict=True) if lv == 0.0) for row in plan.tolist()]
        self._fast = [
            tuple(
                (b, None, 0.0, 0.0, self._update(tab[j : j + 1], [0.0], 0, self._all)) if never & b else tab[j]
                for j, b in enumerate(bits)
            )
            for tab, never in zip(self._tables, self._never, strict=True)
        ]
        # That holds while the account remembers none of them: a dimension it received outside the plan,
        # or under an earlier plan (a rolling plan), is experienced and forgotten like any other until
        # its level is 0 again; until then its trips take the full table.
        self._remembered = [self._remembers(a) for a in range(len(self._tier))]
        # with expectations that move, every account has its own references: max(its expectation, the competitor's)
        self._own = (
            [
                tuple(
                    (b, max(ex, c), h_, weak, w)
                    for (b, _r, h_, weak, w), ex, c in zip(self._tables[t], e, self._competitor_level, strict=True)
                )
                for t, e in zip(self._tier, self.expectation, strict=True)
            ]
            if self._adaptive
            else []
        )
        self.pv = [self._update(self._table(a), e, 0, self._all) for a, e in enumerate(self.experienced)]

    def _remembers(self, a: int) -> bool:
        """Whether account ``a`` still experiences above 0 a dimension the plan never gives its tier."""
        never = self._never[self._tier[a]]
        return any(x != 0.0 for j, x in enumerate(self.experienced[a]) if never >> j & 1)

    def _table(self, a: int, delivered: int = -1) -> tuple:
        """The value table account ``a``'s PV is computed with (its tier's, or its own with expectations that move)."""
        if self._adaptive:
            return self._own[a]
        t = self._tier[a]
        return self._tables[t] if delivered < 0 or delivered & self._never[t] else self._fast[t]

    def adapt(self) -> None:
        """At the end of a period, move every expectation toward the level the account experienced
        (``expectations.adapt_up`` when above, ``adapt_down`` when below, never under ``floor_share`` of its start)."""
        if not self._adaptive:
            return
        up, down, floor = self._adapt
        for e, x, start in zip(self.expectation, self.experienced, self._initial_expectation, strict=True):
            for j, (ej, xj) in enumerate(zip(e, x, strict=True)):
                moved = ej + up * (xj - ej) if xj > ej else ej - down * (ej - xj)
                e[j] = max(moved, floor * start[j])

    def shift_clock(self, minutes: float) -> None:
        """A new period starts at time 0: re-acquisition delays run on from where they were."""
        self.broken_until = [t - minutes for t in self.broken_until]
        self.breaks = 0
        self.breaks_by_tier = [0] * len(self.breaks_by_tier)

    def _update(self, table: tuple, e: list[float], delivered: int, skipped: int, a: int = -1) -> float:
        """Move account ``a``'s experienced levels ``e`` (in place) by the trip's deliveries; return PV.

        One pass over the dimensions of a tier's ``table``, where the dimension applied to the
        trip: the window's share (``experience = "window"``) or ``e ← e + α·(delivered − e)``;
        then ``w·u(e − r)`` summed in dimension order.
        """
        alpha, lam, rho = self.loyalty.experience_smoothing, self._lam, self._rho
        window = self._window and a >= 0
        if window:
            hist, seen, plan, W, full = self._hist[a], self._seen[a], self._plan[self._tier[a]], self._W, self._full
        pv = 0.0
        j = 0
        for b, r, hs, weak, w in table:
            if r is None:  # never delivered: w is the constant term
                pv += w
                j += 1
                continue
            x = e[j]
            if not skipped & b:
                if window:  # the share of the last W trips; trips before the first count at the plan's level
                    h = ((hist[j] << 1) | (1 if delivered & b else 0)) & full
                    hist[j] = h
                    k = seen[j] = seen[j] + 1
                    x = h.bit_count() / W if k >= W else (h.bit_count() + plan[j] * (W - k)) / W
                else:
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

    def entitled(self, a: int) -> int:
        """The dimensions (bits) account ``a``'s next trip is entitled to: its quota.

        A dimension at level 1 always; at a level y in (0, 1) when the account's trips that
        received it would otherwise fall behind y: ``received < y·(trips + 1)``.
        """
        t = self._tier[a]
        mask = self._always[t]
        trips, got = self._trips[a], self._got[a]
        for b, j, y in self._fractional[t]:
            if got[j] < y * (trips[j] + 1) - 1e-9:
                mask |= b
        return mask

    def choice_probability(self, a: int, pv: float | None = None) -> float:
        """p that account ``a``'s next trip is flown with us: ``logistic(β0[t] + β_PV·(PV_us − PV_comp[t]) + β_c·closeness)``.

        ``pv`` is PV_us, by default the account's current PV.
        """
        c = self.choice
        pv_us = self.pv[a] if pv is None else pv
        return _logistic(self.choice_offset[self._tier[a]] + c.value_per_cny * pv_us + c.closeness * self.closeness[a])

    def flies_with_us(self, a: int, u: float) -> bool:
        return u < self.choice_probability(a)

    def after_competitor_trip(self, a: int, now: float) -> None:
        """Update the account after a trip it chose to fly with the competitor: closeness moves a
        share κ toward ``logistic(a + b·PV_comp[t])``, and the stage follows (it may break)."""
        target = self.competitor_target[self._tier[a]]
        self.closeness[a] += self.loyalty.closeness_rate * (target - self.closeness[a])
        self._restage(a, now)

    def in_recovery(self, a: int) -> bool:
        return self.stage[a] == RECOVERY

    def after_trip(self, a: int, delivered: np.ndarray, applicable: np.ndarray, now: float, bonus: float) -> float:
        """Update the account after a trip flown with us; return the trip's PV (CNY)."""
        got = sum(1 << j for j, d in enumerate(np.asarray(delivered).tolist()) if d)
        skip = sum(1 << j for j, ok in enumerate(np.asarray(applicable).tolist()) if not ok)
        return self.after_trip_bits(a, got, skip, now, bonus)

    def start_trip(self, a: int, entitled: int, skipped: int) -> None:
        """Count a trip in the account's quota as soon as it is flown, as if it received what it is
        entitled to (bits ``entitled``; ``skipped``: dimensions that do not apply to it).

        A trip whose escort is still under way when the account's next trip asks for its quota
        then counts already — the account's travellers fly at the same time — and
        :meth:`after_trip_bits` with ``entitled`` takes back what the trip did not receive
        (owed, made up on a later trip).
        """
        t = self._tier[a]
        trips, got = self._trips[a], self._got[a]
        for b, j, _y in self._fractional[t]:
            if not skipped & b:
                trips[j] += 1
                if entitled & b:
                    got[j] += 1

    def after_trip_bits(
        self, a: int, delivered: int, skipped: int, now: float, bonus: float, entitled: int | None = None
    ) -> float:
        """:meth:`after_trip` with bit masks: bit j of ``delivered`` set if dimension j was
        delivered, of ``skipped`` if it did not apply to the trip (its level is left alone).
        ``entitled``: the trip was counted by :meth:`start_trip` with these entitlements; only
        what it did not receive is taken back."""
        t = self._tier[a]
        trips, got = self._trips[a], self._got[a]
        if entitled is None:
            for b, j, _y in self._fractional[t]:  # the quota's count: trips it applied to, and received
                if not skipped & b:
                    trips[j] += 1
                    if delivered & b:
                        got[j] += 1
        elif entitled & ~delivered:
            for b, j, _y in self._fractional[t]:
                if entitled & b and not delivered & b and not skipped & b:
                    got[j] -= 1
        if self._adaptive:
            table = self._own[a]
        elif delivered & self._never[t] or self._remembered[a]:
            table = self._tables[t]
        else:
            table = self._fast[t]
        pv = self._update(table, self.experienced[a], delivered, skipped, a)
        if delivered & self._never[t] or self._remembered[a]:
            self._remembered[a] = self._remembers(a)
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
            self.breaks_by_tier[self._tier[a]] += 1
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

    def stage_counts_by_tier(self) -> np.ndarray:
        """Accounts per tier in each stage, shape (tiers, 4)."""
        T = len(self.breaks_by_tier)
        out = np.zeros((T, 4), dtype=np.int64)
        np.add.at(out, (self.tier, np.asarray(self.stage, dtype=np.int64)), 1)
        return out
