"""The SimPy simulation of one replication of one plan — DESIGN.md, *The simulator*.

Trips (drawn in bulk by :mod:`model.trips`, the same for every policy) arrive at the
airport in time order. For each trip:

1. a broken account within its re-acquisition delay flies with the competitor;
   (its PV — the value the client perceives of our offer — is counted on every trip
   requested, flown with us or not, so a policy cannot gain by driving clients away);
2. otherwise the airline choice: flown with us with the loyalty logit's probability;
3. the service entitlement: dimension d is given when the trip's uniform number is
   below the plan's level (common random numbers make plans comparable trip by trip);
4. the seat: an entitled hold is taken if the flight's hold limit allows (a multi-flight
   hold takes the tier's adjacent flights and the privacy seats); without a hold the
   trip needs a free seat — base passengers book first, so a full flight refuses it;
5. benefits: delivered when the day's capacity (plus any planned expansion) and the
   benefit budget allow;
6. the escort (when entitled and the trip passes an escort airport) queues in the
   :class:`~model.escort.EscortPool`;
7. the account's experienced levels, PV, closeness and stage are updated
   (:class:`~model.loyalty.Accounts`).

After the horizon, unused held seats displace base passengers where base demand was
turned away: the displacement cost is the base fare of each such seat.
"""

from __future__ import annotations

import numpy as np
import simpy

from .demand import base_load_multipliers
from .escort import EscortPool, roster_with_expansion
from .loyalty import Accounts
from .outcome import Outcome, Tally
from .plan import Plan
from .resources import resource_tables
from .scenario import Scenario
from .trips import Trips
from .value import tier_ranks, value_tables

__all__ = ["draw_base_demand", "simulate"]


