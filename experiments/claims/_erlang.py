"""The escort queue against queueing theory: Erlang C, the baseline's escort stream, a stationary variant.

The simulator's escort pool is an M/G/c queue with priorities, a roster that changes by
the hour and arrivals bunched before departures. Erlang C is the M/M/c answer: Poisson
arrivals at rate λ, exponential escorts of mean 1/μ, c staff, first come first served,
no abandonment. To hold the simulator against it, :func:`stationary_escort_scenario`
builds the case the formula is about — c staff around the clock, Poisson arrivals spread
evenly over the day, exponential durations, no patience limit — at the λ and 1/μ that
:func:`escort_stream` reads off the baseline (its escort requests per staffed hour and
their mean duration under a plan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from model.allocation.plan import Plan
from model.scenario.loading import scenario_from_dict
from model.scenario.schema import EscortResource, Scenario

__all__ = ["EscortStream", "erlang_c", "escort_stream", "mmc_mean_wait", "stationary_escort_scenario"]


def erlang_c(lam: float, mu: float, c: int) -> float:
    """Probability that an arrival waits in an M/M/c queue (Erlang C); 1 when the queue is unstable (λ ≥ cμ).

    Computed through Erlang B's recursion B(k) = a·B(k−1) / (k + a·B(k−1)), which stays
    accurate for large c where factorials overflow; C = c·B / (c − a·(1 − B)), a = λ/μ.
    """
    if lam < 0 or mu <= 0 or c < 1:
        raise ValueError(f"erlang_c needs λ ≥ 0, μ > 0 and c ≥ 1 (got λ={lam}, μ={mu}, c={c})")
    a = lam / mu
    if a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait before service in an M/M/c queue, Wq = C(c, a) / (cμ − λ); inf when unstable."""
    if lam >= c * mu:
        return math.inf
    return erlang_c(lam, mu, c) / (c * mu - lam)


@dataclass(frozen=True)
class EscortStream:
    """Escort requests of a scenario under a plan: how many, how long, and over which hours."""

    requests_per_day: float
    mean_minutes: float
    scv: float  # squared coefficient of variation of one request's duration (the mix of tiers and escorts)
    staffed_hours: int  # hours of the day with at least one escort on duty
    staff_hours_per_day: int

    @property
    def rate_per_staffed_hour(self) -> float:
        return self.requests_per_day / self.staffed_hours

    @property
    def offered_load(self) -> float:
        """a = λ/μ in Erlangs, λ per staffed hour: the staff busy on average if every request were served."""
        return self.rate_per_staffed_hour * self.mean_minutes / 60.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests_per_day": self.requests_per_day,
            "mean_minutes": self.mean_minutes,
            "duration_scv": self.scv,
            "staffed_hours_per_day": self.staffed_hours,
            "staff_hours_per_day": self.staff_hours_per_day,
            "rate_per_staffed_hour": self.rate_per_staffed_hour,
            "offered_load_erlangs": self.offered_load,
        }


def escort_stream(scenario: Scenario, plan: Plan, trips_flown: np.ndarray) -> EscortStream:
    """The escort requests implied by a plan and the trips flown per tier over the horizon.

    A trip flown with us asks for an escort when it passes an escort airport (probability
    ``escort_need``) and is entitled to at least one escort dimension; entitlements are
    independent draws per dimension (as in :mod:`model.simulation.trips`), and a trip entitled to
    several escorts is served for the sum of their durations, each gamma distributed
    with the escort resource's CV around ``escort_minutes × duration_factor``.
    """
    esc = next(r for r in scenario.resources if isinstance(r, EscortResource))
    dims = [j for j, d in enumerate(scenario.dimensions) if d.resource == esc.name]
    factor = np.array([scenario.dimensions[j].duration_factor for j in dims])
    cv2 = esc.service_cv**2
    requests = m1 = m2 = 0.0
    for i, t in enumerate(scenario.tiers):
        y = plan.levels[i, dims]
        means = t.escort_minutes * factor
        p_any = 1.0 - float(np.prod(1.0 - y))
        # E[S] and E[S²] of the sum of the entitled escorts' durations (independent Bernoulli × gamma terms)
        es = float(y @ means)
        es2 = float(y @ (means**2 * (1.0 + cv2))) + es**2 - float((y * means) @ (y * means))
        weight = float(trips_flown[i]) * t.escort_need
        requests += weight * p_any
        m1 += weight * es
        m2 += weight * es2
    days = scenario.time.horizon_days
    mean = m1 / requests if requests else 0.0
    second = m2 / requests if requests else 0.0
    roster = np.asarray(esc.staff_on_duty)
    return EscortStream(
        requests_per_day=requests / days,
        mean_minutes=mean,
        scv=second / mean**2 - 1.0 if mean else 0.0,
        staffed_hours=int(np.count_nonzero(roster)),
        staff_hours_per_day=int(roster.sum()),
    )


def stationary_escort_scenario(c: int, rate_per_hour: float, mean_minutes: float, days: int) -> Scenario:
    """M/M/c as a scenario: c escorts around the clock, Poisson requests evenly over the day, exponential escorts.

    One tier of identical travellers (gamma shape so large that every rate is the mean:
    Poisson trips), all flying with us, all needing an escort; hourly departures with
    airport arrivals 23 to 24 hours before, so arrivals are spread evenly over the day and
    no escort meets its traveller's departure (an escort ends at the departure
    at the latest: with a day to spare the durations stay exponential). Day 0 has no
    departures: its travellers would arrive before time 0, which the simulation serves at
    once, a burst that is not Poisson. No patience limit (Erlang C has no abandonment). Its
    ``standard`` policy escorts every trip.
    """
    travellers = 1000
    data = {
        "scenario": {"name": f"M/M/{c} escort queue"},
        "time": {"horizon_days": days},
        "seasons": [{"name": "empty first day", "start_day": 0, "end_day": 0, "demand_multiplier": 0.0}],
        "choice": {"intercept": 40.0, "value_per_cny": 0.0, "closeness": 0.0},  # every trip flies with us
        "loyalty": {"closeness_value_per_cny": 0.0, "break_threshold": 0.0},
        "flights": {
            "departure_hours": [float(h) for h in range(24)],
            "seats": 10_000,
            "base_load_factor": 0.0,
            "base_fare_cny": 1000,
            "arrival_lead_minutes": [1380.0, 1440.0],
        },
        "resources": [
            {"name": "escorts", "kind": "escort", "staff_on_duty": [c] * 24, "wage_cny_per_hour": 1, "service_cv": 1.0}
        ],
        "dimensions": [{"name": "escort", "resource": "escorts"}],
        "tiers": [
            {
                "name": "all",
                "accounts": 1,
                "travellers_per_account": travellers,
                "trips_per_traveller_per_year": rate_per_hour * 24 * 365 / travellers,
                "trip_rate_shape": 1e9,
                "fare_cny": 1000,
                "escort_minutes": mean_minutes,
                "expectation": {"escort": 1.0},
                "value_weight_cny": {"escort": 100},
                "standard": {"escort": 1.0},  # the `standard` policy escorts every trip
            }
        ],
    }
    return scenario_from_dict(data, source=f"stationary M/M/{c} escort queue")
