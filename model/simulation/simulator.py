"""The SimPy simulation of one replication of one plan — DESIGN.md, *The simulator*.

Trips (drawn in bulk by :mod:`model.simulation.trips`, the same for every policy) arrive at the
airport in time order. For each trip:

1. a broken account within its re-acquisition delay flies with the competitor;
   (its PV — the value the client perceives of our offer — is counted on every trip
   requested, flown with us or not, so a policy cannot gain by driving clients away);
2. otherwise the airline choice: flown with us with probability
   logistic(β0[t] + β_PV·(PV_us − PV_comp[t]) + β_c·closeness); a trip lost to the choice
   moves the account's closeness toward the competitor's offer (it may defect: broken, churned);
3. the service entitlement: the account's quota — a dimension at level y is given when
   the account's trips that received it would otherwise fall behind a share y
   (:meth:`~model.simulation.loyalty.Accounts.entitled`); no randomness;
4. the seat: an entitled hold is taken if the flight's hold limit allows (a multi-flight
   hold takes the tier's adjacent flights and the privacy seats); without a hold the
   trip needs a free seat — base passengers book first, so a full flight refuses it;
5. benefits: delivered when the day's capacity (plus any planned expansion) and the
   benefit budget allow;
6. the escort (when entitled and the trip passes an escort airport) queues in the
   :class:`~model.simulation.escort.EscortPool`;
7. the account's experienced levels, PV, closeness and stage are updated
   (:class:`~model.simulation.loyalty.Accounts`).

After the horizon, unused held seats displace base passengers where base demand was
turned away: the displacement cost is the contribution of the base fare (× the incremental margin) of each such seat.
"""

from __future__ import annotations

import gc
import math
from math import exp

import numpy as np
import simpy

from model.allocation.plan import Plan
from model.allocation.resources import resource_tables
from model.allocation.value import tier_ranks, value_tables
from model.scenario.schema import Scenario
from model.simulation.account_outcomes import account_outcomes
from model.simulation.escort import EscortPool, roster_by_day
from model.simulation.loyalty import BROKEN, RECOVERY, Accounts
from model.simulation.outcome import Outcome, Tally, single_trip_share
from model.simulation.trips import Trips

__all__ = ["simulate"]


#: Trips whose per-trip numbers are turned into Python lists at a time (bounds the memory
#: the lists take at a million trips; large enough that numpy's call overhead vanishes).
CHUNK = 1 << 15

#: Per-tier counters kept as lists while the replication runs, copied into the Tally after it.
_COUNTS = (
    "requested",
    "lost_broken",
    "lost_choice",
    "refused",
    "flown",
    "failures_seat_hold",
    "failures_benefit",
    "failures_escort",
)


