"""The escort pool: staff on duty by hour, priority by tier, patience — DESIGN.md, *Resources*.

A SimPy ``PriorityResource`` with one slot per staff member at the busiest hour. In every
hour with fewer staff on duty, roster "blockers" take the missing slots at the highest
priority and give them back when the shift starts; a blocker waits for a staff member to
finish the escort in progress (overtime), never interrupts one. Requests queue by tier
rank (higher tiers first, then first come first served); a request not started within
the patience has failed and leaves the queue.

Utilization and waits are measured here: busy staff-minutes per hour of the day over
staffed minutes, the wait of every request, and whether it had to wait at all.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy

from .scenario import EscortResource

__all__ = ["EscortPool", "roster_with_expansion"]

_BLOCKER_PRIORITY = -(10**9)


def roster_with_expansion(
    staff_on_duty: list[int], extra_staff_hours_per_day: float, arrivals_by_hour: np.ndarray
) -> np.ndarray:
    """Add the allocator's expansion (staff-hours a day) where arrivals per staff are highest.

    Whole staff-hours are added one at a time, each to the hour with the most expected
    arrivals per staff member on duty; fractional hours are rounded to the nearest whole.
    """
    roster = np.asarray(staff_on_duty, dtype=np.int64).copy()
    load = np.asarray(arrivals_by_hour, dtype=float)
    for _ in range(round(extra_staff_hours_per_day)):
        h = int(np.argmax(load / (roster + 1.0)))
        roster[h] += 1
    return roster


def _clock_minutes(t: np.ndarray) -> np.ndarray:
    """Minutes spent in each hour of the day (24 columns) between time 0 and each time ``t``."""
    days, rest = np.divmod(np.asarray(t, dtype=float), 1440.0)
    return days[:, None] * 60.0 + np.clip(rest[:, None] - 60.0 * np.arange(24)[None, :], 0.0, 60.0)


class EscortPool:
    """The escort staff of one replication inside a SimPy environment (times in minutes)."""

    def __init__(self, env: simpy.Environment, resource: EscortResource, roster: np.ndarray, days: int) -> None:
        self.env = env
        self.roster = np.asarray(roster, dtype=np.int64)
        self.days = days
        self.patience = resource.patience_minutes
        self.capacity = int(self.roster.max()) if self.roster.size else 0
        self.pool = simpy.PriorityResource(env, capacity=max(self.capacity, 1))
        self.busy: list[tuple[float, float]] = []
        self.waits: list[float] = []
        self.waited: list[bool] = []
        self.arrived_at: list[float] = []
        starts, _, ends = self._off_duty_blocks()
        if len(starts):
            env.process(self._shifts(starts.tolist(), ends.tolist()))

    def _off_duty_blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every off-duty span of every staff slot over the horizon: (start, slot, end) in minutes.

        Sorted by start, then slot. A span is a maximal run of hours in which the slot is
        off duty; with nobody ever on duty, slot 0 is off for the whole horizon.
        """
        hours = self.days * 24
        if self.capacity == 0:
            return np.zeros(1), np.zeros(1, dtype=np.int64), np.array([hours * 60.0])
        out = []
        for unit in range(self.capacity):
            off = np.tile(self.roster <= unit, self.days)
            edges = np.diff(np.concatenate(([False], off, [False])).astype(np.int8))
            start, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            out.append((start * 60.0, np.full(len(start), unit), end * 60.0))
        start, unit, end = (np.concatenate(x) for x in zip(*out, strict=True))
        order = np.lexsort((unit, start))
        return start[order], unit[order], end[order]

    def _shifts(self, starts: list[float], ends: list[float]) -> Generator[simpy.Event, object, None]:
        """Start each off-duty span's blocker when the span begins (in slot order at the same time).

        Blockers are created as their spans begin, not all at time 0: a year of a large
        roster has a hundred thousand spans, and a heap that holds them all slows every event.
        """
        # requests the first trips make at time 0 come before the blockers of time 0
        yield self.env.timeout(0.0)
        for start, end in zip(starts, ends, strict=True):
            if start > self.env.now:
                yield self.env.timeout(start - self.env.now)
            self.env.process(self._block(end))

    def _block(self, end: float) -> Generator[simpy.Event, object, None]:
        with self.pool.request(priority=_BLOCKER_PRIORITY) as req:
            yield req
            if self.env.now < end:
                yield self.env.timeout(end - self.env.now)

    def escort(self, rank: int, minutes: float, done: Callable[[bool], None]) -> Generator[simpy.Event, object, None]:
        """One escort request: wait (by priority, within patience), serve, then call ``done(success)``."""
        arrived = self.env.now
        self.arrived_at.append(arrived)
        req = self.pool.request(priority=-rank)
        if req.triggered or self.patience is None:
            yield req  # a free escort (or no patience limit): no timeout to race
        else:
            timeout = self.env.timeout(self.patience)
            yield req | timeout
        if not req.triggered:
            req.cancel()
            self.waits.append(self.env.now - arrived)
            self.waited.append(True)
            done(False)
            return
        start = self.env.now
        self.waits.append(start - arrived)
        self.waited.append(start > arrived)
        try:
            yield self.env.timeout(minutes)
        finally:
            self.pool.release(req)
        self.busy.append((start, self.env.now))
        done(True)

    # --- measurements --------------------------------------------------------------

    def busy_minutes_by_hour(self) -> np.ndarray:
        """Busy staff-minutes in each hour of the day (24), summed over the horizon."""
        out = np.zeros(24)
        if not self.busy:
            return out
        spans = np.asarray(self.busy)
        return _clock_minutes(spans[:, 1]).sum(axis=0) - _clock_minutes(spans[:, 0]).sum(axis=0)

    def staffed_minutes_by_hour(self) -> np.ndarray:
        return self.roster.astype(float) * 60.0 * self.days

    def utilization(self) -> float:
        staffed = self.staffed_minutes_by_hour().sum()
        return float(self.busy_minutes_by_hour().sum() / staffed) if staffed > 0 else float("nan")

    def wait_by_hour(self) -> np.ndarray:
        """Mean wait (minutes) of requests arriving in each hour of the day; NaN where none arrived."""
        if not self.waits:
            return np.full(24, np.nan)
        hours = (np.asarray(self.arrived_at) % 1440.0 // 60.0).astype(int)
        total = np.bincount(hours, weights=np.asarray(self.waits), minlength=24)
        count = np.bincount(hours, minlength=24)
        return np.divide(total, count, out=np.full(24, np.nan), where=count > 0)

    def wait_mean(self) -> float:
        return float(np.mean(self.waits)) if self.waits else float("nan")

    def wait_probability(self) -> float:
        return float(np.mean(self.waited)) if self.waited else float("nan")
