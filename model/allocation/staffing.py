"""How much of an hour's escort staff-time a plan may use — Erlang-sized.

DESIGN.md, *The allocator*: escort capacity is by hour band, at a maximum utilization,
because queues explode near 100%. With few staff on duty the safe utilization is far below
any one number: one escort busy 75% of the hour makes a traveller wait longer than a
20-minute patience about half the time. ``max_wait_share`` (optional, on the escort
resource) sizes each hour's utilization cap by Erlang C (M/M/c):

    P(wait > T) = C(c, a) · exp(−(c·μ − λ)·T),     a = λ/μ = c·ρ

the largest ρ whose probability of waiting longer than the patience T stays at most
``max_wait_share``, at the hour's rostered staff c (at least 1, for an hour with none on
duty where staff may be added), and the mean escort duration 1/μ of the tiers' expected
escort requests. The cap of an hour is the lower of that ρ and ``max_utilization``. The
queue is taken as M/M/c (exponential durations, a steady state within the hour): a sizing
rule, not a forecast — the simulation measures the waits.
"""

from __future__ import annotations

import math

import numpy as np

from model.allocation.demand import expected_requests
from model.scenario.schema import Scenario
from model.scenario.supply import EscortResource

__all__ = ["erlang_c", "hourly_utilization", "wait_beyond"]


def erlang_c(c: int, a: float) -> float:
    """Probability that a request waits in an M/M/c queue with offered load ``a`` = λ/μ < c (Erlang C)."""
    if a <= 0.0:
        return 0.0
    if a >= c:
        return 1.0
    # the Erlang B recursion, stable for large c, then C from B
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho + rho * b)


def wait_beyond(c: int, rho: float, mean_minutes: float, patience: float) -> float:
    """P(wait > patience) in an M/M/c queue at utilization ``rho`` with mean service ``mean_minutes``."""
    if rho >= 1.0:
        return 1.0
    a = c * rho
    return erlang_c(c, a) * math.exp(-(c - a) / mean_minutes * patience)


def _largest_utilization(c: int, mean_minutes: float, patience: float, share: float) -> float:
    """The largest ρ in [0, 1) with P(wait > patience) ≤ share (bisection: P rises with ρ)."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if wait_beyond(c, mid, mean_minutes, patience) <= share:
            lo = mid
        else:
            hi = mid
    return lo


def _mean_escort_minutes(scenario: Scenario) -> float:
    """Mean duration of the tiers' expected escort requests (the first escort dimension's), minutes."""
    dim = next(d for d in scenario.dimensions if scenario.resource_of(d).kind == "escort")
    m = expected_requests(scenario)
    weight = np.array([t.escort_need for t in scenario.tiers]) * m
    minutes = np.array([t.escort_minutes * dim.duration_factor for t in scenario.tiers])
    return float((weight * minutes).sum() / weight.sum()) if weight.sum() > 0 else float(minutes.mean())


def hourly_utilization(scenario: Scenario, resource: EscortResource) -> np.ndarray:
    """(24,) the share of each clock hour's staff-hours a plan may use."""
    cap = np.full(24, resource.max_utilization)
    if resource.max_wait_share is None or resource.patience_minutes is None:
        return cap
    if not any(scenario.resource_of(d).kind == "escort" for d in scenario.dimensions):
        return cap
    mean = _mean_escort_minutes(scenario)
    if mean <= 0.0:
        return cap
    cache: dict[int, float] = {}
    for b, staff in enumerate(resource.staff_on_duty):
        c = max(int(staff), 1)
        if c not in cache:
            cache[c] = _largest_utilization(c, mean, resource.patience_minutes, resource.max_wait_share)
        cap[b] = min(cap[b], cache[c])
    return np.maximum(cap, 1e-6)