class _Replication:
    """Everything one replication of one plan keeps track of.

    The trip loop is the hot path: what depends only on the plan and the trip's own
    numbers (entitlements, escort minutes, whether the trip passes an escort airport) is
    computed with numpy for a chunk of trips at once; what depends on the state (seats
    left, benefit capacity and budget, the account's loyalty, the escort queue) is done
    trip by trip on plain Python numbers, with dimensions as bits of an ``int``. The
    SimPy clock is advanced only when an event is due before the next trip, or when the
    trip requests an escort.
    """

    def __init__(
        self, scenario: Scenario, plan: Plan, trips: Trips, base: np.ndarray, accounts: Accounts | None = None
    ) -> None:
        self.s, self.plan, self.trips = scenario, plan, trips
        self.env = simpy.Environment()
        self.vt, self.rt = value_tables(scenario), resource_tables(scenario)
        self.levels = plan.levels
        days = scenario.time.horizon_days
        self.days = days
        if accounts is None:
            self.accounts = Accounts(scenario, plan.levels, self.vt)
        else:  # a later period of a rolling plan: the accounts as the last period left them, on this plan
            accounts.set_plan(scenario, plan.levels, self.vt)
            self.accounts = accounts
        T = len(scenario.tiers)
        self.tally = Tally(T, len(scenario.dimensions), days)
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
        # a replacing escort (senior escort) brings the one it replaces, its duration in place of both
        self.upgrades = [(1 << j, 1 << r) for j, r in self.rt.upgrades]
        self.replaced_bits = sum(r for _, r in self.upgrades)
        self.benefit_dims = [j for j, k in enumerate(kinds) if k == "benefit"]
        self.benefit_bits = sum(1 << j for j in self.benefit_dims)
        self.need = np.array([t.escort_need for t in scenario.tiers])
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
        # running totals per tier, as Python numbers (copied into the Tally at the end)
        self.pv_sum = [0.0] * T
        self.revenue = [0.0] * T
        self.cost_benefits = [0.0] * T
        self.cost_escort = [0.0] * T
        self.cost_holds = [0.0] * T
        self.held_seats = [0] * T
        self.requested, self.lost_broken, self.lost_choice = [0] * T, [0] * T, [0] * T
        self.refused, self.flown = [0] * T, [0] * T
        self.flew_travellers: list[int] = []  # the traveller of every trip flown with us (single-trip share)
        # per account: PV summed over its requests, seats held, recovery offers, revenue (its trips flown and
        # their services are read from self.finished at the end)
        n_accounts = int(trips.accounts_per_tier.sum())
        self.acc_pv = [0.0] * n_accounts
        self.acc_held = [0] * n_accounts
        self.acc_bonus = [0.0] * n_accounts
        self.acc_revenue = [0.0] * n_accounts
        self.failures_seat_hold, self.failures_benefit, self.failures_escort = [0] * T, [0] * T, [0] * T
        # per trip flown: tier, dimensions delivered and dimensions that did not apply (bits)
        self.finished: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])  # and the account
        # escorts
        esc_k = self.rt.escort
        self.pool = None
        if esc_k is not None:
            r = scenario.resources[esc_k]
            roster = roster_by_day(r.staff_on_duty, plan.escort_hours_added, days)
            self.pool = EscortPool(self.env, r, roster, days)
        self._escort_cost: dict[int, float] = {}

    # --- the trips -------------------------------------------------------------------

    def run(self) -> Outcome:
        self.env.process(self._arrivals())
        self.env.process(self._daily_stages())
        self.env.run()
        # accounts by stage per tier at the end of the horizon, and the breaks (churn) per tier
        self.tally.stages_by_tier = self.accounts.stage_counts_by_tier()
        self.tally.churned_by_tier = np.asarray(self.accounts.breaks_by_tier, dtype=float)
        return self._outcome()

    def _daily_stages(self):
        for day in range(self.days):
            yield self.env.timeout(day * 1440.0 - self.env.now if day else 0.0)
            self.tally.stages[day] = self.accounts.stage_counts()

    def _chunk(self, lo: int, hi: int) -> zip:
        """Per-trip numbers of trips ``lo:hi`` as Python lists (zipped), decided in bulk."""
        tr, sl = self.trips, slice(lo, hi)
        tier = tr.tier[sl]
        # each escort dimension's minutes for the trip (which of them it gets is its quota's, decided at the trip)
        minutes = tr.service_minutes[sl][:, np.flatnonzero(self.escort_dims)]
        no_airport = tr.u_need[sl] >= self.need[tier]
        day = np.minimum(tr.day[sl], self.days - 1)
        return zip(
            tr.arrival[sl].tolist(),
            tr.departure[sl].tolist(),
            tier.tolist(),
            tr.account[sl].tolist(),
            tr.flight[sl].tolist(),
            day.tolist(),
            tr.fare[sl].tolist(),
            tr.u_choice[sl].tolist(),
            minutes.tolist(),
            no_airport.tolist(),
            # without travellers the single-trip share is not computed, so the filler is never read
            (tr.traveller[sl] if tr.traveller is not None else np.zeros_like(tier)).tolist(),
            strict=True,
        )

    def _arrivals(self):
        env, acc = self.env, self.accounts
        stage, pv_of, closeness = acc.stage, acc.pv, acc.closeness
        c = self.s.choice
        # p = logistic(β0[t] + β_PV·(PV_us − PV_comp[t]) + β_c·closeness), with β0[t] − β_PV·PV_comp[t] per tier
        offset, b_pv, b_c = acc.choice_offset, c.value_per_cny, c.closeness
        to_competitor = acc.after_competitor_trip
        requested, lost_broken, lost_choice = self.requested, self.lost_broken, self.lost_choice
        pv_sum, board, finish = self.pv_sum, self._board, self._finish
        acc_pv = self.acc_pv
        flew = self.flew_travellers.append
        esc_bits = self.escort_bits if self.pool is not None else 0
        esc_pairs = [1 << int(j) for j in np.flatnonzero(self.escort_dims)]
        entitled, start = acc.entitled, acc.start_trip
        esc_all = self.escort_bits
        upgrades = self.upgrades
        replacing = sum(up for up, _ in upgrades)
        skip_minutes = [  # an escort's minutes do not count when the one replacing it is given
            next((up for up, r in upgrades if r == bit), 0) for bit in esc_pairs
        ]
        peek, timeout = env.peek, env.timeout
        for lo in range(0, len(self.trips), CHUNK):
            for at, leave, t, a, f, day, fare, u, escort_minutes, no_airport, traveller in self._chunk(lo, lo + CHUNK):
                # the first trips may arrive before time 0: served at once
                now = env.now
                if at > now:
                    if peek() <= at:
                        yield timeout(at - now)  # let what is due before this trip happen first
                        now = env.now
                    else:
                        now = at
                requested[t] += 1
                if stage[a] == BROKEN and not acc.available(a, now):
                    lost_broken[t] += 1
                    pv_sum[t] += pv_of[a]  # the client still judges our offer
                    acc_pv[a] += pv_of[a]
                    continue
                x = offset[t] + b_pv * pv_of[a] + b_c * closeness[a]  # the choice logit, as Accounts computes it
                if x >= 0:
                    p = 1.0 / (1.0 + exp(-x))
                else:
                    z = exp(x)
                    p = z / (1.0 + z)
                if not u < p:
                    lost_choice[t] += 1
                    pv_sum[t] += pv_of[a]
                    acc_pv[a] += pv_of[a]
                    to_competitor(a, now)  # closeness moves toward the competitor's offer; the account may defect
                    continue
                mask = entitled(a)  # the account's quota decides what this trip gets
                if mask & replacing:
                    for up, replaced in upgrades:
                        if mask & up:
                            mask |= replaced
                delivered = board(t, a, f, day, fare, mask)
                if delivered < 0:
                    continue
                # the quota counts the trip at once: the account's next trip may come before this one's escort ends
                start(a, mask, esc_all if no_airport else 0)
                flew(traveller)
                bonus = 0.0
                if self.recovery_offer and stage[a] == RECOVERY:
                    # the recovery offer is a benefit: paid from the benefit budget, or not given
                    if self.spent + self.recovery_offer > self.budget + 1e-9:
                        self.failures_benefit[t] += 1
                    else:
                        bonus = self.recovery_offer
                        self.spent += bonus
                        self.cost_benefits[t] += bonus
                        self.acc_bonus[a] += bonus
                if no_airport:  # no escort airport on this trip: nothing to expect
                    finish(t, a, delivered, esc_all, bonus, now, mask)
                elif mask & esc_bits:
                    if at > env.now:
                        yield env.timeout(at - env.now)  # the escort queue needs the clock at the trip
                    minutes = 0.0  # summed dimension by dimension
                    for bit, m, by in zip(esc_pairs, escort_minutes, skip_minutes, strict=True):
                        if mask & bit and not mask & by:
                            minutes += m
                    self._escort(t, a, delivered, mask & esc_bits, minutes, bonus, leave, mask)
                else:
                    finish(t, a, delivered, 0, bonus, now, mask)

    def _board(self, t: int, a: int, f: int, day: int, fare: float, mask: int) -> int:
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
                self.refused[t] += 1
                self.pv_sum[t] += self.accounts.pv[a]
                self.acc_pv[a] += self.accounts.pv[a]
                return -1
            self.ka[f] += 1
        self.flown[t] += 1
        self.revenue[t] += fare
        self.acc_revenue[a] += fare
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

    def _escort(
        self, t: int, a: int, delivered: int, escorted: int, minutes: float, bonus: float, leave: float, mask: int
    ) -> None:
        """Queue the trip's escort (its staff are paid by the roster; the dimensions' unit costs are paid here)."""
        cost = self._escort_cost.get(escorted)
        if cost is None:  # the unit costs of the escorted dimensions (a replaced one's by its replacement's)
            chosen = np.array([bool(escorted >> j & 1) for j in range(len(self.unit_cost))])
            for up, r in self.rt.upgrades:
                if chosen[up]:
                    chosen[r] = False
            cost = self._escort_cost[escorted] = float(self.unit_cost[chosen].sum())

        def done(ok: bool) -> None:
            got = delivered
            if ok:
                got |= escorted
                self.cost_escort[t] += cost  # an escort that failed costs nothing beyond the roster
            else:
                self.failures_escort[t] += 1
            self._finish(t, a, got, 0, bonus, self.env.now, mask)

        self.pool.escort(self.rank[t], minutes, done, deadline=leave)

    def _finish(self, t: int, a: int, delivered: int, skipped: int, bonus: float, now: float, entitled: int) -> None:
        pv = self.accounts.after_trip_bits(a, delivered, skipped, now, bonus, entitled)
        self.pv_sum[t] += pv
        self.acc_pv[a] += pv
        tiers, got, skip, accounts = self.finished
        tiers.append(t)
        got.append(delivered)
        skip.append(skipped)
        accounts.append(a)

    # --- after the horizon ----------------------------------------------------------

    def _fill_tally(self) -> None:
        """Copy the running totals into the Tally; service counts by tier from the trips flown."""
        tally = self.tally
        for name in _COUNTS:
            getattr(tally, name)[:] = getattr(self, name)
        tally.pv[:] = self.pv_sum
        tally.revenue[:] = self.revenue
        tally.cost_benefits[:] = self.cost_benefits
        tally.cost_escort[:] = self.cost_escort
        tally.cost_seat_holds[:] = self.cost_holds
        tally.held_seats[:] = self.held_seats
        if self.finished[0]:
            t, delivered, skipped, _ = (np.array(x, dtype=np.int64) for x in self.finished)
            T = len(tally.flown)
            for j in range(tally.delivered.shape[1]):
                tally.delivered[:, j] = np.bincount(t, weights=(delivered >> j) & 1, minlength=T)
                tally.applicable[:, j] = np.bincount(t, weights=1 - ((skipped >> j) & 1), minlength=T)

    def _outcome(self) -> Outcome:
        self._fill_tally()
        s, tally = self.s, self.tally
        held, held_used, ka = (np.array(x, dtype=np.int64) for x in (self.held, self.held_used, self.ka))
        # displacement: base passengers turned away who would have flown in unused held seats
        free_with = np.clip(self.seats - held - ka, 0, None)
        free_without = np.clip(self.seats - held_used - ka, 0, None)
        boarded = np.minimum(self.base, free_with)
        displaced = np.minimum(self.base, free_without) - boarded
        fare = s.flights.base_fare_cny
        held_total = max(int(held.sum()), 1)
        # a displaced base passenger costs the contribution of the fare, at the same margin as a key-account trip
        displacement = float(displaced.sum()) * fare * s.economics.incremental_margin
        # attribute the displacement to tiers by their share of held seats
        share = tally.held_seats / held_total
        tally.cost_seat_holds += displacement * share
        accounts = account_outcomes(
            s,
            self.rt,
            self.trips,
            self.finished,
            revenue=self.acc_revenue,
            pv=self.acc_pv,
            held=self.acc_held,
            bonus=self.acc_bonus,
            hold_cost_per_seat=self.hold_handling + displacement / held_total,
            closeness=self.accounts.closeness,
            stage=self.accounts.stage,
        )
        return tally.outcome(
            scenario=s,
            plan=self.plan,
            tables=(self.vt, self.rt),
            pool=self.pool,
            base_revenue=float(boarded.sum()) * fare,
            displaced_seats=int(displaced.sum()),
            held_seats=int(held.sum()),
            held_used=int(held_used.sum()),
            breaks=self.accounts.breaks,
            single_trip_share=single_trip_share(self.trips, self.flew_travellers),
            accounts=accounts,
        )


def simulate(
    scenario: Scenario, plan: Plan, trips: Trips, base_demand: np.ndarray, accounts: Accounts | None = None
) -> Outcome:
    """Simulate one replication of a plan on the given trips and base demand.

    ``accounts``: the accounts as a previous period left them (a rolling plan); they carry on
    from there, and hold this period's end state afterwards. By default they start afresh.
    """
    # The trip loop makes millions of short-lived objects and keeps none in a cycle once its
    # events are processed; the cyclic collector's passes over the accounts' lists find
    # nothing and cost 5–10% of the run, so it is paused for the replication.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Replication(scenario, plan, trips, base_demand, accounts).run()
    finally:
        if collecting:
            gc.enable()
