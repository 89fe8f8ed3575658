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
4. to 6. the seat, the benefits and the escort (when entitled and the trip passes an escort
   airport), where the capacity allows: :class:`~model.simulation.capacity.Capacity`;
7. the account's experienced levels, PV, closeness and stage are updated
   (:class:`~model.simulation.loyalty.Accounts`).

After the horizon, unused held seats displace base passengers where base demand was
turned away: the displacement cost is the contribution of the base fare (× the incremental margin) of each such seat,
attributed to the tiers by their share of the held seats; the replication's counts become its
:class:`~model.simulation.outcome.Outcome`.
"""

from __future__ import annotations

import gc
from math import exp

import numpy as np
import simpy

from model.allocation.plan import Plan
from model.allocation.resources import resource_tables
from model.allocation.value import value_tables
from model.scenario.schema import Scenario
from model.simulation.account_outcomes import account_outcomes
from model.simulation.capacity import Capacity
from model.simulation.loyalty import BROKEN, RECOVERY, Accounts
from model.simulation.outcome import Outcome, Tally, single_trip_share
from model.simulation.trips import Trips

__all__ = ["simulate"]


#: Trips whose per-trip numbers are turned into Python lists at a time (bounds the memory
#: the lists take at a million trips; large enough that numpy's call overhead vanishes).
CHUNK = 1 << 15

#: Per-tier counters kept as lists while the replication runs, copied into the Tally after it
#: (the capacity's counters are :class:`~model.simulation.capacity.Capacity`'s).
_COUNTS = ("requested", "lost_broken", "lost_choice", "refused", "flown")


class _Replication:
    """Everything one replication of one plan keeps track of.

    The trip loop is the hot path: what depends only on the plan and the trip's own
    numbers (entitlements, escort minutes, whether the trip passes an escort airport) is
    computed with numpy for a chunk of trips at once; what depends on the state (the
    account's loyalty; seats left, benefit capacity and budget, the escort queue: the
    :class:`~model.simulation.capacity.Capacity`) is done trip by trip on plain Python
    numbers, with dimensions as bits of an ``int``. The SimPy clock is advanced only when
    an event is due before the next trip, or when the trip requests an escort.
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
        n_accounts = int(trips.accounts_per_tier.sum())
        self.capacity = Capacity(scenario, plan, self.rt, self.env, base, n_accounts)
        # a replacing escort (senior escort) brings the one it replaces, its duration in place of both
        self.upgrades = [(1 << j, 1 << r) for j, r in self.rt.upgrades]
        self.replaced_bits = sum(r for _, r in self.upgrades)
        self.need = np.array([t.escort_need for t in scenario.tiers])
        # running totals per tier, as Python numbers (copied into the Tally at the end)
        self.pv_sum = [0.0] * T
        self.revenue = [0.0] * T
        self.requested, self.lost_broken, self.lost_choice = [0] * T, [0] * T, [0] * T
        self.refused, self.flown = [0] * T, [0] * T
        self.flew_travellers: list[int] = []  # the traveller of every trip flown with us (single-trip share)
        # per account: PV summed over its requests, revenue (its trips flown and their services are read from
        # self.finished at the end; its seats held and recovery offers are the capacity's)
        self.acc_pv = [0.0] * n_accounts
        self.acc_revenue = [0.0] * n_accounts
        # per trip flown: tier, dimensions delivered and dimensions that did not apply (bits)
        self.finished: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])  # and the account

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
        minutes = tr.service_minutes[sl][:, np.flatnonzero(self.capacity.escort_dims)]
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
        env, acc, cap = self.env, self.accounts, self.capacity
        stage, pv_of, closeness = acc.stage, acc.pv, acc.closeness
        c = self.s.choice
        # p = logistic(β0[t] + β_PV·(PV_us − PV_comp[t]) + β_c·closeness), with β0[t] − β_PV·PV_comp[t] per tier
        offset, b_pv, b_c = acc.choice_offset, c.value_per_cny, c.closeness
        to_competitor = acc.after_competitor_trip
        requested, lost_broken, lost_choice = self.requested, self.lost_broken, self.lost_choice
        refused, flown, revenue = self.refused, self.flown, self.revenue
        pv_sum, board, finish = self.pv_sum, cap.board, self._finish
        acc_pv, acc_revenue = self.acc_pv, self.acc_revenue
        flew = self.flew_travellers.append
        esc_bits = cap.escort_bits if cap.pool is not None else 0
        esc_pairs = [1 << int(j) for j in np.flatnonzero(cap.escort_dims)]
        entitled, start = acc.entitled, acc.start_trip
        esc_all = cap.escort_bits
        recovery_offer, pay_recovery_offer = cap.recovery_offer, cap.pay_recovery_offer
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
                delivered = board(t, a, f, day, mask)
                if delivered < 0:  # refused: the client still judges our offer
                    refused[t] += 1
                    pv_sum[t] += pv_of[a]
                    acc_pv[a] += pv_of[a]
                    continue
                flown[t] += 1
                revenue[t] += fare
                acc_revenue[a] += fare
                # the quota counts the trip at once: the account's next trip may come before this one's escort ends
                start(a, mask, esc_all if no_airport else 0)
                flew(traveller)
                bonus = pay_recovery_offer(t, a) if recovery_offer and stage[a] == RECOVERY else 0.0
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

    def _escort(
        self, t: int, a: int, delivered: int, escorted: int, minutes: float, bonus: float, leave: float, mask: int
    ) -> None:
        """Queue the trip's escort; the trip is finished when the escort has started or failed."""

        def done(ok: bool) -> None:
            self._finish(t, a, delivered | escorted if ok else delivered, 0, bonus, self.env.now, mask)

        self.capacity.escort(t, escorted, minutes, leave, done)

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
        self.capacity.fill_tally(tally)
        if self.finished[0]:
            t, delivered, skipped, _ = (np.array(x, dtype=np.int64) for x in self.finished)
            T = len(tally.flown)
            for j in range(tally.delivered.shape[1]):
                tally.delivered[:, j] = np.bincount(t, weights=(delivered >> j) & 1, minlength=T)
                tally.applicable[:, j] = np.bincount(t, weights=1 - ((skipped >> j) & 1), minlength=T)

    def _outcome(self) -> Outcome:
        self._fill_tally()
        s, tally, cap = self.s, self.tally, self.capacity
        seats = cap.seats_after_horizon()
        held_total = max(seats.held, 1)
        # attribute the displacement to tiers by their share of held seats
        share = tally.held_seats / held_total
        tally.cost_seat_holds += seats.displacement * share
        accounts = account_outcomes(
            s,
            self.rt,
            self.trips,
            self.finished,
            revenue=self.acc_revenue,
            pv=self.acc_pv,
            held=cap.acc_held,
            bonus=cap.acc_bonus,
            hold_cost_per_seat=cap.hold_handling + seats.displacement / held_total,
            closeness=self.accounts.closeness,
            stage=self.accounts.stage,
        )
        return tally.outcome(
            scenario=s,
            plan=self.plan,
            tables=(self.vt, self.rt),
            pool=cap.pool,
            base_revenue=seats.base_revenue,
            displaced_seats=seats.displaced,
            held_seats=seats.held,
            held_used=seats.held_used,
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