def draw_base_demand(scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """Base (non-key-account) passengers wanting each flight (days × flights, whole seats)."""
    f = scenario.flights
    mean = base_load_multipliers(scenario)[:, None] * f.base_load_factor * f.seats
    mean = np.repeat(mean, len(f.departure_hours), axis=1)
    draw = rng.normal(mean, f.base_demand_cv * mean)
    return np.clip(np.rint(draw), 0, None).astype(np.int64).ravel()


def _arrivals_by_hour(scenario: Scenario) -> np.ndarray:
    """Expected share of airport arrivals in each hour of the day (for placing extra escorts)."""
    lo, hi = scenario.flights.arrival_lead_minutes
    t = (np.asarray(scenario.flights.departure_hours)[:, None] * 60 - np.linspace(lo, hi, 13)[None, :]) % 1440
    return np.bincount((t // 60).astype(int).ravel(), minlength=24)[:24].astype(float)


class _Replication:
    """Everything one replication of one plan keeps track of."""

    def __init__(self, scenario: Scenario, plan: Plan, trips: Trips, base: np.ndarray) -> None:
        self.s, self.plan, self.trips, self.base = scenario, plan, trips, base
        self.env = simpy.Environment()
        self.vt, self.rt = value_tables(scenario), resource_tables(scenario)
        self.levels = plan.levels
        days = scenario.time.horizon_days
        self.days = days
        self.accounts = Accounts(scenario, plan.levels, self.vt)
        self.tally = Tally(len(scenario.tiers), len(scenario.dimensions), days)
        self.ranks = tier_ranks(scenario)
        kinds = [scenario.resource_of(d).kind for d in scenario.dimensions]
        self.hold_dims = [j for j, k in enumerate(kinds) if k == "seat_holds"]
        self.multi = {j for j in self.hold_dims if scenario.dimensions[j].hold == "multi"}
        self.escort_dims = np.array([k == "escort" for k in kinds])
        self.benefit_dims = [j for j, k in enumerate(kinds) if k == "benefit"]
        self.need = np.array([t.escort_need for t in scenario.tiers])
        self.k_flights = [t.departure_uncertainty_flights for t in scenario.tiers]
        self.privacy = [int(t.privacy_seat) for t in scenario.tiers]
        self.unit_cost = np.array([d.unit_cost_cny for d in scenario.dimensions])
        # seat holds
        hold_res = next((r for r in scenario.resources if r.kind == "seat_holds"), None)
        self.hold_limit = self.rt.hold_limit
        self.hold_handling = hold_res.unit_cost_cny if hold_res is not None else 0.0
        n_fl = days * len(scenario.flights.departure_hours)
        self.held = np.zeros(n_fl, dtype=np.int64)  # seats held per flight
        self.held_used = np.zeros(n_fl, dtype=np.int64)  # held seats a key-account traveller sat in
        self.ka = np.zeros(n_fl, dtype=np.int64)  # key-account passengers without a hold
        self.seats = scenario.flights.seats
        self.flown = np.zeros(len(trips), dtype=bool)  # which trips flew with us (per-traveller counts)
        # benefits: daily capacity (with the plan's expansion spread over the days) and the budget
        self.daily_cap = np.full(len(scenario.resources), np.inf)
        for k, r in enumerate(scenario.resources):
            if r.kind == "benefit" and r.daily_capacity is not None:
                self.daily_cap[k] = r.daily_capacity + plan.expansions[k] / days
        self.used_today = np.zeros((days, len(scenario.resources)))
        self.budget = self.rt.budget
        self.spent = 0.0
        self.recovery_offer = scenario.loyalty.recovery_offer_cny
        # escorts
        esc_k = next((k for k, r in enumerate(scenario.resources) if r.kind == "escort"), None)
        self.escort_wage = 0.0
        self.pool = None
        if esc_k is not None:
            r = scenario.resources[esc_k]
            self.escort_wage = r.wage_cny_per_hour
            roster = roster_with_expansion(r.staff_on_duty, plan.expansions[esc_k] / days, _arrivals_by_hour(scenario))
            self.pool = EscortPool(self.env, r, roster, days)

    # --- the trip ----------------------------------------------------------------

    def run(self) -> Outcome:
        self.env.process(self._arrivals())
        self.env.process(self._daily_stages())
        self.env.run()
        return self._outcome()

    def _daily_stages(self):
        for day in range(self.days):
            yield self.env.timeout(day * 1440.0 - self.env.now if day else 0.0)
            self.tally.stages[day] = self.accounts.stage_counts()

    def _arrivals(self):
        tr, acc, tally = self.trips, self.accounts, self.tally
        for i in range(len(tr)):
            at = float(tr.arrival[i])  # the first trips may arrive before time 0: served at once
            if at > self.env.now:
                yield self.env.timeout(at - self.env.now)
            t, a = int(tr.tier[i]), int(tr.account[i])
            tally.requested[t] += 1
            if not acc.available(a, self.env.now):
                tally.lost_broken[t] += 1
                tally.pv[t] += acc.pv[a]  # the client still judges our offer
                continue
            if not acc.flies_with_us(a, float(tr.u_choice[i])):
                tally.lost_choice[t] += 1
                tally.pv[t] += acc.pv[a]
                continue
            self._serve(i, t, a)

    def _serve(self, i: int, t: int, a: int) -> None:
        tr, tally = self.trips, self.tally
        entitled = tr.u_entitlement[i] < self.levels[t]
        delivered = np.zeros(len(entitled), dtype=bool)
        applicable = np.ones(len(entitled), dtype=bool)
        f = int(tr.flight[i])
        if not self._seat(i, t, f, entitled, delivered):
            tally.refused[t] += 1
            tally.pv[t] += self.accounts.pv[a]
            return
        tally.flown[t] += 1
        self.flown[i] = True
        tally.revenue[t] += tr.fare[i]
        day = min(int(tr.day[i]), self.days - 1)
        for j in self.benefit_dims:
            if not entitled[j]:
                continue
            k = self.rt.dim_resource[j]
            c = self.unit_cost[j]
            if self.used_today[day, k] + 1 > self.daily_cap[k] + 1e-9 or self.spent + c > self.budget + 1e-9:
                tally.failures_benefit[t] += 1
                continue
            self.used_today[day, k] += 1
            self.spent += c
            tally.cost_benefits[t] += c
            delivered[j] = True
        bonus = 0.0
        if self.recovery_offer and self.accounts.in_recovery(a):
            bonus = self.recovery_offer
            tally.cost_benefits[t] += bonus
        escorted = entitled & self.escort_dims
        if tr.u_need[i] >= self.need[t]:
            applicable[self.escort_dims] = False  # no escort airport on this trip: nothing to expect
        elif escorted.any() and self.pool is not None:
            minutes = float(tr.service_minutes[i][escorted].sum())
            tally.cost_escort[t] += float(self.unit_cost[escorted].sum())

            def done(ok: bool, t=t, a=a, delivered=delivered, escorted=escorted, bonus=bonus, minutes=minutes) -> None:
                if ok:
                    delivered[escorted] = True
                    tally.cost_escort[t] += self.escort_wage * minutes / 60.0
                else:
                    tally.failures_escort[t] += 1
                self._finish(t, a, delivered, applicable, bonus)

            self.env.process(self.pool.escort(int(self.ranks[t]), minutes, done))
            return
        self._finish(t, a, delivered, applicable, bonus)

    def _seat(self, i: int, t: int, f: int, entitled: np.ndarray, delivered: np.ndarray) -> bool:
        """Book a seat on flight ``f``, with a hold if entitled and available; False if refused."""
        wants = [j for j in self.hold_dims if entitled[j]]
        if wants:
            multi = any(j in self.multi for j in wants)
            seats_each = 1 + (self.privacy[t] if multi else 0)
            n_fl = min(self.k_flights[t] if multi else 1, len(self.held) - f)
            flights = range(f, f + n_fl)
            if self.held[f] + seats_each <= self.hold_limit:
                taken = 0
                for g in flights:
                    if self.held[g] + seats_each <= self.hold_limit:
                        self.held[g] += seats_each
                        taken += seats_each
                self.held_used[f] += 1
                self.tally.held_seats[t] += taken
                self.tally.cost_seat_holds[t] += self.hold_handling * taken
                delivered[wants] = True
                return True
            self.tally.failures_seat_hold[t] += 1
        if self.base[f] + self.held[f] + self.ka[f] < self.seats:
            self.ka[f] += 1
            return True
        return False

    def _finish(self, t: int, a: int, delivered: np.ndarray, applicable: np.ndarray, bonus: float) -> None:
        tally = self.tally
        pv = self.accounts.after_trip(a, delivered.astype(float), applicable, self.env.now, bonus)
        tally.pv[t] += pv
        tally.delivered[t] += delivered
        tally.applicable[t] += applicable

    # --- after the horizon ----------------------------------------------------------

    def _outcome(self) -> Outcome:
        s, tally = self.s, self.tally
        # displacement: base passengers turned away who would have flown in unused held seats
        free_with = np.clip(self.seats - self.held - self.ka, 0, None)
        free_without = np.clip(self.seats - self.held_used - self.ka, 0, None)
        boarded = np.minimum(self.base, free_with)
        displaced = np.minimum(self.base, free_without) - boarded
        fare = s.flights.base_fare_cny
        held_total = max(int(self.held.sum()), 1)
        displacement = float(displaced.sum()) * fare
        # attribute the displacement to tiers by their share of held seats
        share = tally.held_seats / held_total
        tally.cost_seat_holds += displacement * share
        return tally.outcome(
            scenario=s,
            plan=self.plan,
            tables=(self.vt, self.rt),
            pool=self.pool,
            base_revenue=float(boarded.sum()) * fare,
            displaced_seats=int(displaced.sum()),
            held_seats=int(self.held.sum()),
            held_used=int(self.held_used.sum()),
            breaks=self.accounts.breaks,
            single_trip_share=_single_trip_share(self.trips, self.flown),
        )


def _single_trip_share(trips: Trips, flown: np.ndarray) -> float:
    """Of the travellers who flew with us at least once in the horizon, the share who flew once."""
    if trips.traveller is None:
        return float("nan")
    per_traveller = np.bincount(trips.traveller[flown])
    flyers = np.count_nonzero(per_traveller)
    return float(np.count_nonzero(per_traveller == 1) / flyers) if flyers else float("nan")


def simulate(scenario: Scenario, plan: Plan, trips: Trips, base_demand: np.ndarray) -> Outcome:
    """Simulate one replication of a plan on the given trips and base demand."""
    return _Replication(scenario, plan, trips, base_demand).run()
