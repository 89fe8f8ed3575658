"""The escort pool: staff on duty by hour, priority by tier, patience — DESIGN.md, *Resources*.

A SimPy ``PriorityResource`` whose number of servers follows the roster hour by hour.
When fewer staff come on duty, escorts in progress finish (overtime: a shift change never
interrupts one) and no new escort starts until fewer are busy than are on duty. Requests
queue by tier rank (higher tiers first, then first come first served); a request not
started within the patience has failed and leaves the queue.

Utilization and waits are measured here: busy staff-minutes per hour of the day over
staffed minutes, the wait of every request, and whether it had to wait at all.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy

from model.scenario.supply import EscortResource

__all__ = ["EscortPool", "roster_by_day"]


def roster_by_day(staff_on_duty: list[int] | np.ndarray, hours_added: np.ndarray, days: int) -> np.ndarray:
    """(days, 24) staff on duty: the roster plus the plan's added staff-hours, spread evenly over the days.

    ``hours_added[b]`` staff-hours in clock hour b over the horizon become one more staff
    member in that hour on ``round(hours_added[b])`` of the days, spaced evenly (on day d,
    ``⌊(d + 1)·x + ½⌋ − ⌊d·x + ½⌋`` more, with x = hours_added[b] / days).
    """
    base = np.asarray(staff_on_duty, dtype=np.int64)
    x = np.asarray(hours_added, dtype=float) / max(days, 1)
    d = np.arange(days + 1, dtype=float)[:, None]
    cumulative = np.floor(d * x[None, :] + 0.5)
    return base[None, :] + np.diff(cumulative, axis=0).astype(np.int64)


def _clock_minutes(t: np.ndarray) -> np.ndarray:
    """Minutes spent in each hour of the day (24 columns) between time 0 and each time ``t``."""
    days, rest = np.divmod(np.asarray(t, dtype=float), 1440.0)
    return days[:, None] * 60.0 + np.clip(rest[:, None] - 60.0 * np.arange(24)[None, :], 0.0, 60.0)


class _OnDuty(simpy.PriorityResource):
    """A priority resource whose number of servers follows the staff on duty.

    When fewer staff come on duty, escorts in progress finish (overtime) and no new one
    starts until fewer are busy than are on duty; when more come on duty, waiting
    requests start at once, by priority. (SimPy's ``_do_put`` is the hook a resource
    overrides to decide whether a request is granted.)
    """

    def __init__(self, env: simpy.Environment, on_duty: int) -> None:
        super().__init__(env, capacity=max(on_duty, 1))
        self.on_duty = on_duty

    def _do_put(self, event: simpy.resources.resource.PriorityRequest) -> None:
        if len(self.users) < self.on_duty:
            self.users.append(event)
            event.usage_since = self._env.now
            event.succeed()

    def set_on_duty(self, staff: int) -> None:
        self.on_duty = staff
        while self.put_queue and len(self.users) < staff:
            busy = len(self.users)
            self._trigger_put(None)
            if len(self.users) == busy:
                break


class EscortPool:
    """The escort staff of one replication inside a SimPy environment (times in minutes)."""

    def __init__(self, env: simpy.Environment, resource: EscortResource, roster: np.ndarray, days: int) -> None:
        """``roster``: staff on duty by hour of the day (24,), the same every day, or day by day (days, 24)."""
        self.env = env
        roster = np.asarray(roster, dtype=np.int64)
        self.roster = np.broadcast_to(roster, (days, 24)) if roster.ndim == 1 else roster
        self.days = days
        self.patience = resource.patience_minutes
        self.capacity = int(self.roster.max()) if self.roster.size else 0
        # every slot is free at time 0 until the roster applies (see _shifts)
        self.pool = _OnDuty(env, max(self.capacity, 1))
        self.busy: list[tuple[float, float]] = []
        self.waits: list[float] = []
        self.waited: list[bool] = []
        self.arrived_at: list[float] = []
        env.process(self._shifts())

    def _shifts(self) -> Generator[simpy.Event, object, None]:
        """Apply the roster hour by hour (only the hours where it changes), then free every slot.

        The first trips' requests at time 0 come first; after the horizon every slot is
        free, so requests still waiting are served, their trips ending after the horizon.
        """
        r = self.roster.ravel().tolist()  # hour by hour over the horizon
        yield self.env.timeout(0.0)
        if r:
            self.pool.set_on_duty(r[0])
        for h in range(1, len(r)):
            if r[h] != r[h - 1]:
                yield self.env.timeout(h * 60.0 - self.env.now)
                self.pool.set_on_duty(r[h])
        yield self.env.timeout(self.days * 1440.0 - self.env.now)
        self.pool.set_on_duty(max(self.capacity, 1))

    def escort(self, rank: int, minutes: float, done: Callable[[bool], None], deadline: float = float("inf")) -> None:
        """Request an escort now: wait (by priority, within patience), serve, then call ``done(success)``.

        ``deadline`` is when the traveller leaves (the departure): the escort ends then at
        the latest, and a request not started by then has failed, as one past the patience.
        Event-driven (callbacks on the request and timeouts), not a process per escort:
        a year of a large book makes hundreds of thousands of requests.
        """
        env = self.env
        arrived = env.now
        self.arrived_at.append(arrived)
        req = self.pool.request(priority=-rank)
        wait = min(self.patience if self.patience is not None else float("inf"), deadline - arrived)
        if wait <= 0.0:  # no time left to escort: the traveller is due at the gate
            if req.triggered:
                self.pool.release(req)
            else:
                req.cancel()
            self.waits.append(0.0)
            self.waited.append(False)
            done(False)
        elif req.triggered:  # a free escort
            self._serve(req, arrived, minutes, done, deadline)
        elif wait == float("inf"):
            req.callbacks.append(lambda _: self._serve(req, arrived, minutes, done, deadline))
        else:

            def give_up(_: simpy.Event) -> None:
                if req.triggered:  # granted at the same moment: it goes ahead
                    return
                req.cancel()
                self.waits.append(env.now - arrived)
                self.waited.append(True)
                done(False)

            req.callbacks.append(lambda _: self._serve(req, arrived, minutes, done, deadline))
            env.timeout(wait).callbacks.append(give_up)

    def _serve(
        self, req: simpy.Event, arrived: float, minutes: float, done: Callable[[bool], None], deadline: float
    ) -> None:
        start = self.env.now
        self.waits.append(start - arrived)
        self.waited.append(start > arrived)

        def end(_: simpy.Event) -> None:
            self.pool.release(req)
            self.busy.append((start, self.env.now))
            done(True)

        # no escort outlasts the traveller's time at the airport
        self.env.timeout(min(minutes, max(deadline - start, 0.0))).callbacks.append(end)

    # --- measurements --------------------------------------------------------------

    def busy_minutes_by_hour(self) -> np.ndarray:
        """Busy staff-minutes in each hour of the day (24), summed over the horizon."""
        out = np.zeros(24)
        if not self.busy:
            return out
        spans = np.asarray(self.busy)
        return _clock_minutes(spans[:, 1]).sum(axis=0) - _clock_minutes(spans[:, 0]).sum(axis=0)

    def staffed_minutes_by_hour(self) -> np.ndarray:
        """Staffed minutes in each hour of the day (24), summed over the horizon."""
        return self.roster.sum(axis=0).astype(float) * 60.0

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
