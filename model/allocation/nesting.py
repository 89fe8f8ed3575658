"""Nesting — DESIGN.md, *The allocator*: a higher tier gets at least what the tier below gets.

Tiers are ordered by rank; each tier is bound, on every dimension neither tier is exempt
from, to every tier of the next rank below it (``y[higher, d] ≥ y[lower, d]``). The
constraints are arrays, so a book with one tier per account (a chain of ten thousand
ranks) costs no more to state than its length.
"""

from __future__ import annotations

import numpy as np

from model.allocation.value import tier_ranks
from model.scenario.schema import Scenario

__all__ = ["effective_floors", "nesting_arrays", "nesting_pairs"]


def nesting_arrays(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nesting constraints as arrays (lower tier, higher tier, dimension), in :func:`nesting_pairs`' order.

    Each tier is bound to every tier of the next rank below it, on every dimension
    neither of the two is exempt from; pairs run by higher tier (file order), then lower
    tier, then dimension.
    """
    empty = np.zeros(0, dtype=np.int64)
    if not scenario.allocator.nesting:
        return empty, empty, empty
    dims = scenario.dimension_names
    exempt = np.array([[d in t.nesting_exempt for d in dims] for t in scenario.tiers], dtype=bool)
    _, pos = np.unique(tier_ranks(scenario), return_inverse=True)
    by_rank = np.argsort(pos, kind="stable")  # tiers grouped by rank, in file order within a rank
    size = np.bincount(pos)
    first = np.cumsum(size) - size
    b = np.flatnonzero(pos > 0)  # every tier above the lowest rank
    below = pos[b] - 1
    reps = size[below]
    within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    a = by_rank[np.repeat(first[below], reps) + within]
    b = np.repeat(b, reps)
    pair, j = np.nonzero(~exempt[a] & ~exempt[b])
    return a[pair], b[pair], j


def nesting_pairs(scenario: Scenario) -> list[tuple[int, int, int]]:
    """(lower tier, higher tier, dimension) triples the nesting constraint binds."""
    return list(zip(*(x.tolist() for x in nesting_arrays(scenario)), strict=True))


def effective_floors(
    scenario: Scenario, nesting: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Floors closed under nesting: the lowest level any feasible plan gives (T, D).

    ``nesting`` is :func:`nesting_arrays` of the scenario, when the caller has it already.
    """
    dims = scenario.dimension_names
    lo = np.array([[t.floor.get(d, 0.0) for d in dims] for t in scenario.tiers])
    if not lo.any():
        return lo
    a, b, j = nesting_arrays(scenario) if nesting is None else nesting
    # each pair binds a tier to the rank just below it: raising floors rank by rank, lowest first, closes them
    _, pos = np.unique(tier_ranks(scenario), return_inverse=True)
    for q in np.unique(pos[b]):
        sel = pos[b] == q
        np.maximum.at(lo, (b[sel], j[sel]), lo[a[sel], j[sel]])
    return lo
