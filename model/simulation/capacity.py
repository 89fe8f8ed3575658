"""What a replication's trips draw on: seats, benefits and escorts — DESIGN.md, *The simulator* (steps 4–6).

A trip flown with us gets what its quota entitles it to (decided by the trip loop,
:mod:`model.simulation.simulator`) where the capacity allows:

4. the seat: an entitled hold is taken if the flight's hold limit allows (a multi-flight
   hold takes the tier's adjacent flights and the privacy seats); without a hold the
   trip needs a free seat — base passengers book first, so a full flight refuses it;
5. benefits: delivered when the day's capacity (plus any planned expansion) and the
   benefit budget allow; the recovery offer is paid from the same budget;
6. the escort queues in the :class:`~model.simulation.escort.EscortPool`.

:class:`Capacity` keeps the per-flight seat counters, the day's benefit uses, the budget
spent and the escort pool, and counts per tier what each resource gave, cost and failed to
give. After the horizon, unused held seats displace base passengers where base demand was
turned away (:meth:`Capacity.seats_after_horizon`). Dimensions are bits of an ``int``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from model.allocation.plan import Plan
from model.allocation.resources import ResourceTables
from model.allocation.value import tier_ranks
from model.scenario.schema import Scenario
from model.simulation.escort import EscortPool, roster_by_day
from model.simulation.outcome import Tally

__all__ = ["Capacity", "SeatsAfterHorizon"]


@dataclass(frozen=True)
class SeatsAfterHorizon:
    """The flights' seats once the horizon is over, summed over flights."""

    held: int  # seat-flights held
    held_used: int  # held seats a key-account traveller sat in
    displaced: int  # base passengers turned away who would have flown in an unused held seat
    base_revenue: float  # CNY: the fares of the base passengers who flew
    displacement: float  # CNY: the contribution of the displaced passengers' fares (× the incremental margin)


class Capacity:
    """The seats, benefits and escorts of one replication of one plan, trip by trip.

    Counters are plain Python numbers and lists (one trip reads and writes single flights,
    days and tiers); per tier: ``cost_*``, ``failures_*`` and ``held_seats``; per account:
    ``acc_held`` (seats held) and ``acc_bonus`` (recovery offers paid).
    """

    def __init__(
        self,
        scenario: Scenario,
        plan: Plan,
        rt: ResourceTables,
        env: simpy.Environment,
        base: np.ndarray,
        n_accounts: int,
    ) -> None:
        self.rt = rt
        days = scenario.time.horizon_days
        T = len(scenario.tiers)
        self.rank = tier_ranks(scenario).tolist()
        kinds = [scenario.resource_of(d).kind for d in scenario.dimensions]
        bits = [1 << j for j in range(len(kinds))]
        self.hold_bits = sum(b for b, k in zip(bits, kinds, strict=True) if k == "seat_holds")
        self.multi_bits = sum(
            b
            for b, k, d in zip(bits, kinds, scenario.dimensions, strict=True)
            if k == "seat_holds" and d.hold == "multi"
        )
        self.escort_dims = np.array([k == "escort" for k in kinds])
        self.escort_bits = sum(b for b, k in zip(bits, kinds, strict=True) if k == "escort")
        self.benefit_dims = [j for j, k in enumerate(kinds) if k == "benefit"]
        self.benefit_bits = sum(1 << j for j in self.benefit_dims)
        self.k_flights = [t.departure_uncertainty_flights for t in scenario.tiers]
        self.privacy = [int(t.privacy_seat) for t in scenario.tiers]
        self.unit_cost = np.array([d.unit_cost_cny for d in scenario.dimensions])
        # seat holds (per-flight counters as lists: one trip reads and writes single flights)
        hold_res = next((r for r in scenario.resources if r.kind == "seat_holds"), None)
        self.hold_limit = self.rt.hold_limit
        self.hold_handling = hold_res.unit_cost_cny if hold_res is not None else 0.0
        n_fl = days * len(scenario.flights.departure_hours)
        self.base = base
        self.base_list = base.tolist()
        self.held = [0] * n_fl  # seats held per flight
        self.held_used = [0] * n_fl  # held seats a key-account traveller sat in
        self.ka = [0] * n_fl  # key-account passengers without a hold
        self.seats = scenario.flights.seats
        self.base_fare = scenario.flights.base_fare_cny
        self.margin = scenario.economics.incremental_margin
        # benefits: daily capacity (with the plan's expansion spread over the days) and the budget
        self.daily_cap = [math.inf] * len(scenario.resources)
        for k, r in enumerate(scenario.resources):
            if r.kind == "benefit" and r.daily_capacity is not None:
                self.daily_cap[k] = float(r.daily_capacity + plan.expansions[k] / days)
        self.used_today = [[0.0] * len(scenario.resources) for _ in range(days)]
        self.budget = float(self.rt.budget)
        self.spent = 0.0
        self.recovery_offer = scenario.loyalty.recovery_offer_cny
        # what each combination of entitled benefits asks for, in dimension order:
        # (bit, resource, unit cost) per benefit dimension
        self._benefit_steps = [
            (1 << j, int(self.rt.dim_resource[j]), float(self.unit_cost[j])) for j in self.benefit_dims
        ]
        self._benefits_of: dict[int, list[tuple[int, int, float]]] = {}  # entitled benefit bits → their steps
        # running totals per tier and per account, as Python numbers (copied into the Tally at the end)
        self.cost_benefits = [0.0] * T
        self.cost_escort = [0.0] * T
        self.cost_holds = [0.0] * T
        self.held_seats = [0] * T
        self.failures_seat_hold, self.failures_benefit, self.failures_escort = [0] * T, [0] * T, [0] * T
        self.acc_held = [0] * n_accounts
        self.acc_bonus = [0.0] * n_accounts
        # escorts
        esc_k = self.rt.escort
        self.pool = None
        if esc_k is not None:
            r = scenario.resources[esc_k]
            roster = roster_by_day(r.staff_on_duty, plan.escort_hours_added, days)
            self.pool = EscortPool(env, r, roster, days)
        self._escort_cost: dict[int, float] = {}

    # --- the trips -------------------------------------------------------------------

    def board(self, t: int, a: int, f: int, day: int, mask: int) -> int:
        """Seat and benefits of a trip flown with us: the dimensions delivered (bits), or -1 if refused."""
        held = self.held
        delivered = 0
        wants = mask & self.hold_bits
        if wants:  # a held seat, if the flight's hold limit allows
            multi = wants & self.multi_bits
            seats_each = 1 + (self.privacy[t] if multi else 0)
            limit = self.hold_limit
            if held[f] + seats_each <= limit:
                taken = 0
                for g in range(f, f + min(self.k_flights[t] if multi else 1, len(held) - f)):
                    if held[g] + seats_each <= limit:
                        held[g] += seats_each
                        taken += seats_each
                self.held_used[f] += 1
                self.held_seats[t] += taken
                self.acc_held[a] += taken
                self.cost_holds[t] += self.hold_handling * taken
                delivered = wants
            else:
                self.failures_seat_hold[t] += 1
        if not delivered:  # without a hold: base passengers booked first, so a full flight refuses
            if self.base_list[f] + held[f] + self.ka[f] >= self.seats:
                return -1
            self.ka[f] += 1
        wanted = mask & self.benefit_bits
        if wanted:
            steps = self._benefits_of.get(wanted)
            if steps is None:
                steps = self._benefits_of[wanted] = [x for x in self._benefit_steps if wanted & x[0]]
            used, cap = self.used_today[day], self.daily_cap
            for bit, k, c in steps:
                if used[k] + 1 > cap[k] + 1e-9 or self.spent + c > self.budget + 1e-9:
                    self.failures_benefit[t] += 1
                    continue
                used[k] += 1
                self.spent += c
                self.cost_benefits[t] += c
                delivered |= bit
        return delivered

    def pay_recovery_offer(self, t: int, a: int) -> float:
        """The recovery offer of a trip flown in recovery: a benefit, paid from the benefit budget or not given (0)."""
        if self.spent + self.recovery_offer > self.budget + 1e-9:
            self.failures_benefit[t] += 1
            return 0.0
        bonus = self.recovery_offer
        self.spent += bonus
        self.cost_benefits[t] += bonus
        self.acc_bonus[a] += bonus
        return bonus

    def escort(self, t: int, escorted: int, minutes: float, leave: float, then: Callable[[bool], None]) -> None:
        """Queue a trip's escort (its staff are paid by the roster; the dimensions' unit costs are paid here).

        ``then(ok)`` is called once the escort has started before ``leave`` (ok) or failed.
        """
        cost = self._escort_cost.get(escorted)
        if cost is None:  # the unit costs of the escorted dimensions (a replaced one's by its replacement's)
            chosen = np.array([bool(escorted >> j & 1) for j in range(len(self.unit_cost))])
            for up, r in self.rt.upgrades:
                if chosen[up]:
                    chosen[r] = False
            cost = self._escort_cost[escorted] = float(self.unit_cost[chosen].sum())

        def done(ok: bool) -> None:
            if ok:
                self.cost_escort[t] += cost  # an escort that failed costs nothing beyond the roster
            else:
                self.failures_escort[t] += 1
            then(ok)

        self.pool.escort(self.rank[t], minutes, done, deadline=leave)

    # --- after the horizon ----------------------------------------------------------

    def fill_tally(self, tally: Tally) -> None:
        """Copy the per-tier costs, failures and held seats into the Tally."""
        tally.failures_seat_hold[:] = self.failures_seat_hold
        tally.failures_benefit[:] = self.failures_benefit
        tally.failures_escort[:] = self.failures_escort
        tally.cost_benefits[:] = self.cost_benefits
        tally.cost_escort[:] = self.cost_escort
        tally.cost_seat_holds[:] = self.cost_holds
        tally.held_seats[:] = self.held_seats

    def seats_after_horizon(self) -> SeatsAfterHorizon:
        """Base passengers boarded and displaced: those turned away who would have flown in unused held seats."""
        held, held_used, ka = (np.array(x, dtype=np.int64) for x in (self.held, self.held_used, self.ka))
        free_with = np.clip(self.seats - held - ka, 0, None)
        free_without = np.clip(self.seats - held_used - ka, 0, None)
        boarded = np.minimum(self.base, free_with)
        displaced = np.minimum(self.base, free_without) - boarded
        fare = self.base_fare
        return SeatsAfterHorizon(
            held=int(held.sum()),
            held_used=int(held_used.sum()),
            displaced=int(displaced.sum()),
            base_revenue=float(boarded.sum()) * fare,
            # a displaced base passenger costs the contribution of the fare, at the same margin as a key-account trip
            displacement=float(displaced.sum()) * fare * self.margin,
        )
